"""Stamp words (复印无效, 复禁印止, 仅限…使用) are never values; a value they touch is flagged."""

from __future__ import annotations

import math
from datetime import date
from pathlib import Path

import msgspec
import pytest
from lines.cardlines import (
    HEIGHT,
    VALUE_PX,
    WIDTH,
    Identity,
    Variation,
    Word,
    back_words,
    front_words,
    layout,
    split,
    to_line,
    with_text,
)

from idcard.card import CardReading
from idcard.extract import RuleBook, interpret_lines, load_rules
from idcard.extract.noise import drop_noise, find_stamps, never_a_value, stamp_spans
from idcard.extract.pieces import piece_from_line
from idcard.text import TextLine

ROOT = Path(__file__).resolve().parent.parent
TODAY = date(2026, 1, 1)
PERSON = Identity()


@pytest.fixture(scope="module")
def rules() -> RuleBook:
    return load_rules(ROOT / "rules")


def read(lines: list[TextLine], rules: RuleBook, side: str = "front") -> CardReading:
    return interpret_lines(lines, image_size=(WIDTH, HEIGHT), side=side,  # type: ignore[arg-type]
                           rules=rules, today=TODAY)


def codes(reading: CardReading) -> list[str]:
    return [w.code for w in reading.warnings]


def stamped(reading: CardReading) -> set[str]:
    return {w.message.split(":", 1)[0] for w in reading.warnings if w.code == "stamp_over_field"}


def cleaned(text: str, rules: RuleBook) -> str:
    spans = stamp_spans(text, rules.noise)
    return "".join(c for i, c in enumerate(text) if not any(a <= i < b for a, b in spans))


@pytest.mark.parametrize(("text", "left"), [
    ("良口镇复无效", "良口镇"),          # 印 lost under the value: still in stamp order
    ("公安局印止", "公安局"),            # the lower row of the 2×2 复印/禁止 stamp
    ("公安复禁", "公安"),                # its left column
    ("复禁", ""),
    ("止禁", ""),                        # only stamp characters: any order
    ("复印禁止", ""),
    ("复禁印止", ""),
    ("复印无效", ""),
    ("复駅无效", ""),                    # a misread stamp character between two matched ones
    ("甘肃省武威市复印凉州区", "甘肃省武威市凉州区"),  # inserted
    ("仅限BDCI比赛使用", ""),
    ("又限BDCI比赛使用", "又"),          # the opening word half read
    ("营房村无效", "营房村"),
])
def test_stamp_fragments_are_cut_out(text: str, left: str, rules: RuleBook) -> None:
    assert cleaned(text, rules) == left


@pytest.mark.parametrize("text", [
    "复兴路", "上海市徐汇区复兴中路1号", "复", "印", "李禁", "张效", "无锡市", "复旦大学",
    "公安局印", "止戈村", "镇复兴村", "效力路", "禁山村",
])
def test_single_characters_and_words_out_of_stamp_order_stay(text: str, rules: RuleBook) -> None:
    assert cleaned(text, rules) == text


def test_misread_characters_at_either_end_are_never_taken(rules: RuleBook) -> None:
    # 局 could stand for 禁 (复禁印止) but lies before the first matched character.
    assert cleaned("公安局印止", rules) == "公安局"
    assert cleaned("复效兴路", rules) == "兴路"


def test_find_stamps_gives_the_lines_characters_and_their_box(rules: RuleBook) -> None:
    line = to_line(Word("良口镇 复无效", 100, 200, 28))
    found = find_stamps(line, rules)
    assert len(found) == 1
    stamp = found[0]
    assert (stamp.start, stamp.end) == (4, 7) and stamp.text == "复无效"
    xs = [x for x, _ in stamp.box]
    line_xs = [x for x, _ in line.box]
    assert min(line_xs) < min(xs) < max(xs) <= max(line_xs) + 1e-6
    assert find_stamps(to_line(Word("复兴路88号", 100, 200, 28)), rules) == []


def test_stamp_after_the_address_is_cut_and_flagged(rules: RuleBook) -> None:
    person = Identity(address="广东省广州市从化区良口镇赤树村")
    clean = read(layout(front_words(person)), rules)
    words = with_text(front_words(person), "address", 2, "良口镇复无效")
    reading = read(layout(words), rules)
    address = reading.fields.address
    assert address is not None
    assert "复" not in address.value and "无效" not in address.value
    assert address.value.endswith("良口镇")
    assert "address" in stamped(reading)
    assert clean.fields.address is not None
    assert address.confidence < clean.fields.address.confidence * 0.6


def test_address_on_a_real_road_named_like_a_stamp_is_kept(rules: RuleBook) -> None:
    person = Identity(address="上海市黄浦区复兴东路120号")
    reading = read(layout(front_words(person)), rules)
    assert reading.fields.address is not None
    assert reading.fields.address.value == "上海市黄浦区复兴东路120号"
    assert "stamp_over_field" not in codes(reading)


