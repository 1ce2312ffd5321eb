"""Which views of an image are read: card outlines, the page's text, and whether there is
text beside a small card (another card the outline search missed)."""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np
from numpy.typing import NDArray

from idcard.errors import InputError
from idcard.imaging.locate import (
    CardOutline,
    Corners,
    find_card_outlines,
    tight_crop_outline,
)
from idcard.imaging.orient import needs_quarter_turn, text_block_view
from idcard.imaging.view import CardView, Image, rectify_card, whole_image
from idcard.ocr import OcrEngine
from idcard.pipeline.one_view import MIN_LINES_OF_A_CARD
from idcard.pipeline.timing import Stopwatch
from idcard.text import Quad, box_centre

# An outline smaller than this share of the image may have another card beside it
# (a photocopy page), which is worth a look when at least this many lines lie outside it.
_LONE_CARD_MIN_AREA = 0.3
# Lines outside the outline are counted on a copy this size: at 640 px the faint text of
# a photocopied card (upside down beside the one found) was too small to detect.
_GLANCE_SIDE = 960
# Two cards' text lies at least this many line heights apart on a page. Inside one card
# the wider gaps (a front's address above its number row, a back's title above its
# dates) have fewer than a card's worth of lines on one side, so they are never cut.
_CARD_GAP = 3.0
# Print outside a small outline covering less than this share of the outline's area is
# not another card: a card's print (text block, number row; a back's emblem, title and
# dates) bridged into regions covers about half of the card, so a quarter leaves room
# for a faint copy whose print is only partly found. The glance it saves costs a full
# detection (80 ms on 2 cores); most small outlines are phone photos of one card.
_PRINT_OF_A_CARD = 0.25
# A print region larger than this many times the outlined card is no card's print: it is
# a pattern across the page (ruled paper, a printed cloth) that the bridging joined
# around the card, and says nothing of another card beside it. Two cards' print bridged
# into one region stays within about twice a card.
_PRINT_OF_TWO_CARDS = 3.0
# A second outline at least this large (relative to the first) is a second card.
_SECOND_CARD_AREA_RATIO = 0.25
# A card is 33 × 21 of its value lines' heights (856 × 540 px, 26 px lines): a print
# region longer than this many line heights is more than a card (a form, a letter).
_CARD_LENGTH_IN_LINES = 45.0
# A card's print region is wider than tall, though less than twice the card's shape.
_CARD_REGION_ASPECT = (1.1, 2.5)
# Without any outline, a print region of a card's shape spanning this share of the
# page's longer side is a card by itself (two cards side by side on a page each span
# less than 0.7 of it; the print of a card's back, the smallest, about 0.3 on a 1000 px
# page).
_PAGE_CARD_SPAN = (0.2, 0.7)
# A strip of print joins a card's region when the two together are at most this many
# times the region: a front whose portrait prints too light to count may show only its
# text block (name to address, about 0.55 × 0.6 of the card) apart from its number row.
_MAX_STRIP_GROWTH = 3.0
# A card inside its own print region shows at least this many of its lines at a glance
# (its title and another): the re-read of the region finds the rest.
MIN_LINES_IN_REGION = 2


@dataclass(frozen=True)
class PageCard:
    """One card's text on a page: the lines glanced at, and the print region around
    them when one was found (it holds the lines the glance missed)."""

    lines: list[Quad]
    region: Quad | None = None


def card_views(image: Image, locate_cards: bool) -> list[tuple[CardView, CardOutline | None]]:
    """The straightened card (or two) whose outlines were found, largest first; or the
    whole image straightened to the card's size when it is a card cropped to its edges
    (a small scan is enlarged on the way: its text becomes legible to the models)."""
    outlines = find_card_outlines(image) if locate_cards else []
    whole = tight_crop_outline(image, outlines) if locate_cards else None
    if whole is not None:
        return [(rectify_card(image, whole.corners, sharp=True), whole)]
    if not outlines:
        return []
    chosen = [outlines[0]]
    chosen += [o for o in outlines[1:2]
               if o.area_fraction >= _SECOND_CARD_AREA_RATIO * outlines[0].area_fraction]
    return [(rectify_card(image, o.corners), o) for o in chosen]


def small_outline(outline: CardOutline | None) -> bool:
    """Whether an outline leaves room in the image for another card beside it."""
    return outline is not None and outline.area_fraction < _LONE_CARD_MIN_AREA


def glance(engine: OcrEngine, image: Image, clock: Stopwatch) -> list[Quad]:
    """The page's text-line boxes (source pixels), found on a copy at most
    `_GLANCE_SIDE` long: where the text lies, without reading it."""
    scale = min(1.0, _GLANCE_SIDE / max(image.shape[:2]))
    small = cv2.resize(image, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA) \
        if scale < 1.0 else image
    with clock.stage("detect"):
        found = engine.detect_text_lines(small)
    return [_scaled(box.quad, 1.0 / scale) for box in found]


