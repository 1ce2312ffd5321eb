"""Finding printed labels (姓名, 住址, 签发机关, ...) in OCR text, misread or merged with values."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import cached_property

from idcard.extract.pieces import Piece
from idcard.extract.rules import RuleBook
from idcard.extract.words import edit_distance


@dataclass(frozen=True)
class LabelHit:
    """Label `label` found at characters [start, end) of `piece`, `distance` edits away."""

    label: str
    piece: Piece
    start: int
    end: int
    distance: int

    # Cached: placing a card's frame asks each hit for its span's extents hundreds of
    # times, and a fresh cut would work each one out again.
    @cached_property
    def span(self) -> Piece:
        found = self.piece.cut(self.start, self.end)
        assert found is not None  # a hit is never empty
        return found


# A form may word a label longer than the card does (出生日期 for 出生): its mark may
# follow the card's label this many characters later.
_FORM_LABEL_TAIL = 2


def form_label(hit: LabelHit, rules: RuleBook) -> bool:
    """Whether a label is followed, in its own piece, by a form's mark and the particulars
    after it (出生日期：1961年…): a form asking for a card's fields, not the card."""
    marks = rules.labels.form_marks
    text = hit.piece.text
    start = hit.end - 1 if text[hit.end - 1] in marks else hit.end  # a spelling ending in one
    for at in range(start, min(len(text), start + _FORM_LABEL_TAIL + 1)):
        if text[at] in marks:
            return bool(text[at + 1:].strip())
    return False


def find_word(piece: Piece, word: str, rules: RuleBook) -> list[tuple[int, int, int]]:
    """Every (start, end, distance) where `word` appears in the piece within allowed edits."""
    return list(rules.word_finder.find(piece.text, word))


def looks_like_label(piece: Piece, label: str, rules: RuleBook) -> bool:
    """A short text that is half or more one of the label's spellings: a misread label."""
    text = piece.text
    for spelling in rules.labels.labels[label].spellings:
        if len(text) <= len(spelling) + 1 and \
                edit_distance(text, spelling, rules.labels.char_aliases) <= len(spelling) // 2:
            return True
    return False


def find_labels(pieces: Iterable[Piece], labels: Iterable[str], rules: RuleBook) -> list[LabelHit]:
    """All non-overlapping label hits, best (fewest edits, then longest) first."""
    candidates: list[LabelHit] = []
    names = list(labels)
    find = rules.word_finder.find
    for piece in pieces:
        for label in names:
            for spelling in rules.labels.labels[label].spellings:
                candidates += [LabelHit(label, piece, a, b, d)
                               for a, b, d in find(piece.text, spelling)]
    # Equally near two labels' spellings (性刻: one edit from 性别, and from 性名, an
    # alias of 姓名), the label whose own text it is nearer, character for character
    # (no misreading forgiven), wins.
    candidates.sort(key=lambda h: (h.distance, _from_text(h, rules), -(h.end - h.start)))
    accepted: list[LabelHit] = []
    taken: dict[int, list[tuple[int, int]]] = {}  # by piece: the spans accepted in it
    for hit in candidates:
        spans = taken.setdefault(id(hit.piece), [])
        if not any(start < hit.end and hit.start < end for start, end in spans):
            accepted.append(hit)
            spans.append((hit.start, hit.end))
    return accepted


def _from_text(hit: LabelHit, rules: RuleBook) -> int:
    """Edits from what the hit covers to its label's own text (not an alias), each
    character different counting, a known misreading or not."""
    covered = hit.piece.text[hit.start:hit.end]
    return edit_distance(covered, rules.labels.labels[hit.label].text, {})


def best_hits(hits: list[LabelHit]) -> dict[str, LabelHit]:
    """One hit per label: the first (best) of each."""
    best: dict[str, LabelHit] = {}
    for hit in hits:
        best.setdefault(hit.label, hit)
    return best


def consistent_hits(hits: list[LabelHit],
                    places: Mapping[str, tuple[float, float]]) -> list[LabelHit]:
    """Hits whose position agrees with the other labels' (canonical left x, centre y).

    A label's word can occur inside a value (民族大道, 出生巷 in an address); such a hit sits
    on the wrong row or column relative to the real labels. Each hit is scored by how many
    other labels it lines up with; hits scoring worse than half are dropped, and of several
    hits for one label only the best-placed one stays.
    """
    placed = [h for h in hits if h.label in places]
    scores = {id(h): _placement_score(h, placed, places) for h in placed}
    best: dict[str, LabelHit] = {}
    for hit in placed:
        current = best.get(hit.label)
        if scores[id(hit)] >= 0 and (current is None or
                                     _rank(hit, scores) > _rank(current, scores)):
            best[hit.label] = hit
    kept = [h for h in hits if h.label not in places]
    return kept + [h for h in hits if best.get(h.label) is h]


def _rank(hit: LabelHit, scores: Mapping[int, int]) -> tuple[int, int, int, float]:
    return (scores[id(hit)], -hit.distance, hit.start == 0, -hit.span.left)


def _placement_score(hit: LabelHit, placed: list[LabelHit],
                     places: Mapping[str, tuple[float, float]]) -> int:
    """Agreements minus disagreements with the other labels' relative positions."""
    score = 0
    for other in placed:
        if other.label == hit.label:
            continue
        (hx, hy), (ox, oy) = places[hit.label], places[other.label]
        tolerance = 0.6 * max(hit.span.height, other.span.height)
        dy = hit.span.centre_y - other.span.centre_y
        row_ok = abs(dy) <= tolerance if abs(hy - oy) < 0.02 else \
            dy * (hy - oy) > 0 and abs(dy) > tolerance
        score += 1 if row_ok else -1
        if abs(hx - ox) < 0.02:  # same column: left edges line up
            score += 1 if abs(hit.span.left - other.span.left) <= 2.5 * tolerance else -1
    return score