@pytest.mark.parametrize(("field", "index", "text", "value"), [
    ("name", 1, "张伟明复印", "张伟明"),
    ("name", 1, "禁止张伟明", "张伟明"),
    ("sex", 1, "男印止", "男"),
    ("ethnicity", 1, "汉复禁", "汉"),
    ("birth_date", 6, "日复印", "1990-03-07"),
    ("address", 1, "湖北省武汉市复禁洪山区", None),
])
def test_stamp_fragment_in_each_front_field(field: str, index: int, text: str,
                                            value: str | None, rules: RuleBook) -> None:
    reading = read(layout(with_text(front_words(PERSON), field, index, text)), rules)
    got = getattr(reading.fields, field)
    assert got is not None
    if value is not None:
        assert got.value == value
    for char in "复禁印止":
        assert char not in got.value
    assert field in stamped(reading)


def test_stamp_in_the_issuing_authority(rules: RuleBook) -> None:
    words = with_text(back_words(PERSON), "issuing_authority", 1, "武汉市公安局洪山分局印止")
    reading = read(layout(words), rules, side="back")
    assert reading.fields.issuing_authority is not None
    assert reading.fields.issuing_authority.value == "武汉市公安局洪山分局"
    assert "issuing_authority" in stamped(reading)


def test_ethnicity_read_as_stamp_words_is_missing_not_stamp_text(rules: RuleBook) -> None:
    reading = read(layout(with_text(front_words(PERSON), "ethnicity", 1, "复禁")), rules)
    assert reading.fields.ethnicity is None
    assert "ethnicity was not found" in [w.message for w in reading.warnings]


def test_a_stamp_over_the_whole_number_leaves_it_missing(rules: RuleBook) -> None:
    words = with_text(front_words(PERSON), "id_number", 1, "复印无效")
    reading = read(layout(words), rules)
    assert reading.fields.id_number is None
    assert "id_number was not found" in [w.message for w in reading.warnings]
    # Nothing was taken from a number that was not read.
    assert reading.checks.id_checksum == "absent"


def test_a_stamp_line_over_a_value_flags_it_and_one_elsewhere_does_not(rules: RuleBook) -> None:
    # A big stamp box read as a line of its own, across the name's row.
    over_name = Word("复印无效", WIDTH * 0.26, HEIGHT * 0.13, 40)
    reading = read(layout(front_words(PERSON), Variation(extra=(over_name,))), rules)
    assert reading.fields.name is not None and reading.fields.name.value == PERSON.name
    assert stamped(reading) == {"name"}
    # The same stamp over the empty lower right of the card touches no value.
    away = Word("复禁印止", WIDTH * 0.62, HEIGHT * 0.72, 40)
    reading = read(layout(front_words(PERSON), Variation(extra=(away,))), rules)
    assert "stamp_over_field" not in codes(reading)
    assert reading.fields.address is not None
    assert reading.fields.address.value == PERSON.address


def test_stamp_messages_name_the_field_not_its_value(rules: RuleBook) -> None:
    words = with_text(front_words(PERSON), "name", 1, "张伟明复印")
    reading = read(layout(words), rules)
    for warning in reading.warnings:
        assert "张伟明" not in warning.message


@pytest.mark.parametrize("caption", [
    "复印件仅供", "此复印件仅供办理业务使用", "复印件无效", "再次复印无效"])
def test_captions_holding_stamp_characters_leave_nothing_behind(caption: str,
                                                                rules: RuleBook) -> None:
    # Caption words go before stamp fragments: cutting 复印 first would leave 件 behind,
    # to be read as part of the value on the caption's row.
    words = back_words(PERSON)
    value = words["issuing_authority"][1]
    beside = Word(caption, WIDTH * 0.72, value.y, value.size)
    reading = read(layout(words, Variation(extra=(beside,))), rules, side="back")
    assert reading.fields.issuing_authority is not None
    assert reading.fields.issuing_authority.value == PERSON.authority


def test_a_lone_stamp_character_inside_a_recognised_stamp_is_stamp_text(rules: RuleBook) -> None:
    # The name row is covered by a stamp read as 复无效; a second look at the region beside
    # the name read one of its characters alone.
    stamp = Word("复无效", WIDTH * 0.16, HEIGHT * 0.125, 44)
    lone = Word("效", WIDTH * 0.25, HEIGHT * 0.125, 30)
    words = front_words(PERSON)
    words["name"] = words["name"][:1]
    reading = read(layout(words, Variation(extra=(stamp, lone))), rules)
    assert reading.fields.name is None
    # The same character alone where no stamp is recognised stays (a name may be one).
    words = with_text(front_words(PERSON), "name", 1, "效")
    reading = read(layout(words), rules)
    assert reading.fields.name is not None and reading.fields.name.value == "效"


@pytest.mark.parametrize(("text", "left"), [
    ("再次复覃翀子", "覃翀子"),      # the start of 再次复印无效 before a name
    ("再次复", ""),
    ("印件无效", ""),                # the end of 复印件无效
    ("杨柳村次复印", "杨柳村"),
])
def test_longer_stamp_wordings_are_stamps_of_their_own(text: str, left: str,
                                                        rules: RuleBook) -> None:
    assert cleaned(text, rules) == left


