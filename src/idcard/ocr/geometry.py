"""Quadrilateral helpers: point order, reading order, and cutting a line out of an image."""

from __future__ import annotations

import cv2
import numpy as np
import numpy.typing as npt

from idcard.ocr.image import BgrImage
from idcard.text import Quad

QuadArray = npt.NDArray[np.float32]  # (4, 2): top-left, top-right, bottom-right, bottom-left

# Two boxes whose top-left corners are this close vertically are on the same row.
_SAME_ROW_PX = 10.0
# A crop this much taller than wide is a vertical line: turn it to read left to right.
_VERTICAL_RATIO = 1.5


def order_clockwise(points: npt.NDArray[np.floating]) -> QuadArray:
    """Four points as top-left, top-right, bottom-right, bottom-left.

    The two left-most points are the left side (upper one first), the two right-most the
    right side — the same rule PaddleOCR uses, so boxes agree with it exactly.
    """
    by_x = points[np.argsort(points[:, 0], kind="stable")]
    left = by_x[:2][np.argsort(by_x[:2, 1], kind="stable")]
    right = by_x[2:][np.argsort(by_x[2:, 1], kind="stable")]
    return np.array([left[0], right[0], right[1], left[1]], dtype=np.float32)


def reading_order(boxes: list[QuadArray]) -> list[int]:
    """Indices of `boxes` top to bottom, and left to right within a row.

    Sort by the top-left corner, then let a box move ahead of its predecessor when both sit
    on the same row and it starts further left (PaddleOCR's rule, kept for identical order).
    """
    order = sorted(range(len(boxes)), key=lambda i: (boxes[i][0][1], boxes[i][0][0]))
    for i in range(len(order) - 1):
        for j in range(i, -1, -1):
            upper, lower = boxes[order[j]][0], boxes[order[j + 1]][0]
            if abs(lower[1] - upper[1]) < _SAME_ROW_PX and lower[0] < upper[0]:
                order[j], order[j + 1] = order[j + 1], order[j]
            else:
                break
    return order


def crop_line(image: BgrImage, box: QuadArray) -> tuple[BgrImage, bool] | None:
    """The line inside `box`, straightened; and whether it was turned from vertical.

    None when the box is too thin to hold any pixels.
    """
    width = int(max(np.linalg.norm(box[0] - box[1]), np.linalg.norm(box[2] - box[3])))
    height = int(max(np.linalg.norm(box[0] - box[3]), np.linalg.norm(box[1] - box[2])))
    if width < 1 or height < 1:
        return None
    target = np.array([[0, 0], [width, 0], [width, height], [0, height]], dtype=np.float32)
    transform = cv2.getPerspectiveTransform(box.astype(np.float32), target)
    crop = cv2.warpPerspective(image, transform, (width, height), flags=cv2.INTER_CUBIC,
                               borderMode=cv2.BORDER_REPLICATE)
    if height / width >= _VERTICAL_RATIO:
        # Counter-clockwise quarter turn, as PaddleOCR does for vertical boxes.
        return np.ascontiguousarray(np.rot90(crop)), True
    return np.asarray(crop, dtype=np.uint8), False


def reading_quad(box: QuadArray, quarter_turned: bool, upside_down: bool) -> Quad:
    """The box with its first point where reading starts (after any turns of the crop)."""
    points = [(float(x), float(y)) for x, y in box]
    # A counter-clockwise quarter turn puts the old top-right corner at the top-left.
    shift = (1 if quarter_turned else 0) + (2 if upside_down else 0)
    turned = points[shift:] + points[:shift]
    return (turned[0], turned[1], turned[2], turned[3])


def as_quad_array(quad: Quad) -> QuadArray:
    return np.array(quad, dtype=np.float32).reshape(4, 2)
