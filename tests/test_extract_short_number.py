"""Numbers printed with 17 digits are returned as printed; a number cut off at the image's
edge is told apart from one printed short."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from pathlib import Path

import pytest
from lines.cardlines import (
    HEIGHT,
    NUMBER_PX,
    WIDTH,
    Identity,
    Variation,
    char_width,
    front_words,
    layout,
    with_text,
)

from idcard.card import CardReading, Quality, QualitySignal, ReviewReason
from idcard.extract import RuleBook, interpret_lines, load_rules
from idcard.pipeline.trust import decide_review
from idcard.validate import birth_date_of, checksum_ok, is_legacy, region_known, sex_of

ROOT = Path(__file__).resolve().parent.parent
TODAY = date(2026, 1, 1)
PERSON = Identity()
BODY = PERSON.id_number[:17]  # 42011119900307123: printed without its check character


@pytest.fixture(scope="module")
def rules() -> RuleBook:
    return load_rules(ROOT / "rules")


def read(words: dict[str, list[object]], rules: RuleBook, size: tuple[int, int] = (WIDTH, HEIGHT),
         variation: Variation | None = None) -> CardReading:
    return interpret_lines(layout(words, variation or Variation()),  # type: ignore[arg-type]
                           image_size=size, side="front", rules=rules, today=TODAY)


def codes(reading: CardReading) -> list[str]:
    return [w.code for w in reading.warnings]


def test_a_17_digit_number_is_returned_as_printed(rules: RuleBook) -> None:
    reading = read(with_text(front_words(PERSON), "id_number", 1, BODY), rules)
    number = reading.fields.id_number
    assert number is not None and number.value == BODY
    assert reading.checks.id_checksum == "fail"
    assert "id_number_too_short" in codes(reading)
    assert "id_number_cut_off" not in codes(reading)
    # Region, birth date and sex stand where an 18-character number has them.
    assert reading.checks.region_code_known == "pass"
    assert reading.checks.birth_date_matches_id == "pass"
    assert reading.checks.sex_matches_id == "pass"
    # Nothing is repaired from a number that cannot be verified.
    assert not {"sex_repaired", "birth_date_repaired"} & set(codes(reading))
    warning = next(w for w in reading.warnings if w.code == "id_number_too_short")
    assert BODY not in warning.message and "17" in warning.message


def test_a_17_digit_number_without_its_label_is_still_found(rules: RuleBook) -> None:
    words = with_text(front_words(PERSON), "id_number", 1, BODY)
    reading = read(words, rules, variation=Variation(drop_labels=frozenset({"id_number"})))
    assert reading.fields.id_number is not None
    assert reading.fields.id_number.value == BODY


def test_fifteen_digits_inside_a_17_digit_run_are_not_a_legacy_number(rules: RuleBook) -> None:
    legacy = "420111900307123"
    assert is_legacy(legacy) and region_known(legacy[:6])
    printed = "11" + legacy  # 17 digits whose last 15 look like a first-generation number
    reading = read(with_text(front_words(PERSON), "id_number", 1, printed), rules)
    assert reading.fields.id_number is not None
    assert reading.fields.id_number.value == printed
    assert "legacy_15_digit_number" not in codes(reading)
    assert "id_number_too_short" in codes(reading)


def test_a_real_15_digit_number_is_still_legacy(rules: RuleBook) -> None:
    person = replace(PERSON, birth=date(1990, 3, 7))
    legacy = "420111900307123"
    reading = read(with_text(front_words(person), "id_number", 1, legacy), rules)
    assert reading.fields.id_number is not None and reading.fields.id_number.value == legacy
    assert "legacy_15_digit_number" in codes(reading)
    assert "id_number_too_short" not in codes(reading)


def test_a_number_running_into_the_image_edge_is_cut_off_not_short(rules: RuleBook) -> None:
    words = front_words(PERSON)
    number = words["id_number"][1]
    # The image ends right after the 17th digit: the 18th lies beyond its edge.
    edge = number.x + sum(char_width(c, NUMBER_PX) for c in BODY)
    words = with_text(words, "id_number", 1, BODY)
    reading = read(words, rules, size=(int(edge) + 1, HEIGHT))
    assert reading.fields.id_number is not None and reading.fields.id_number.value == BODY
    assert "id_number_cut_off" in codes(reading)
    assert "id_number_too_short" not in codes(reading)
    assert reading.checks.id_checksum == "fail"


def test_a_stamp_over_part_of_the_number_says_both(rules: RuleBook) -> None:
    covered = PERSON.id_number[:14] + "复印无效"
    reading = read(with_text(front_words(PERSON), "id_number", 1, covered), rules)
    assert reading.fields.id_number is not None
    assert reading.fields.id_number.value == PERSON.id_number[:14]
    assert {"id_number_too_short", "stamp_over_field"} <= set(codes(reading))


def test_the_number_facts_of_a_17_digit_body() -> None:
    assert not checksum_ok(BODY)
    assert birth_date_of(BODY) == date(1990, 3, 7)
    assert sex_of(BODY) == "男"
    assert birth_date_of(BODY[:16]) is None and sex_of(BODY[:16]) is None


# A stamp over the birth row's month and day: the row reads its year (and maybe more).
def birth_row_read_as(words: dict[str, list[object]], *parts: str) -> dict[str, list[object]]:
    out = dict(words)
    out["birth_date"] = words["birth_date"][:1 + len(parts)]
    for index, text in enumerate(parts, start=1):
        out = with_text(out, "birth_date", index, text)  # type: ignore[arg-type]
    return out


def test_a_date_read_in_part_is_completed_from_a_17_digit_number_that_agrees(
        rules: RuleBook) -> None:
    reading = read(birth_row_read_as(with_text(front_words(PERSON), "id_number", 1, BODY),
                                     "1990"), rules)
    field = reading.fields.birth_date
    assert field is not None and field.value == "1990-03-07"
    assert field.raw == "1990"  # the part read
    assert "birth_date_completed_from_id" in codes(reading)
    # The check judges the printed date, which was not read whole.
    assert reading.checks.birth_date_matches_id == "absent"
    quiet = Quality(**{name: QualitySignal(score=0.0, raised=False)
                       for name in Quality.__struct_fields__})
    reviewed = decide_review(reading, quiet, review_below=0.5)
    assert reviewed.fields.birth_date is not None and reviewed.fields.birth_date.review
    assert ReviewReason("repaired", "birth_date") in reviewed.review_reasons


def test_year_and_month_read_complete_the_day_and_a_failing_18_digit_number_counts(
        rules: RuleBook) -> None:
    failing = BODY + ("0" if PERSON.id_number[17] != "0" else "1")
    assert not checksum_ok(failing)
    words = birth_row_read_as(with_text(front_words(PERSON), "id_number", 1, failing),
                              "1990", "年", "3")
    field = read(words, rules).fields.birth_date
    assert field is not None and field.value == "1990-03-07"


@pytest.mark.parametrize("parts", [("1991",), ("1990", "年", "4"), ("19",), ()])
def test_no_date_is_completed_where_the_row_disagrees_or_shows_less_than_the_year(
        rules: RuleBook, parts: tuple[str, ...]) -> None:
    words = birth_row_read_as(with_text(front_words(PERSON), "id_number", 1, BODY), *parts)
    reading = read(words, rules)
    assert reading.fields.birth_date is None
    assert "birth_date_completed_from_id" not in codes(reading)


def test_no_date_is_completed_from_unsure_date_digits(rules: RuleBook) -> None:
    unsure_month = [1.0] * 10 + [0.3] + [1.0] * 6  # the number's 11th digit
    words = with_text(front_words(PERSON), "id_number", 1, BODY, unsure_month)
    assert read(birth_row_read_as(words, "1990"), rules).fields.birth_date is None
    words = with_text(front_words(PERSON), "id_number", 1, BODY)
    words = birth_row_read_as(words, "1990")
    words = with_text(words, "birth_date", 1, "1990", [1.0, 1.0, 0.3, 1.0])  # type: ignore[arg-type]
    assert read(words, rules).fields.birth_date is None
