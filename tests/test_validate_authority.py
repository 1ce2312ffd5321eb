"""An issuing authority whose place is one character off GB/T 2260 was misread."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from lines.cardlines import Identity, back_lines

from idcard.extract import interpret_lines, load_rules
from idcard.validate import authority_place_fixes, authority_place_misread, names_no_place

RULES = load_rules(Path(__file__).resolve().parents[1] / "rules")


@pytest.mark.parametrize("authority", [
    "阜阳市公安局颍东分局",  # a district of 阜阳市, without its 区
    "宜昌市公安局猇亭分局",
    "灌云县公安局",
    "北京市公安局朝阳分局",  # a province-level city's district
    "深圳市公安局高新分局",  # a branch that is no division: nothing to judge
    "河北省石家庄市公安局",
    "新疆维吾尔自治区巴音郭楞蒙古自治州公安局",
])
def test_printed_authorities_are_not_told(authority: str) -> None:
    assert authority_place_misread(authority) is False


@pytest.mark.parametrize("authority", [
    "阜阳市公安局颖东分局",  # 颍 read 颖
    "宜昌市公安局號亭分局",
    "北京市公安局朝杨分局",
    "灌去县公安局",          # the bureau's own place one off 灌云县
    "药连县公安局",          # 筠 read 药: the rest, 连县, is an old county's name
])
def test_a_place_one_character_off_is_told(authority: str) -> None:
    assert authority_place_misread(authority) is True


def test_without_a_bureau_there_is_nothing_to_judge() -> None:
    assert authority_place_misread("阜阳市颍东区") is None
    assert authority_place_misread("") is None


def warnings(authority: str) -> set[str]:
    """The warning codes of a back printing `authority`, read with full confidence."""
    reading = interpret_lines(back_lines(Identity(authority=authority)),
                              image_size=(856, 540), side="back", rules=RULES,
                              today=date(2026, 1, 1))
    assert reading.fields.issuing_authority is not None
    assert reading.fields.issuing_authority.value == authority  # as printed
    return {n.code for n in reading.warnings}


def test_a_back_whose_authority_is_misread_says_so() -> None:
    assert "authority_place_misread" in warnings("阜阳市公安局颖东分局")
    assert "authority_place_misread" not in warnings("阜阳市公安局颍东分局")


def test_an_authority_without_its_bureau_is_unlike_any_printed_one() -> None:
    # 局 misread: begins and ends as a whole authority does, but names no 公安局.
    assert "value_form_unknown" in warnings("七台河市公安展新兴分局")
    assert "value_form_unknown" not in warnings("七台河市公安局新兴分局")
    assert "value_form_unknown" not in warnings("灌云县公安局")


def test_the_fixes_name_the_character_that_makes_the_place_a_division() -> None:
    assert authority_place_fixes("阜阳市公安局颖东分局") == {(6, "颍")}
    assert authority_place_fixes("宜昌市公安局號亭分局") == {(6, "猇")}
    # One character off two counties: both fixes, for the caller to see it cannot choose.
    assert authority_place_fixes("毅永县公安局") == {(0, "叙"), (0, "江")}
    assert authority_place_fixes("阜阳市公安局颍东分局") == frozenset()
    assert authority_place_fixes("灌云县公安局") == frozenset()
    assert authority_place_fixes("阜阳市颍东区") == frozenset()  # no bureau named


def test_an_authority_naming_no_place_was_read_without_it() -> None:
    assert names_no_place("市公安局")  # 邹城市公安局 without 邹城
    assert names_no_place("公安局长乐分局")
    assert not names_no_place("滑县公安局")  # the shortest places have two characters
    assert not names_no_place("福州市公安局长乐分局")
    assert not names_no_place("阜阳市颍东区")  # no bureau named: nothing to judge
    assert "characters_missing" not in warnings("邹城市公安局")
    reading = interpret_lines(back_lines(Identity(authority="市公安局")),
                              image_size=(856, 540), side="back", rules=RULES,
                              today=date(2026, 1, 1))
    assert "characters_missing" in {n.code for n in reading.warnings}
    assert reading.fields.issuing_authority is not None
    assert reading.fields.issuing_authority.value == "市公安局"  # as read, flagged
