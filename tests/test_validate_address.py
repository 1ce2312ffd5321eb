"""An address names a county-level division of its province (GB/T 2260 via python-stdnum)."""

from __future__ import annotations

from pathlib import Path

import pytest
from lines.cardlines import Identity, Variation, front_lines

from idcard.card import CardReading
from idcard.extract import interpret_lines, load_rules
from idcard.validate import head_fixes, names_a_county

RULES = load_rules(Path(__file__).resolve().parents[1] / "rules")


@pytest.mark.parametrize("address", [
    "山西省阳泉市盂县双庙镇七星村3组46号",
    "湖南省长沙市天心区友谊大道621号",           # a code's second name ([1996-]天心区)
    "辽宁省本溪市本溪满族自治县青龙乡七星村88号",  # renamed: [1989-]本溪满族自治县
    "北京市海淀区中关村大街1号",
    "广西壮族自治区河池市东兰县金谷乡纳立村",
    "广东省东莞市长安镇乌沙社区",                # a prefecture without counties
    "湖北省仙桃市沙嘴街道",                      # a county-level city under its province
    "安徽省阜阳市颍东区振兴街622号",
    "四川省南充市阆中市梨树镇西河村1组85号",     # a county-level city under its prefecture
    "湖南省长沙县星沙街道",                      # a county named after its prefecture
])
def test_real_addresses_name_a_county(address: str) -> None:
    assert names_a_county(address) is True


@pytest.mark.parametrize("address", [
    "山西省阳泉市孟县双庙镇七星村3组46号",  # 盂县 misread 孟县 (a Henan county, not Shanxi's)
    "山西省阳泉市双庙镇七星村3组46号",      # the prefecture alone is not a county
    "湖南省长沙市友谊大道621号",
    "福建省福州苏鼓楼区东岗镇黄土村9组24号",  # 市 read 苏: 鼓楼区 is no longer where a county goes
    # 颍 read 颖, 阆 read 间: what follows the prefecture is no county of it, though the
    # prefecture's name was once a county's too (阜阳市 341201, 南充市 512901)
    "安徽省阜阳市颖东区振兴街622号",
    "四川省南充市间中市梨树镇西河村1组85号",
    "安徽省合肥市颍东区振兴街622号",          # a county of another prefecture (阜阳市)
])
def test_a_misread_or_missing_county_is_told(address: str) -> None:
    assert names_a_county(address) is False


def test_without_a_province_there_is_nothing_to_judge() -> None:
    assert names_a_county("阳泉市盂县双庙镇") is None
    assert names_a_county("") is None


def _read(address: str) -> CardReading:
    person = Identity(address=address)
    return interpret_lines(front_lines(person, Variation()), image_size=(856, 540),
                           side="front", rules=RULES)


def test_a_reading_whose_address_names_no_county_says_so_and_is_flagged() -> None:
    reading = _read("山西省阳泉市孟县双庙镇七星村3组46号")
    assert reading.fields.address is not None
    assert reading.fields.address.value == "山西省阳泉市孟县双庙镇七星村3组46号"  # as printed
    assert "address_place_unknown" in {n.code for n in reading.warnings}
    assert not _read("山西省阳泉市盂县双庙镇七星村3组46号").warnings


def test_a_head_one_character_off_is_found_where_it_is_longer_than_any_read() -> None:
    # 大场县 for 大埔县: 广东省梅州市 is itself a head (梅州市 was once a county's name),
    # but the longer one the address misses by a character is what the card prints.
    assert head_fixes("广东省梅州市大场县青龙乡石门村11组68号") == {(7, "埔")}
    assert head_fixes("山西省阳泉市孟县双庙镇") == {(6, "盂")}
    assert head_fixes("内蒙吉自治区呼伦贝尔市新巴尔虎左旗八里乡") == {(2, "古")}
    # A whole head read as printed has nothing longer to miss (梅江区 is one off 梅县区).
    assert head_fixes("广东省梅州市梅县区程江镇") == frozenset()
    assert head_fixes("广东省梅州市大埔县青龙乡") == frozenset()
    assert head_fixes("") == frozenset()
