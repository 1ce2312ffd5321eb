"""Reading the portrait side (人像面): labels as anchors, rows by height, values to the right.

Each field is looked for next to its label; a field whose label was not read falls back to
the row the canonical layout puts it on (scaled by whatever labels were found) and to the
shape of its value. Text that starts inside the portrait is never a value.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from idcard.extract.labels import (
    LabelHit,
    best_hits,
    consistent_hits,
    find_labels,
    looks_like_label,
)
from idcard.extract.layout import (
    Frame,
    Segment,
    cut_out_labels,
    estimate_frame,
    on_row,
    rescaled_by_rows,
    row_centre,
    rows_of,
    typical_height,
)
from idcard.extract.pieces import Char, Piece, chars_of
from idcard.extract.rules import FRONT_LABELS, LABEL_FIELDS, RuleBook
from idcard.extract.values import (
    Value,
    read_address,
    read_birth_date,
    read_ethnicity,
    read_id_number,
    read_name,
    read_sex,
)
from idcard.text import Quad
from idcard.validate import birth_date_of, region_known

# How far (in line heights) an address line may sit below the previous one, and how far
# its left edge may stray from the first line's.
_ADDRESS_LINE_GAP = 2.3
_ADDRESS_ALIGN = 2.5
# A value's cell (`value_cells`) is this many typical line heights tall: a line's box
# with room for a row printed a little off the layout's.
_CELL_HEIGHT = 1.3
# A row step measured between two rows found is used (`_expected_row`) within these
# shares of the frame's height: outside them one of the two rows is a wrong one.
_STEP_BOUNDS = (0.4, 2.5)
# Without a measured step, a row is placed from the nearest row found only this far (a
# share of the card's height: two rows) from it.
_NEAR_ROWS = 0.25
# The label each field's value follows.
_LABEL_BEFORE = {field: label for label, field in LABEL_FIELDS.items()}


@dataclass
class FrontDraft:
    values: dict[str, Value] = field(default_factory=dict)
    labels: dict[str, LabelHit] = field(default_factory=dict)
    frame: Frame | None = None
    # The birth row's characters where no whole date was read on it (a stamp over its
    # month or day): the part legible still confirms the date the number states.
    birth_row: tuple[Char, ...] = ()


@dataclass
class _Context:
    rules: RuleBook
    frame: Frame
    hits: dict[str, LabelHit]
    segments: list[Segment]
    height: float
    used: set[int] = field(default_factory=set)  # ids of segments given to a field
    # The centre y of each value's first row, by the layout's row name.
    rows: dict[str, float] = field(default_factory=dict)
    birth_row: tuple[Char, ...] = ()

    def free(self, segments: Sequence[Segment]) -> list[Segment]:
        return [s for s in segments if id(s) not in self.used]

    def take(self, value: Value | None, segments: Sequence[Segment],
             row: str | None = None) -> Value | None:
        if value is not None:
            chosen = {id(c.glyph) for c in value.chars}
            taken = [s for s in segments if any(id(g) in chosen for g in s.piece.glyphs)]
            self.used.update(id(s) for s in taken)
            if row is not None and taken:
                self.rows[row] = min(s.piece.centre_y for s in taken)
        return value

    def rescale(self) -> None:
        """Where the labels found gave no scale, the rows of the values found by their
        own shape (birth date, number) give it: a line's height is a poor ruler (blur
        and glare swell its box), and a card-shaped image may hold a margin."""
        layout = self.rules.layout
        rows = [(layout.front_labels[name][1], hit.span.centre_y)
                for name, hit in self.hits.items() if name in layout.front_labels]
        rows += [(layout.front_rows[name], y) for name, y in self.rows.items()
                 if name not in self.hits]
        anchors = [(layout.front_labels[name][0], hit.span)
                   for name, hit in self.hits.items() if name in layout.front_labels]
        self.frame = rescaled_by_rows(self.frame, rows, anchors, layout.aspect_ratio)


def read_front(pieces: Sequence[Piece], image_size: tuple[int, int],
               rules: RuleBook) -> FrontDraft:
    hits_all = consistent_hits(find_labels(pieces, FRONT_LABELS, rules),
                               rules.layout.front_labels)
    hits = best_hits(hits_all)
    height = typical_height(pieces)
    frame = estimate_frame(hits, rules.layout.front_labels, pieces, image_size, rules.layout)
    segments = [s for s in cut_out_labels(pieces, hits_all) if not _in_portrait(s, frame, rules)]
    ctx = _Context(rules, frame, hits, segments, height)
    values: dict[str, Value] = {}
    for reader in _BY_SHAPE:
        values |= {k: v for k, v in reader(ctx).items() if v is not None}
    ctx.rescale()
    for reader in _BY_ROW:
        values |= {k: v for k, v in reader(ctx).items() if v is not None}
    return FrontDraft(values=values, labels=hits, frame=ctx.frame, birth_row=ctx.birth_row)


def value_cells(pieces: Sequence[Piece], names: Sequence[str],
                image_size: tuple[int, int], rules: RuleBook) -> dict[str, Quad]:
    """Where the front prints each named field's value (rules' `field_regions`), in the
    pixels of the pieces: the card's frame from the labels found, the row through the
    field's own label when it was read (else the layout's row), one line tall. Only
    fields with a region and a row; none without a label to anchor the frame (then where
    a value lies is a guess)."""
    hits = best_hits(consistent_hits(find_labels(pieces, FRONT_LABELS, rules),
                                     rules.layout.front_labels))
    layout = rules.layout
    if not hits or not pieces:
        return {}
    frame = estimate_frame(hits, layout.front_labels, pieces, image_size, layout)
    half = _CELL_HEIGHT / 2.0 * typical_height(pieces)
    cells: dict[str, Quad] = {}
    for name in names:
        label = _LABEL_BEFORE.get(name, name)
        region, place = layout.field_regions.get(name), layout.front_labels.get(label)
        if region is None or place is None:
            continue
        hit = hits.get(label)
        centre = hit.span.centre_y if hit is not None else frame.y_at(place[1])
        # Not cut at the label's end: a label read with its value ends where the
        # recogniser placed its last character, which may lie inside the value.
        left = frame.x0 + region[0] * frame.width
        right = frame.x0 + region[2] * frame.width
        if right - left < half:
            continue
        top, bottom = centre - half, centre + half
        cells[name] = ((left, top), (right, top), (right, bottom), (left, bottom))
    return cells


def _in_portrait(segment: Segment, frame: Frame, rules: RuleBook) -> bool:
    x0, y0, x1, y1 = rules.layout.portrait
    fx = frame.fx(segment.piece.left)
    fy = frame.fy(segment.piece.centre_y)
    return x0 <= fx <= x1 and y0 <= fy <= y1


def _row_segments(ctx: _Context, label: str) -> list[Segment]:
    """The free segments on the label's row (right of the label), or on its expected row."""
    hit = ctx.hits.get(label)
    if hit is not None:
        span = hit.span
        row = on_row(ctx.segments, span.centre_y, max(span.height, ctx.height))
        return ctx.free([s for s in row if s.piece.left >= span.left
                         or (s.piece is not span and s.after_label == label)])
    expected = _expected_row(ctx, label)
    rows = [r for r in rows_of(ctx.free(ctx.segments), ctx.height)
            if abs(row_centre(r) - expected) <= 0.6 * _row_pitch(ctx)]
    if not rows:
        return []
    row = min(rows, key=lambda r: abs(row_centre(r) - expected))
    row = [s for s in row if not looks_like_label(s.piece, label, ctx.rules)]
    if not ctx.frame.anchored:
        return row
    column = ctx.frame.x0 + (ctx.rules.layout.value_column - 0.03) * ctx.frame.width
    return [s for s in row if s.piece.right > column]


