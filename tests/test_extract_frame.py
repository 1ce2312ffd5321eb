"""The card's frame where the labels found give no scale: the rows of the values found by
their own shape (birth date, number) give it, so the name, sex and address rows are
looked for where the card prints them."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from idcard.card import CardReading
from idcard.extract import interpret_lines, load_rules
from idcard.extract.layout import Frame, rescaled_by_rows
from idcard.text import Quad, TextLine

ROOT = Path(__file__).resolve().parent.parent
RULES = load_rules(ROOT / "rules")


def _line(text: str, x: float, centre_y: float, height: float) -> TextLine:
    width = len(text) * height * 0.9
    top, bottom = centre_y - height / 2, centre_y + height / 2
    box: Quad = ((x, top), (x + width, top), (x + width, bottom), (x, bottom))
    return TextLine(text, 0.99, box, char_confidences=(0.99,) * len(text))


def _front(card_h: float, top: float, line_h: float, labels: dict[str, str]) -> list[TextLine]:
    """A front's value lines on a card `card_h` high whose top edge is at `top`, each
    `line_h` tall, with only the given labels (row name -> label text) read."""
    card_w = card_h * RULES.layout.aspect_ratio
    rows = RULES.layout.front_rows

    def at(fraction: float) -> float:
        return top + fraction * card_h

    x = 0.18 * card_w
    lines = [
        _line("韩立新", x, at(rows["name"]), line_h),
        _line("男", x, at(rows["sex"]), line_h),
        _line("汉", 0.42 * card_w, at(rows["sex"]), line_h),
        _line("1986年3月9日", x, at(rows["birth"]), line_h),
        _line("河北省保定市莲池区东风路", x, at(rows["address"]), line_h),
        _line("88号2单元301室", x, at(rows["address"] + 0.085), line_h),
        _line("130602198603090012", 0.32 * card_w, at(rows["id_number"]), line_h),
    ]
    places = RULES.layout.front_labels
    lines += [_line(text, places[row][0] * card_w, at(places[row][1]), 0.7 * line_h)
              for row, text in labels.items()]
    return lines


def _read(lines: list[TextLine], size: tuple[int, int]) -> CardReading:
    return interpret_lines(lines, image_size=size, side="front", rules=RULES,
                           today=date(2026, 1, 1))


def test_lines_swollen_by_blur_do_not_scale_the_card() -> None:
    # Line boxes a third taller than print (blur, glare) and one label read: the line
    # height alone puts the card a third too large and the name row off the name.
    lines = _front(540, 0, 0.075 * 540, {"id_number": "公民身份号码"})
    reading = _read(lines, (856, 540))
    fields = reading.fields
    assert fields.name is not None and fields.name.value == "韩立新"
    assert fields.sex is not None and fields.sex.value == "男"
    assert fields.ethnicity is not None and fields.ethnicity.value == "汉"


def test_a_margin_around_the_card_keeps_the_address_whole() -> None:
    # A scan 384 px high holding a card 340 px high below a margin, one label read, the
    # lines swollen: neither the line height nor the image's height puts the address row
    # on its first line.
    lines = _front(340, 30, 26, {"ethnicity": "民族"})
    reading = _read(lines, (527, 384))
    assert reading.fields.address is not None
    assert reading.fields.address.value == "河北省保定市莲池区东风路88号2单元301室"


def test_rows_far_apart_give_the_scale() -> None:
    guess = Frame(0.0, 0.0, 1000.0, 630.0)
    spans = rescaled_by_rows(guess, [(0.365, 200.0), (0.865, 470.0)], [], 1.585)
    assert spans.scaled and abs(spans.height - 540.0) < 1e-6
    assert abs(spans.y0 - (200.0 - 0.365 * 540.0)) < 1e-6


def test_rows_close_together_or_a_scaled_frame_are_left_alone() -> None:
    guess = Frame(0.0, 0.0, 1000.0, 630.0)
    assert rescaled_by_rows(guess, [(0.365, 200.0), (0.485, 260.0)], [], 1.585) == guess
    scaled = Frame(0.0, 0.0, 1000.0, 630.0, scaled=True)
    assert rescaled_by_rows(scaled, [(0.365, 200.0), (0.865, 470.0)], [], 1.585) == scaled
    # A scale wildly off the guess means a value was found on the wrong row.
    assert rescaled_by_rows(guess, [(0.365, 200.0), (0.865, 240.0)], [], 1.585) == guess
