"""Finding identity cards in a photo: quadrilaterals of the card's shape.

Works on a small copy of the image (a few milliseconds). Candidates come from several
masks — edges at two sensitivities, "differs from the background at the image border",
and the bright/dark split — because no single one survives busy tables, gradients and
pale scans alike. Each candidate is then judged by how much of its outline runs along
an actual edge, so a region cut out by a shadow or a gradient does not pass for a card.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import cv2
import numpy as np
from numpy.typing import NDArray

from idcard.imaging.levels import channel_max, median_level
from idcard.imaging.view import Image

# Four corners of a quadrilateral, 4×2.
Corners = NDArray[np.float32]

_WORK_SIDE = 448
_CARD_ASPECT = 85.6 / 54.0
_MIN_AREA_FRACTION = 0.04
# An open outline (a card's edge traced on three sides) counts only this large: smaller
# ones are mostly bits of print.
_MIN_OPEN_AREA_FRACTION = 0.15
# An outline within this share of the image's size from three of its edges is the frame.
_FRAME_MARGIN = 0.02
# A piece of edge shorter than this share of the image's size is noise or print.
_PIECE_MIN = 0.1
_MIN_RECTANGULARITY = 0.85
# A card seen at an angle is still nearly a parallelogram: corners stay near 90° and
# opposite edges of similar length. Quads traced around a portrait or a text block are not.
_CORNER_ANGLES = (60.0, 120.0)
_MAX_OPPOSITE_RATIO = 1.4
# Share of a candidate's outline that must lie on an edge of the image content.
_MIN_EDGE_SUPPORT = 0.6
_MIN_SECOND_LOOK_SUPPORT = 0.8
_MIN_SECOND_LOOK_SIDE = 0.5
_OUTLINE_SAMPLES = 160
# How far (work pixels) an outline may sit from the edge it follows: corners fitted to
# rounded, blurred cards land a few pixels off.
_EDGE_REACH = 5.0


@dataclass(frozen=True)
class CardOutline:
    corners: NDArray[np.float32]  # 4×2, source pixels, clockwise, a long edge first
    area_fraction: float
    touches_edge: bool
    edge_support: float = 1.0  # share of the outline on a visible edge
    # The image is the card: cropped to its edges, so no edge is seen inside the image.
    tight_crop: bool = False

    @property
    def longest_side(self) -> float:
        """Its longest edge, in source pixels."""
        return float(np.linalg.norm(_edges(self.corners), axis=1).max())


def find_card_outlines(image: Image, max_cards: int = 3) -> list[CardOutline]:
    """Card-shaped quadrilaterals with visible edges, largest first, one per card."""
    colour = image if image.ndim == 3 else cv2.cvtColor(image, cv2.COLOR_GRAY2BGR)
    scale = _WORK_SIDE / max(colour.shape[:2])
    small = cv2.resize(colour, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA)
    small = cv2.GaussianBlur(small, (5, 5), 0)
    grey = cv2.cvtColor(small, cv2.COLOR_BGR2GRAY)
    support_map = _support_map(grey, small)

    def judged(masks: list[Image], open_min: float, min_support: float,
               min_side: float = 0.0) -> list[tuple[float, CardOutline]]:
        candidates = []
        for mask in masks:
            for quad in _card_quads(mask, open_min):
                sides = _side_support(quad, support_map)
                support = float(sides.mean())
                if support >= min_support and sides.min() >= min_side:
                    outline = _to_outline(quad / scale, colour.shape, support)
                    candidates.append((_quality(outline), outline))
        return candidates

    candidates = judged(_candidate_masks(grey, small), math.inf, _MIN_EDGE_SUPPORT)
    found = _one_per_card(candidates)
    # In an image of the card's shape, the frame is the card cropped to its edges (see
    # tight_crop_outline); elsewhere it is no card at all.
    if not _card_shaped_image(colour.shape) and (
            not found or _along_frame(found[0], colour.shape)):
        # No card, or the frame itself passed for it: on ruled paper or a grained table
        # the background's lines run into the card's edges and join all into one region.
        # Looked at again with thin lines closed over, and open outlines allowed (a card
        # edge too faint to trace on one side), the card inside is found: as large as
        # an open outline must be (smaller ones here are blocks of print), and with more
        # of its outline on an edge than a first look asks (a rectangle around a block
        # of print on a patterned ground finds edges on much of its outline too), on
        # every side (a quad fitted to three traced edges may cut across the card with
        # its fourth, where the real edge is faint but there).
        inner = [(quality, outline) for quality, outline
                 in judged(_without_thin_lines(grey), _MIN_OPEN_AREA_FRACTION,
                           _MIN_SECOND_LOOK_SUPPORT, _MIN_SECOND_LOOK_SIDE)
                 if not _along_frame(outline, colour.shape)
                 and outline.area_fraction >= _MIN_OPEN_AREA_FRACTION]
        if inner:
            found = _one_per_card(inner + [c for c in candidates
                                           if not _along_frame(c[1], colour.shape)])
    found.sort(key=lambda o: o.area_fraction, reverse=True)
    return found[:max_cards]


def _one_per_card(candidates: list[tuple[float, CardOutline]]) -> list[CardOutline]:
    """Overlapping candidates are one card: the best-fitting one of each group."""
    found: list[CardOutline] = []
    for _, outline in sorted(candidates, key=lambda item: item[0], reverse=True):
        if not any(_same_card(outline, other) for other in found):
            found.append(outline)
    return found


def _along_frame(outline: CardOutline, shape: tuple[int, ...]) -> bool:
    """Whether the outline runs along three or four of the image's own edges."""
    h, w = shape[:2]
    margin = _FRAME_MARGIN * max(h, w)
    corners = outline.corners
    sides = (corners[:, 0].min() <= margin, corners[:, 1].min() <= margin,
             corners[:, 0].max() >= w - 1 - margin, corners[:, 1].max() >= h - 1 - margin)
    return sum(bool(side) for side in sides) >= 3


