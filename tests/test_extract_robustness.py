"""Bad input gives a defined reading, never an exception; side hints; merge_sides."""

from __future__ import annotations

import logging
from datetime import date
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from lines.cardlines import Identity, Variation, back_lines, front_lines

from idcard.card import CardReading
from idcard.extract import RuleBook, interpret_lines, load_rules, merge_sides, told_by_values
from idcard.text import TextLine

ROOT = Path(__file__).resolve().parent.parent
TODAY = date(2026, 1, 1)
RULES = load_rules(ROOT / "rules")
PERSON = Identity()
CARD_CHARS = "姓名性别男女民族汉出生年月日住址公民身份号码0123456789X.-长期 签发机关有效限"


@pytest.fixture(scope="module")
def rules() -> RuleBook:
    return RULES


def read(lines: list[TextLine], side: str = "auto", size: tuple[int, int] = (856, 540)) -> \
        CardReading:
    return interpret_lines(lines, image_size=size, side=side, rules=RULES,  # type: ignore[arg-type]
                           today=TODAY)


def codes(reading: CardReading) -> set[str]:
    return {w.code for w in reading.warnings}


def box(x: float, y: float, w: float = 100, h: float = 30) -> tuple:  # type: ignore[type-arg]
    return ((x, y), (x + w, y), (x + w, y + h), (x, y + h))


def test_no_lines() -> None:
    for side in ("auto", "front", "back"):
        reading = read([], side)
        assert "no_card_text" in codes(reading)
        assert all(getattr(reading.fields, n) is None for n in reading.fields.__struct_fields__)
        assert reading.side == ("front" if side == "auto" else side)


def test_degenerate_lines_do_not_raise() -> None:
    nan = float("nan")
    lines = [
        TextLine("", 0.9, box(0, 0)),
        TextLine("   ", 0.9, box(0, 40)),
        TextLine("姓名张三", 0.9, ((nan, 0), (1, 0), (1, 1), (0, 1))),
        TextLine("性别男", 0.9, box(10, 100, 0, 0)),  # zero-size box
        TextLine("出生", 0.9, box(10, 200), char_confidences=(0.1,), char_positions=(2.0, -1.0)),
        TextLine("住址", nan, box(10, 300), char_confidences=(nan, nan)),
        TextLine("\x00\u200b", 0.5, box(10, 400)),
    ]
    reading = read(lines)
    assert isinstance(reading, CardReading)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.builds(
    TextLine,
    text=st.text(alphabet=st.sampled_from(CARD_CHARS), max_size=25),
    confidence=st.floats(0, 1),
    box=st.tuples(*[st.tuples(st.floats(-100, 2000), st.floats(-100, 2000))] * 4),
    char_confidences=st.lists(st.floats(0, 1), max_size=25).map(tuple),
    char_positions=st.lists(st.floats(0, 1), max_size=25).map(tuple),
), max_size=25), st.sampled_from(["auto", "front", "back"]))
def test_random_lines_never_raise(lines: list[TextLine], side: str) -> None:
    reading = read(lines, side)
    assert reading.side in ("front", "back", "both")
    assert "extraction_failed" not in codes(reading)


def test_only_noise() -> None:
    lines = [TextLine("复印无效", 0.99, box(100, 100, 200, 40)),
             TextLine("~~", 0.3, box(400, 300)), TextLine("ABC", 0.5, box(200, 450))]
    reading = read(lines)
    assert "no_card_text" in codes(reading)


def test_fifteen_digit_number() -> None:
    lines = [TextLine("公民身份号码", 0.99, box(60, 455, 130, 26)),
             TextLine("420111900307123", 0.97, box(295, 452, 300, 30))]
    reading = read(lines)
    assert reading.fields.id_number is not None
    assert reading.fields.id_number.value == "420111900307123"
    assert "legacy_15_digit_number" in codes(reading)
    assert reading.checks.id_checksum == "absent"
    # The 15-digit number states a birth date and sex: they come from it, flagged.
    assert reading.fields.birth_date is None or "birth_date_from_id" not in codes(reading)


@pytest.mark.parametrize("merged", ["民汉", "族汉", "民族汉族"])
def test_ethnicity_read_together_with_what_is_left_of_its_label(merged: str) -> None:
    lines = [line for line in front_lines(PERSON) if line.text not in ("民族", "汉")]
    lines.append(TextLine(merged, 0.97, box(330, 118, 80, 30)))
    reading = read(lines)
    assert reading.fields.ethnicity is not None
    assert reading.fields.ethnicity.value == "汉"


def test_text_without_card_evidence_gives_no_fields() -> None:
    # A receipt: a date range that is no card term, digits that are no ID number.
    lines = [TextLine("2024.05.17-2024.06.17", 0.99, box(60, 60, 300, 30)),
             TextLine("012345678901234567", 0.99, box(60, 120, 300, 30)),
             TextLine("张伟明", 0.99, box(60, 180, 100, 30))]
    reading = read(lines)
    assert not any(getattr(reading.fields, n) for n in reading.fields.__struct_fields__)
    assert "no_card_text" in codes(reading)


def test_cut_off_number_is_not_a_legacy_one() -> None:
    # The first 15 digits of 420111199003071239 (its 19|90|03 reads as no date).
    lines = [TextLine("公民身份号码", 0.99, box(60, 455, 130, 26)),
             TextLine("420111199003071", 0.97, box(295, 452, 300, 30))]
    reading = read(lines)
    assert "legacy_15_digit_number" not in codes(reading)
    assert reading.checks.id_checksum == "fail"


