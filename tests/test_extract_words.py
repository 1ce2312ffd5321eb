"""The rule layer's side of closed-vocabulary reading: where a front's sex and ethnicity
cells lie (`front_value_cells`), and a value read from a vocabulary (a line `read_as` a
field) taken as printed and judged like any other reading, never filled from the number."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from lines.cardlines import HEIGHT, WIDTH, Identity, front_words, layout

from idcard.card import CardReading
from idcard.extract import RuleBook, front_value_cells, interpret_lines, load_rules
from idcard.extract.pieces import chars_of, confidence_of, piece_from_line
from idcard.extract.values import read_address, read_name
from idcard.pipeline.one_view import word_line
from idcard.text import Quad, TextLine, point_along

ROOT = Path(__file__).resolve().parent.parent
PERSON = Identity()  # 男, 汉; the number says 男


@pytest.fixture(scope="module")
def rules() -> RuleBook:
    return load_rules(ROOT / "rules")


def read(lines: list[TextLine], rules: RuleBook) -> CardReading:
    return interpret_lines(lines, image_size=(WIDTH, HEIGHT), side="front", rules=rules,
                           today=date(2026, 1, 1))


def inside(point: tuple[float, float], cell: Quad) -> bool:
    (left, top), _, (right, bottom), _ = cell
    return left <= point[0] <= right and top <= point[1] <= bottom


def test_the_cells_hold_the_printed_values(rules: RuleBook) -> None:
    lines = layout(front_words(PERSON))
    cells = front_value_cells(lines, ["sex", "ethnicity"], image_size=(WIDTH, HEIGHT),
                              rules=rules)
    value = {line.text: line for line in lines}
    assert inside(point_along(value["男"].box, 0.5), cells["sex"])
    assert inside(point_along(value["汉"].box, 0.5), cells["ethnicity"])
    assert not inside(point_along(value["民族"].box, 0.5), cells["ethnicity"])


def test_no_cells_without_a_label_to_place_them(rules: RuleBook) -> None:
    lines = [line for line in layout(front_words(PERSON)) if line.text in ("男", "汉")]
    assert front_value_cells(lines, ["sex"], image_size=(WIDTH, HEIGHT), rules=rules) == {}


def test_a_word_read_from_the_vocabulary_is_the_value_whatever_lies_around_it(
        rules: RuleBook) -> None:
    # The ethnicity's line read as stamp debris beside the value: the word read from the
    # vocabulary in its cell is the value.
    lines = [line for line in layout(front_words(PERSON)) if line.text != "汉"]
    cell = front_value_cells(lines, ["ethnicity"], image_size=(WIDTH, HEIGHT),
                             rules=rules)["ethnicity"]
    reading = read([*lines, word_line("ethnicity", "汉", 0.4, cell)], rules)
    found = reading.fields.ethnicity
    assert found is not None and found.value == "汉" and found.raw == "汉"
    assert found.confidence == pytest.approx(0.4)
    assert reading.checks.ethnicity_known == "pass"


def test_a_sex_read_from_the_vocabulary_is_judged_against_the_number(rules: RuleBook) -> None:
    # The cell reads 女 where the number says 男: the value stays what was read, and the
    # check fails; nothing is taken from the number.
    lines = [line for line in layout(front_words(PERSON)) if line.text != "男"]
    cell = front_value_cells(lines, ["sex"], image_size=(WIDTH, HEIGHT), rules=rules)["sex"]
    reading = read([*lines, word_line("sex", "女", 0.9, cell)], rules)
    assert reading.fields.sex is not None and reading.fields.sex.value == "女"
    assert reading.checks.sex_matches_id == "fail"
    assert "sex_mismatch" in [w.code for w in reading.warnings]
    assert "sex_from_id" not in [w.code for w in reading.warnings]


def test_a_number_row_read_in_digits_is_the_number_whatever_lies_around_it(
        rules: RuleBook) -> None:
    # The number's line lost to a stamp (nothing detected there); its row read in digits
    # alone is the number, checked like any reading.
    lines = [line for line in layout(front_words(PERSON)) if line.text != PERSON.id_number]
    cell = front_value_cells(lines, ["id_number"], image_size=(WIDTH, HEIGHT),
                             rules=rules)["id_number"]
    row = word_line("id_number", PERSON.id_number, 0.9, cell)
    assert read(lines, rules).fields.id_number is None
    reading = read([*lines, row], rules)
    found = reading.fields.id_number
    assert found is not None and found.value == PERSON.id_number
    assert reading.checks.id_checksum == "pass"


def test_a_birth_date_row_read_in_its_characters_is_parsed_as_a_date(
        rules: RuleBook) -> None:
    birth = PERSON.birth
    printed = f"{birth.year}年{birth.month}月{birth.day}日"
    lines = [line for line in layout(front_words(PERSON))
             if not (line.text.isdigit() and len(line.text) < 5) and line.text not in "年月日"]
    cell = front_value_cells(lines, ["birth_date"], image_size=(WIDTH, HEIGHT),
                             rules=rules)["birth_date"]
    reading = read([*lines, word_line("birth_date", printed, 0.9, cell)], rules)
    found = reading.fields.birth_date
    assert found is not None and found.value == birth.isoformat() and found.raw == printed
    assert "birth_date_from_id" not in [w.code for w in reading.warnings]


def test_a_name_is_no_surer_than_a_character_read_beside_it_that_no_name_prints(
        rules: RuleBook) -> None:
    def name_of(text: str, confidences: tuple[float, ...]) -> tuple[str, float]:
        line = TextLine(text=text, confidence=0.9, box=((0, 0), (90, 0), (90, 30), (0, 30)),
                        char_confidences=confidences,
                        char_positions=tuple((i + 0.5) / len(text) for i in range(len(text))))
        piece = piece_from_line(line)
        assert piece is not None
        value = read_name(chars_of([piece]), rules)
        assert value is not None
        confidence = confidence_of(value.chars) if value.confidence is None \
            else value.confidence
        return value.text, confidence
    # 陶一 read with a dash for 一: the dash is read as the one-stroke character it is
    # drawn like, and the name keeps its doubt; the reading stays in `raw`.
    assert name_of("陶—", (1.0, 0.79)) == ("陶一", pytest.approx(0.79))
    assert name_of("陶ー", (1.0, 0.95)) == ("陶一", pytest.approx(0.95))
    assert name_of("陶一", (1.0, 0.99)) == ("陶一", pytest.approx(0.995))
    # Other marks beside a name are still no part of it.
    assert name_of("陶]", (1.0, 0.79)) == ("陶", pytest.approx(0.79))


def test_an_address_begins_at_its_first_han_character() -> None:
    text = "·贵州省贵阳市1组-"
    line = TextLine(text=text, confidence=0.9, box=((0, 0), (300, 0), (300, 30), (0, 30)),
                    char_confidences=(0.6, *(0.99,) * (len(text) - 1)),
                    char_positions=tuple((i + 0.5) / len(text) for i in range(len(text))))
    piece = piece_from_line(line)
    assert piece is not None
    value = read_address(chars_of([piece]))
    assert value is not None and value.text == "贵州省贵阳市1组"
    assert value.confidence == pytest.approx(0.6)  # the dot was not print, nor sure