def text_beside(boxes: list[Quad], outline: CardOutline | None) -> bool:
    """Whether a card's worth of text lies outside a small card outline."""
    if outline is None or not small_outline(outline):
        return False
    outside = sum(1 for box in boxes if not inside(box, outline))
    return outside >= MIN_LINES_OF_A_CARD


def print_beside(regions: list[Corners], outline: CardOutline | None) -> bool:
    """Whether print outside a small card outline covers enough of the page to be
    another card (regions: `print_regions` of the image)."""
    if outline is None:
        return True
    card = outline.corners.astype(np.float32)
    card_area = cv2.contourArea(card)
    outside = 0.0
    for region in regions:
        corners = region.astype(np.float32)
        area = cv2.contourArea(corners)
        if area > _PRINT_OF_TWO_CARDS * card_area:
            continue
        shared, _ = cv2.intersectConvexConvex(corners, card)
        outside += area - shared
    return outside >= _PRINT_OF_A_CARD * card_area


def inside(box: Quad, outline: CardOutline) -> bool:
    return point_inside(box_centre(box), outline)


def point_inside(point: tuple[float, float], outline: CardOutline) -> bool:
    return bool(cv2.pointPolygonTest(outline.corners, point, False) >= 0)


def split_cards(boxes: list[Quad]) -> list[list[Quad]]:
    """The page's text lines grouped by card, largest group first.

    Cards lie apart: a page holding two is cut at the widest empty band across or along
    it that has a card's worth of lines on each side (a card's own gaps, such as between
    the back's title and its dates, leave fewer lines on one side) and is wider than
    `_CARD_GAP` line heights. Each part is cut again the same way.
    """
    if len(boxes) < 2 * MIN_LINES_OF_A_CARD:
        return [boxes] if boxes else []
    line_height = float(np.median([_extent(box)[3] - _extent(box)[1] for box in boxes]))
    best: tuple[float, list[Quad], list[Quad]] | None = None
    for axis in (0, 1):
        spans = sorted((_extent(box)[axis], _extent(box)[axis + 2], i)
                       for i, box in enumerate(boxes))
        reach = spans[0][1]
        for index in range(1, len(spans)):
            gap = spans[index][0] - reach
            reach = max(reach, spans[index][1])
            if gap < _CARD_GAP * line_height or not \
                    MIN_LINES_OF_A_CARD <= index <= len(spans) - MIN_LINES_OF_A_CARD:
                continue
            if best is None or gap > best[0]:
                best = (gap, [boxes[i] for *_, i in spans[:index]],
                        [boxes[i] for *_, i in spans[index:]])
    if best is None:
        return [boxes]
    groups = split_cards(best[1]) + split_cards(best[2])
    return sorted(groups, key=_group_area, reverse=True)


def page_cards(boxes: list[Quad], regions: list[NDArray[np.float32]]) -> list[PageCard]:
    """The page's text lines grouped by card, largest first.

    Lines inside one card-sized print region (`imaging.locate.print_regions`) are one
    card, cut again only where `split_cards` finds two; the rest are grouped by
    `split_cards` alone and need a card's worth of lines.
    """
    cards: list[PageCard] = []
    left = list(boxes)
    for region in regions:
        ours = [box for box in left if _within(box, region)]
        if len(ours) < MIN_LINES_IN_REGION or not _card_sized(region, ours):
            continue
        left = [box for box in left if box not in ours]
        parts = split_cards(ours)
        if len(parts) == 1:
            cards.append(PageCard(ours, _as_quad(region)))
        else:
            cards += [PageCard(part) for part in parts if len(part) >= MIN_LINES_OF_A_CARD]
    cards += [PageCard(group) for group in split_cards(left)
              if len(group) >= MIN_LINES_OF_A_CARD]
    return sorted(cards, key=lambda card: _group_area(card.lines), reverse=True)


def cards_in_print(shape: tuple[int, ...],
                   regions: list[NDArray[np.float32]]) -> list[PageCard]:
    """A page's cards placed by their print alone, largest first: its card-shaped print
    regions spanning `_PAGE_CARD_SPAN` of the page (a 1000 px page's 450 px card prints
    over about 0.4 of it). Used without a glance at the page's text when there are two
    or more: every card is then cut out and read by its region."""
    longest = float(max(shape[:2]))
    cards = [r for r in regions if _page_card_shaped(r, longest)]
    if any(_overlap(a, b) for i, a in enumerate(cards) for b in cards[i + 1:]):
        # Cards lie apart on a page. Upright regions that meet are the print of one card
        # photographed at an angle (its text block and its number row), not two cards.
        return []
    # A front's number row lies further from its other lines than any two of them: a
    # strip of print that completes a card's region into a card's shape belongs to it,
    # the nearest such card (another card's region may take it in too, across the page).
    for strip in (r for r in regions if not _page_card_shaped(r, longest)):
        for index in sorted(range(len(cards)), key=lambda i: _gap(cards[i], strip)):
            card = cards[index]
            joined = _upright_union(card, strip)
            others = cards[:index] + cards[index + 1:]
            if _page_card_shaped(joined, longest) \
                    and _area(joined) <= _MAX_STRIP_GROWTH * _area(card) \
                    and not any(_overlap(joined, other) for other in others):
                cards[index] = joined
                break
    cards.sort(key=_area, reverse=True)
    return [PageCard([], _as_quad(card)) for card in cards]