def test_side_detection_and_mismatch() -> None:
    assert read(front_lines(PERSON)).side == "front"
    assert read(back_lines(PERSON)).side == "back"
    reading = read(back_lines(PERSON), side="front")
    assert reading.side == "front" and "side_mismatch" in codes(reading)
    assert "side_mismatch" not in codes(read(front_lines(PERSON), side="front"))


def test_merge_sides() -> None:
    front, back = read(front_lines(PERSON)), read(back_lines(PERSON))
    both = merge_sides(front, back, today=TODAY)
    assert both.side == "both"
    assert both.fields.name is not None and both.fields.valid_until is not None
    assert both.checks.validity_period_plausible == "pass"  # 26 at issue: 20 years
    assert both.checks.id_checksum == "pass"


def test_merge_sides_checks_period_against_birth() -> None:
    young = Identity(valid_from=date(2015, 1, 1), valid_until=date(2020, 1, 1))  # 24: 10 years
    both = merge_sides(read(front_lines(young)), read(back_lines(young)), today=TODAY)
    assert both.checks.validity_period_plausible == "fail"
    assert both.fields.valid_until is not None
    assert both.fields.valid_until.confidence < 0.6


def test_both_sides_in_one_list() -> None:
    from lines.cardlines import Transform
    lines = front_lines(PERSON) + back_lines(PERSON, Variation(transform=Transform(1.0, 0, 600)))
    reading = read(lines, size=(856, 1200))
    assert reading.side == "both"
    assert reading.fields.id_number is not None and reading.fields.valid_from is not None


def test_values_never_logged(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    read(front_lines(PERSON))
    read([TextLine("x", 0.5, ((float("inf"), 0), (1, 0), (1, 1), (0, 1)))])
    for record in caplog.records:
        text = record.getMessage()
        assert PERSON.id_number not in text and PERSON.name not in text


def test_a_line_read_the_other_way_up_keeps_its_place_on_a_levelled_card() -> None:
    """One label misread upside down (出生 as 田, its box running right to left) lies on
    the card's left, not mirrored about the centre between the address's lines, where it
    used to end the address after its first line."""
    lines = front_lines(PERSON)
    first, second = (line for line in lines if line.text in (PERSON.address[:11],
                                                             PERSON.address[11:22]))
    middle = (first.box[2][1] + second.box[0][1]) / 2
    # Its mirror image sits where the address's lines continue.
    x0, x1 = 856 - first.box[0][0] - 120, 856 - first.box[0][0] - 90
    y0, y1 = 540 - middle - 12, 540 - middle + 12
    turned = TextLine(text="田", confidence=0.6, box=((x1, y1), (x0, y1), (x0, y0), (x1, y0)))
    reading = read([*lines, turned], side="front")
    assert reading.fields.address is not None
    assert reading.fields.address.value == PERSON.address


def test_a_front_without_its_labels_is_told_by_its_values() -> None:
    # A grey copy whose pale labels did not survive: no word says which side it is, and
    # the number is cut in two by a stamp. Read as a front, its values say it is one.
    labels = {"姓名", "性别", "民族", "出生", "住址", "公民身份号码"}
    lines = [line for line in front_lines(PERSON) if line.text not in labels
             and not (line.text.isdigit() and len(line.text) >= 15)]
    front = read(lines, "front")
    assert told_by_values(front, RULES)
    assert front.fields.sex is not None and front.fields.birth_date is not None
    assert front.fields.birth_date.value == PERSON.birth.isoformat()
    # Read without a hint, it is told so at once (every step after needs the side).
    told = read(lines)
    assert "no_card_text" not in codes(told)
    assert told.side == "front" and told.fields == front.fields


def test_a_page_with_a_date_and_a_sex_is_no_front() -> None:
    # Two of the four values a front is told by: not enough (a form, a receipt).
    lines = [TextLine("男", 0.99, box(170, 110, 30, 30)),
             TextLine("2024年5月17日", 0.99, box(170, 190, 220, 30)),
             TextLine("张伟明", 0.99, box(170, 50, 100, 30))]
    front = read(lines, "front")
    assert front.fields.sex is not None and front.fields.birth_date is not None
    assert not told_by_values(front, RULES)
    assert "no_card_text" in codes(read(lines))


def test_a_sex_whose_box_reaches_into_the_ethnicity_label_is_read() -> None:
    # No 性别 read, and the detector's box round 女 padded past the start of 民族 (the
    # label read with its value): the sex still lies left of the label.
    person = Identity(sex="女", sequence=124)
    lines = [line for line in front_lines(person, Variation(drop_labels=frozenset({"sex"})))
             if line.text not in ("女", "民族", "汉")]
    sex_left, label_left = 0.19 * 856, 0.36 * 856
    lines.append(TextLine("女", 0.99, box(sex_left, 118, label_left + 12 - sex_left, 30)))
    lines.append(TextLine("民族汉", 0.97, box(label_left, 118, 110, 30)))
    reading = read(lines, "front")
    fields = reading.fields
    assert fields.sex is not None and fields.sex.value == "女"
    assert "sex_from_id" not in codes(reading)  # read where it prints, not taken from the number
    assert fields.ethnicity is not None and fields.ethnicity.value == "汉"
