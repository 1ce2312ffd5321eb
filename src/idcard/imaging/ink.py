"""Telling a card's print from a stamp laid over it.

A card's values are printed in the darkest ink on it. Stamps put on copies (复印无效
boxes, seals) are red, or grey and lighter than that print. Inside a stamp's area the
strokes split into two populations by darkness (Otsu on the dark pixels there): the
lighter ones are lifted to the paper's shade, so a value the stamp crossed reads alone.
A red seal is lifted everywhere by its colour.
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
