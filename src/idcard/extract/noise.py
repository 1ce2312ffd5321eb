"""Dropping text that is never a field: stamps and captions written over copies."""

from __future__ import annotations

from collections.abc import Iterable

from idcard.extract.pieces import Piece
from idcard.extract.rules import RuleBook


def drop_noise(pieces: Iterable[Piece], rules: RuleBook) -> list[Piece]:
    """Pieces with noise phrases cut out (and everything after a stamp's opening words)."""
    kept: list[Piece] = []
    for piece in pieces:
        kept += _clean(piece, rules)
    return kept


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
