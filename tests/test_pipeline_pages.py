"""Two small cards on one scanned page (issue 11, part 3): the print regions that find
each card's whole text when a glance at the page sees only some of its lines, the
grouping of a page's lines by card, reading through a red filter, and the pipeline on
a page composed at test time from our own fixtures (tests/scans.py)."""

from __future__ import annotations

import cv2
import numpy as np
import pytest
import scans
from PIL import Image, ImageDraw, ImageFont

from idcard.imaging.ink import red_dropped
from idcard.imaging.locate import CardOutline, print_regions
from idcard.imaging.orient import text_block_view
from idcard.imaging.view import whole_image
from idcard.pipeline import CardReader, ReadOutcome
from idcard.pipeline.views import cards_in_print, page_cards, print_beside
from idcard.text import Quad

FRONT = "front_clean_000.jpg"
BACK = "back_clean_000.jpg"


def box(left: float, top: float, width: float = 200.0, height: float = 12.0) -> Quad:
    return ((left, top), (left + width, top), (left + width, top + height),
            (left, top + height))


def blank_page() -> np.ndarray:
    rng = np.random.default_rng(0)
    page = rng.normal(215.0, 2.0, (1000, 1000)).clip(0, 255).astype(np.uint8)
    return cv2.cvtColor(page, cv2.COLOR_GRAY2BGR)


def print_block(page: np.ndarray, left: int, top: int, rows: int) -> None:
    """Rows of 12 px characters' worth of dark strokes, 40 px apart."""
    for row in range(rows):
        for col in range(14):
            x, y = left + col * 28, top + row * 40
            cv2.line(page, (x, y + 6), (x + 14, y + 6), (90, 90, 90), 2)  # a 十
            cv2.line(page, (x + 7, y), (x + 7, y + 12), (90, 90, 90), 2)


# -- units -----------------------------------------------------------------------------------


def test_print_regions_find_each_card_apart() -> None:
    page = blank_page()
    print_block(page, 250, 100, 6)
    print_block(page, 280, 620, 5)
    regions = sorted(print_regions(page), key=lambda r: float(r[0][1]))
    assert len(regions) == 2
    (left, top), (right, bottom) = regions[0][0], regions[0][2]
    assert abs(left - 250) < 12 and abs(top - 100) < 12
    assert abs(right - (250 + 13 * 28 + 14)) < 12 and abs(bottom - (100 + 5 * 40 + 12)) < 12
    assert float(regions[1][0][1]) > 600


def speckled(page: np.ndarray, seed: int = 3, count: int = 4000) -> np.ndarray:
    """Dark dots of a few pixels scattered over the page (dust, a speckled paper)."""
    rng = np.random.default_rng(seed)
    for x, y in rng.integers(0, 998, (count, 2)):
        page[y:y + 2, x:x + 2] = 60
    return page


def test_specks_left_out_do_not_join_the_cards() -> None:
    page = blank_page()
    print_block(page, 250, 100, 6)
    print_block(page, 280, 620, 5)
    speckled(page)
    assert len(print_regions(page, specks=False)) == 2
    # Bridged together, the dots make one region of the whole page.
    assert len(print_regions(page)) == 1


def test_no_print_no_region() -> None:
    assert print_regions(blank_page()) == []


def test_lines_in_one_card_region_are_one_card_even_when_few() -> None:
    region = np.array([[240, 90], [680, 90], [680, 380], [240, 380]], np.float32)
    title, other = box(400, 120, 180, 24), box(300, 330)
    stray = [box(100, 700), box(100, 730), box(100, 760)]  # too few to be a card alone
    cards = page_cards([title, other, *stray], [region])
    assert len(cards) == 1
    assert set(cards[0].lines) == {title, other}
    assert cards[0].region is not None


def test_a_region_longer_than_a_card_of_its_lines_is_not_a_card() -> None:
    # A form's print: 12 px lines over 900 px, far more than a card's 33 line heights.
    form = np.array([[40, 40], [940, 40], [940, 600], [40, 600]], np.float32)
    lines = [box(60, 60 + 40 * i, 800) for i in range(6)]
    cards = page_cards(lines, [form])
    assert all(card.region is None for card in cards)


def test_cards_are_placed_by_their_print_alone_largest_first() -> None:
    page = blank_page()
    print_block(page, 250, 100, 6)  # 378 × 212: a card's print on a 1000 px page
    print_block(page, 300, 620, 5)
    placed = cards_in_print(page.shape, print_regions(page))
    assert len(placed) == 2
    assert all(card.region is not None and card.lines == [] for card in placed)
    assert placed[0].region is not None and placed[0].region[0][1] < 200


def test_a_number_row_apart_from_the_other_lines_joins_its_card() -> None:
    page = blank_page()
    print_block(page, 220, 560, 5)  # name to address
    for col in range(18):  # the number row, 100 px below: further than the bridge
        x = 260 + col * 22
        cv2.line(page, (x, 860), (x + 12, 860), (60, 60, 60), 2)
        cv2.line(page, (x + 6, 852), (x + 6, 872), (60, 60, 60), 2)
    print_block(page, 300, 120, 6)  # the other card
    placed = cards_in_print(page.shape, print_regions(page))
    assert len(placed) == 2
    lower = max(placed, key=lambda card: card.region[0][1] if card.region else 0.0)
    assert lower.region is not None and lower.region[2][1] > 860


