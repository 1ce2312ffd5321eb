"""Telling a card's print from a stamp laid over it.

A card's values are printed in the darkest ink on it. Stamps put on copies (复印无效
boxes, seals) are red, or grey and lighter than that print. Inside a stamp's area the
strokes split into two populations by darkness (Otsu on the dark pixels there): the
lighter ones are lifted to the paper's shade, so a value the stamp crossed reads alone.
A red seal is lifted everywhere by its colour.
"""

from __future__ import annotations

from collections.abc import Sequence

import cv2
import numpy as np
import numpy.typing as npt

from idcard.imaging.view import Image
from idcard.text import Quad

# Pixels this much darker than the paper are ink of some kind (print or stamp).
_INK_BELOW_PAPER = 30.0
# Too few dark pixels in a stamp's area to split into two inks.
_MIN_INK_PIXELS = 50
# Saturation (0-255) and hue bands (OpenCV's 0-180 degrees) of a red seal's ink.
_SEAL_SATURATION = 90
_RED_HUES = ((0, 12), (165, 180))


def without_stamps(image: Image, stamp_boxes: list[Quad]) -> Image:
    """A copy of a straightened card with red ink, and strokes lighter than the print
    inside each stamp box, lifted to the paper's shade."""
    out = image.copy()
    grey = cv2.cvtColor(image, cv2.COLOR_BGR2GRAY) if image.ndim == 3 else image
    paper = float(np.percentile(grey, 60))
    if image.ndim == 3:
        out[_red_ink(image)] = paper
    height, width = grey.shape[:2]
    for box in stamp_boxes:
        xs, ys = [x for x, _ in box], [y for _, y in box]
        x0, x1 = max(0, int(min(xs))), min(width, int(max(xs)) + 1)
        y0, y1 = max(0, int(min(ys))), min(height, int(max(ys)) + 1)
        patch = grey[y0:y1, x0:x1]
        ink = patch[patch < paper - _INK_BELOW_PAPER]
        if ink.size < _MIN_INK_PIXELS:
            continue
        cut, _ = cv2.threshold(ink.reshape(-1, 1), 0, 255,
                               cv2.THRESH_BINARY + cv2.THRESH_OTSU)
        out[y0:y1, x0:x1][patch > cut] = paper
    return out


def _red_ink(image: Image) -> Image:
    hsv = cv2.cvtColor(image, cv2.COLOR_BGR2HSV)
    hue, saturation = hsv[..., 0], hsv[..., 1]
    red = np.zeros(hue.shape, dtype=bool)
    for low, high in _RED_HUES:
        red |= (hue >= low) & (hue <= high)
    return red & (saturation >= _SEAL_SATURATION)


def red_dropped(image: Image) -> Image:
    """A grey copy seen through a red filter: red seal ink is as light as the paper it
    lies on, while black or grey print, also where a seal crosses it, stays dark (a
    seal's strokes lifted to the paper's shade would take the print under them too)."""
    if image.ndim != 3:
        return image
    red = image[..., 2]
    return np.ascontiguousarray(np.repeat(red[..., None], 3, axis=2))


# Stroke pixels: at least this share of the first row's strong strokes' response. The
# print is the darkest ink on a card; a watermark laid across a copy is lighter (one
# under a page's address measured 0.5 of the print's response, its strokes all below 0.6).
_STROKE_OF_ROW = 0.6
_STRONG_STROKE = 95  # percentile of the first row's black-hat response
# The row under the last one, in its height: the detector's box pads the glyphs, so the
# next row's glyphs begin a little below the box and end before a full height.
_UNDER = (0.15, 0.85)
# Less of the row under than this share left outside the areas set aside: nothing to judge.
_LEAST_SEEN = 0.3


def row_under(rows: Sequence[Quad]) -> Quad:
    """Where a row printed under the last of `rows` (a value's rows, top to bottom)
    would lie, across their width (upright, in the image's pixels, not clipped to it)."""
    xs = [x for row in rows for x, _ in row]
    top, bottom = (f(y for _, y in rows[-1]) for f in (min, max))
    tall = bottom - top
    y0, y1 = bottom + _UNDER[0] * tall, bottom + _UNDER[1] * tall
    return ((min(xs), y0), (max(xs), y0), (max(xs), y1), (min(xs), y1))