# How far an image's aspect may stray from the card's (log ratio) and still be the card
# cropped to its edges: a crop a few pixels off each edge, or a scan's slightly uneven
# cut, stays within ±6 %; a card cut off by the frame loses a much larger share.
_TIGHT_CROP_ASPECT = 0.06
# An outline covering at least this share of an image of the card's shape is that card.
_TIGHT_CROP_AREA = 0.8
# Inside an image of the card's shape, a card-shaped outline smaller than this share,
# and too small in pixels to hold legible print, is print on the card (a stamp's frame),
# not another card. A card in a large 3:2 photo stays a card.
_OTHER_CARD_AREA = 0.25
_OTHER_CARD_MIN_SIDE = 600.0


def tight_crop_outline(image: Image, outlines: list[CardOutline]) -> CardOutline | None:
    """The whole image as the card's outline, when the image has the card's proportions
    and no smaller card was seen in it (none, or only one that fills it and runs into its
    border): an upload cropped to the card's edges."""
    if not _card_shaped_image(image.shape):
        return None
    h, w = image.shape[:2]
    cards = [o for o in outlines if o.area_fraction >= _OTHER_CARD_AREA
             or o.longest_side >= _OTHER_CARD_MIN_SIDE]
    if cards and not (cards[0].touches_edge and cards[0].area_fraction >= _TIGHT_CROP_AREA):
        return None
    corners = np.array([[0, 0], [w - 1, 0], [w - 1, h - 1], [0, h - 1]], dtype=np.float32)
    return CardOutline(corners=corners, area_fraction=1.0, touches_edge=False,
                       edge_support=0.0, tight_crop=True)


def _card_shaped_image(shape: tuple[int, ...]) -> bool:
    h, w = shape[:2]
    return abs(math.log((w / h) / _CARD_ASPECT)) <= _TIGHT_CROP_ASPECT


