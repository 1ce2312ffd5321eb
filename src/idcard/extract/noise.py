"""Text that is never a field: stamps and captions written over copies.

A form around a copied card (业务申请表) asks for the same fields with their labels and
another paper's particulars (住址：江西省…): its lines are dropped whole.

Stamps (复印无效, the 2×2 复禁印止 seal, 仅限…使用) are printed across the values, so OCR
reads them into value lines (良口镇复无效, 公安局印止) or as lines of their own (复禁, 复駅无效).
`find_stamps` says which characters of a line are stamp text, with their boxes, so that
they are kept out of values, a value they touched is flagged, and a caller can read the
covered span again. What counts as stamp text is data: `rules/noise.toml`.
"""

from __future__ import annotations

import heapq
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from statistics import median

from idcard.extract.labels import find_labels, form_label
from idcard.extract.pieces import Piece, line_height, piece_from_line
from idcard.extract.rules import BACK_LABELS, FRONT_LABELS, NoiseRules, RuleBook
from idcard.text import (
    Quad,
    TextLine,
    box_centre,
    box_direction,
    edge_lengths,
    share_inside,
    sub_box,
)


@dataclass(frozen=True)
class StampText:
    """Stamp characters in one OCR line: `text[start:end]` of the line, and their box."""

    line: TextLine
    start: int
    end: int
    box: Quad

    @property
    def text(self) -> str:
        return self.line.text[self.start:self.end]


@dataclass(frozen=True)
class Cleaned:
    """Pieces with noise and stamps taken out, and where the stamps were."""

    pieces: list[Piece]
    stamps: list[StampText]
    # A form's lines were among them (dropped): the card is only part of the text.
    on_form: bool = False


# A line this long made only of stamp text is a stamp's words; a shorter one could be a
# value misread into stamp characters (无效), which a second reading may correct.
_WHOLE_STAMP = 4


def never_a_value(text: str, rules: RuleBook) -> bool:
    """Whether a whole OCR line is print that no field takes: a label word (as printed or
    as OCR misreads it), a side's title (中华人民共和国), or a stamp's words. Reading such a
    line again changes no field."""
    if text in rules.side.front or text in rules.side.back or text in rules.label_words:
        return True
    if len(text) < _WHOLE_STAMP:
        return False
    covered = {i for start, end in stamp_spans(text, rules.noise) for i in range(start, end)}
    return len(covered) == len(text)


def find_stamps(line: TextLine, rules: RuleBook) -> list[StampText]:
    """Which characters of the line are stamp text (none for a line without any)."""
    piece = piece_from_line(line)
    if piece is None:
        return []
    return [_stamp_text(piece, a, b) for a, b in stamp_spans(piece.text, rules.noise)]


def drop_noise(pieces: Iterable[Piece], rules: RuleBook) -> Cleaned:
    """Pieces with noise phrases and stamp text cut out (and everything after a stamp's
    opening words), and the stamp text that was cut."""
    kept: list[Piece] = []
    stamps: list[StampText] = []
    pieces = list(pieces)
    form = [piece for piece in pieces if _form_text(piece, rules)]
    pieces = [piece for piece in pieces if piece not in form]
    tilted = _tilted_lines([piece.line for piece in pieces], rules.noise)
    stamps += [_stamp_text(p, 0, len(p.glyphs)) for p in pieces if id(p.line) in tilted]
    pieces = [p for p in pieces if id(p.line) not in tilted]
    # Captions first: their words (此复印件, 复印件无效) hold stamp characters, and cutting
    # those first would leave the caption's other characters behind.
    for part in (part for piece in pieces for part in _clean(piece, rules)):
        spans = stamp_spans(part.text, rules.noise)
        stamps += [_stamp_text(part, a, b) for a, b in spans]
        rest = _without(part, spans)
        if rest is not None:
            kept.append(rest)
    # A lone stamp character is stamp text only in context: read where a stamp already
    # recognised lies (a second look at a region under the stamp reads 效 alone).
    inside = [p for p in kept if len(p.glyphs) == 1 and p.text in rules.noise.stamp_chars
              and any(share_inside(p.box, s.box) >= _LONE_CHAR_INSIDE for s in stamps)]
    stamps += [_stamp_text(p, 0, 1) for p in inside]
    # Or read on a line of its own, drawn much larger than the print.
    outsized = [p for p in kept if p not in inside and _outsized_stamp_char(p, pieces, rules)]
    stamps += [_stamp_text(p, 0, 1) for p in outsized]
    return Cleaned([p for p in kept if p not in inside and p not in outsized], stamps,
                   on_form=bool(form))


def _outsized_stamp_char(piece: Piece, pieces: Sequence[Piece], rules: RuleBook) -> bool:
    """Whether the piece is a stamp character read alone on its line, at least
    `outsized_char` times the median height of the lines read."""
    if len(piece.line.text) != 1 or piece.text not in rules.noise.stamp_chars:
        return False
    typical = median(line_height(p.line) for p in pieces)
    return line_height(piece.line) >= rules.noise.outsized_char * typical


def _form_text(piece: Piece, rules: RuleBook) -> bool:
    """A form's line around a card (住址：江西省…, 性别：女 民族：汉): a label, a form's mark
    and particulars, which are another paper's and never the card's values."""
    hits = find_labels([piece], (*FRONT_LABELS, *BACK_LABELS), rules)
    return any(form_label(hit, rules) for hit in hits)


