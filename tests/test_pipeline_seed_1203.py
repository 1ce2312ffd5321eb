"""Values wrong or cut short without a flag on a third seed no rule was written against,
through the whole pipeline (real engine), on cards drawn at test time as by
`tools/make_cards.py --tiers scan:30,page:16,twofronts:8,textpage:10,tampered:16,
ethnic:20,hard:30,photo:30 --seed 1203 --typefaces`:

- a page with two people's fronts: the upper card's number row, apart from its other
  lines, was joined to the lower card's print region (listed first), and the lower,
  smaller card was answered at 1.0 with the upper one's number among its lines. A strip
  of print now joins the nearest card, the largest card read is the answer, and two
  cards in view need a person (`multiple_cards` among the review reasons);
- a grey scan of a front whose address's second row lies under a tilted stamp: no line
  was detected there, and 福建省三明市建宁县王庄乡 was answered at 0.99 without its
  七星村12组67号. Print under a value's last row read now flags it
  (rules/spacing.toml's `row_fields`);
- a back copied onto a form that repeats the card's labels with another person's
  particulars: the card's pale labels were not read, the form's 有效期限：2023.08.23-长期
  was answered as the validity period at 1.0. A form's line (a label, a form's mark and
  particulars) is never a card's (rules/labels.toml's `form_marks`);
- another back on a form: with the form's lines dropped, the page's text read as one
  block gave the card's back too, its period cut short at the block's edge. Two reads of
  one card (a field read at one place in the image) are one card, the one with more
  fields; they were two cards, and the cut one the larger.
"""

from __future__ import annotations

import pytest
from generated import (
    assert_right_or_flagged,
    assert_wrong_and_passed,
    drawn,
    needs_fonts,
)

from idcard.extract import noise
from idcard.pipeline import CardReader, combine, one_view, views

pytestmark = needs_fonts

SEED = 1203
TIERS = [("scan", 30), ("page", 16), ("twofronts", 8), ("textpage", 10), ("tampered", 16),
         ("ethnic", 20), ("hard", 30), ("photo", 30)]


def drawn_card(tmp_path_factory: pytest.TempPathFactory,
               file: str) -> tuple[bytes, dict[str, str]]:
    return drawn(file, tmp_path_factory.mktemp("seed1203"), SEED, TIERS, typefaces=True)


@pytest.fixture(scope="module")
def two_fronts(tmp_path_factory: pytest.TempPathFactory) -> tuple[bytes, dict[str, str]]:
    return drawn_card(tmp_path_factory, "front_twofronts_005.jpg")


@pytest.fixture(scope="module")
def row_under_stamp(tmp_path_factory: pytest.TempPathFactory) -> tuple[bytes, dict[str, str]]:
    return drawn_card(tmp_path_factory, "front_scan_009.jpg")


@pytest.fixture(scope="module")
def back_beside_form(tmp_path_factory: pytest.TempPathFactory) -> tuple[bytes, dict[str, str]]:
    return drawn_card(tmp_path_factory, "back_textpage_002.jpg")


@pytest.fixture(scope="module")
def back_on_form(tmp_path_factory: pytest.TempPathFactory) -> tuple[bytes, dict[str, str]]:
    return drawn_card(tmp_path_factory, "back_textpage_003.jpg")


def test_of_two_fronts_the_larger_is_read_and_a_person_looks(
        reader: CardReader, two_fronts: tuple[bytes, dict[str, str]]) -> None:
    data, truth = two_fronts
    reading = reader.read(data, side="auto").reading
    fields = reading.fields
    assert fields.name is not None and fields.name.value == truth["name"]
    assert fields.id_number is not None and fields.id_number.value == truth["id_number"]
    assert reading.review_needed
    assert "multiple_cards" in [r.code for r in reading.review_reasons if r.field is None]


def test_without_the_nearest_card_the_number_row_goes_to_the_other(
        reader: CardReader, two_fronts: tuple[bytes, dict[str, str]],
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(views, "_gap", lambda card, strip: 0.0)
    data, truth = two_fronts
    number = reader.read(data, side="auto").reading.fields.id_number
    assert number is None or number.value != truth["id_number"]


def test_an_address_whose_last_row_was_not_read_is_flagged(
        reader: CardReader, row_under_stamp: tuple[bytes, dict[str, str]]) -> None:
    data, truth = row_under_stamp
    reading = reader.read(data, side="auto").reading
    assert_right_or_flagged(reading, truth, "address", "characters_missing")


def test_without_the_print_under_it_the_short_address_passes(
        reader: CardReader, row_under_stamp: tuple[bytes, dict[str, str]],
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(one_view, "print_under", lambda image, rows, set_aside=(): 0.0)
    data, truth = row_under_stamp
    assert_wrong_and_passed(reader.read(data, side="auto").reading, truth, "address")


def test_a_back_copied_onto_a_form_gives_the_cards_own_values(
        reader: CardReader, back_on_form: tuple[bytes, dict[str, str]]) -> None:
    data, truth = back_on_form
    fields = reader.read(data, side="auto").reading.fields
    assert fields.issuing_authority is not None
    assert fields.issuing_authority.value == truth["issuing_authority"]
    assert fields.valid_from is not None and fields.valid_from.value == truth["valid_from"]


def test_without_the_form_marks_the_forms_date_is_answered(
        reader: CardReader, back_on_form: tuple[bytes, dict[str, str]],
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(noise, "_form_text", lambda piece, rules: False)
    data, truth = back_on_form
    valid_from = reader.read(data, side="auto").reading.fields.valid_from
    assert valid_from is not None
    assert valid_from.value != truth["valid_from"] and not valid_from.review


def test_one_card_read_in_two_groupings_is_one_card(
        reader: CardReader, back_beside_form: tuple[bytes, dict[str, str]]) -> None:
    data, truth = back_beside_form
    reading = reader.read(data, side="auto").reading
    assert reading.fields.valid_until is not None
    assert reading.fields.valid_until.value == truth["valid_until"]
    assert "multiple_cards" not in [n.code for n in reading.warnings]


def test_without_it_the_cut_reading_is_answered(
        reader: CardReader, back_beside_form: tuple[bytes, dict[str, str]],
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(combine, "_same_card", lambda a, b: False)
    data, truth = back_beside_form
    reading = reader.read(data, side="auto").reading
    until = reading.fields.valid_until
    assert until is None or until.value != truth["valid_until"]