def _candidate_masks(grey: Image, colour: Image) -> list[Image]:
    kernel = cv2.getStructuringElement(cv2.MORPH_RECT, (5, 5))
    masks = []
    median = median_level(grey)
    for low, high in ((0.5 * median, 1.2 * median + 20), (12.0, 36.0)):
        edges = cv2.Canny(grey, low, high)
        masks.append(cv2.morphologyEx(edges, cv2.MORPH_CLOSE, kernel, iterations=2))
    masks.append(_unlike_background(colour))
    _, bright = cv2.threshold(grey, 0, 255, cv2.THRESH_BINARY + cv2.THRESH_OTSU)
    bright = cv2.morphologyEx(bright, cv2.MORPH_OPEN, cv2.getStructuringElement(
        cv2.MORPH_RECT, (7, 7)))
    # A card photocopied on white paper is the darker region: try the inverse too.
    masks += [bright, cv2.bitwise_not(bright)]
    return masks


def _without_thin_lines(grey: Image) -> list[Image]:
    """Edges (at the low sensitivity) once thin dark lines are closed over: a ruled
    page's lines go, the broad tone step at a card's edge and its shadow stays."""
    kernel = cv2.getStructuringElement(cv2.MORPH_RECT, (5, 5))
    plain = cv2.morphologyEx(grey, cv2.MORPH_CLOSE, kernel)
    edges = cv2.morphologyEx(cv2.Canny(plain, 12.0, 36.0), cv2.MORPH_CLOSE, kernel,
                             iterations=2)
    return [edges, _pieces_together(edges)]


def _pieces_together(edges: Image) -> Image:
    """The rectangle around every sizeable piece of edge clear of the image's border,
    filled: on a plain page what is left is the card alone, its edges maybe in pieces."""
    count, labels, stats, _ = cv2.connectedComponentsWithStats(edges)
    h, w = edges.shape[:2]
    reach = _FRAME_MARGIN * max(h, w)
    keep = [i for i in range(1, count)
            if math.hypot(stats[i, cv2.CC_STAT_WIDTH], stats[i, cv2.CC_STAT_HEIGHT])
            >= _PIECE_MIN * max(h, w)
            and stats[i, cv2.CC_STAT_LEFT] > reach and stats[i, cv2.CC_STAT_TOP] > reach
            and stats[i, cv2.CC_STAT_LEFT] + stats[i, cv2.CC_STAT_WIDTH] < w - reach
            and stats[i, cv2.CC_STAT_TOP] + stats[i, cv2.CC_STAT_HEIGHT] < h - reach]
    together = np.zeros_like(edges)
    points = cv2.findNonZero(np.isin(labels, keep).astype(np.uint8))
    if keep and points is not None:
        # The smallest rectangle, not the hull: a corner whose edges were not traced
        # would be cut off the hull, and the quad fitted to it with it.
        box = cv2.boxPoints(cv2.minAreaRect(points))
        cv2.fillConvexPoly(together, box.round().astype(np.int32), 255)
    return together


def _unlike_background(colour: Image) -> Image:
    """Pixels whose colour differs from the image border's (paper, table, scanner lid)."""
    border = np.concatenate([colour[:4].reshape(-1, 3), colour[-4:].reshape(-1, 3),
                             colour[:, :4].reshape(-1, 3), colour[:, -4:].reshape(-1, 3)])
    background = np.median(border, axis=0)
    spread = float(np.percentile(channel_max(np.abs(border - background)), 90))
    distance = channel_max(np.abs(colour.astype(np.int16) - background.astype(np.int16)))
    mask: Image = (distance > max(8.0, 2.0 * spread)).astype(np.uint8) * 255
    kernel = cv2.getStructuringElement(cv2.MORPH_RECT, (5, 5))
    mask = cv2.morphologyEx(mask, cv2.MORPH_CLOSE, kernel, iterations=2)
    return cv2.morphologyEx(mask, cv2.MORPH_OPEN, kernel)


def _support_map(grey: Image, colour: Image) -> Image:
    """Distance (work pixels) to the nearest edge in the image content."""
    edges = cv2.Canny(grey, 10, 30)
    for channel in cv2.split(colour):
        edges = cv2.bitwise_or(edges, cv2.Canny(channel, 10, 30))
    # The image's own border is no evidence of a card edge.
    edges[:2, :] = edges[-2:, :] = 0
    edges[:, :2] = edges[:, -2:] = 0
    return cv2.distanceTransform(cv2.bitwise_not(edges), cv2.DIST_L2, 3)


