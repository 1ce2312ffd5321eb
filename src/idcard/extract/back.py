"""Reading the emblem side (国徽面): issuing authority and validity period."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from idcard.extract.labels import (
    LabelHit,
    best_hits,
    consistent_hits,
    find_labels,
    find_word,
    looks_like_label,
)
from idcard.extract.layout import (
    Frame,
    Segment,
    cut_out_labels,
    estimate_frame,
    on_row,
    row_centre,
    rows_of,
    typical_height,
)
from idcard.extract.pieces import Piece, chars_of
from idcard.extract.rules import BACK_LABELS, RuleBook
from idcard.extract.values import Value, read_authority, read_period

# Endings of an issuing authority's name, for finding it without its label.
_AUTHORITY_ENDINGS = ("公安局", "分局", "派出所", "公安处")


@dataclass
class BackDraft:
    values: dict[str, Value] = field(default_factory=dict)
    labels: dict[str, LabelHit] = field(default_factory=dict)
    frame: Frame | None = None


def read_back(pieces: Sequence[Piece], image_size: tuple[int, int],
              rules: RuleBook) -> BackDraft:
    hits_all = consistent_hits(find_labels(pieces, BACK_LABELS, rules),
                               rules.layout.back_labels)
    hits = best_hits(hits_all)
    frame = estimate_frame(hits, rules.layout.back_labels, pieces, image_size, rules.layout)
    height = typical_height(pieces)
    segments = [s for s in cut_out_labels(pieces, hits_all) if not _is_title(s.piece, rules)]
    draft = BackDraft(labels=hits, frame=frame)
    period_row = _label_row(segments, hits.get("valid_period"), height) or \
        _unlabelled(_find_period_row(segments, height, rules), "valid_period", frame, rules)
    period = read_period(chars_of(s.piece for s in period_row), rules) if period_row else None
    if period is not None:
        if period.valid_from is not None:
            draft.values["valid_from"] = period.valid_from
        if period.valid_until is not None:
            draft.values["valid_until"] = period.valid_until
    rest = [s for s in segments if s not in period_row]
    authority_row = _label_row(rest, hits.get("issuing_authority"), height) or \
        _unlabelled(_find_authority_row(rest, period_row, height), "issuing_authority", frame,
                    rules)
    authority = read_authority(chars_of(s.piece for s in authority_row))
    if authority is not None:
        draft.values["issuing_authority"] = authority
    return draft


def _unlabelled(row: list[Segment], label: str, frame: Frame, rules: RuleBook) -> list[Segment]:
    """A row found without its label: drop what reads like the misread label or sits left of
    the value column."""
    row = [s for s in row if not looks_like_label(s.piece, label, rules)]
    if frame.anchored:
        column = frame.x0 + (rules.layout.back_value_column - 0.03) * frame.width
        row = [s for s in row if s.piece.right > column]
    return row


def _is_title(piece: Piece, rules: RuleBook) -> bool:
    """中华人民共和国 / 居民身份证: card furniture, never a value."""
    titles = [w for w in rules.side.back if w not in _label_texts(rules)]
    return any(find_word(piece, title, rules) for title in titles) and len(piece.text) <= 14


def _label_texts(rules: RuleBook) -> set[str]:
    return {rules.labels.labels[name].text for name in BACK_LABELS}


def _label_row(segments: Sequence[Segment], hit: LabelHit | None,
               height: float) -> list[Segment]:
    if hit is None:
        return []
    span = hit.span
    row = on_row(segments, span.centre_y, max(span.height, height))
    return [s for s in row if s.piece.left >= span.left]


def _find_period_row(segments: Sequence[Segment], height: float,
                     rules: RuleBook) -> list[Segment]:
    """Without its label, the period is the lowest row that reads as a date range."""
    for row in reversed(rows_of(segments, height)):
        if read_period(chars_of(s.piece for s in row), rules) is not None:
            return row
    return []


def _find_authority_row(segments: Sequence[Segment], period_row: Sequence[Segment],
                        height: float) -> list[Segment]:
    rows = rows_of(segments, height)
    for row in rows:
        # The row's text as a whole: a gap (a stamp's stroke) may split 公安 from 局.
        text = "".join(s.piece.text for s in row)
        if any(ending in text for ending in _AUTHORITY_ENDINGS):
            return row
    if period_row:
        # The authority sits on the row just above the validity period.
        above = [r for r in rows if row_centre(r) < row_centre(period_row)]
        if above and row_centre(period_row) - row_centre(above[-1]) <= 3.0 * height:
            return above[-1]
    return []
