"""Which text is the card, when a page repeats the card's labels (a form asking for the
holder's particulars) or holds two cards: label geometry decides, never reading order."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from pathlib import Path

import msgspec
from lines.cardlines import (
    HEIGHT,
    WIDTH,
    Identity,
    Transform,
    Variation,
    Word,
    back_lines,
    back_words,
    front_lines,
    layout,
    to_line,
)

from idcard.card import CardReading, Field, Quality, QualitySignal
from idcard.extract import card_print_in_place, interpret_lines, labels_in_place, load_rules
from idcard.extract.labels import find_labels
from idcard.extract.pieces import piece_from_line
from idcard.pipeline.trust import decide_review
from idcard.text import TextLine

RULES = load_rules(Path(__file__).resolve().parents[1] / "rules")
CARD = Identity()
# The form's applicant: another person, with a valid number of their own.
APPLICANT = Identity(name="李秀兰", sex="女", birth=date(1975, 8, 21),
                     address="江苏省南京市鼓楼区中山北路88号", region="320106",
                     authority="南京市公安局鼓楼分局", valid_from=date(2010, 1, 5),
                     valid_until=date(2030, 1, 5))
FORM_LINE_PX = 24.0
FORM_PITCH = 42.0


def form_lines(person: Identity, top: float = 40.0, left: float = 60.0) -> list[TextLine]:
    """An application form's text: the card's labels with a colon and the applicant's
    particulars, one per line at the page margin, as a form prints them."""
    rows = [
        "业务申请表",
        f"申请人姓名：{person.name}",
        f"性别：{person.sex}  民族：{person.ethnicity}",
        f"出生日期：{person.birth.year}年{person.birth.month}月{person.birth.day}日",
        f"住址：{person.address}",
        f"公民身份号码：{person.id_number}",
        f"签发机关：{person.authority}",
        f"有效期限：{person.printed_period}",
        "本人承诺所提交的身份证复印件及其他材料真实有效。",
    ]
    return [to_line(Word(text, left, top + FORM_PITCH * i, FORM_LINE_PX))
            for i, text in enumerate(rows)]


def values(reading: CardReading) -> dict[str, str]:
    return {name: field.value for name in reading.fields.__struct_fields__
            if (field := getattr(reading.fields, name)) is not None}


def codes(reading: CardReading) -> list[str]:
    return [notice.code for notice in reading.warnings]


def card_below_form(card: list[TextLine]) -> list[TextLine]:
    """The form first in reading order, the card (at 70 % of a straightened card's
    size) printed below it, indented."""
    below = Transform(0.7, 150.0, 40.0 + FORM_PITCH * 10)
    moved = [msgspec.structs.replace(line, box=tuple(below.apply(p) for p in line.box))
             for line in card]
    return form_lines(APPLICANT) + moved


def test_a_front_on_a_form_reads_the_card_not_the_form() -> None:
    lines = card_below_form(front_lines(CARD))
    reading = interpret_lines(lines, image_size=(1000, 1414), rules=RULES)
    assert reading.side == "front"
    assert values(reading) == CARD.expected_front()
    # The form is no second card, and the choice is sure.
    assert "multiple_cards" not in codes(reading)
    assert "card_choice_unsure" not in codes(reading)


def test_a_back_on_a_form_reads_the_card_not_the_form() -> None:
    lines = card_below_form(back_lines(CARD))
    reading = interpret_lines(lines, image_size=(1000, 1414), rules=RULES)
    assert reading.side == "back"
    assert values(reading) == CARD.expected_back()
    assert "card_choice_unsure" not in codes(reading)


def test_two_fronts_read_the_larger_with_a_warning() -> None:
    other = replace(CARD, name="王芳", sex="女", sequence=402, birth=date(1988, 2, 9))
    smaller = front_lines(other, Variation(transform=Transform(0.6, 40.0, 20.0)))
    larger = front_lines(CARD, Variation(transform=Transform(1.0, 40.0, 400.0)))
    # The smaller card comes first in reading order (top of the page).
    reading = interpret_lines(smaller + larger, image_size=(1000, 1000), rules=RULES)
    assert values(reading) == CARD.expected_front()
    assert "multiple_cards" in codes(reading)


def test_a_form_without_a_readable_card_gives_none_of_its_values() -> None:
    """Only the form's lines were read (the card's are too faint): a label, a form's mark
    and another paper's particulars are a form's (rules/labels.toml's `form_marks`), so
    nothing is read as a card."""
    lines = form_lines(APPLICANT)
    reading = interpret_lines(lines, image_size=(1000, 1414), rules=RULES)
    assert "no_card_text" in codes(reading)
    assert all(getattr(reading.fields, n) is None for n in reading.fields.__struct_fields__)


def test_without_the_form_marks_a_forms_labels_leave_every_field_flagged() -> None:
    """Read as labels (no form marks), the form's labels lie one under another at the
    page's margin, not where a card prints them: nothing may pass unflagged."""
    rules = msgspec.structs.replace(RULES, labels=msgspec.structs.replace(RULES.labels,
                                                                          form_marks=""))
    reading = interpret_lines(form_lines(APPLICANT), image_size=(1000, 1414), rules=rules)
    assert "card_choice_unsure" in codes(reading)
    quiet = Quality(**{name: QualitySignal(score=0.0, raised=False)
                       for name in Quality.__struct_fields__})
    reviewed = decide_review(reading, quiet, review_below=0.5)
    fields: list[Field] = [f for f in (getattr(reviewed.fields, n)
                                       for n in reviewed.fields.__struct_fields__) if f]
    assert fields and all(field.review for field in fields)
    assert any(r.code == "card_choice_unsure" for r in reviewed.review_reasons)


def test_labels_in_place_tells_a_card_from_a_form() -> None:
    size = (WIDTH, HEIGHT)
    assert labels_in_place(front_lines(CARD), image_size=size, side="front", rules=RULES)
    assert labels_in_place(back_lines(CARD), image_size=size, side="back", rules=RULES)
    # Geometry alone (the form's lines taken as labels, form marks off) tells the form.
    unmarked = msgspec.structs.replace(RULES, labels=msgspec.structs.replace(RULES.labels,
                                                                             form_marks=""))
    assert not labels_in_place(form_lines(APPLICANT), image_size=(1000, 1414),
                               side="front", rules=unmarked)


def test_a_card_with_few_labels_read_is_not_judged() -> None:
    """Two labels tell nothing about where a card's labels sit: such text is not
    refused (a faint photocopy reads few labels)."""
    few = [line for line in front_lines(CARD)
           if not any(word in line.text for word in ("性别", "民族", "出生", "住址"))]
    assert labels_in_place(few, image_size=(WIDTH, HEIGHT), side="front", rules=RULES)


def test_two_equal_cards_with_few_labels_read_are_flagged() -> None:
    """Two same-size fronts of which only the name and number labels were read: both
    place the same two labels, neither a whole card's worth, so the choice is a guess."""
    other = replace(CARD, name="王芳", sex="女", sequence=402, birth=date(1988, 2, 9))
    few = ("性别", "民族", "出生", "住址")

    def faint(lines: list[TextLine]) -> list[TextLine]:
        return [line for line in lines if not any(word in line.text for word in few)]

    left = faint(front_lines(CARD))
    right = faint(front_lines(other, Variation(transform=Transform(1.0, 900.0, 0.0))))
    reading = interpret_lines(left + right, image_size=(1800, HEIGHT), rules=RULES)
    assert "card_choice_unsure" in codes(reading)


def test_a_label_hit_cuts_its_span_once() -> None:
    # Placing frames asks every hit for its span's extents hundreds of times a card; a
    # span cut afresh each time worked them all out again (two fifths of the rule layer).
    line = TextLine("姓名张三", 0.99, ((60.0, 40.0), (260.0, 40.0), (260.0, 70.0), (60.0, 70.0)))
    piece = piece_from_line(line)
    assert piece is not None
    hit = find_labels([piece], ["name"], RULES)[0]
    assert hit.span is hit.span
    assert hit.span.text == "姓名"


def test_a_misread_label_as_near_two_labels_is_the_one_whose_text_it_is_nearer() -> None:
    # 性刻 is one edit from 性别 and one from 性名, an alias of 姓名: taken for 姓名, the
    # sex row became the name's and its ethnicity the name.
    line = TextLine("性刻", 0.82, ((56.0, 118.0), (124.0, 118.0), (124.0, 152.0), (56.0, 152.0)))
    piece = piece_from_line(line)
    assert piece is not None
    hits = find_labels([piece], ["name", "sex"], RULES)
    assert [hit.label for hit in hits] == ["sex"]


def test_a_backs_print_is_placed_past_a_stamp_drawn_large_on_its_row() -> None:
    """A back whose values are under stamps: its title and 签发机关 are read, and on the
    label's row a stamp's words drawn twice as tall as the print. The card's scale is
    tried from the label's own height too, so the title lands in place."""
    words = back_words(CARD)
    label, value = words["issuing_authority"]
    words["issuing_authority"] = [label, replace(value, text="大复离", size=value.size * 2.4)]
    del words["valid_period"]  # under another stamp
    lines = layout(words)
    assert card_print_in_place(lines, image_size=(WIDTH, HEIGHT), side="back", rules=RULES)
