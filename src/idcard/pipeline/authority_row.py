"""Where a back's issuing authority was not read at all, its row is read as one band.

A back prints the authority's row right above the validity period's, both values
beginning at one column. A stamp as dark as the print laid across the authority (its
words in the same grey, on a copy) makes the detector join the two into one box that
reads as neither (复县公局效), or drop the row; the period under it is often read whole.
From the period's box, the authority's row is one row pitch up, from the period's left
to as far as the longest authority prints; the row of print found there (imaging.ink's
`row_of_print`) is read as one band.
"""

from __future__ import annotations

from idcard.imaging.ink import row_of_print
from idcard.imaging.view import Image
from idcard.text import Quad

# The authority's row lies this many of the period line's heights above it: measured
# on straightened backs 1.6-2.1 (median 1.9), on text read where it lies 1.2-2.4 (its
# boxes' padding varies); the zone searched for its print spans them.
_PITCHES = (1.0, 2.9)
# The longest authority (孟连傣族拉祜族佤族自治县公安局) is 15 characters wide; with the
# detector's padding, about this many of the period's line heights.
_AUTHORITY_REACH = 16.0
# The zone starts this far (line heights) left of the period's box: a stamp over the
# authority's first character may have pushed the period's box right.
_LEFT_SLACK = 0.5


def authority_zone(period: Quad, size: tuple[int, int]) -> tuple[Quad, float] | None:
    """Where the authority's row may lie above the period's line (upright, in the view's
    pixels, clipped to it), and the period line's height; None where that is off the
    view or too narrow to hold print."""
    xs, ys = [x for x, _ in period], [y for _, y in period]
    height = max(ys) - min(ys)
    if height <= 0:
        return None
    centre = (min(ys) + max(ys)) / 2.0
    top = max(0.0, centre - (_PITCHES[1] + 0.5) * height)
    bottom = min(size[1] - 1.0, centre - (_PITCHES[0] - 0.5) * height)
    left = max(0.0, min(xs) - _LEFT_SLACK * height)
    right = min(size[0] - 1.0, min(xs) + _AUTHORITY_REACH * height)
    if bottom - top < height or right - left < 2.0 * height:
        return None
    return ((left, top), (right, top), (right, bottom), (left, bottom)), height


def authority_band(image: Image, period: Quad) -> Quad | None:
    """The authority's row as a band across its zone (`authority_zone`), at the row of
    print (as strong as the period's own) found there; None where there is no zone or no
    print in it."""
    height, width = image.shape[:2]
    found = authority_zone(period, (width, height))
    if found is None:
        return None
    zone, line_height = found
    row = row_of_print(image, zone, line_height, period)
    if row is None:
        return None
    (left, _), (right, _), _, _ = zone
    return ((left, row[0]), (right, row[0]), (right, row[1]), (left, row[1]))