def _expected_row(ctx: _Context, label: str) -> float:
    """Where the label's row should lie: layout steps from the nearest row already found
    (a label read, or a value's own row), a step measured between the two nearest found
    (else the frame's, and then only within two rows of it), or where the frame puts it
    otherwise. Cards from other printers space their rows unlike the layout (a caption
    line above the name pushes the upper rows down while the number stays at the foot),
    and a frame not scaled by its rows may be far off a small card's size: the rows
    nearby place a row best."""
    layout_rows = ctx.rules.layout.front_rows
    target = layout_rows.get(label, -1.0)
    found = {name: hit.span.centre_y for name, hit in ctx.hits.items() if name in layout_rows}
    found |= {name: y for name, y in ctx.rows.items() if name not in found}
    near = sorted(found, key=lambda name: abs(layout_rows[name] - target))
    if label not in layout_rows or not near:
        return ctx.frame.y_at(target)
    step = None
    if len(near) >= 2 and layout_rows[near[1]] != layout_rows[near[0]]:
        first, second = near[0], near[1]
        measured = (found[second] - found[first]) / (layout_rows[second] - layout_rows[first])
        if _STEP_BOUNDS[0] * ctx.frame.height <= measured <= _STEP_BOUNDS[1] * ctx.frame.height:
            step = measured
    offset = target - layout_rows[near[0]]
    if step is None and abs(offset) > _NEAR_ROWS:
        # One row found, far off: the frame's scale would be multiplied by the distance.
        return ctx.frame.y_at(target)
    return found[near[0]] + offset * (step if step is not None else ctx.frame.height)


def _row_pitch(ctx: _Context) -> float:
    # Rows of the canonical card are ~0.12 of its height apart.
    return 0.12 * ctx.frame.height


def _chars(segments: Sequence[Segment]) -> list[Char]:
    return chars_of(s.piece for s in segments)


def _read_id(ctx: _Context) -> dict[str, Value | None]:
    segments = _row_segments(ctx, "id_number")
    value = read_id_number(_chars(segments), ctx.rules)
    if value is None:
        # The number is distinctive enough to be found anywhere: try rows bottom-up.
        for row in reversed(rows_of(ctx.free(ctx.segments), ctx.height)):
            value = read_id_number(_chars(row), ctx.rules)
            if value is not None and _whole_number(value.text):
                segments = row
                break
            value = None
    return {"id_number": ctx.take(value, segments, "id_number")}


