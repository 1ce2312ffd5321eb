"""Text lines as an OCR engine reports them: the one shape every layer agrees on.

Coordinates are pixels of the image the caller handed in. Boxes are four points
ordered clockwise from the top-left corner of the text as it reads.
"""

from __future__ import annotations

import math

import msgspec

Point = tuple[float, float]
Quad = tuple[Point, Point, Point, Point]


class TextLine(msgspec.Struct, frozen=True):
    """One recognised line of text."""

    text: str
    confidence: float
    box: Quad
    # One entry per character of `text`: the recogniser's confidence in it, and the
    # centre of its CTC time step as a fraction (0..1) of the line's length, measured
    # from the box's left edge (top-left -> top-right) in reading direction.
    char_confidences: tuple[float, ...] = ()
    char_positions: tuple[float, ...] = ()
    # True for a label word the pipeline placed by its position on a straightened card
    # instead of recognising it (pipeline.placed): its text is the label as printed.
    placed: bool = False
    # The field this line was read for from that field's closed vocabulary (pipeline step
    # `vocabulary`): its text is that field's value, whatever is read around it.
    read_as: str | None = None
    # The line as a whole is no surer than this (1: no doubt): a character of it may be
    # a rare character's common look-alike (a name's; ocr.consensus.with_doubts). A value
    # read from it is at most this sure, whatever its other characters' mean.
    doubt: float = 1.0


def box_centre(box: Quad) -> Point:
    return (sum(x for x, _ in box) / 4.0, sum(y for _, y in box) / 4.0)


def centre_inside(box: Quad, area: Quad) -> bool:
    """Whether the box's centre lies within the area's bounding rectangle."""
    x, y = box_centre(box)
    xs, ys = [px for px, _ in area], [py for _, py in area]
    return min(xs) <= x <= max(xs) and min(ys) <= y <= max(ys)


def edge_lengths(box: Quad) -> tuple[float, float]:
    """The box's length along its first edge (top-left to top-right) and across it."""
    (x0, y0), (x1, y1), _, (x3, y3) = box
    return math.hypot(x1 - x0, y1 - y0), math.hypot(x3 - x0, y3 - y0)


def box_direction(box: Quad) -> float:
    """The direction of the box's longer edge in degrees, in [-90, 90): a line read turned
    over points the other way along the same tilt, and the points' order does not count."""
    (x0, y0), (x1, y1), _, (x3, y3) = box
    along, across = edge_lengths(box)
    dx, dy = (x1 - x0, y1 - y0) if along >= across else (x3 - x0, y3 - y0)
    return (math.degrees(math.atan2(dy, dx)) + 90.0) % 180.0 - 90.0


def point_along(box: Quad, fraction: float) -> Point:
    """The point at `fraction` of the way along the line's mid-height axis."""
    (x0, y0), (x1, y1), (x2, y2), (x3, y3) = box
    left = ((x0 + x3) / 2.0, (y0 + y3) / 2.0)
    right = ((x1 + x2) / 2.0, (y1 + y2) / 2.0)
    return (left[0] + (right[0] - left[0]) * fraction, left[1] + (right[1] - left[1]) * fraction)


def sub_box(box: Quad, start: float, end: float) -> Quad:
    """The part of a line's box between two fractions of its length."""
    (x0, y0), (x1, y1), (x2, y2), (x3, y3) = box

    def lerp(a: Point, b: Point, t: float) -> Point:
        return (a[0] + (b[0] - a[0]) * t, a[1] + (b[1] - a[1]) * t)

    top_l, top_r = lerp((x0, y0), (x1, y1), start), lerp((x0, y0), (x1, y1), end)
    bot_l, bot_r = lerp((x3, y3), (x2, y2), start), lerp((x3, y3), (x2, y2), end)
    return (top_l, top_r, bot_r, bot_l)


def union_box(boxes: list[Quad]) -> Quad:
    """The axis-aligned box around several boxes (empty list is a programming error)."""
    xs = [p[0] for b in boxes for p in b]
    ys = [p[1] for b in boxes for p in b]
    x_min, x_max, y_min, y_max = min(xs), max(xs), min(ys), max(ys)
    return ((x_min, y_min), (x_max, y_min), (x_max, y_max), (x_min, y_max))


def share_inside(box: Quad, outer: Quad) -> float:
    """The share of `box`'s axis-aligned area that lies inside `outer`'s."""
    (x0, y0), _, (x1, y1), _ = union_box([box])
    (ox0, oy0), _, (ox1, oy1), _ = union_box([outer])
    area = max(1e-9, (x1 - x0) * (y1 - y0))
    overlap = max(0.0, min(x1, ox1) - max(x0, ox0)) * max(0.0, min(y1, oy1) - max(y0, oy0))
    return overlap / area