def _page_card_shaped(region: NDArray[np.float32], longest: float) -> bool:
    sides = sorted(float(np.linalg.norm(region[i] - region[i - 1])) for i in (1, 2))
    return sides[0] > 0 and _CARD_REGION_ASPECT[0] <= sides[1] / sides[0] \
        <= _CARD_REGION_ASPECT[1] and _PAGE_CARD_SPAN[0] <= sides[1] / longest \
        <= _PAGE_CARD_SPAN[1]


def _upright_union(a: NDArray[np.float32], b: NDArray[np.float32]) -> NDArray[np.float32]:
    points = np.concatenate([a, b])
    (left, top), (right, bottom) = points.min(axis=0), points.max(axis=0)
    return np.array([[left, top], [right, top], [right, bottom], [left, bottom]],
                    dtype=np.float32)


def _gap(a: NDArray[np.float32], b: NDArray[np.float32]) -> float:
    """How far apart two upright rectangles are (0 where they meet)."""
    across = max(0.0, float(b[0, 0] - a[2, 0]), float(a[0, 0] - b[2, 0]))
    down = max(0.0, float(b[0, 1] - a[2, 1]), float(a[0, 1] - b[2, 1]))
    return float(np.hypot(across, down))


def _overlap(a: NDArray[np.float32], b: NDArray[np.float32]) -> bool:
    """Whether two upright rectangles meet."""
    return bool((a[0] < b[2]).all() and (b[0] < a[2]).all())


def _area(region: NDArray[np.float32]) -> float:
    return float(cv2.contourArea(region))


def _within(box: Quad, region: NDArray[np.float32]) -> bool:
    return cv2.pointPolygonTest(region, box_centre(box), False) >= 0


def _card_sized(region: NDArray[np.float32], boxes: list[Quad]) -> bool:
    """Whether a print region has a card's shape and is no longer than a card whose
    lines are as tall as these."""
    sides = sorted(float(np.linalg.norm(region[i] - region[i - 1])) for i in (1, 2))
    if sides[0] <= 0 or not _CARD_REGION_ASPECT[0] <= sides[1] / sides[0] \
            <= _CARD_REGION_ASPECT[1]:
        return False
    line_height = float(np.median([min(_box_sides(box)) for box in boxes]))
    return sides[1] <= _CARD_LENGTH_IN_LINES * line_height


def _box_sides(box: Quad) -> tuple[float, float]:
    (x0, y0), (x1, y1), _, (x3, y3) = box
    return float(np.hypot(x1 - x0, y1 - y0)), float(np.hypot(x3 - x0, y3 - y0))


def _as_quad(corners: NDArray[np.float32]) -> Quad:
    a, b, c, d = ((float(x), float(y)) for x, y in corners)
    return (a, b, c, d)


def _extent(box: Quad) -> tuple[float, float, float, float]:
    xs, ys = [x for x, _ in box], [y for _, y in box]
    return min(xs), min(ys), max(xs), max(ys)


def _group_area(boxes: list[Quad]) -> float:
    extents = np.array([_extent(box) for box in boxes])
    left, top = extents[:, :2].min(axis=0)
    right, bottom = extents[:, 2:].max(axis=0)
    return float((right - left) * (bottom - top))


def _scaled(box: Quad, factor: float) -> Quad:
    a, b, c, d = ((x * factor, y * factor) for x, y in box)
    return (a, b, c, d)


def text_view(engine: OcrEngine, image: Image, clock: Stopwatch,
              boxes: list[Quad] | None = None) -> CardView:
    """No card outline: level and crop the image around its text (`boxes`, when the page
    was glanced at already) instead."""
    view = whole_image(image)
    if boxes is None:
        with clock.stage("detect"):
            boxes = [b.quad for b in engine.detect_text_lines(image)]
    if not boxes:
        raise InputError("no_card_found", "no text was found in the image")
    with clock.stage("locate"):
        if needs_quarter_turn(boxes):
            view = view.rotated(1)
            boxes = [b.quad for b in engine.detect_text_lines(view.image)]
        return text_block_view(view, boxes) if boxes else view