@pytest.mark.parametrize("text", ["再兴村", "次渠镇", "三次村", "件村"])
def test_their_single_characters_stay(text: str, rules: RuleBook) -> None:
    assert cleaned(text, rules) == text


@pytest.mark.parametrize(("text", "furniture"), [
    ("有效期限", True), ("姓容", True),  # a label as printed, and as OCR misreads it
    ("中华人民共和国", True),  # a side's title
    ("复印无效", True), ("印无效复", True), ("仅供办理贷款审批使用", True),  # a stamp's words
    ("无效", False),  # too short to tell from a value misread into stamp characters
    ("复兴路", False), ("张伟明", False), ("姓名张伟明", False),  # values, or a label with one
])
def test_never_a_value_names_whole_lines_of_labels_titles_and_stamps(
        text: str, furniture: bool, rules: RuleBook) -> None:
    assert never_a_value(text, rules) is furniture


def turned(line: TextLine, degrees: float) -> TextLine:
    """The line with its box turned about its centre (a stamp laid at an angle)."""
    cx = sum(p[0] for p in line.box) / 4.0
    cy = sum(p[1] for p in line.box) / 4.0
    cos, sin = math.cos(math.radians(degrees)), math.sin(math.radians(degrees))
    box = tuple((cx + (x - cx) * cos - (y - cy) * sin, cy + (x - cx) * sin + (y - cy) * cos)
                for x, y in line.box)
    return msgspec.structs.replace(line, box=box)


@pytest.mark.parametrize("degrees", [15.0, -30.0])
def test_a_line_laid_at_an_angle_across_the_print_is_a_stamp(degrees: float,
                                                             rules: RuleBook) -> None:
    # A caption's middle (仅限办理银行开户使用, its opening and closing words lost) laid
    # across the end of the address's first row: words no stamp rule knows.
    lines = layout(front_words(PERSON))
    caption = to_line(Word("银行开", WIDTH * 0.5, HEIGHT * 0.485, 40))
    level = read([*lines, caption], rules)
    assert level.fields.address is not None and "银行开" in level.fields.address.value
    reading = read([*lines, turned(caption, degrees)], rules)
    assert reading.fields.address is not None
    assert reading.fields.address.value == PERSON.address
    assert "address" in stamped(reading)


def test_two_cards_at_different_angles_keep_their_lines(rules: RuleBook) -> None:
    # A page with a front level and a back laid at 20 degrees: each card's lines agree
    # with their own neighbours.
    front = layout(front_words(PERSON))
    back = [turned(line, 20.0) for line in layout(back_words(PERSON))]
    back = [msgspec.structs.replace(line, box=tuple((x, y + 2 * HEIGHT) for x, y in line.box))
            for line in back]
    pieces = [p for line in [*front, *back] if (p := piece_from_line(line)) is not None]
    cleaned_pieces = drop_noise(pieces, rules)
    assert not cleaned_pieces.stamps
    assert len(cleaned_pieces.pieces) == len(pieces)


def test_a_stamp_character_drawn_larger_than_the_print_is_a_stamps(rules: RuleBook) -> None:
    # A stamp laid at an angle is found a glyph at a time: its 无, read alone, lies over
    # the birth row, twice the print's height, reaching down into the address.
    lone = Word("无", WIDTH * 0.40, HEIGHT * 0.42, VALUE_PX * 2.2)
    reading = read(layout(front_words(PERSON), Variation(extra=(lone,))), rules)
    assert "address" in stamped(reading)
    assert reading.fields.address is not None
    assert "无" not in reading.fields.address.value


def test_a_stamp_character_as_tall_as_the_print_stays(rules: RuleBook) -> None:
    words = with_text(front_words(PERSON), "name", 1, "效")
    lone = Word("无", WIDTH * 0.40, HEIGHT * 0.42, VALUE_PX * 1.2)
    reading = read(layout(words, Variation(extra=(lone,))), rules)
    assert reading.fields.name is not None and reading.fields.name.value == "效"
    assert "address" not in stamped(reading)


def test_an_authority_split_by_a_stamp_is_found_by_its_rows_text(rules: RuleBook) -> None:
    # No label read, the period under a stamp read as no date range, and the authority
    # read as two boxes, 滦平县公安 and 局 (a stamp's stroke between them): the row as a
    # whole still ends in 公安局.
    person = Identity(authority="滦平县公安局")
    words = with_text(back_words(person), "valid_period", 1, "0181.14-293.11.效")
    authority = words["issuing_authority"][1]
    words["issuing_authority"] = [words["issuing_authority"][0], *split(authority, 5)]
    lines = layout(words, Variation(drop_labels=frozenset({"issuing_authority",
                                                           "valid_period"})))
    found = read(lines, rules, side="back").fields.issuing_authority
    assert found is not None and found.value == "滦平县公安局"
