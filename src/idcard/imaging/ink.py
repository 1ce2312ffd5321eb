"""Telling a card's print from a stamp laid over it.

A card's values are printed in the darkest ink on it. Stamps put on copies (复印无效
boxes, seals) are red, or often grey and lighter than that print. Inside a stamp's area,
when the strokes' cores are of two inks, they split into two populations by darkness
(Otsu on the dark pixels there): the lighter ones are lifted to the paper's shade, so a
value the stamp crossed reads alone. A red seal is lifted everywhere by its colour. A
stamp's frame, which may be as dark as the print, is found by its shape instead.
"""

from __future__ import annotations

import cv2
import numpy as np

from idcard.imaging.view import Image
from idcard.text import Quad

# Pixels this much darker than the paper are ink of some kind (print or stamp).
_INK_BELOW_PAPER = 30.0
# Too few dark pixels in a stamp's area to split into two inks.
_MIN_INK_PIXELS = 50
# A second ink's stroke cores are at least this share of the print-to-paper contrast
# lighter than the print's (grain and JPEG move a core by a few per cent of it).
_SECOND_INK_LIGHTER = 0.25
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
        if ink.size < _MIN_INK_PIXELS or not two_inks(patch, paper):
            continue
        cut, _ = cv2.threshold(ink.reshape(-1, 1), 0, 255,
                               cv2.THRESH_BINARY + cv2.THRESH_OTSU)
        out[y0:y1, x0:x1][patch > cut] = paper
    return out


def two_inks(patch: Image, paper: float) -> bool:
    """Whether the strokes in a grey patch are of two inks, one clearly lighter.

    Judged on the strokes' cores (the darkest pixels across each stroke), not on their
    blurred edges: one ink alone has edges of every shade between it and the paper, and
    splitting those off would only thin the print. A stamp as dark as the print is left
    to the other means (its frame, the stamp words' own rules)."""
    ink = patch < paper - _INK_BELOW_PAPER
    # A stroke's core: the darkest pixel of its 3 × 3 neighbourhood (its middle line).
    cores = patch[ink & (patch <= cv2.erode(patch, np.ones((3, 3), np.uint8)))]
    if cores.size < _MIN_INK_PIXELS:
        return False
    cut, _ = cv2.threshold(cores.reshape(-1, 1), 0, 255, cv2.THRESH_BINARY + cv2.THRESH_OTSU)
    dark, light = cores[cores <= cut], cores[cores > cut]
    if min(dark.size, light.size) < _MIN_INK_PIXELS // 5:
        return False
    darkest = float(dark.mean())
    return float(light.mean()) - darkest >= _SECOND_INK_LIGHTER * (paper - darkest)


def _red_ink(image: Image) -> Image:
    hsv = cv2.cvtColor(image, cv2.COLOR_BGR2HSV)
    hue, saturation = hsv[..., 0], hsv[..., 1]
    red = np.zeros(hue.shape, dtype=bool)
    for low, high in _RED_HUES:
        red |= (hue >= low) & (hue <= high)
    return red & (saturation >= _SEAL_SATURATION)


# -- a stamp's frame -----------------------------------------------------------------------
#
# A stamp's words sit in a rectangle drawn with a thin pen, as dark as the print on many
# copies. Where the frame crosses a value row the detector joins the row to the stamp, or
# cuts the row's characters in two. Nothing a card prints is a thin straight line this
# long (a character's longest stroke is about one line height; the card's own edge, which
# can be, is harmless to lift), so the frame is found by its shape alone, at any angle.

# Lines at least this many print line heights long are a frame (a stamp's short side is
# two to four line heights; the longest stroke of a character is about one, and two
# characters' strokes that happen to line up stay shorter than this).
_FRAME_MIN_LENGTH = 2.5
# Share of a frame line's length that is ink, and the longest break in it (pixels): a pen
# line is unbroken, while strokes of a text row that happen to line up (土王五) leave a
# gap of at least two pixels between characters.
_FRAME_MIN_COVER = 0.9
_FRAME_LONGEST_BREAK = 1
# Ink this thick (in line heights) is a filled shape (the portrait), not a pen line.
_FRAME_MAX_THICKNESS = 0.5
# Gaps in a frame line (grain, a lighter patch) bridged, in pixels.
_FRAME_MAX_GAP = 2
# A frame line is drawn this many pixels wider than the pen on each side when lifted,
# for the blur around it.
_FRAME_MARGIN = 1
# How far beyond a frame line's edge (pixels) other ink makes a stroke touching it.
_TOUCH_REACH = 2.0


