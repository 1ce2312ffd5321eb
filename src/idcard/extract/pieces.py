"""OCR lines cut into pieces of characters that still know where they sit.

A `Piece` is a run of characters of one `TextLine` (all of it, or what is left after a
label or a stamp was cut out). Each character keeps its confidence and its extent along
the line, so any run of characters can be given a box in image pixels.
"""

from __future__ import annotations

import math
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import cached_property
from itertools import pairwise
from statistics import fmean

from idcard.text import Quad, TextLine, sub_box, union_box


@dataclass(frozen=True)
class Glyph:
    """One character: as normalised, as OCR printed it, how sure, and where (0..1 of the line,
    and `index`, its position in the line's text)."""

    char: str
    raw: str
    confidence: float
    start: float
    end: float
    index: int = 0


@dataclass(frozen=True)
class Piece:
    """A run of one line's characters. Its text and boxes are worked out once (cached):
    the rules ask for them again and again."""

    line: TextLine
    glyphs: tuple[Glyph, ...]
    # The image size when the line reads upside down (a card turned 180° next to an upright
    # one): layout geometry then uses the box turned about the image centre, so rows and
    # columns of that card compare the way they would upright. Field boxes never turn.
    turned: tuple[float, float] | None = None

    @cached_property
    def text(self) -> str:
        return "".join(g.char for g in self.glyphs)

    @cached_property
    def raw(self) -> str:
        return "".join(g.raw for g in self.glyphs)

    @cached_property
    def box(self) -> Quad:
        return sub_box(self.line.box, self.glyphs[0].start, self.glyphs[-1].end)

    @property
    def confidence(self) -> float:
        return fmean(g.confidence for g in self.glyphs)

    def cut(self, start: int, end: int) -> Piece | None:
        """Characters [start, end) as a piece, or None when that is empty."""
        glyphs = self.glyphs[max(0, start):end]
        return Piece(self.line, glyphs, self.turned) if glyphs else None

    @cached_property
    def layout_box(self) -> Quad:
        box = self.box
        if self.turned is None:
            return box
        width, height = self.turned
        a, b, c, d = ((width - x, height - y) for x, y in box)
        return (a, b, c, d)

    # Axis-aligned extents for layout (the pipeline hands us levelled text).
    @cached_property
    def left(self) -> float:
        return min(p[0] for p in self.layout_box)

    @cached_property
    def right(self) -> float:
        return max(p[0] for p in self.layout_box)

    @cached_property
    def top(self) -> float:
        return min(p[1] for p in self.layout_box)

    @cached_property
    def bottom(self) -> float:
        return max(p[1] for p in self.layout_box)

    @cached_property
    def centre_y(self) -> float:
        return (self.top + self.bottom) / 2.0

    @cached_property
    def height(self) -> float:
        return max(1.0, line_height(self.line))


def line_height(line: TextLine) -> float:
    (x0, y0), (x1, y1), (x2, y2), (x3, y3) = line.box
    left = math.hypot(x3 - x0, y3 - y0)
    right = math.hypot(x2 - x1, y2 - y1)
    return (left + right) / 2.0


def reads_upside_down(line: TextLine) -> bool:
    """Whether the box's reading direction points left (text turned 180°)."""
    (x0, y0), (x1, y1) = line.box[0], line.box[1]
    return x1 - x0 < 0 and abs(x1 - x0) > abs(y1 - y0)


def piece_from_line(line: TextLine, image_size: tuple[int, int] = (0, 0)) -> Piece | None:
    """The whole line as a piece: NFKC-folded (full-width digits → ASCII), spaces dropped."""
    text = line.text
    if not text:
        return None
    confidences = _per_char(line.char_confidences, len(text), line.confidence)
    bounds = _char_bounds(line.char_positions, len(text))
    glyphs: list[Glyph] = []
    for index, (raw, confidence, (start, end)) in enumerate(
            zip(text, confidences, bounds, strict=True)):
        for char in unicodedata.normalize("NFKC", raw):
            if not char.isspace() and unicodedata.category(char)[0] != "C":
                glyphs.append(Glyph(char, raw, _clamp(confidence), start, end, index))
    if not glyphs:
        return None
    turned = (float(image_size[0]), float(image_size[1])) if reads_upside_down(line) else None
    return Piece(line, tuple(glyphs), turned)


def _clamp(value: float) -> float:
    value = float(value)
    return 0.0 if value != value else min(1.0, max(0.0, value))  # NaN -> 0


def _per_char(values: Sequence[float], count: int, default: float) -> list[float]:
    return list(values) if len(values) == count else [default] * count


def _char_bounds(positions: Sequence[float], count: int) -> list[tuple[float, float]]:
    """Each character's [start, end) along the line: halfway to its neighbours' centres."""
    centres = [float(c) for c in positions]
    if len(centres) != count or any(not 0.0 <= c <= 1.0 for c in centres) or \
            any(b < a for a, b in pairwise(centres)):
        centres = [(i + 0.5) / count for i in range(count)]
    cuts = [0.0] + [(a + b) / 2.0 for a, b in pairwise(centres)] + [1.0]
    return list(pairwise(cuts))


@dataclass(frozen=True)
class Char:
    """A character of a value being assembled from several pieces, and the line it is on."""

    glyph: Glyph
    line: TextLine

    @property
    def char(self) -> str:
        return self.glyph.char


def chars_of(pieces: Iterable[Piece]) -> list[Char]:
    return [Char(g, p.line) for p in pieces for g in p.glyphs]


def box_of(chars: Sequence[Char]) -> Quad:
    """Union of the boxes of each run of consecutive characters from the same line."""
    boxes: list[Quad] = []
    run_start = 0
    for i in range(1, len(chars) + 1):
        if i == len(chars) or chars[i].line is not chars[run_start].line:
            first, last = chars[run_start].glyph, chars[i - 1].glyph
            boxes.append(sub_box(chars[run_start].line.box, first.start, last.end))
            run_start = i
    return union_box(boxes)


def raw_of(chars: Sequence[Char]) -> str:
    return "".join(c.glyph.raw for c in chars)


def confidence_of(chars: Sequence[Char]) -> float:
    """A value read from several lines is as sure as its least sure line (the mean of
    that line's characters, or its `doubt` when lower), so a field's confidence means
    the same however it was assembled."""
    by_line: dict[int, list[float]] = {}
    doubts: dict[int, float] = {}
    for c in chars:
        by_line.setdefault(id(c.line), []).append(c.glyph.confidence)
        doubts[id(c.line)] = c.line.doubt
    return min(min(fmean(values), doubts[line]) for line, values in by_line.items()) \
        if by_line else 0.0