def _tilted_lines(lines: Sequence[TextLine], rules: NoiseRules) -> set[int]:
    """The ids of the lines that run more than `max_tilt` degrees off the direction of
    the lines nearest them (noise.toml): a stamp laid at an angle across the print."""
    long = {id(line): line for line in lines if _length_in_heights(line) >= rules.tilt_min_length}
    if len(long) <= _MIN_TILT_NEIGHBOURS:
        return set()
    overall = median(box_direction(line.box) for line in long.values())
    # Only a line off the direction of all of them can be off its neighbours' (a card at
    # another angle on the page is, and is judged by its own lines); where more lines are
    # off than a page of cards holds, all are judged against that direction alone.
    off = [key for key, line in long.items()
           if _angle_between(box_direction(line.box), overall) > rules.max_tilt]
    if len(off) > _MOST_LINES_JUDGED:
        return set(off)
    found: set[int] = set()
    for key in off:
        line = long[key]
        others = heapq.nsmallest(rules.tilt_neighbours,
                                 (other for other_key, other in long.items() if other_key != key),
                                 key=lambda other: _distance(line, other))
        around = median(box_direction(other.box) for other in others)
        if _angle_between(box_direction(line.box), around) > rules.max_tilt:
            found.add(key)
    return found


# Fewer lines around one than this say nothing of the print's direction.
_MIN_TILT_NEIGHBOURS = 3
# Lines off the overall direction beyond this many are judged against it alone: finding
# each one's neighbours grows with the square of the lines (a page of text at random
# angles is no card's print anyway).
_MOST_LINES_JUDGED = 100


def _angle_between(a: float, b: float) -> float:
    difference = abs(a - b) % 180.0
    return min(difference, 180.0 - difference)


def _length_in_heights(line: TextLine) -> float:
    length, height = edge_lengths(line.box)
    return length / height if height > 0 else 0.0


def _distance(line: TextLine, other: TextLine) -> float:
    (ax, ay), (bx, by) = box_centre(line.box), box_centre(other.box)
    return math.hypot(ax - bx, ay - by)


# Share of a lone stamp character's box that must lie inside a recognised stamp's box.
_LONE_CHAR_INSIDE = 0.5


def stamp_spans(text: str, rules: NoiseRules) -> list[tuple[int, int]]:
    """Character ranges [start, end) of `text` that are stamp text, left to right."""
    stamp_chars = rules.stamp_chars
    if len(text) >= rules.min_stamp_fragment and all(c in stamp_chars for c in text):
        return [(0, len(text))]  # a line of stamp characters only, in whatever order
    spans = _enclosed(text, rules.enclosing)
    position = 0
    while position < len(text):
        end = max((_fragment_end(text, position, stamp, rules.min_stamp_fragment)
                   for stamp in rules.stamps), default=position)
        if end > position and not any(a < end and position < b for a, b in spans):
            spans.append((position, end))
            position = end
        else:
            position += 1
    return sorted(spans)


def _fragment_end(text: str, start: int, stamp: str, least: int) -> int:
    """Where a run of `stamp`'s characters in its order, starting at `start`, ends.

    Stamp characters may be missing from the run (hidden under the value's ink); unknown
    characters may stand in for missing ones, but only between two matched characters,
    so the value's own characters on either side are never taken. Returns `start` when
    fewer than `least` characters match.
    """
    at = stamp.find(text[start])
    if at < 0:
        return start
    matched, end, unknown = 1, start + 1, 0
    for position in range(start + 1, len(text)):
        found = stamp.find(text[position], at + 1)
        if found >= 0 and found - at - 1 >= unknown:
            matched, end, unknown, at = matched + 1, position + 1, 0, found
        elif text[position] not in stamp and unknown < len(stamp) - at - 2:
            unknown += 1  # a misread stamp character, if a matched one follows
        else:
            break
    return end if matched >= least else start


def _enclosed(text: str, pairs: Sequence[tuple[str, str]]) -> list[tuple[int, int]]:
    """Spans from a character of an opening word to the closing word (仅限…使用)."""
    spans: list[tuple[int, int]] = []
    for opening, closing in pairs:
        close = text.find(closing)
        if close < 0:
            continue
        starts = [i for i in range(close) if text[i] in opening]
        if starts:
            spans.append((starts[0], close + len(closing)))
    return spans


def _stamp_text(piece: Piece, start: int, end: int) -> StampText:
    first, last = piece.glyphs[start], piece.glyphs[end - 1]
    return StampText(piece.line, first.index, last.index + 1,
                     sub_box(piece.line.box, first.start, last.end))


def _without(piece: Piece, spans: Sequence[tuple[int, int]]) -> Piece | None:
    """The piece without the characters in `spans` (one piece: the value either side of
    a stamp stays together; a wide gap left behind is split later like any other)."""
    if not spans:
        return piece
    glyphs = tuple(g for i, g in enumerate(piece.glyphs)
                   if not any(a <= i < b for a, b in spans))
    return Piece(piece.line, glyphs, piece.turned) if glyphs else None


def _clean(piece: Piece, rules: RuleBook) -> list[Piece]:
    text = piece.text
    end = len(text)
    for prefix in rules.noise.prefix_phrases:
        found = text.find(prefix)
        if found >= 0:
            end = min(end, found)
    spans: list[tuple[int, int]] = []
    for phrase in rules.noise.phrases:
        start = text.lower().find(phrase.lower())
        while start >= 0:
            spans.append((start, start + len(phrase)))
            start = text.lower().find(phrase.lower(), start + 1)
    parts: list[Piece] = []
    position = 0
    for start, stop in sorted(spans):
        if start >= end:
            break
        part = piece.cut(position, start)
        if part is not None:
            parts.append(part)
        position = max(position, stop)
    tail = piece.cut(position, end)
    if tail is not None:
        parts.append(tail)
    return parts
