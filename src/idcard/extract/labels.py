"""Finding printed labels (姓名, 住址, 签发机关, ...) in OCR text, misread or merged with values."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from idcard.extract.pieces import Piece
from idcard.extract.rules import RuleBook


@dataclass(frozen=True)
class LabelHit:
    """Label `label` found at characters [start, end) of `piece`, `distance` edits away."""

    label: str
    piece: Piece
    start: int
    end: int
    distance: int

    @property
    def span(self) -> Piece:
        found = self.piece.cut(self.start, self.end)
        assert found is not None  # a hit is never empty
        return found


def edit_distance(text: str, word: str, aliases: Mapping[str, str]) -> int:
    """Levenshtein distance where a known misreading of a word character costs nothing."""
    previous = list(range(len(word) + 1))
    for i, char in enumerate(text, 1):
        current = [i]
        for j, wanted in enumerate(word, 1):
            same = char == wanted or char in aliases.get(wanted, "")
            current.append(min(previous[j] + 1, current[j - 1] + 1,
                               previous[j - 1] + (0 if same else 1)))
        previous = current
    return previous[-1]


def allowed_edits(word: str, at_start: bool, alone: bool, min_fuzzy_length: int) -> int:
    """How many edits still count as this label.

    Long labels (公民身份号码) survive a couple of misreads anywhere. A two-character label
    with one misread character is accepted only as a box of its own: inside running text
    "one character of 姓名" is far too common to mean anything.
    """
    if len(word) >= min_fuzzy_length:
        return 1 + len(word) // 6
    return 1 if at_start and alone else 0


def find_word(piece: Piece, word: str, rules: RuleBook) -> list[tuple[int, int, int]]:
    """Every (start, end, distance) where `word` appears in the piece within allowed edits."""
    text = piece.text
    aliases = rules.labels.char_aliases
    min_fuzzy = rules.thresholds.fuzzy_label_min_length
    fuzzy = len(word) >= min_fuzzy
    lengths = (len(word) - 1, len(word), len(word) + 1) if fuzzy else (len(word),)
    found: list[tuple[int, int, int]] = []
    for start in range(len(text)):
        best: tuple[int, int, int] | None = None
        for length in lengths:
            end = start + length
            if end > len(text) or length <= 0:
                continue
            window = text[start:end]
            limit = allowed_edits(word, start == 0, len(text) == length, min_fuzzy)
            if fuzzy and not _shares_ends(window, word, aliases):
                continue
            distance = edit_distance(window, word, aliases)
            if distance <= limit and (best is None or distance < best[2]):
                best = (start, end, distance)
        if best is not None:
            found.append(best)
    return found


def _shares_ends(window: str, word: str, aliases: Mapping[str, str]) -> bool:
    # A cheap filter before the edit distance: a real hit keeps its first or last character.
    def same(a: str, b: str) -> bool:
        return a == b or a in aliases.get(b, "")
    return same(window[0], word[0]) or same(window[-1], word[-1]) or \
        (len(window) > 1 and same(window[1], word[1]))


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
    for piece in pieces:
        for label in names:
            for spelling in rules.labels.labels[label].spellings:
                candidates += [LabelHit(label, piece, a, b, d)
                               for a, b, d in find_word(piece, spelling, rules)]
    candidates.sort(key=lambda h: (h.distance, -(h.end - h.start)))
    accepted: list[LabelHit] = []
    for hit in candidates:
        if not any(h.piece is hit.piece and h.start < hit.end and hit.start < h.end
                   for h in accepted):
            accepted.append(hit)
    return accepted


def best_hits(hits: list[LabelHit]) -> dict[str, LabelHit]:
    """One hit per label: the first (best) of each."""
    best: dict[str, LabelHit] = {}
    for hit in hits:
        best.setdefault(hit.label, hit)
    return best
