"""Where an address read short, or not at all beside its label, is read again: each of
its rows, across the whole width the card prints it over.

An address prints left-aligned rows from the value column. A stamp as dark as the print
laid over a row, a glare spot or blur can make the detector box only part of it (its
start joined to the stamp's box and dropped with it, a middle stretch lost), and the
parts read are then all of the address that the rules see. Read as one band from the
column to the row's end, the recogniser takes the row's print whole: it reads across a
stamp's thin strokes that broke the detector's box.
"""

from __future__ import annotations

from collections.abc import Sequence
from difflib import SequenceMatcher

import msgspec

from idcard.card import CardReading
from idcard.text import Quad, TextLine, box_centre, centre_inside

# Lines whose centres lie this close (in line heights) are one row.
_SAME_ROW = 0.5
# The box of a band read is fitted to its characters, with this much room (in line
# heights) before the first character's centre and after the last's: about half a
# character and the padding a detector leaves.
_FITTED_ROOM = 0.75
# An address's rows begin at the value column: a line starting further from it (in line
# heights) is other print (a number, a stamp's words off to the side).
_COLUMN_STRAY = 2.0
# A reading across the rows is taken only when it keeps at least this share of the
# characters read before, in order: it reads the same print, more of it.
_KEEPS_BEFORE = 0.6


def address_bands(cell: Quad, rows: Sequence[Quad]) -> list[Quad]:
    """The address's rows, each as a band from the value column to the row's end.

    `cell` is where the labels put the address's first row (left at the value column);
    `rows` are the boxes of the lines read as the address. Every row they lie on is a
    band, as tall as its lines, from the cell's left to the furthest right any row or
    the cell reaches (rows are printed to one width; the last may stop short, and the
    read is fitted to its characters). A first row that no line was read on is the
    cell itself."""
    (left, top), _, (right, bottom), _ = cell
    right = max([right, *(max(x for x, _ in row) for row in rows)])
    cell_height = bottom - top
    bands = _row_spans(rows)
    centre = (top + bottom) / 2.0
    if not any(abs((a + b) / 2.0 - centre) < _SAME_ROW * cell_height for a, b in bands) \
            and all((a + b) / 2.0 > centre for a, b in bands):
        bands.insert(0, (top, bottom))
    return [((left, a), (right, a), (right, b), (left, b)) for a, b in bands]


def rows_under_label(cell: Quad, lines: Sequence[TextLine], max_rows: int) -> list[Quad]:
    """Where an address that no line gave may lie: the boxes of the lines read (not
    labels placed by layout) whose centres lie within `max_rows` rows from the top of
    its first row's `cell`, and that begin near the value column, as its rows do."""
    (left, top), _, (_, bottom), _ = cell
    height = bottom - top
    return [line.box for line in lines if not line.placed
            and top <= box_centre(line.box)[1] <= top + max_rows * height
            and abs(min(x for x, _ in line.box) - left) <= _COLUMN_STRAY * height]


def _row_spans(rows: Sequence[Quad]) -> list[tuple[float, float]]:
    """(top, bottom) of each row the boxes lie on, top to bottom."""
    spans: list[tuple[float, float]] = []
    for box in sorted(rows, key=lambda b: box_centre(b)[1]):
        ys = [y for _, y in box]
        top, bottom = min(ys), max(ys)
        centre = (top + bottom) / 2.0
        if spans and abs(centre - sum(spans[-1]) / 2.0) < _SAME_ROW * (bottom - top):
            spans[-1] = (min(spans[-1][0], top), max(spans[-1][1], bottom))
        else:
            spans.append((top, bottom))
    return spans


def fitted(line: TextLine) -> TextLine:
    """A band's reading with its box cut to its characters: the band runs on past the
    row's end, which the rules would take for room where characters were not read."""
    positions = line.char_positions
    if not line.text or len(positions) != len(line.text):
        return line
    (x0, y0), (x1, _), (_, y2), _ = line.box
    length, height = x1 - x0, y2 - y0
    if length <= 0 or height <= 0:
        return line
    first = x0 + positions[0] * length
    last = x0 + positions[-1] * length
    left = max(x0, first - _FITTED_ROOM * height)
    right = min(x1, last + _FITTED_ROOM * height)
    if right <= left:
        return line
    box: Quad = ((left, y0), (right, y0), (right, y2), (left, y2))
    moved = tuple((x0 + p * length - left) / (right - left) for p in positions)
    return msgspec.structs.replace(line, box=box, char_positions=moved)


def centre_in_any(box: Quad, bands: Sequence[Quad]) -> bool:
    return any(centre_inside(box, band) for band in bands)


def reads_more_address(before: CardReading, after: CardReading,
                       starts: Sequence[str]) -> bool:
    """Whether `after` gives the address longer than `before`, with most of what was read
    before in it, in order; or, where `before` gave none, one that begins as an address
    does (`starts`: rules' `value_starts`, its province-level names). A band read where
    no line was found may hold a stamp's strokes read as characters, and such a reading
    counted as a field would outweigh a fuller reading elsewhere."""
    old, new = before.fields.address, after.fields.address
    if new is None:
        return False
    if old is None:
        return new.value.startswith(tuple(starts))
    if len(new.value) <= len(old.value):
        return False
    kept = sum(block.size for block in
               SequenceMatcher(None, old.value, new.value, autojunk=False).get_matching_blocks())
    return kept >= _KEEPS_BEFORE * len(old.value)