def _whole_number(text: str) -> bool:
    """A number found away from its label: 15 or 18 characters, or 17 digits stating a
    known region and a real birth date (a card printing its number without the check
    character) — never a shorter run of figures."""
    if len(text) in (15, 18):
        return True
    return len(text) == 17 and region_known(text[:6]) and birth_date_of(text) is not None


def _read_birth(ctx: _Context) -> dict[str, Value | None]:
    segments = _row_segments(ctx, "birth")
    value = read_birth_date(_chars(segments), ctx.rules)
    if value is None and "birth" not in ctx.hits:
        for row in rows_of(ctx.free(ctx.segments), ctx.height):
            chars = _chars(row)
            if any(c.char in ctx.rules.dates.month_marks for c in chars):
                value = read_birth_date(chars, ctx.rules)
                if value is not None:
                    segments = row
                    break
    if value is None:
        ctx.birth_row = tuple(_chars(segments))
    return {"birth_date": ctx.take(value, segments, "birth")}


def _read_sex_and_ethnicity(ctx: _Context) -> dict[str, Value | None]:
    sex_label, eth_label = ctx.hits.get("sex"), ctx.hits.get("ethnicity")
    row = _row_segments(ctx, "sex") if sex_label or not eth_label else []
    if eth_label is not None:
        eth_left = eth_label.span.left
        eth_segments = [s for s in _row_segments(ctx, "ethnicity")]
        if not row:
            span = eth_label.span
            # Left of 民族 by its centre: a detector's box round 女 may reach into the label.
            row = [s for s in on_row(ctx.free(ctx.segments), span.centre_y, ctx.height)
                   if (s.piece.left + s.piece.right) / 2.0 < eth_left]
        sex_segments = [s for s in row if s.piece.left < eth_left]
    else:
        sex_segments = eth_segments = row
    sex = ctx.take(read_sex(_chars(sex_segments), ctx.rules), sex_segments, "sex")
    eth_chars = _chars(ctx.free(eth_segments))
    if eth_label is None and sex is not None:
        # Without the 民族 label the ethnicity is what follows the sex on the same row.
        after = [c for c in _chars(eth_segments) if c.glyph is not sex.chars[0].glyph]
        eth_chars = after[_index_after(_chars(eth_segments), sex.chars[0]):] if after else []
    ethnicity = ctx.take(read_ethnicity(eth_chars, ctx.rules, strict=eth_label is None),
                         eth_segments)
    if ethnicity is None and eth_label is not None and eth_label.distance > 0:
        # A "label" one edit from 民族 may be its first character and the value read as
        # one (民汉): a known name in it is the value.
        ethnicity = read_ethnicity(chars_of([eth_label.span]), ctx.rules, strict=True)
    return {"sex": sex, "ethnicity": ethnicity}


def _index_after(chars: list[Char], marker: Char) -> int:
    for i, char in enumerate(chars):
        if char.glyph is marker.glyph:
            return i
    return 0


def _read_name(ctx: _Context) -> dict[str, Value | None]:
    segments = _row_segments(ctx, "name")
    return {"name": ctx.take(read_name(_chars(segments), ctx.rules), segments)}


def _read_address(ctx: _Context) -> dict[str, Value | None]:
    first = _row_segments(ctx, "address")
    if not first:
        return {"address": None}
    lines = [first]
    limit = ctx.rules.layout.max_address_lines
    stop_y = _number_row_top(ctx)
    left = min(s.piece.left for s in first)
    rows = rows_of(ctx.free([s for s in ctx.segments if s not in first]), ctx.height)
    for row in rows:
        if len(lines) >= limit:
            break
        y = row_centre(row)
        previous = row_centre(lines[-1])
        if y <= previous or y >= stop_y:
            continue
        if y - previous > _ADDRESS_LINE_GAP * ctx.height:
            break
        # Text ending left of the first line's start is a label fragment (住 / 址 alone).
        aligned = [s for s in row if s.piece.right > left + 0.3 * ctx.height]
        if not aligned:
            continue
        if abs(aligned[0].piece.left - left) > _ADDRESS_ALIGN * ctx.height:
            break
        lines.append(aligned)
    segments = [s for line in lines for s in line]
    return {"address": ctx.take(read_address(_chars(segments)), segments)}


def _number_row_top(ctx: _Context) -> float:
    hit = ctx.hits.get("id_number")
    if hit is not None:
        return hit.span.top
    return ctx.frame.y_at(ctx.rules.layout.front_rows["id_number"]) - 0.5 * ctx.height


_Reader = Callable[[_Context], dict[str, Value | None]]
# Most distinctive first, so that what they claim is not offered to vaguer fields; the
# rows of those found by their own shape scale the frame for the others (_Context.rescale).
_BY_SHAPE: tuple[_Reader, ...] = (_read_id, _read_birth)
_BY_ROW: tuple[_Reader, ...] = (_read_sex_and_ethnicity, _read_name, _read_address)