def stamp_frame_mask(image: Image, line_height: float) -> Image:
    """Pixels of thin straight lines longer than any stroke of the print (uint8 0/255)."""
    grey = cv2.cvtColor(image, cv2.COLOR_BGR2GRAY) if image.ndim == 3 else image
    paper = float(np.percentile(grey, 60))
    ink = (grey < paper - _INK_BELOW_PAPER).astype(np.uint8)
    thick = max(3, round(line_height * _FRAME_MAX_THICKNESS))
    blobs = cv2.morphologyEx(ink, cv2.MORPH_OPEN, np.ones((thick, thick), np.uint8))
    near_blobs = np.asarray(cv2.dilate(blobs, np.ones((3, 3), np.uint8)), np.uint8)
    thin = ink & (1 - near_blobs)
    length = max(10, round(line_height * _FRAME_MIN_LENGTH))
    found = cv2.HoughLinesP(thin * 255, 1, np.pi / 360, threshold=length,
                            minLineLength=length, maxLineGap=_FRAME_MAX_GAP)
    segments = [] if found is None else [tuple(int(v) for v in s) for s in found.reshape(-1, 4)]
    # The probabilistic transform can miss a side of an upright frame once the sides it
    # met first took the corners' pixels: upright lines are also found by opening.
    segments += _upright_lines(thin, length)
    mask = np.zeros(grey.shape, np.uint8)
    # A pixel either side across the line, for a line drawn between two pixel rows.
    across_rows = cv2.dilate(thin, np.ones((3, 1), np.uint8))
    across_columns = cv2.dilate(thin, np.ones((1, 3), np.uint8))
    # Half the pen's width at each pixel: the distance to the paper, largest near the middle.
    half_width = cv2.dilate(cv2.distanceTransform(thin, cv2.DIST_L2, 3),
                            np.ones((5, 5), np.uint8))
    for x0, y0, x1, y1 in segments:
        start, end = (x0, y0), (x1, y1)
        flat = abs(end[0] - start[0]) >= abs(end[1] - start[1])
        if _unbroken(across_rows if flat else across_columns, start, end):
            # Only as wide as this line's pen: print the line passes stays.
            pen = 2 * round(float(np.median(_along(half_width, start, end)))) + 1
            line = np.zeros_like(mask)
            cv2.line(line, start, end, 255, pen + 2 * _FRAME_MARGIN)
            mask |= line & ~_touching(ink & ~(line > 0), start, end, pen + 2 * _FRAME_MARGIN)
    return mask & (thin * 255)


def _upright_lines(ink: Image, length: int) -> list[tuple[int, int, int, int]]:
    """Horizontal and vertical runs of ink at least `length` long, as segments along
    their middles."""
    segments = []
    for kernel, flat in ((np.ones((1, length), np.uint8), True),
                         (np.ones((length, 1), np.uint8), False)):
        runs = cv2.morphologyEx(ink, cv2.MORPH_OPEN, kernel)
        count, _, stats, _ = cv2.connectedComponentsWithStats(runs, connectivity=8)
        for x, y, w, h in stats[1:count, :4].tolist():
            segments.append((x, y + h // 2, x + w - 1, y + h // 2) if flat
                            else (x + w // 2, y, x + w // 2, y + h - 1))
    return segments


def _touching(other: Image, start: tuple[int, int], end: tuple[int, int], width: int
              ) -> Image:
    """Where ink other than the line (`other`, 0/1) lies just beyond the line's `width`
    on either side (255 there): a stroke of the print crossing the line or touching it.
    Those pixels may be the stroke's, and are kept; only the frame's free run, paper on
    both sides, is lifted."""
    direction = np.array(end, np.float64) - np.array(start, np.float64)
    normal = np.array([-direction[1], direction[0]]) / max(1e-9, float(np.hypot(*direction)))
    reach = width / 2.0 + _TOUCH_REACH
    rows, columns = other.shape[:2]
    sides = [np.asarray(cv2.warpAffine(other, np.array([[1, 0, dx], [0, 1, dy]], np.float64),
                                       (columns, rows)), np.uint8)
             for dx, dy in (normal * reach, -normal * reach)]
    touching: Image = ((sides[0] | sides[1]) * 255).astype(np.uint8)
    return touching


def _along(values: Image, start: tuple[int, int], end: tuple[int, int]) -> Image:
    """The values at the pixels of a segment, one a step along its longer axis."""
    steps = max(abs(end[0] - start[0]), abs(end[1] - start[1])) + 1
    xs = np.linspace(start[0], end[0], steps).round().astype(int)
    ys = np.linspace(start[1], end[1], steps).round().astype(int)
    picked: Image = values[ys, xs]
    return picked


def _unbroken(ink: Image, start: tuple[int, int], end: tuple[int, int]) -> bool:
    """Whether the points along a segment are ink, but for a few single-pixel breaks."""
    on = _along(ink, start, end) > 0
    if on.mean() < _FRAME_MIN_COVER:
        return False
    breaks = np.diff(np.flatnonzero(on))  # steps between consecutive ink points
    return not breaks.size or int(breaks.max()) - 1 <= _FRAME_LONGEST_BREAK


def without_frames(image: Image, line_height: float) -> Image:
    """A copy with thin straight lines longer than the print's strokes (a stamp's frame)
    painted over from their surroundings, so the strokes they crossed close up."""
    mask = stamp_frame_mask(image, line_height)
    if not mask.any():
        return image.copy()
    return cv2.inpaint(image, cv2.dilate(mask, np.ones((3, 3), np.uint8)), 3,
                       cv2.INPAINT_TELEA)
