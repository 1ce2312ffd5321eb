"""Values wrong without a flag, and a side lost, on a fourth seed no rule was written
against, through the whole pipeline (real engine), on cards drawn at test time as by
`tools/make_cards.py --tiers clean:20,photo:40,hard:40,both:12,stamped:30,crop:20,
scan:20,page:10,tampered:10 --seed 1204 --typefaces`:

- a photographed stamped back whose red 复禁印止 lies over the first date of its period:
  only 2033.10.26, the second, was read on the period's line, and was answered as the
  start of the period at 0.99;
- a grey stamped back whose stamp lies over the middle of its period: 201.1102-2 was
  read, and its first eight digits, one of them from past the dash, made 2011-10-22 at
  0.98. A card prints both ends of its period (or 长期): one read without the other is
  flagged;
- an A4 scan of both sides on speckled paper: the dots, bridged together, made one print
  region of the whole page, which says nothing of a card beside the front's outline, so
  the page was not searched and the legible back was lost (`side: "front"`). Beside an
  outline, specks are left out of the print regions (imaging/locate.py `_SPECK_AREA`).
"""

from __future__ import annotations

import pytest
from generated import (
    assert_right_or_flagged,
    assert_wrong_and_passed,
    drawn,
    needs_fonts,
)

from idcard.extract import interpret
from idcard.imaging import locate
from idcard.pipeline import CardReader

pytestmark = needs_fonts

SEED = 1204
TIERS = [("clean", 20), ("photo", 40), ("hard", 40), ("both", 12), ("stamped", 30),
         ("crop", 20), ("scan", 20), ("page", 10), ("tampered", 10)]
BACKS = ["back_stamped_000.jpg", "back_stamped_003.jpg"]


@pytest.fixture(scope="module", params=BACKS)
def stamped_back(request: pytest.FixtureRequest,
                 tmp_path_factory: pytest.TempPathFactory) -> tuple[bytes, dict[str, str]]:
    return drawn(request.param, tmp_path_factory.mktemp("seed1204"), SEED, TIERS,
                 typefaces=True)


def test_a_period_read_with_one_date_is_flagged(
        reader: CardReader, stamped_back: tuple[bytes, dict[str, str]]) -> None:
    data, truth = stamped_back
    reading = reader.read(data, side="auto").reading
    assert_right_or_flagged(reading, truth, "valid_from", "characters_missing")


@pytest.fixture(scope="module")
def misread_back(tmp_path_factory: pytest.TempPathFactory) -> tuple[bytes, dict[str, str]]:
    # back_stamped_000 no longer shows the failure at all: the screen measure takes its
    # texture for a screen's grid, and the copy smoothed in one tone reads its period
    # whole (twenty-fourth session).
    return drawn("back_stamped_003.jpg", tmp_path_factory.mktemp("seed1204"), SEED, TIERS,
                 typefaces=True)


def test_without_it_the_wrong_date_passes(
        reader: CardReader, misread_back: tuple[bytes, dict[str, str]],
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(interpret, "_period_in_part", lambda values: [])
    data, truth = misread_back
    assert_wrong_and_passed(reader.read(data, side="auto").reading, truth, "valid_from")


@pytest.fixture(scope="module")
def speckled_page(tmp_path_factory: pytest.TempPathFactory) -> tuple[bytes, dict[str, str]]:
    return drawn("both_003.jpg", tmp_path_factory.mktemp("seed1204"), SEED, TIERS,
                 typefaces=True)


def test_both_sides_on_speckled_paper_are_read(
        reader: CardReader, speckled_page: tuple[bytes, dict[str, str]]) -> None:
    data, truth = speckled_page
    reading = reader.read(data, side="auto").reading
    assert reading.side == "both"
    assert reading.fields.issuing_authority is not None
    assert reading.fields.issuing_authority.value == truth["issuing_authority"]


def test_with_the_specks_the_back_is_lost(
        reader: CardReader, speckled_page: tuple[bytes, dict[str, str]],
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(locate, "_SPECK_AREA", 0)
    data, _ = speckled_page
    assert reader.read(data, side="auto").reading.side == "front"
