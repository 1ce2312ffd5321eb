"""A card copied onto a form (业务申请表) that asks for the same fields: the form's lines
hold a label, a form's mark and another paper's particulars (住址：江西省…), and are never
the card's values (rules/labels.toml's `form_marks`)."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import msgspec
import pytest
from lines.cardlines import (
    HEIGHT,
    WIDTH,
    Identity,
    Variation,
    Word,
    back_words,
    front_words,
    layout,
    to_line,
)

from idcard.card import CardReading
from idcard.extract import RuleBook, interpret_lines, load_rules
from idcard.extract.noise import drop_noise
from idcard.extract.pieces import piece_from_line
from idcard.text import TextLine

ROOT = Path(__file__).resolve().parent.parent
TODAY = date(2026, 1, 1)
CARD = Identity(name="崔芳俊", address="新疆维吾尔自治区昌吉回族自治州玛纳斯县石门乡")
# Another person's particulars, as the form above the card prints them.
FORM = ("申请人姓名：李永欢", "性别：女 民族：汉", "出生日期：1961年3月26日",
        "住址：江西省吉安市新干县桃园镇西河村184号", "公民身份号码：632223196103266760",
        "签发机关：新干县公安局", "有效期限：2013.03.23-长期")
PAGE = (WIDTH * 2, HEIGHT * 3)


@pytest.fixture(scope="module")
def rules() -> RuleBook:
    return load_rules(ROOT / "rules")


def form_lines(size: float = 24.0) -> list[TextLine]:
    return [to_line(Word(text, 40 + len(text) * size / 2, 40 + 40 * row, size))
            for row, text in enumerate(FORM)]


# A copy's labels are printed small and pale: most are not read (front_textpage_000 of
# `tools/make_cards.py --tiers ...,textpage:10,... --seed 1203 --typefaces` read only
# 民族 and 公民身份号码 on the card).
FAINT = Variation(drop_labels=frozenset({"name", "sex", "birth", "address"}))


def card_below_form(words: dict[str, list[Word]]) -> list[TextLine]:
    """The card's lines laid under the form's, at its left margin and half its height."""
    top = 40.0 * (len(FORM) + 1)
    card = [msgspec.structs.replace(line, box=tuple((x * 0.5 + 200, y * 0.5 + top)
                                                    for x, y in line.box))
            for line in layout(words, FAINT)]
    return [*form_lines(), *card]


def read(lines: list[TextLine], rules: RuleBook) -> CardReading:
    return interpret_lines(lines, image_size=PAGE, side="auto", rules=rules, today=TODAY)


def without_form_marks(rules: RuleBook) -> RuleBook:
    return msgspec.structs.replace(rules, labels=msgspec.structs.replace(rules.labels,
                                                                         form_marks=""))


def texts(lines: list[TextLine], rules: RuleBook) -> list[str]:
    pieces = [p for line in lines if (p := piece_from_line(line)) is not None]
    return [p.text for p in drop_noise(pieces, rules).pieces]


def test_a_forms_lines_are_dropped(rules: RuleBook) -> None:
    kept = texts(form_lines(), rules)
    assert kept == []


@pytest.mark.parametrize("text", ["住址", "住址:", "签发机关:", "有效期限2013.03.23-长期",
                                  "民族:", "住址江西省吉安市新干县", "出生1990年3月7日"])
def test_a_cards_own_label_lines_stay(text: str, rules: RuleBook) -> None:
    # A mark read after a label with nothing after it, or a label run into its value
    # with no mark between, is the card's print.
    assert texts([to_line(Word(text, 300, 200, 24))], rules) == [text]


def test_the_card_under_a_form_gives_its_own_front(rules: RuleBook) -> None:
    reading = read(card_below_form(front_words(CARD)), rules)
    assert reading.side == "front"
    assert reading.fields.name is not None and reading.fields.name.value == CARD.name
    assert reading.fields.id_number is not None
    assert reading.fields.id_number.value == CARD.id_number
    assert reading.fields.address is not None and reading.fields.address.value == CARD.address


def test_the_card_under_a_form_gives_its_own_back(rules: RuleBook) -> None:
    reading = read(card_below_form(back_words(CARD)), rules)
    assert reading.side == "back"
    assert reading.fields.issuing_authority is not None
    assert reading.fields.issuing_authority.value == CARD.authority


def test_without_the_form_marks_which_text_is_the_card_is_a_guess(rules: RuleBook) -> None:
    # The form's labels sit one under another, not where a card prints them: read as
    # labels, they leave the card's frame in doubt and every field flagged.
    lines = card_below_form(front_words(CARD))
    assert "card_choice_unsure" not in [n.code for n in read(lines, rules).warnings]
    unmarked = read(lines, without_form_marks(rules))
    assert "card_choice_unsure" in [n.code for n in unmarked.warnings]