def print_under(image: Image, rows: Sequence[Quad], set_aside: Sequence[Quad] = ()) -> float:
    """How much print lies in `row_under(rows)` outside the `set_aside` areas (stamps read
    there), as a share of its pixels against the first row's share. Strokes are a
    black-hat response (dark and thin, so a shadow or the paper's shade is none), counted
    above 0.6 of the first row's strong strokes. 0 where there is nothing to measure (no
    room under the rows, too little of it outside the areas, a first row without
    strokes)."""
    grey = cv2.cvtColor(image, cv2.COLOR_BGR2GRAY) if image.ndim == 3 else image
    height, width = grey.shape[:2]
    (x0, y0), _, (x1, y1), _ = row_under(rows)
    left, right = max(0, int(x0)), min(width, int(x1) + 1)
    under = (min(height, int(y0)), min(height, int(y1)))
    first_top, first_bottom = _rows_of(rows[0], height)
    last_top, last_bottom = _rows_of(rows[-1], height)
    if right - left < 3 or under[1] - under[0] < 3 or first_bottom - first_top < 3:
        return 0.0
    top = min(first_top, last_top)
    tall = last_bottom - last_top
    kernel = cv2.getStructuringElement(cv2.MORPH_RECT, (max(3, int(tall / 2) | 1),) * 2)
    strokes = cv2.morphologyEx(grey[top:under[1], left:right], cv2.MORPH_BLACKHAT, kernel)
    first = strokes[first_top - top:first_bottom - top]
    cut = _STROKE_OF_ROW * float(np.percentile(first, _STRONG_STROKE))
    seen = _outside(set_aside, (left, under[0], right, under[1]))
    if cut <= 1.0 or seen.mean() < _LEAST_SEEN:
        return 0.0
    first_share = float((first > cut).mean())
    below = strokes[under[0] - top:under[1] - top] > cut
    under_share = float(below[seen].mean())
    return under_share / first_share if first_share > 0 else 0.0


def _outside(areas: Sequence[Quad], rect: tuple[int, int, int, int]) -> npt.NDArray[np.bool_]:
    """Which pixels of `rect` (left, top, right, bottom) lie outside every area."""
    left, top, right, bottom = rect
    seen = np.ones((bottom - top, right - left), dtype=bool)
    for area in areas:
        xs, ys = [x for x, _ in area], [y for _, y in area]
        ax0, ax1 = max(0, int(min(xs)) - left), max(0, int(max(xs)) + 1 - left)
        ay0, ay1 = max(0, int(min(ys)) - top), max(0, int(max(ys)) + 1 - top)
        seen[ay0:ay1, ax0:ax1] = False
    return seen


def _rows_of(box: Quad, height: int) -> tuple[int, int]:
    ys = [y for _, y in box]
    return max(0, int(min(ys))), min(height, int(max(ys)) + 1)


# The row of print found in a zone is this tall, in the expected line heights.
_ROW_BAND = 1.3


def row_of_print(image: Image, zone: Quad, height: float,
                 reference: Quad) -> tuple[float, float] | None:
    """(top, bottom) of the row holding the most print in `zone` (upright, in the image's
    pixels), `height` being a line's height there: the window of that height with the
    most strokes, grown to `_ROW_BAND` heights. Strokes are a black-hat response (dark
    and thin, so a shadow or the paper's shade is none) above 0.6 of the strong strokes
    of `reference`, a line of the same print read nearby. None where the zone is off the
    image or too small, or the reference or the zone holds no strokes."""
    grey = cv2.cvtColor(image, cv2.COLOR_BGR2GRAY) if image.ndim == 3 else image
    window = max(3, round(height))
    kernel = cv2.getStructuringElement(cv2.MORPH_RECT, (max(3, window // 2 | 1),) * 2)
    area = _clipped(zone, grey.shape)
    known = _clipped(reference, grey.shape)
    if area is None or known is None or area[3] - area[1] < window:
        return None
    left, top, right, bottom = area
    strokes = cv2.morphologyEx(grey[top:bottom, left:right], cv2.MORPH_BLACKHAT, kernel)
    printed = cv2.morphologyEx(grey[known[1]:known[3], known[0]:known[2]],
                               cv2.MORPH_BLACKHAT, kernel)
    cut = _STROKE_OF_ROW * float(np.percentile(printed, _STRONG_STROKE))
    if cut <= 1.0:
        return None
    profile = (strokes > cut).mean(axis=1)
    sums = np.convolve(profile, np.ones(window), mode="valid")
    if float(sums.max()) <= 0.0:
        return None
    centre = top + int(np.argmax(sums)) + window / 2.0
    return centre - _ROW_BAND * height / 2.0, centre + _ROW_BAND * height / 2.0


def _clipped(box: Quad, shape: tuple[int, ...]) -> tuple[int, int, int, int] | None:
    """The box's bounding rectangle (left, top, right, bottom) clipped to the image; None
    when less than 3 pixels of it remain either way."""
    xs, ys = [x for x, _ in box], [y for _, y in box]
    left, right = max(0, int(min(xs))), min(shape[1], int(max(xs)) + 1)
    top, bottom = max(0, int(min(ys))), min(shape[0], int(max(ys)) + 1)
    if right - left < 3 or bottom - top < 3:
        return None
    return left, top, right, bottom
