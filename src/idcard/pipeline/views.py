"""Which views of an image are read: card outlines, the page's text, and whether there is
text beside a small card (another card the outline search missed)."""

from __future__ import annotations

import cv2
import numpy as np

from idcard.errors import InputError
from idcard.imaging.locate import CardOutline, find_card_outlines, tight_crop_outline
from idcard.imaging.orient import needs_quarter_turn, text_block_view
from idcard.imaging.view import CardView, Image, rectify_card, whole_image
from idcard.ocr import OcrEngine
from idcard.pipeline.one_view import MIN_LINES_OF_A_CARD, centre
from idcard.pipeline.timing import Stopwatch
from idcard.text import Quad

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
# A second outline at least this large (relative to the first) is a second card.
_SECOND_CARD_AREA_RATIO = 0.25


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


def inside(box: Quad, outline: CardOutline) -> bool:
    return cv2.pointPolygonTest(outline.corners, centre(box), False) >= 0


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
