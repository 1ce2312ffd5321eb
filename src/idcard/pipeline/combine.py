"""Choosing and merging what the views read, and mapping boxes back to the client's
pixels."""

from __future__ import annotations

from statistics import median

import msgspec
import numpy as np

from idcard.card import FRONT_FIELDS, CardFields, CardReading, Field, Notice, SideHint
from idcard.extract import merge_sides
from idcard.pipeline.one_view import CardRead
from idcard.text import box_centre, edge_lengths, union_box

# Text this close to the image border (share of the longer side) is likely cut off.
_BORDER_MARGIN = 0.01


def combine(reads: list[CardRead], side: SideHint) -> CardReading:
    """One reading from the cards read: a front and a back merged (or the hinted side
    kept), else the largest card with a `multiple_cards` warning. Trims `reads` to those
    used."""
    if len(reads) == 1:
        return reads[0].reading
    front = next((r for r in reads if r.reading.side == "front"), None)
    back = next((r for r in reads if r.reading.side == "back"), None)
    if front is not None and back is not None:
        if side == "auto":
            reads[:] = [front, back]
            return merge_sides(front.reading, back.reading)
        reads[:] = [front if side == "front" else back]
        return reads[0].reading
    cards = _one_read_per_card(reads)
    # Outlines come largest first, but cards placed by their print on a page do not.
    cards.sort(key=_print_height, reverse=True)
    reads[:] = cards[:1]
    first = reads[0].reading
    if len(cards) > 1:
        first.warnings.append(Notice(
            "multiple_cards", "more than one card was found; the largest one was read"))
    return first


def _one_read_per_card(reads: list[CardRead]) -> list[CardRead]:
    """The reads of distinct cards: of two that read a field at one place in the client's
    image (one card in two groupings of a page's lines), the one with more fields."""
    kept: list[CardRead] = []
    for read in sorted(reads, key=lambda r: r.field_count, reverse=True):
        if not any(_same_card(read, other) for other in kept):
            kept.append(read)
    return kept


def _same_card(a: CardRead, b: CardRead) -> bool:
    for name in CardFields.__struct_fields__:
        one: Field | None = getattr(a.reading.fields, name)
        other: Field | None = getattr(b.reading.fields, name)
        if one is not None and other is not None:
            x, y = box_centre(a.view.map_box(one.box))
            (left, top), _, (right, bottom), _ = union_box([b.view.map_box(other.box)])
            if left <= x <= right and top <= y <= bottom:
                return True
    return False


def _print_height(read: CardRead) -> float:
    """How large a card is in the client's image, by the height of its values there (a
    view's own size includes the margin a page card is read with)."""
    fields = read.reading.fields
    heights = [min(edge_lengths(read.view.map_box(field.box)))
               for name in fields.__struct_fields__
               if (field := getattr(fields, name)) is not None]
    return median(heights) if heights else 0.0


def text_at_border(read: CardRead, shape: tuple[int, ...]) -> bool:
    """Whether any line read without a card outline runs into the image's border."""
    height, width = shape[:2]
    margin = _BORDER_MARGIN * max(height, width)
    for line in read.lines:
        points = np.array(read.view.map_box(line.box))
        (left, top), (right, bottom) = points.min(axis=0), points.max(axis=0)
        if min(left, top) <= margin or right >= width - 1 - margin \
                or bottom >= height - 1 - margin:
            return True
    return False


def in_source_pixels(reading: CardReading, reads: list[CardRead]) -> CardReading:
    """Field boxes from each card's straightened view, mapped to the client's pixels."""
    updates: dict[str, Field | None] = {}
    for name in CardFields.__struct_fields__:
        field: Field | None = getattr(reading.fields, name)
        if field is None:
            continue
        read = _read_for_field(name, reads)
        updates[name] = msgspec.structs.replace(field, box=read.view.map_box(field.box))
    fields = msgspec.structs.replace(reading.fields, **updates)
    return msgspec.structs.replace(reading, fields=fields)


def _read_for_field(name: str, reads: list[CardRead]) -> CardRead:
    if len(reads) == 1:
        return reads[0]
    wanted = "front" if name in FRONT_FIELDS else "back"
    return next((r for r in reads if r.reading.side == wanted), reads[0])
