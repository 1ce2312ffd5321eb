"""Finding identity cards in a photo: quadrilaterals of the card's shape.

Works on a small copy of the image (a few milliseconds) and tries two views of it —
edges and the bright-card/background split — because neither alone survives both
busy tables and low-contrast scans.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np
from numpy.typing import NDArray

from idcard.imaging.view import Image

_WORK_SIDE = 512
_CARD_ASPECT = 85.6 / 54.0
_MIN_AREA_FRACTION = 0.06
_MIN_RECTANGULARITY = 0.85


@dataclass(frozen=True)
class CardOutline:
    corners: NDArray[np.float32]  # 4×2, source pixels, clockwise, a long edge first
    area_fraction: float
    touches_edge: bool


def find_card_outlines(image: Image, max_cards: int = 3) -> list[CardOutline]:
    """Card-shaped quadrilaterals, largest first, overlapping candidates merged."""
    grey = image if image.ndim == 2 else cv2.cvtColor(image, cv2.COLOR_BGR2GRAY)
    scale = _WORK_SIDE / max(grey.shape)
    small = cv2.resize(grey, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA)
    small = cv2.GaussianBlur(small, (5, 5), 0)
    found: list[CardOutline] = []
    for mask in (_edge_mask(small), *_brightness_masks(small)):
        for quad in _card_quads(mask):
            outline = _to_outline(quad / scale, grey.shape)
            if not any(_same_card(outline, other) for other in found):
                found.append(outline)
    found.sort(key=lambda o: o.area_fraction, reverse=True)
    return found[:max_cards]


def _edge_mask(small: Image) -> Image:
    median = float(np.median(small))
    edges = cv2.Canny(small, 0.5 * median, 1.2 * median + 20)
    kernel = cv2.getStructuringElement(cv2.MORPH_RECT, (5, 5))
    return cv2.morphologyEx(edges, cv2.MORPH_CLOSE, kernel, iterations=2)


def _brightness_masks(small: Image) -> tuple[Image, Image]:
    _, bright = cv2.threshold(small, 0, 255, cv2.THRESH_BINARY + cv2.THRESH_OTSU)
    kernel = cv2.getStructuringElement(cv2.MORPH_RECT, (7, 7))
    bright = cv2.morphologyEx(bright, cv2.MORPH_OPEN, kernel)
    # A card photocopied on white paper is the darker region: try the inverse too.
    return bright, cv2.bitwise_not(bright)


def _card_quads(mask: Image) -> list[NDArray[np.float32]]:
    contours, _ = cv2.findContours(mask, cv2.RETR_LIST, cv2.CHAIN_APPROX_SIMPLE)
    area_min = _MIN_AREA_FRACTION * mask.shape[0] * mask.shape[1]
    quads = []
    for contour in contours:
        if cv2.contourArea(contour) < area_min:
            continue
        quad = _quadrilateral(cv2.convexHull(contour))
        if quad is not None and _card_shaped(quad, mask.shape):
            quads.append(quad)
    return quads


def _quadrilateral(hull: Image) -> NDArray[np.float32] | None:
    perimeter = cv2.arcLength(hull, True)
    for epsilon in (0.02, 0.03, 0.05):
        approx = cv2.approxPolyDP(hull, epsilon * perimeter, True)
        if len(approx) == 4:
            return approx.reshape(4, 2).astype(np.float32)
    # Rounded corners and blur leave more vertices: fall back to the rotated bounding box
    # when the hull fills it.
    rect = cv2.minAreaRect(hull)
    rect_area = rect[1][0] * rect[1][1]
    if rect_area > 0 and cv2.contourArea(hull) / rect_area >= _MIN_RECTANGULARITY:
        return cv2.boxPoints(rect).astype(np.float32)
    return None


def _card_shaped(quad: NDArray[np.float32], shape: tuple[int, ...]) -> bool:
    sides = np.linalg.norm(quad - np.roll(quad, -1, axis=0), axis=1)
    long_side = (sides[0] + sides[2]) / 2 if sides[0] + sides[2] > sides[1] + sides[3] else (
        sides[1] + sides[3]) / 2
    short_side = min((sides[0] + sides[2]) / 2, (sides[1] + sides[3]) / 2)
    if short_side <= 0:
        return False
    aspect = long_side / short_side
    # A frame-filling quad is the photo's own border, not a card.
    area = cv2.contourArea(quad)
    if area > 0.97 * shape[0] * shape[1]:
        return False
    return bool(0.75 * _CARD_ASPECT <= aspect <= 1.3 * _CARD_ASPECT)


def _to_outline(quad: NDArray[np.float32], shape: tuple[int, ...]) -> CardOutline:
    corners = order_corners(quad)
    h, w = shape[:2]
    margin = 0.01 * max(h, w)
    touches = bool(
        (corners[:, 0] <= margin).any() or (corners[:, 1] <= margin).any()
        or (corners[:, 0] >= w - 1 - margin).any() or (corners[:, 1] >= h - 1 - margin).any()
    )
    area = float(cv2.contourArea(corners)) / float(h * w)
    return CardOutline(corners=corners, area_fraction=area, touches_edge=touches)


def order_corners(quad: NDArray[np.float32]) -> NDArray[np.float32]:
    """Clockwise from the top-left, rolled so that the first edge is a long one.

    The card is wider than tall, so its top edge is long: a card photographed sideways
    comes out upright or upside down, and the caller settles which from the text.
    """
    centre = quad.mean(axis=0)
    angles = np.arctan2(quad[:, 1] - centre[1], quad[:, 0] - centre[0])
    ordered = quad[np.argsort(angles)]  # clockwise in image coordinates (y down)
    start = int(np.argmin(ordered.sum(axis=1)))
    ordered = np.roll(ordered, -start, axis=0)
    first = np.linalg.norm(ordered[1] - ordered[0]) + np.linalg.norm(ordered[3] - ordered[2])
    second = np.linalg.norm(ordered[2] - ordered[1]) + np.linalg.norm(ordered[0] - ordered[3])
    if second > first:
        ordered = np.roll(ordered, -1, axis=0)
    return np.ascontiguousarray(ordered, dtype=np.float32)


def _same_card(a: CardOutline, b: CardOutline) -> bool:
    """Two outlines of one card: each centre inside the other."""
    centre_a = tuple(float(v) for v in a.corners.mean(axis=0))
    centre_b = tuple(float(v) for v in b.corners.mean(axis=0))
    return (
        cv2.pointPolygonTest(b.corners, centre_a, False) >= 0
        or cv2.pointPolygonTest(a.corners, centre_b, False) >= 0
    )
