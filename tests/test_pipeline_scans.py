"""Scans made elsewhere (issue 11), reproduced on our own cards: small grey tight crops,
1000×1000 pages holding both sides (each card upside down or not), stamps across the
text, two fronts on a page, a card lying on a page of other print. Plus unit tests of
the mechanisms: card groups on a page, the tight-crop outline, lifting a stamp's
strokes, named steps in the timings.

The images are composed at test time from `fixtures/` (tests/scans.py); nothing from
`../shared/cards-ccf` is copied. The last test reads that folder when it is present.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import cv2
import numpy as np
import pytest
import scans

from idcard.api.routes import _STEP_PREFIX, _timings
from idcard.imaging.ink import without_stamps
from idcard.imaging.locate import CardOutline, find_card_outlines, tight_crop_outline
from idcard.pipeline import CardReader, ReadOutcome
from idcard.pipeline.one_view import _stamp_like
from idcard.pipeline.steps import STEP_PREFIX, STEPS
from idcard.pipeline.timing import Stopwatch
from idcard.pipeline.views import split_cards
from idcard.text import Quad

CCF = Path(__file__).resolve().parents[2] / "shared" / "cards-ccf"
STAMP_CHARACTERS = set("复印无效禁止仅限使用")
FRONT = "front_clean_000.jpg"
OTHER_FRONT = "front_clean_002.jpg"
BACK = "back_clean_000.jpg"


def value(outcome: ReadOutcome, field: str) -> str | None:
    found = getattr(outcome.reading.fields, field)
    return None if found is None else str(found.value)


def expected(name: str, field: str) -> str:
    return str(scans.labels()[name]["fields"][field])


def codes(outcome: ReadOutcome) -> list[str]:
    return [notice.code for notice in outcome.reading.warnings]


def no_stamp_text(outcome: ReadOutcome) -> None:
    for name in outcome.reading.fields.__struct_fields__:
        found = value(outcome, name)
        assert found is None or not {"复印", "无效", "禁止"} & {
            found[i:i + 2] for i in range(len(found))}, (name, found)


# -- units ---------------------------------------------------------------------------------


def rows(top: float, count: int, left: float = 100.0, height: float = 12.0) -> list[Quad]:
    """`count` text lines one under another, 1.5 line heights apart."""
    return [((left, y), (left + 200, y), (left + 200, y + height), (left, y + height))
            for y in (top + i * 1.5 * height for i in range(count))]


def test_split_cards_cuts_a_page_between_two_cards() -> None:
    upper, lower = rows(100, 6), rows(500, 5)
    groups = split_cards(lower + upper)
    assert sorted(len(g) for g in groups) == [5, 6]
    assert set(groups[0]) in (set(upper), set(lower))


def test_split_cards_keeps_one_card_whole() -> None:
    # A front: five rows, then its number row far below (fewer than a card's lines).
    front = [*rows(100, 5), ((100.0, 300.0), (400.0, 300.0), (400.0, 312.0), (100.0, 312.0))]
    assert split_cards(front) == [front]
    assert split_cards([]) == []


def test_split_cards_needs_a_gap_wider_than_inside_a_card() -> None:
    close = rows(100, 5) + rows(100 + 5 * 18 + 20, 5)  # 20 px apart: under 3 line heights
    assert len(split_cards(close)) == 1


def outline(area: float, touches: bool,
            corners: tuple[tuple[float, float], ...] = ((0, 0),) * 4) -> CardOutline:
    return CardOutline(corners=np.array(corners, dtype=np.float32), area_fraction=area,
                       touches_edge=touches)


def test_a_card_shaped_image_without_a_smaller_card_is_a_tight_crop() -> None:
    image = np.zeros((284, 450, 3), np.uint8)
    whole = tight_crop_outline(image, [])
    assert whole is not None and whole.tight_crop and not whole.touches_edge
    assert whole.corners.tolist()[2] == [449.0, 283.0]
    assert tight_crop_outline(image, [outline(0.9, touches=True)]) is not None


def test_not_a_tight_crop_when_shaped_otherwise_or_a_card_lies_inside() -> None:
    assert tight_crop_outline(np.zeros((450, 450, 3), np.uint8), []) is None  # square
    assert tight_crop_outline(np.zeros((340, 450, 3), np.uint8), []) is None  # cut off
    image = np.zeros((284, 450, 3), np.uint8)
    assert tight_crop_outline(image, [outline(0.5, touches=False)]) is None
    assert tight_crop_outline(image, [outline(0.5, touches=True)]) is None


def test_a_stamp_frame_inside_a_tight_crop_is_no_other_card() -> None:
    image = np.zeros((284, 450, 3), np.uint8)
    assert tight_crop_outline(image, [outline(0.07, touches=False)]) is not None
    assert tight_crop_outline(image, [outline(0.3, touches=False)]) is None
    # In a large photo of the card's shape, a card of 7 % of it is still a card.
    photo = np.zeros((2000, 3000, 3), np.uint8)
    card = outline(0.07, touches=False, corners=((1000, 800), (1800, 800), (1800, 1300),
                                                  (1000, 1300)))
    assert tight_crop_outline(photo, [card]) is None


def test_tight_grey_crop_with_a_boxed_stamp_is_read_whole(reader: CardReader) -> None:
    # A boxed two-character stamp: its frame has a card's proportions and is found as an
    # outline, which used to deny the tight crop and send the card to the text-only path.
    card = scans.card("front_clean_000.jpg")
    height = 60 * card.shape[1] / scans.SCAN_WIDTH
    image = scans.scanned(scans.stamp(card, "无效", (0.55 * card.shape[1],
                                                     0.62 * card.shape[0]), height))
    assert find_card_outlines(image), "the stamp's frame is no longer found: test is vacuous"
    outcome = reader.read(scans.jpeg(image))
    codes = {notice.code for notice in outcome.reading.warnings}
    assert "card_outline_not_found" not in codes
    assert outcome.reading.fields.id_number is not None


def test_lighter_strokes_inside_a_stamp_are_lifted_and_print_kept() -> None:
    card = np.full((100, 200, 3), 210, np.uint8)
    card[40:60, 20:30] = 20  # print
    card[30:70, 60:70] = 100  # grey stamp stroke
    card[10:20, 150:190] = (40, 40, 200)  # red seal ink (BGR)
    box: Quad = ((10.0, 25.0), (120.0, 25.0), (120.0, 75.0), (10.0, 75.0))
    out = without_stamps(card, [box])
    assert out[50, 25].max() == 20
    assert out[50, 65].min() > 180
    assert out[15, 170].min() > 180


def test_stamp_words_are_recognised_when_broken() -> None:
    phrases = ("复印无效", "仅限", "使用")
    for text in ("复印无效", "复印和效", "复光效", "復印無效"):
        assert _stamp_like(text, phrases), text
    for text in ("蒋纳", "公民身份号码", "江西省赣州市赣县区储潭镇", "使用", "无"):
        assert not _stamp_like(text, phrases), text


def test_steps_are_named_timed_and_reach_the_api() -> None:
    assert STEP_PREFIX == _STEP_PREFIX
    assert len({step.name for step in STEPS}) == len(STEPS)
    assert all(step.why for step in STEPS)
    clock = Stopwatch()
    with clock.step(STEPS[0]):
        pass
    timings = _timings({**clock.ms, "detect": 5.0})
    assert timings.detect == 5.0
    assert set(timings.steps) == {STEPS[0].name}


# -- the pipeline on composed scans ----------------------------------------------------------


def test_small_grey_tight_crop_is_whole_and_read(reader: CardReader) -> None:
    outcome = reader.read(scans.jpeg(scans.scanned(scans.card(FRONT))))
    assert outcome.reading.side == "front"
    assert "card_incomplete" not in codes(outcome)
    for field in ("name", "id_number", "birth_date"):
        assert value(outcome, field) == expected(FRONT, field)


def test_a_card_cut_off_by_the_frame_is_still_incomplete(reader: CardReader) -> None:
    scan = scans.scanned(scans.card(FRONT), width=600)
    outcome = reader.read(scans.jpeg(scan[:, :430]))  # the right third cut away
    assert "card_incomplete" in codes(outcome)


@pytest.mark.parametrize("turned", [(False, False), (True, False), (False, True), (True, True)])
def test_both_sides_page_reads_both_cards(reader: CardReader,
                                          turned: tuple[bool, bool]) -> None:
    cards = [scans.scanned(scans.card(FRONT), seed=1), scans.scanned(scans.card(BACK), seed=2)]
    outcome = reader.read(scans.jpeg(scans.page(cards, list(turned), seed=3)))
    assert outcome.reading.side == "both"
    assert value(outcome, "id_number") == expected(FRONT, "id_number")
    assert value(outcome, "valid_until") == expected(BACK, "valid_until")
    assert value(outcome, "issuing_authority") == expected(BACK, "issuing_authority")


def test_page_with_two_fronts_reads_the_larger(reader: CardReader) -> None:
    large = scans.scanned(scans.card(FRONT), width=470, seed=4)
    small = scans.scanned(scans.card(OTHER_FRONT), width=380, seed=5)
    outcome = reader.read(scans.jpeg(scans.page([small, large], [False, True], seed=6)))
    assert "multiple_cards" in codes(outcome)
    assert value(outcome, "id_number") == expected(FRONT, "id_number")


def test_stamp_across_a_value_never_becomes_the_value(reader: CardReader) -> None:
    stamped = scans.stamp(scans.card(FRONT), "复印无效", (560, 470), 60, grey=100)
    outcome = reader.read(scans.jpeg(scans.scanned(stamped)))
    no_stamp_text(outcome)
    assert value(outcome, "name") == expected(FRONT, "name")


def test_stamp_covering_the_whole_number_leaves_it_missing(reader: CardReader) -> None:
    card = scans.card(FRONT)
    card[440:505, 270:740] = 210  # the number is gone under the stamp
    stamped = scans.stamp(card, "复印无效", (505, 472), 62, grey=70)
    outcome = reader.read(scans.jpeg(scans.scanned(stamped)))
    assert value(outcome, "id_number") is None
    assert "field_missing" in codes(outcome)
    no_stamp_text(outcome)


def test_card_on_a_page_of_other_print_reads_only_the_card(reader: CardReader) -> None:
    card = scans.card(FRONT)[:, :, ::-1].copy()  # any channel order: the card is grey
    outcome = reader.read(scans.jpeg(scans.printed_page(cv2.resize(card, (642, 405)))))
    assert outcome.reading.side == "front"
    for field in ("name", "id_number", "birth_date"):
        assert value(outcome, field) == expected(FRONT, field)
    address = value(outcome, "address") or ""
    assert address.startswith(expected(FRONT, "address")[:6])
    assert not {"申请", "规定", "手续"} & {address[i:i + 2] for i in range(len(address))}


def test_named_steps_show_in_timings(reader: CardReader) -> None:
    cards = [scans.scanned(scans.card(FRONT), seed=1), scans.scanned(scans.card(BACK), seed=2)]
    outcome = reader.read(scans.jpeg(scans.page(cards, [True, False], seed=3)))
    steps = {name.removeprefix(STEP_PREFIX) for name in outcome.timings_ms
             if name.startswith(STEP_PREFIX)}
    assert "page_cards" in steps and steps <= {step.name for step in STEPS}


# -- cards made elsewhere (read from ../shared when present, never copied) -------------------


@pytest.mark.skipif(not (CCF / "labels.json").is_file(), reason="../shared/cards-ccf absent")
def test_tight_scans_from_elsewhere_are_not_called_incomplete(reader: CardReader) -> None:
    labels: list[dict[str, Any]] = json.loads((CCF / "labels.json").read_text("utf-8"))
    plain = [entry for entry in labels if entry["tier"] == "ccf"]
    incomplete = sum("card_incomplete" in codes(reader.read((CCF / e["file"]).read_bytes()))
                     for e in plain)
    assert incomplete <= len(plain) // 4
