"""Which views of an image are read: card outlines, the page's text, and whether there is
text beside a small card (another card the outline search missed)."""

from __future__ import annotations

import cv2

from idcard.errors import InputError
from idcard.imaging.locate import CardOutline, find_card_outlines
from idcard.imaging.orient import needs_quarter_turn, text_block_view
from idcard.imaging.view import CardView, Image, rectify_card, whole_image
from idcard.ocr import OcrEngine
from idcard.pipeline.one_view import MIN_LINES_OF_A_CARD, centre
from idcard.pipeline.timing import Stopwatch

# An outline smaller than this share of the image may have another card beside it
# (a photocopy page), which is worth a look when at least this many lines lie outside it.
_LONE_CARD_MIN_AREA = 0.3
# Lines outside the outline are counted on a copy this size: at 640 px the faint text of
# a photocopied card (upside down beside the one found) was too small to detect.
_GLANCE_SIDE = 960
# A second outline at least this large (relative to the first) is a second card.
_SECOND_CARD_AREA_RATIO = 0.25


def card_views(image: Image, locate_cards: bool) -> list[tuple[CardView, CardOutline | None]]:
    """The straightened card (or two) whose outlines were found, largest first."""
    outlines = find_card_outlines(image) if locate_cards else []
    if not outlines:
        return []
    chosen = [outlines[0]]
    chosen += [o for o in outlines[1:2]
               if o.area_fraction >= _SECOND_CARD_AREA_RATIO * outlines[0].area_fraction]
    return [(rectify_card(image, o.corners), o) for o in chosen]


def text_beside(engine: OcrEngine, image: Image, outline: CardOutline | None,
                clock: Stopwatch) -> bool:
    """Whether a card's worth of text lies outside a small card outline."""
    if outline is None or outline.area_fraction >= _LONE_CARD_MIN_AREA:
        return False
    # Counting lines needs no detail: a small copy keeps this check cheap.
    scale = min(1.0, _GLANCE_SIDE / max(image.shape[:2]))
    small = cv2.resize(image, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA)
    with clock.stage("detect"):
        boxes = engine.detect_text_lines(small)
    corners = outline.corners * scale
    outside = sum(
        1 for box in boxes
        if cv2.pointPolygonTest(corners, centre(box.quad), False) < 0)
    return outside >= MIN_LINES_OF_A_CARD


def text_view(engine: OcrEngine, image: Image, clock: Stopwatch) -> CardView:
    """No card outline: level and crop the image around its text instead."""
    view = whole_image(image)
    with clock.stage("detect"):
        boxes = [b.quad for b in engine.detect_text_lines(image)]
    if not boxes:
        raise InputError("no_card_found", "no text was found in the image")
    with clock.stage("locate"):
        if needs_quarter_turn(boxes):
            view = view.rotated(1)
            boxes = [b.quad for b in engine.detect_text_lines(view.image)]
        return text_block_view(view, boxes) if boxes else view
