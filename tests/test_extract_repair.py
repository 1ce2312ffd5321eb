"""Evidence-based repair: only what a valid number proves, always flagged, raw kept."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from lines.cardlines import Identity, Variation, Word, front_words, layout, with_text

from idcard.card import CardReading
from idcard.extract import RuleBook, interpret_lines, load_rules

ROOT = Path(__file__).resolve().parent.parent
TODAY = date(2026, 1, 1)
PERSON = Identity()
NUMBER = PERSON.id_number  # 420111199003071239


@pytest.fixture(scope="module")
def rules() -> RuleBook:
    return load_rules(ROOT / "rules")


def read(words: dict[str, list[Word]], rules: RuleBook,
         variation: Variation | None = None) -> CardReading:
    return interpret_lines(layout(words, variation or Variation()), image_size=(856, 540),
                           side="front", rules=rules, today=TODAY)


def codes(reading: CardReading) -> list[str]:
    return [w.code for w in reading.warnings]


def no_values_in_warnings(reading: CardReading) -> None:
    values = [getattr(reading.fields, n).value for n in reading.fields.__struct_fields__
              if getattr(reading.fields, n) is not None]
    for warning in reading.warnings:
        for value in values:
            if len(value) >= 2:
                assert value not in warning.message


def test_low_confidence_birth_date_is_replaced_by_the_numbers(rules: RuleBook) -> None:
    words = with_text(front_words(PERSON), "birth_date", 5, "1", [0.41])  # 7 read as 1
    reading = read(words, rules)
    field = reading.fields.birth_date
    assert field is not None and field.value == "1990-03-07"
    assert "1" in field.raw and field.raw.startswith("1990")
    assert "birth_date_repaired" in codes(reading)
    assert reading.checks.birth_date_matches_id == "pass"
    no_values_in_warnings(reading)


def test_confident_but_different_birth_date_is_repaired_and_flagged(rules: RuleBook) -> None:
    words = with_text(front_words(PERSON), "birth_date", 5, "8")
    reading = read(words, rules)
    assert reading.fields.birth_date is not None
    assert reading.fields.birth_date.value == "1990-03-07"
    assert "8" in reading.fields.birth_date.raw
    warning = next(w for w in reading.warnings if w.code == "birth_date_repaired")
    assert "disagreed" in warning.message


def test_missing_birth_date_comes_from_the_number_with_its_digits_box(rules: RuleBook) -> None:
    words = front_words(PERSON)
    del words["birth_date"]
    reading = read(words, rules)
    field, number = reading.fields.birth_date, reading.fields.id_number
    assert field is not None and number is not None
    assert field.value == "1990-03-07" and field.raw == ""
    assert "birth_date_from_id" in codes(reading)
    # The box is the digits 7-14 of the number: inside the number's box, narrower.
    assert number.box[0][0] < field.box[0][0] < field.box[1][0] < number.box[1][0]


def test_sex_misread_and_missing(rules: RuleBook) -> None:
    reading = read(with_text(front_words(PERSON), "sex", 1, "女", [0.5]), rules)
    assert reading.fields.sex is not None and reading.fields.sex.value == "男"
    assert reading.fields.sex.raw == "女"
    assert "sex_repaired" in codes(reading)
    words = front_words(PERSON)
    words["sex"] = words["sex"][:1]
    reading = read(words, rules)
    assert reading.fields.sex is not None and reading.fields.sex.value == "男"
    assert "sex_from_id" in codes(reading)


def test_nothing_is_repaired_when_the_number_fails_its_check(rules: RuleBook) -> None:
    bad = NUMBER[:-1] + "0"
    words = with_text(front_words(PERSON), "id_number", 1, bad)
    words = with_text(words, "birth_date", 5, "8")
    reading = read(words, rules)
    assert reading.fields.birth_date is not None
    assert reading.fields.birth_date.value == "1990-03-08"
    assert reading.checks.id_checksum == "fail"
    assert reading.checks.birth_date_matches_id == "fail"
    assert not {"birth_date_repaired", "id_number_repaired"} & set(codes(reading))


def test_one_doubtful_digit_is_repaired(rules: RuleBook) -> None:
    position = 15  # a sequence digit: only the check character constrains it
    wrong = "0" if NUMBER[position] != "0" else "1"
    misread = NUMBER[:position] + wrong + NUMBER[position + 1:]
    confidences = [0.98] * 18
    confidences[position] = 0.4
    reading = read(with_text(front_words(PERSON), "id_number", 1, misread, confidences), rules)
    number = reading.fields.id_number
    assert number is not None and number.value == NUMBER
    assert number.raw == misread
    assert "id_number_repaired" in codes(reading)
    assert reading.checks.id_checksum == "pass"
    no_values_in_warnings(reading)


def test_two_doubtful_characters_repaired_only_when_unique(rules: RuleBook) -> None:
    # Two doubtful digits inside the birth date: the printed birth date pins both down.
    misread = NUMBER[:12] + "08" + NUMBER[14:]  # day 07 -> 08
    confidences = [0.98] * 18
    confidences[12] = confidences[13] = 0.5
    reading = read(with_text(front_words(PERSON), "id_number", 1, misread, confidences), rules)
    assert reading.fields.id_number is not None
    assert reading.fields.id_number.value == NUMBER
    assert "id_number_repaired" in codes(reading)


def test_ambiguous_repair_is_left_alone(rules: RuleBook) -> None:
    # Two doubtful sequence digits: many pairs pass the check and agree with the card.
    misread = NUMBER[:14] + "99" + NUMBER[16:]
    confidences = [0.98] * 18
    confidences[14] = confidences[15] = 0.5
    reading = read(with_text(front_words(PERSON), "id_number", 1, misread, confidences), rules)
    assert reading.fields.id_number is not None
    assert reading.fields.id_number.value == misread
    assert reading.checks.id_checksum == "fail"
    assert "id_number_repaired" not in codes(reading)


def test_confident_wrong_number_is_not_repaired(rules: RuleBook) -> None:
    misread = NUMBER[:15] + ("0" if NUMBER[15] != "0" else "1") + NUMBER[16:]
    reading = read(with_text(front_words(PERSON), "id_number", 1, misread), rules)
    assert reading.fields.id_number is not None
    assert reading.fields.id_number.value == misread
    assert reading.checks.id_checksum == "fail"


def test_confusable_letters_count_as_doubtful(rules: RuleBook) -> None:
    # "B" folds to 8 but the digit was 3: the letter makes the position doubtful.
    position = next(i for i in range(6, 17) if NUMBER[i] == "3")
    misread = NUMBER[:position] + "B" + NUMBER[position + 1:]
    reading = read(with_text(front_words(PERSON), "id_number", 1, misread), rules)
    assert reading.fields.id_number is not None
    assert reading.fields.id_number.value == NUMBER
    assert "id_number_repaired" in codes(reading)


def test_failed_check_lowers_the_fields_confidence(rules: RuleBook) -> None:
    good = read(front_words(PERSON), rules)
    bad = read(with_text(front_words(PERSON), "ethnicity", 1, "火星"), rules)
    assert good.fields.ethnicity is not None and bad.fields.ethnicity is not None
    assert bad.checks.ethnicity_known == "fail"
    assert bad.fields.ethnicity.confidence == pytest.approx(good.fields.ethnicity.confidence * 0.5)
