"""Which way is up: from the shape and reading direction of text lines.

Text lines on an identity card are much wider than tall, so boxes standing on end mean
the photo is turned a quarter; a recogniser that had to flip most lines to read them
means it is upside down.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import cv2
import numpy as np

from idcard.imaging.view import CardView, warped_again
from idcard.text import Quad, TextLine, box_direction, edge_lengths

_MARGIN = 0.08  # of the text block's size, so labels at the edge are not cut
# Lines tilted this much or more (degrees) run as much down the image as across it.
_STEEPEST_SKEW = 45.0


def needs_quarter_turn(boxes: Sequence[Quad]) -> bool:
    """True when most text (by length) runs vertically in the image."""
    vertical = horizontal = 0.0
    for box in boxes:
        (x0, y0), (x1, y1), _, (x3, y3) = box
        along, across = edge_lengths(box)
        length = max(along, across)
        # The longer edge is the line's direction, whatever order the points came in.
        dx, dy = (x1 - x0, y1 - y0) if along >= across else (x3 - x0, y3 - y0)
        if abs(dy) > abs(dx):
            vertical += length
        else:
            horizontal += length
    return vertical > horizontal


def reads_upside_down(lines: Sequence[TextLine]) -> bool:
    """True when most text (by characters) reads right-to-left in image coordinates.

    The engine orders each box from the text's own top-left, so a line it had to turn
    over to read points leftwards.
    """
    backwards = forwards = 0
    for line in lines:
        if line_reads_backwards(line):
            backwards += len(line.text)
        else:
            forwards += len(line.text)
    return backwards > forwards


def line_reads_backwards(line: TextLine) -> bool:
    """Whether the engine turned this line over to read it (its box points leftwards)."""
    (x0, _), (x1, _), _, _ = line.box
    return x1 < x0


def tilt_from_edges(boxes: Sequence[Quad]) -> float:
    """Median angle (degrees, within ±45) between the wide boxes' long edges and the
    nearer of the image's axes: 0 for text running along or across the image, whichever
    way up; 30 for text turned 30 or 60 degrees."""
    angles = [(angle + 45.0) % 90.0 - 45.0 for angle in _line_angles(boxes)]
    return float(np.median(angles)) if angles else 0.0


def skew_degrees(boxes: Sequence[Quad]) -> float:
    """Median tilt of the wide boxes' long edges, in degrees (positive = clockwise),
    within the quarter turn either way of level that text running across the image
    has (`needs_quarter_turn` turns text running down it first)."""
    angles = [angle for angle in _line_angles(boxes) if abs(angle) < _STEEPEST_SKEW]
    return float(np.median(angles)) if angles else 0.0


def text_direction(boxes: Sequence[Quad]) -> float:
    """The direction the wide boxes run in, in degrees within [-90, 90) (positive =
    clockwise): the median of their angles taken about their mean direction, so that
    lines at 89° and -89° count as the same way, not as level on average."""
    angles = _line_angles(boxes)
    if not angles:
        return 0.0
    doubled = np.radians(2.0 * np.array(angles))
    mean = math.degrees(math.atan2(float(np.sin(doubled).sum()),
                                   float(np.cos(doubled).sum()))) / 2.0
    offsets = [(angle - mean + 90.0) % 180.0 - 90.0 for angle in angles]
    return (mean + float(np.median(offsets)) + 90.0) % 180.0 - 90.0


def _line_angles(boxes: Sequence[Quad]) -> list[float]:
    """Each wide box's direction, in degrees within (-90, 90]: a line read turned over
    points the other way along the same tilt."""
    angles = []
    for box in boxes:
        along, across = edge_lengths(box)
        if max(along, across) <= 2 * min(along, across):
            continue  # a box about as tall as wide (one character) has no direction
        angles.append(box_direction(box))
    return angles


def levelled_view(view: CardView, angle: float) -> CardView:
    """The view turned by `angle` degrees (a skew from `skew_degrees`) about its centre,
    at its own size: the text's rows run level again."""
    w, h = view.size
    rotation = cv2.getRotationMatrix2D((w / 2.0, h / 2.0), angle, 1.0)
    return warped_again(view, np.vstack([rotation, [0.0, 0.0, 1.0]]), (w, h))


def text_block_view(view: CardView, boxes: Sequence[Quad],
                    extent: Sequence[Quad] = ()) -> CardView:
    """Level the view by its text's direction (at any angle: a card turned 60° in a
    photo) and crop it to the text block plus a margin; `extent` (areas known to belong
    to the block, such as the print around lines a detector missed) widens the crop
    without tilting it. Text turned past level either way reads upside down, which the
    reader turns over."""
    angle = text_direction(boxes)
    points = np.array([p for box in (*boxes, *extent) for p in box], dtype=np.float64)
    centre = points.mean(axis=0)
    rotation = cv2.getRotationMatrix2D((float(centre[0]), float(centre[1])), angle, 1.0)
    levelled = cv2.transform(points.reshape(-1, 1, 2), rotation).reshape(-1, 2)
    x_min, y_min = levelled.min(axis=0)
    x_max, y_max = levelled.max(axis=0)
    pad_x, pad_y = _MARGIN * (x_max - x_min), _MARGIN * (y_max - y_min) + 8
    x_min, y_min = x_min - pad_x, y_min - pad_y
    width = int(x_max - x_min + 2 * pad_x)
    height = int(y_max - y_min + 2 * pad_y)
    forward = np.vstack([rotation, [0.0, 0.0, 1.0]])
    forward = np.array([[1, 0, -x_min], [0, 1, -y_min], [0, 0, 1]], dtype=np.float64) @ forward
    return warped_again(view, forward, (max(width, 32), max(height, 32)))
