"""Evidence-based repair: only what a valid number proves, only where the reading is
unsure, always flagged, raw kept; checks judge the card as read, never repaired values."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from pathlib import Path

import pytest
from lines.cardlines import (
    Identity,
    Variation,
    Word,
    back_lines,
    back_words,
    front_words,
    layout,
    with_text,
)

from idcard.card import CardReading
from idcard.extract import RuleBook, interpret_lines, load_rules, merge_sides

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
    # The check judges the reading (day 1), not the repaired value.
    assert reading.checks.birth_date_matches_id == "fail"
    warning = next(w for w in reading.warnings if w.code == "birth_date_mismatch")
    assert "day" in warning.message and "year" not in warning.message
    no_values_in_warnings(reading)


def test_confident_but_different_birth_date_stays_as_printed(rules: RuleBook) -> None:
    words = with_text(front_words(PERSON), "birth_date", 5, "8")  # printed 8, number says 7
    reading = read(words, rules)
    field = reading.fields.birth_date
    assert field is not None and field.value == "1990-03-08"
    assert "birth_date_repaired" not in codes(reading)
    assert reading.checks.birth_date_matches_id == "fail"
    warning = next(w for w in reading.warnings if w.code == "birth_date_mismatch")
    assert "differ in the day" in warning.message
    no_values_in_warnings(reading)


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
    # The check judges what was read (女, unsure) against the number (男).
    assert reading.checks.sex_matches_id == "fail"
    assert "sex_mismatch" in codes(reading)
    words = front_words(PERSON)
    words["sex"] = words["sex"][:1]
    reading = read(words, rules)
    assert reading.fields.sex is not None and reading.fields.sex.value == "男"
    assert "sex_from_id" in codes(reading)
    # Nothing printed was read: there is nothing to judge.
    assert reading.checks.sex_matches_id == "absent"


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
    # The checks judge the number as read, which fails its check character.
    assert reading.checks.id_checksum == "fail"
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


def test_confident_printed_sex_that_disagrees_with_the_number_stays_printed(
        rules: RuleBook) -> None:
    # A tampered card: 女 printed clearly, the number's sequence digit is odd (男).
    reading = read(with_text(front_words(PERSON), "sex", 1, "女", [0.998]), rules)
    sex = reading.fields.sex
    assert sex is not None and sex.value == "女" and sex.raw == "女"
    assert "sex_repaired" not in codes(reading)
    assert reading.checks.sex_matches_id == "fail"
    warning = next(w for w in reading.warnings if w.code == "sex_mismatch")
    assert "female" in warning.message and "male" in warning.message.replace("female", "")
    # The failed check casts doubt on the field (its confidence halves), the number stands.
    assert sex.confidence == pytest.approx(0.998 * 0.5, abs=1e-3)
    assert reading.checks.id_checksum == "pass"


def test_unsure_sex_look_alike_is_repaired_but_a_confident_one_is_not(rules: RuleBook) -> None:
    # 安 is a known misreading of 女: read confidently it still reads as 女 (a look-alike
    # of what the field prints, so unsure) and the number (男) repairs it.
    reading = read(with_text(front_words(PERSON), "sex", 1, "安", [0.99]), rules)
    assert reading.fields.sex is not None and reading.fields.sex.value == "男"
    assert reading.fields.sex.raw == "安"
    assert {"sex_repaired", "sex_mismatch"} <= set(codes(reading))
    assert reading.checks.sex_matches_id == "fail"


def test_confident_year_that_disagrees_stays_and_names_the_part(rules: RuleBook) -> None:
    words = with_text(front_words(PERSON), "birth_date", 1, "1991", [0.99] * 4)
    reading = read(words, rules)
    assert reading.fields.birth_date is not None
    assert reading.fields.birth_date.value == "1991-03-07"
    assert reading.checks.birth_date_matches_id == "fail"
    warning = next(w for w in reading.warnings if w.code == "birth_date_mismatch")
    assert "differ in the year" in warning.message
    assert "month" not in warning.message and "day" not in warning.message
    no_values_in_warnings(reading)


def test_date_repaired_only_when_every_differing_digit_is_unsure(rules: RuleBook) -> None:
    # Year 1980 for 1990: the differing digit (8) is sure, another digit is unsure.
    words = with_text(front_words(PERSON), "birth_date", 1, "1980", [0.5, 0.99, 0.99, 0.99])
    reading = read(words, rules)
    assert reading.fields.birth_date is not None
    assert reading.fields.birth_date.value == "1980-03-07"
    assert "birth_date_repaired" not in codes(reading)
    # The same misread, but the differing digit itself is unsure.
    words = with_text(front_words(PERSON), "birth_date", 1, "1980", [0.99, 0.99, 0.5, 0.99])
    reading = read(words, rules)
    assert reading.fields.birth_date is not None
    assert reading.fields.birth_date.value == "1990-03-07"
    assert "birth_date_repaired" in codes(reading)
    assert reading.fields.birth_date.raw.startswith("1980")


def test_a_dropped_digit_counts_as_unread(rules: RuleBook) -> None:
    person = Identity(birth=date(1990, 3, 17))
    # CTC collapsed nothing here: the day's 1 was simply not read.
    reading = read(with_text(front_words(person), "birth_date", 5, "7"), rules)
    assert reading.fields.birth_date is not None
    assert reading.fields.birth_date.value == "1990-03-17"
    assert "birth_date_repaired" in codes(reading)
    # A missing leading zero is how cards print dates: no disagreement at all.
    reading = read(front_words(PERSON), rules)
    assert reading.checks.birth_date_matches_id == "pass"
    assert not {"birth_date_repaired", "birth_date_mismatch"} & set(codes(reading))


def test_checks_judge_the_number_as_read_after_its_repair(rules: RuleBook) -> None:
    # The sex digit read 4 (even: 女) with low confidence; the printed sex 男 and the check
    # character make 3 the only repair. The check still judges the digit as read.
    position = 16
    misread = NUMBER[:position] + "4" + NUMBER[position + 1:]
    confidences = [0.98] * 18
    confidences[position] = 0.4
    reading = read(with_text(front_words(PERSON), "id_number", 1, misread, confidences), rules)
    assert reading.fields.id_number is not None
    assert reading.fields.id_number.value == NUMBER
    assert reading.fields.id_number.raw == misread
    assert reading.checks.id_checksum == "fail"
    assert reading.checks.sex_matches_id == "fail"
    assert reading.checks.birth_date_matches_id == "pass"
    assert {"id_number_repaired", "sex_mismatch"} <= set(codes(reading))
    no_values_in_warnings(reading)


def test_an_agreeing_card_has_no_mismatch_warnings(rules: RuleBook) -> None:
    reading = read(front_words(PERSON), rules)
    assert reading.checks.sex_matches_id == "pass"
    assert reading.checks.birth_date_matches_id == "pass"
    assert not {"sex_mismatch", "birth_date_mismatch", "sex_repaired",
                "birth_date_repaired"} & set(codes(reading))


def test_merged_sides_keep_the_fronts_verdict_on_the_printed_card(rules: RuleBook) -> None:
    front = read(with_text(front_words(PERSON), "sex", 1, "女", [0.5]), rules)
    back = interpret_lines(back_lines(PERSON), image_size=(856, 540), side="back",
                           rules=rules, today=TODAY)
    both = merge_sides(front, back, today=TODAY)
    assert both.fields.sex is not None and both.fields.sex.value == "男"
    assert both.checks.sex_matches_id == "fail"  # the reading, not the repaired value
    assert both.checks.validity_period_plausible == "pass"
    assert "sex_repaired" in codes(both)


# -- places one character off GB/T 2260 ------------------------------------------------------

def read_back(authority: str, confidences: list[float], rules: RuleBook) -> CardReading:
    words = with_text(back_words(Identity(authority=authority)), "issuing_authority", 1,
                      authority, confidences)
    return interpret_lines(layout(words), image_size=(856, 540), side="back", rules=rules,
                           today=TODAY)


def test_an_authority_place_read_unsure_one_off_its_division_is_repaired(
        rules: RuleBook) -> None:
    # 颍东 (a district of 阜阳市) read as 颖东, the 颖 unsure.
    misread = "阜阳市公安局颖东分局"
    reading = read_back(misread, [0.99] * 6 + [0.57] + [0.99] * 3, rules)
    field = reading.fields.issuing_authority
    assert field is not None
    assert field.value == "阜阳市公安局颍东分局" and field.raw == misread
    assert "issuing_authority_repaired" in codes(reading)
    assert "authority_place_misread" not in codes(reading)
    no_values_in_warnings(reading)


def test_an_authority_place_read_sure_or_fitting_two_divisions_stays_as_read(
        rules: RuleBook) -> None:
    sure = read_back("阜阳市公安局颖东分局", [0.99] * 10, rules)
    assert sure.fields.issuing_authority is not None
    assert sure.fields.issuing_authority.value == "阜阳市公安局颖东分局"
    assert "authority_place_misread" in codes(sure)
    # 毅永县 is one character off 叙永县 and 江永县: nothing says which.
    either = read_back("毅永县公安局", [0.6] + [0.99] * 5, rules)
    assert either.fields.issuing_authority is not None
    assert either.fields.issuing_authority.value == "毅永县公安局"
    assert "issuing_authority_repaired" not in codes(either)


def test_an_address_county_read_unsure_one_off_is_repaired(rules: RuleBook) -> None:
    printed = "广东省梅州市大埔县青龙乡石门村11组68号"
    misread = printed.replace("大埔县", "大场县")
    person = replace(PERSON, address=printed)
    first = front_words(person)["address"][1].text  # the address's first line
    confidences = [0.99] * len(first)
    confidences[7] = 0.54
    misread_first = misread[:len(first)]
    words = with_text(front_words(person), "address", 1, misread_first, confidences)
    reading = read(words, rules)
    field = reading.fields.address
    assert field is not None
    assert field.value == printed and field.raw == misread
    assert "address_repaired" in codes(reading)
    assert "address_place_unknown" not in codes(reading)
    # Read sure, the same address stays as read.
    sure = read(with_text(front_words(person), "address", 1, misread_first), rules)
    assert sure.fields.address is not None and sure.fields.address.value == misread
    assert "address_repaired" not in codes(sure)
