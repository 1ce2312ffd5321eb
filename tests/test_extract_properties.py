"""Property: any valid identity, laid out as an engine would emit it, reads back exactly."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from lines.cardlines import Identity, Transform, Variation, back_lines, front_lines

from idcard.extract import interpret_lines, load_rules
from idcard.validate import term_for_age

ROOT = Path(__file__).resolve().parent.parent
RULES = load_rules(ROOT / "rules")
TODAY = date(2026, 1, 1)
REGIONS = ("110105", "310104", "420111", "440305", "510104", "650102", "230722", "532624")
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"  # noqa: E501
GIVEN = "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超兰霞平刚桂华玉萍红建文辉力鹏宇浩凯俊帆欣怡晨阳"
PLACE = "东西南北中山水江河湖海城镇乡村街路巷道区县市省州花园新华人民解放建设胜利光明幸福文化"
DIGITS = "0123456789"
COUNTIES = ("北京市海淀区", "上海市浦东新区", "湖北省武汉市洪山区", "广东省深圳市南山区",
            "四川省成都市武侯区", "新疆维吾尔自治区乌鲁木齐市天山区", "内蒙古自治区包头市昆都仑区",
            "福建省福州市鼓楼区", "黑龙江省哈尔滨市南岗区", "云南省大理白族自治州大理市")
FIELDS = ("name", "sex", "birth_date", "address", "id_number", "ethnicity")


def _unit_after_number(tail: str) -> str:
    # A number in an address is always followed by its unit (rules/values.toml).
    return tail + "室" if tail[-1:].isdigit() else tail


@st.composite
def identities(draw: st.DrawFn) -> Identity:
    birth = draw(st.dates(date(1935, 1, 1), date(2019, 12, 31)))
    sex = draw(st.sampled_from("男女"))
    name = draw(st.sampled_from(SURNAMES)) + draw(st.text(GIVEN, min_size=1, max_size=2))
    if draw(st.integers(0, 9)) == 0:  # a transliterated name with a middle dot
        name = draw(st.text(GIVEN, min_size=2, max_size=4)) + "·" + \
            draw(st.text(GIVEN, min_size=2, max_size=3))
    # A card's address begins with its province-level division and names its county.
    address = draw(st.sampled_from(COUNTIES)) + \
        draw(st.text(PLACE, min_size=2, max_size=4)) + \
        draw(st.text(DIGITS, min_size=1, max_size=3)) + "号" + \
        draw(st.text(PLACE + DIGITS, min_size=0, max_size=7).map(_unit_after_number))
    issued = birth + timedelta(days=draw(st.integers(30, (TODAY - birth).days - 1)))
    age = issued.year - birth.year - ((issued.month, issued.day) < (birth.month, birth.day))
    term = term_for_age(age)
    until = None if term == 0 else _anniversary(issued, term)
    return Identity(name=name, sex=sex, ethnicity=draw(st.sampled_from(RULES.ethnicities.names)),
                    birth=birth, address=address, region=draw(st.sampled_from(REGIONS)),
                    sequence=draw(st.integers(1, 998)),
                    authority=draw(st.text(PLACE, min_size=2, max_size=6)) + "公安局",
                    valid_from=issued, valid_until=until)


def _anniversary(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return day.replace(year=day.year + years, day=28)


@st.composite
def variations(draw: st.DrawFn, names: tuple[str, ...]) -> Variation:
    subset = st.frozensets(st.sampled_from(names))
    transform = draw(st.none() | st.builds(Transform, st.floats(0.6, 1.6),
                                           st.floats(0, 300), st.floats(0, 300)))
    return Variation(merge=draw(subset), split=draw(subset), transform=transform,
                     shuffle_seed=draw(st.integers(0, 2**16)))


def _size(variation: Variation) -> tuple[int, int]:
    if variation.transform is None:
        return (856, 540)
    t = variation.transform
    return (int(856 * t.scale + t.dx) + 50, int(540 * t.scale + t.dy) + 50)


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(identities(), variations(FIELDS))
def test_front_reads_back_exactly(person: Identity, variation: Variation) -> None:
    reading = interpret_lines(front_lines(person, variation), image_size=_size(variation),
                              side="auto", rules=RULES, today=TODAY)
    got = {n: getattr(reading.fields, n).value for n in FIELDS if getattr(reading.fields, n)}
    assert got == person.expected_front()
    assert reading.side == "front"
    assert reading.checks.id_checksum == "pass"
    assert reading.checks.birth_date_matches_id == "pass"
    assert not reading.warnings


@settings(max_examples=50, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(identities(), variations(("issuing_authority", "valid_period")))
def test_back_reads_back_exactly(person: Identity, variation: Variation) -> None:
    reading = interpret_lines(back_lines(person, variation), image_size=_size(variation),
                              side="auto", rules=RULES, today=TODAY)
    got = {n: getattr(reading.fields, n).value for n in ("issuing_authority", "valid_from",
                                                          "valid_until")
           if getattr(reading.fields, n)}
    assert got == person.expected_back()
    assert reading.side == "back"
    assert reading.checks.validity_period_plausible == "pass"
    # Expiry is judged on the printed end against today, and warned of.
    expired = person.valid_until is not None and person.valid_until < TODAY
    assert reading.checks.not_expired == ("fail" if expired else "pass")
    assert ("card_expired" in [w.code for w in reading.warnings]) == expired


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(identities(), variations(FIELDS))
def test_field_boxes_cover_the_values_words(person: Identity, variation: Variation) -> None:
    lines = front_lines(person, variation)
    reading = interpret_lines(lines, image_size=_size(variation), side="front", rules=RULES,
                              today=TODAY)
    number = reading.fields.id_number
    assert number is not None
    line = next(ln for ln in lines if person.id_number[-4:] in ln.text)
    # The number's box lies within the line it was read from (or the union of its parts).
    xs = [p[0] for p in number.box]
    assert min(xs) >= min(p[0] for p in line.box) - 1 or "id_number" in variation.split
    assert 0.0 < number.confidence <= 1.0