def test_a_number_row_joins_the_nearest_card_not_the_first_listed() -> None:
    # Two fronts on a page (tools/make_cards.py's twofronts tier): the upper card's number
    # row, 70 px under its other lines, would also make the lower card's region, 230 px
    # away, a card's shape; listed first, the lower card took it (and read two numbers).
    lower = np.array([[320, 620], [610, 620], [610, 810], [320, 810]], np.float32)
    upper = np.array([[312, 148], [562, 148], [562, 300], [312, 300]], np.float32)
    strip = np.array([[445, 372], [684, 372], [684, 390], [445, 390]], np.float32)
    placed = cards_in_print((1000, 1000, 3), [lower, upper, strip])
    regions = sorted((card.region for card in placed if card.region is not None),
                     key=lambda region: region[0][1])
    assert len(regions) == 2
    assert regions[0][2][1] >= 390  # the upper card reaches down to its number
    assert regions[1][0][1] == 620  # the lower card is its own print alone


def test_print_that_is_not_a_page_card_is_not_placed() -> None:
    wide = np.array([[40, 40], [960, 40], [960, 300], [40, 300]], np.float32)  # a letter
    square = np.array([[100, 100], [400, 100], [400, 400], [100, 400]], np.float32)
    speck = np.array([[10, 10], [60, 10], [60, 40], [10, 40]], np.float32)
    assert cards_in_print((1000, 1000, 3), [wide, square, speck]) == []


def test_another_card_is_looked_for_only_where_print_lies_beside_the_outline() -> None:
    page = blank_page()
    print_block(page, 250, 100, 6)  # the card found: its print inside its outline
    outline = CardOutline(corners=np.array([[200, 60], [700, 60], [700, 380], [200, 380]],
                                           np.float32), area_fraction=0.16,
                          touches_edge=False)
    assert not print_beside(print_regions(page), outline)  # a photo of one card
    print_block(page, 280, 620, 5)  # another card's print below it
    assert print_beside(print_regions(page), outline)
    assert print_beside([], None)  # no outline: the page is always glanced at


def test_a_pattern_across_the_page_is_not_another_card() -> None:
    # Ruled paper: thin lines across the whole page, bridged into one region around the
    # card, are no card's print; another card's print beside the card still is.
    page = blank_page()
    for y in range(20, page.shape[0], 30):
        cv2.line(page, (0, y), (page.shape[1], y), (150, 130, 120), 2)
    print_block(page, 250, 100, 6)
    outline = CardOutline(corners=np.array([[200, 60], [700, 60], [700, 380], [200, 380]],
                                           np.float32), area_fraction=0.16,
                          touches_edge=False)
    regions = print_regions(page)
    assert any(cv2.contourArea(r) > 0.9 * page.shape[0] * page.shape[1] for r in regions)
    assert not print_beside(regions, outline)
    card_print = np.array([[260, 620], [760, 620], [760, 900], [260, 900]], np.float32)
    assert print_beside([*regions, card_print], outline)


def test_a_region_widens_the_crop_without_tilting_it() -> None:
    image = np.zeros((600, 800, 3), np.uint8)
    lines = [box(300, 200), box(300, 240)]
    alone = text_block_view(whole_image(image), lines)
    region = box(100, 100, 600, 300)
    wider = text_block_view(whole_image(image), lines, (region,))
    assert wider.size[0] > alone.size[0] + 300 and wider.size[1] > alone.size[1] + 200
    assert wider.map_box(((0.0, 0.0), (1.0, 0.0), (1.0, 1.0), (0.0, 1.0)))[1][1] == \
        pytest.approx(wider.map_box(((0.0, 0.0), (1.0, 0.0), (1.0, 1.0), (0.0, 1.0)))[0][1])


def test_red_filter_lifts_a_seal_and_keeps_the_print_under_it() -> None:
    card = np.full((60, 120, 3), 215, np.uint8)
    card[20:40, 10:30] = 30  # black print
    card[10:50, 40:80] = (60, 60, 210)  # red seal ink (BGR)
    card[20:40, 60:70] = (20, 20, 60)  # print the seal crosses
    seen = red_dropped(card)
    assert seen[30, 20].max() <= 40
    assert seen[15, 50].min() >= 200
    assert seen[30, 65].max() <= 70
    assert seen.shape == card.shape


# -- the pipeline on a composed page ---------------------------------------------------------


def red_seal(card: np.ndarray, word: str, centre: tuple[float, float],
             height: float) -> np.ndarray:
    """A red 复印无效-style seal across the card (its array is BGR)."""
    image = Image.fromarray(card)
    draw = ImageDraw.Draw(image)
    face = ImageFont.truetype(scans.STAMP_FONTS[1], int(height))
    left, top, right, bottom = draw.textbbox((0, 0), word, font=face)
    x = centre[0] - (right - left) / 2 - left
    y = centre[1] - (bottom - top) / 2 - top
    draw.text((x, y), word, font=face, fill=(70, 70, 215))
    return np.asarray(image).copy()


def value(outcome: ReadOutcome, field: str) -> str | None:
    found = getattr(outcome.reading.fields, field)
    return None if found is None else str(found.value)


@pytest.mark.parametrize("turned", [(True, True), (False, True)])
def test_page_with_a_red_seal_across_the_back_reads_both_sides(
        reader: CardReader, turned: tuple[bool, bool]) -> None:
    back = red_seal(scans.card(BACK), "复印无效", (560, 420), 64)
    cards = [scans.scanned(scans.card(FRONT), seed=7), scans.scanned(back, seed=8)]
    outcome = reader.read(scans.jpeg(scans.page(cards, list(turned), seed=9)))
    assert outcome.reading.side == "both"
    labels = scans.labels()
    for field in ("name", "id_number", "birth_date"):
        assert value(outcome, field) == str(labels[FRONT]["fields"][field]), field
    for field in ("issuing_authority", "valid_from", "valid_until"):
        assert value(outcome, field) == str(labels[BACK]["fields"][field]), field
