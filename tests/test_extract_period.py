"""A validity period read with one date: a card prints both ends (or 长期), so the other
end was not read, and the date read may be either (a stamp over the first date leaves
the second read alone, at full confidence). The date is flagged `characters_missing`."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from lines.cardlines import HEIGHT, WIDTH, Identity, back_lines, back_words, layout, with_text

from idcard.card import CardReading
from idcard.extract import interpret_lines, load_rules, unlike_printed
from idcard.extract.findings import fields_named

ROOT = Path(__file__).resolve().parent.parent
RULES = load_rules(ROOT / "rules")
TODAY = date(2026, 1, 1)
SIZE = (WIDTH, HEIGHT)
PERSON = Identity(valid_from=date(2013, 10, 26), valid_until=date(2033, 10, 26))


def read_back(period: str | None = None) -> CardReading:
    words = back_words(PERSON)
    lines = back_lines(PERSON) if period is None else \
        layout(with_text(words, "valid_period", 1, period))
    return interpret_lines(lines, image_size=SIZE, side="back", rules=RULES, today=TODAY)


def test_a_whole_period_is_not_flagged() -> None:
    reading = read_back()
    assert reading.fields.valid_from is not None
    assert reading.fields.valid_from.value == "2013-10-26"
    assert reading.fields.valid_until is not None
    assert "valid_from" not in fields_named(reading.warnings, "characters_missing")


def test_the_second_date_read_alone_is_flagged() -> None:
    reading = read_back("2033.10.26")
    assert reading.fields.valid_until is None
    valid_from = reading.fields.valid_from
    assert valid_from is not None and valid_from.value == "2033-10-26"
    assert "valid_from" in fields_named(reading.warnings, "characters_missing")
    assert valid_from.confidence < 0.9


def test_digits_run_across_the_separator_leave_one_date_and_a_flag() -> None:
    # 2011.11.02-2016.11.02 with a stamp over its middle: eight digits make a date only
    # by taking one from after the dash.
    reading = read_back("201.1102-2")
    assert reading.fields.valid_until is None
    assert "valid_from" in fields_named(reading.warnings, "characters_missing")


def test_a_long_term_period_is_whole() -> None:
    reading = read_back("2013.10.26-长期")
    assert reading.fields.valid_until is not None
    assert "valid_from" not in fields_named(reading.warnings, "characters_missing")


@pytest.mark.parametrize(("printed", "end"), [(".10.26-长期", "long-term"),
                                              ("3.10.26-2033.10.26", "2033-10-26")])
def test_the_end_after_a_start_read_in_part_is_read_and_flagged(printed: str, end: str) -> None:
    # A stamp over the start's year: the end after the separator is whole.
    reading = read_back(printed)
    assert reading.fields.valid_from is None
    valid_until = reading.fields.valid_until
    assert valid_until is not None and valid_until.value == end
    assert "valid_until" in fields_named(reading.warnings, "characters_missing")
    assert "valid_from was not found" in [w.message for w in reading.warnings]


@pytest.mark.parametrize("printed", ["2013.10.26", ".10.26-2033.10", "2013.13.26-长期"])
def test_no_end_is_read_from_a_start_alone_or_an_unsure_split(printed: str) -> None:
    # One date alone is the start read (above); an end short of a date is no end; a
    # start of eight digits that make no date leaves which digits are which unknown.
    reading = read_back(printed)
    if reading.fields.valid_from is None:
        assert reading.fields.valid_until is None


def test_a_period_place_read_without_a_digit_is_other_print() -> None:
    # Its place read on its own (step value_regions) is kept only when like a period:
    # the end of an authority printed lower than the layout puts it is not one.
    assert unlike_printed("valid_from", "源分局。", RULES)
    assert not unlike_printed("valid_from", "2014.09.21-2034.09.21", RULES)
    assert not unlike_printed("valid_from", "2014.09.21-长期", RULES)
