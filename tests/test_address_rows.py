"""The geometry of reading an address's rows again across the width they are printed
over (pipeline.address_rows): the bands, a band's reading fitted to its characters, and
when the reading across is taken."""

from __future__ import annotations

from pathlib import Path

import pytest

from idcard.card import CardFields, CardReading, Field
from idcard.extract import load_rules
from idcard.pipeline.address_rows import (
    address_bands,
    centre_in_any,
    fitted,
    reads_more_address,
    rows_under_label,
)
from idcard.text import Quad, TextLine


def quad(left: float, top: float, right: float, bottom: float) -> Quad:
    return ((left, top), (right, top), (right, bottom), (left, bottom))


CELL = quad(145, 276, 530, 316)
STARTS = load_rules(Path(__file__).resolve().parent.parent / "rules").values.value_starts[
    "address"]


def test_a_row_read_from_its_middle_is_read_from_the_value_column() -> None:
    # The first row's start was joined to a stamp's box: only its end was read.
    rows = [quad(370, 273, 556, 315), quad(166, 317, 299, 353)]
    assert address_bands(CELL, rows) == [quad(145, 273, 556, 315), quad(145, 317, 556, 353)]


def test_pieces_of_one_row_make_one_band() -> None:
    rows = [quad(166, 280, 250, 312), quad(330, 282, 520, 314)]
    assert address_bands(CELL, rows) == [quad(145, 280, 530, 314)]


def test_a_first_row_no_line_was_read_on_is_the_cell() -> None:
    # Only the second row was read: the first, where the labels put it, is read too.
    rows = [quad(166, 320, 420, 356)]
    assert address_bands(CELL, rows) == [quad(145, 276, 530, 316), quad(145, 320, 530, 356)]


def test_no_row_above_the_rows_read_is_made_up_when_the_first_was_read() -> None:
    rows = [quad(166, 270, 520, 306), quad(166, 310, 400, 346)]
    assert len(address_bands(CELL, rows)) == 2


def band_line(text: str, positions: tuple[float, ...]) -> TextLine:
    return TextLine(text=text, confidence=0.9, box=quad(100, 0, 500, 40),
                    char_confidences=(0.9,) * len(text), char_positions=positions)


def test_a_band_reading_is_cut_to_its_characters() -> None:
    line = fitted(band_line("村12号", (0.2, 0.3, 0.35, 0.45)))
    (left, _), (right, _), _, _ = line.box
    # Characters at x 180, 220, 240, 280 of a 40 px tall row: 30 px of room each side.
    assert (left, right) == pytest.approx((150, 310))
    assert [left + p * (right - left) for p in line.char_positions] == \
        pytest.approx([180, 220, 240, 280])


def test_a_band_reading_is_not_cut_past_the_band() -> None:
    line = fitted(band_line("村", (0.02,)))
    assert line.box[0][0] == 100


def test_a_reading_without_positions_is_left_alone() -> None:
    line = band_line("村", ())
    assert fitted(line) is line


def test_lines_are_under_a_band_by_their_centres() -> None:
    bands = [quad(145, 273, 556, 315)]
    assert centre_in_any(quad(370, 273, 556, 315), bands)
    assert not centre_in_any(quad(165, 209, 472, 290), bands)  # the stamp's line above


def reading(address: str) -> CardReading:
    field = Field(value=address, confidence=0.9, box=quad(0, 0, 1, 1), raw=address)
    return CardReading(side="front", fields=CardFields(address=field))


@pytest.mark.parametrize(("before", "after", "taken"), [
    ("天英县芙保镇", "四川省遂宁市天英县天保镇檬刺桥村", True),
    ("市怀宁县东岗镇", "安徽省安庆市怀宁县东岗镇大桥村1组110号", True),
    # No longer: nothing more was read.
    ("四川省遂宁市", "四川省遂宁市", False),
    # Longer, but another print: not the address read before, with more of it.
    ("天英县芙保镇", "复印无效复印无效复印", False),
])
def test_a_reading_across_is_taken_when_it_reads_more_of_the_same_print(
        before: str, after: str, taken: bool) -> None:
    assert reads_more_address(reading(before), reading(after), STARTS) is taken


def test_a_reading_that_lost_the_address_is_not_taken() -> None:
    assert not reads_more_address(reading("天英县"), CardReading(side="front"), STARTS)


def test_an_address_read_where_none_was_is_taken_when_it_begins_as_one() -> None:
    none = CardReading(side="front")
    assert reads_more_address(none, reading("江苏省无锡市惠山区"), STARTS)
    # A stamp's strokes read as characters, or a row read without the first.
    assert not reads_more_address(none, reading("维五治"), STARTS)
    assert not reads_more_address(none, reading("五里村3组75"), STARTS)
    assert not reads_more_address(none, none, STARTS)


def line_at(box: Quad, placed: bool = False) -> TextLine:
    return TextLine(text="街411号", confidence=0.99, box=box, placed=placed)


def test_a_missing_address_is_looked_for_in_the_rows_under_its_label() -> None:
    # A stamp across the first row hid it: the second row was read, and is a band.
    second = quad(141, 279, 488, 326)
    lines = [
        line_at(second),
        line_at(quad(36, 250, 111, 287), placed=True),  # the label 住址
        line_at(quad(135, 175, 400, 216)),  # the birth date's row above
        line_at(quad(283, 454, 711, 491)),  # the number's row, more than 3 rows below
        line_at(quad(400, 300, 520, 330)),  # print starting far right of the column
    ]
    assert rows_under_label(CELL, lines, 3) == [second]