def _side_support(quad: NDArray[np.float32], distance: Image) -> NDArray[np.float64]:
    """Per side of the quad, the share of it (corners aside) within reach of an edge."""
    h, w = distance.shape[:2]
    t = np.linspace(0.1, 0.9, _OUTLINE_SAMPLES // 4)[:, None]
    points = np.concatenate([quad[i] + (quad[(i + 1) % 4] - quad[i]) * t for i in range(4)])
    xy = points.round().astype(int)
    inside = (xy[:, 0] >= 0) & (xy[:, 0] < w) & (xy[:, 1] >= 0) & (xy[:, 1] < h)
    near = np.zeros(len(xy), dtype=bool)
    near[inside] = distance[xy[inside, 1], xy[inside, 0]] <= _EDGE_REACH
    shares: NDArray[np.float64] = near.reshape(4, -1).mean(axis=1)
    return shares


def _quality(outline: CardOutline) -> float:
    """Edge support, less a penalty for straying from the card's proportions."""
    return outline.edge_support - 2.0 * abs(math.log(_aspect(outline.corners) / _CARD_ASPECT))


def _card_quads(mask: Image, open_min_fraction: float) -> list[NDArray[np.float32]]:
    """Card-shaped quads around the mask's contours: those enclosing at least the
    minimum area, and open ones (an edge traced on three sides only) whose hull covers
    `open_min_fraction` of the image."""
    contours, _ = cv2.findContours(mask, cv2.RETR_LIST, cv2.CHAIN_APPROX_SIMPLE)
    area_min = _MIN_AREA_FRACTION * mask.shape[0] * mask.shape[1]
    open_min = open_min_fraction * mask.shape[0] * mask.shape[1]
    quads = []
    for contour in contours:
        enclosing = cv2.contourArea(contour) >= area_min
        if not enclosing and not math.isfinite(open_min):
            continue  # no open outline may count: a small contour needs no hull
        hull = cv2.convexHull(contour)
        if not enclosing and cv2.contourArea(hull) < open_min:
            continue
        quad = _quadrilateral(hull)
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


def _edges(quad: NDArray[np.float32]) -> NDArray[np.float32]:
    """Edge i runs from corner i to corner i + 1."""
    return np.roll(quad, -1, axis=0) - quad


def _aspect(quad: NDArray[np.float32]) -> float:
    sides = np.linalg.norm(_edges(quad), axis=1)
    pairs = sorted(((sides[0] + sides[2]) / 2, (sides[1] + sides[3]) / 2))
    return float(pairs[1] / pairs[0]) if pairs[0] > 0 else math.inf


def _card_shaped(quad: NDArray[np.float32], shape: tuple[int, ...]) -> bool:
    # A frame-filling quad is the photo's own border, not a card.
    if cv2.contourArea(quad) > 0.97 * shape[0] * shape[1]:
        return False
    return (0.75 * _CARD_ASPECT <= _aspect(quad) <= 1.3 * _CARD_ASPECT
            and _seen_rectangle(quad))


def _seen_rectangle(quad: NDArray[np.float32]) -> bool:
    """Whether the quad can be a rectangle photographed at a moderate angle."""
    edges = _edges(quad)
    lengths = np.linalg.norm(edges, axis=1)
    if lengths.min() <= 0:
        return False
    for i in range(4):
        back, ahead = -edges[i - 1], edges[i]
        cosine = float(np.dot(back, ahead) / (lengths[i - 1] * lengths[i]))
        angle = math.degrees(math.acos(max(-1.0, min(1.0, cosine))))
        if not _CORNER_ANGLES[0] <= angle <= _CORNER_ANGLES[1]:
            return False
    ratios = (lengths[0] / lengths[2], lengths[1] / lengths[3])
    return all(1.0 / _MAX_OPPOSITE_RATIO <= r <= _MAX_OPPOSITE_RATIO for r in ratios)


def _to_outline(quad: NDArray[np.float32], shape: tuple[int, ...],
                support: float) -> CardOutline:
    corners = order_corners(quad)
    h, w = shape[:2]
    margin = 0.01 * max(h, w)
    touches = bool(
        (corners[:, 0] <= margin).any() or (corners[:, 1] <= margin).any()
        or (corners[:, 0] >= w - 1 - margin).any() or (corners[:, 1] >= h - 1 - margin).any()
    )
    area = float(cv2.contourArea(corners)) / float(h * w)
    return CardOutline(corners=corners, area_fraction=area, touches_edge=touches,
                       edge_support=support)


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


# Print regions are found on a copy this size: a page's 12 px text is still a few pixels.
_PRINT_WORK_SIDE = 500
# Ink is darker than its surroundings by this many times the page's usual local contrast.
_INK_CONTRAST = 4.0
# Ink closer than this (share of the work copy's side) is one region: a card's own gaps
# (between its labels, its values and its portrait) are bridged, two cards laid apart on
# a page are not.
_PRINT_BRIDGE = 0.08
# Ink in pieces of at most this many pixels of the work copy is specks, not print.
_SPECK_AREA = 6


def _without_specks(ink: Image) -> Image:
    """The ink without its pieces of a few pixels (a glyph of the smallest print is
    larger)."""
    count, labels, stats, _ = cv2.connectedComponentsWithStats(ink, connectivity=8)
    kept = np.zeros(count, np.uint8)
    kept[1:] = stats[1:, cv2.CC_STAT_AREA] > _SPECK_AREA
    found: Image = kept[labels]
    return found


def print_regions(image: Image, *, specks: bool = True) -> list[Corners]:
    """Upright rectangles (4×2 corners clockwise from the top-left, source pixels)
    around the groups of print on a page.

    A scanned page's card edges may be too faint to find, but its print is not: every
    card on the page is a patch of ink apart from the others. Dark thin strokes (a
    black-hat transform, so uneven paper shade does not count) are bridged into regions.
    Without `specks`, ink in pieces of a few pixels is left out: scattered over a page
    (dust, a speckled paper) they bridge into one region around every card on it, but
    on a card they are part of its print (a guilloche's, a stamp's), which they bridge
    into one card's region.
    """
    grey = image if image.ndim == 2 else cv2.cvtColor(image, cv2.COLOR_BGR2GRAY)
    scale = min(1.0, _PRINT_WORK_SIDE / max(grey.shape[:2]))
    small = cv2.resize(grey, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA)
    strokes = cv2.morphologyEx(small, cv2.MORPH_BLACKHAT,
                               cv2.getStructuringElement(cv2.MORPH_RECT, (5, 5)))
    usual = median_level(strokes)
    spread = float(np.percentile(strokes, 75)) - usual + 1.0
    dark: Image = (strokes > usual + _INK_CONTRAST * spread).astype(np.uint8)
    ink = cv2.morphologyEx(dark, cv2.MORPH_OPEN, np.ones((2, 2), np.uint8))
    if not specks:
        ink = _without_specks(ink)
    bridge = max(3, round(_PRINT_BRIDGE * max(small.shape[:2])))
    regions = cv2.morphologyEx(ink, cv2.MORPH_CLOSE, cv2.getStructuringElement(
        cv2.MORPH_RECT, (bridge, bridge)))
    contours, _ = cv2.findContours(regions, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_SIMPLE)
    # Upright rectangles: a stamp standing out of a card at an angle would tilt the
    # tightest rectangle around the card's print away from the card.
    regions_found = []
    for contour in contours:
        # A lone row of print (a front's number, apart from its other lines) is kept:
        # it is a bridge wide though only a line tall.
        if cv2.contourArea(contour) < bridge * bridge / 4:
            continue
        x, y, w, h = cv2.boundingRect(contour)
        corners = np.array([[x, y], [x + w, y], [x + w, y + h], [x, y + h]], np.float32)
        regions_found.append(corners / scale)
    return regions_found
