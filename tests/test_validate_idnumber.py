"""ID number arithmetic and region codes, against python-stdnum."""

from __future__ import annotations

from datetime import date

from hypothesis import given, settings
from hypothesis import strategies as st
from stdnum.cn import ric

from idcard.validate import (
    birth_date_of,
    birth_date_span,
    check_character,
    checksum_ok,
    is_legacy,
    is_well_formed,
    region_known,
    sex_of,
)

GOOD = "11010519491231002X"  # GB 11643's own example


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet="0123456789", min_size=17, max_size=17))
def test_check_character_equals_stdnum(first17: str) -> None:
    assert check_character(first17) == ric.calc_check_digit(first17 + "0")


def test_known_numbers() -> None:
    assert checksum_ok(GOOD)
    assert not checksum_ok(GOOD[:-1] + "1")
    assert not checksum_ok("11010519491231002")  # 17 characters
    assert not checksum_ok("1101051949123100X2")  # X not last


def test_region_codes_include_historical_ones() -> None:
    assert region_known("110105")
    assert region_known("110103")  # 崇文区, merged away in 2010
    assert not region_known("999999")
    assert not region_known("110199")
    assert not region_known("11010")


def test_region_known_ignores_the_year_test_stdnum_applies() -> None:
    # 洪山区 (420111) exists from 1983; someone born there in 1975 holds a genuine number
    # that stdnum's validate() rejects. The region check must not.
    body = "42011119750101001"
    number = body + check_character(body)
    assert not ric.is_valid(number)
    assert region_known(number[:6])


def test_birth_date_and_sex() -> None:
    assert birth_date_of(GOOD) == date(1949, 12, 31)
    assert sex_of(GOOD) == "女"  # sequence 002: even
    assert sex_of("110105194912310039") == "男"
    assert birth_date_of("110105194913310039") is None  # month 13
    assert birth_date_span(GOOD) == (6, 14)


def test_fifteen_digit_numbers() -> None:
    old = "420111900307123"
    assert is_legacy(old) and is_well_formed(old)
    assert birth_date_of(old) == date(1990, 3, 7)
    assert sex_of(old) == "男"
    assert birth_date_span(old) == (6, 12)
    assert not checksum_ok(old)


def test_malformed_numbers_state_nothing() -> None:
    for bad in ("", "abc", "4201111990030712", "42011119900307123Y"):
        assert not is_well_formed(bad)
        assert birth_date_of(bad) is None
        assert sex_of(bad) is None
