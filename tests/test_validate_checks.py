"""Each check's pass / fail / absent, with today fixed."""

from __future__ import annotations

from datetime import date

import pytest

from idcard.card import CardFields, Field
from idcard.validate import (
    check_character,
    expiry_status,
    run_checks,
    term_for_age,
    validity_status,
)

TODAY = date(2026, 1, 1)
ETHNICITIES = {"汉", "维吾尔", "土家"}
BOX = ((0.0, 0.0), (10.0, 0.0), (10.0, 5.0), (0.0, 5.0))


def f(value: str) -> Field:
    return Field(value=value, confidence=0.9, box=BOX, raw=value)


def number(birth: str = "19900307", sequence: str = "123", region: str = "420111") -> str:
    body = region + birth + sequence
    return body + check_character(body)


def fields(**values: str) -> CardFields:
    return CardFields(**{k: f(v) for k, v in values.items()})


def test_all_absent_without_fields() -> None:
    checks = run_checks(CardFields(), ETHNICITIES, TODAY)
    assert set(checks.__struct_fields__) == {
        "id_checksum", "region_code_known", "birth_date_matches_id", "sex_matches_id",
        "birth_date_plausible", "ethnicity_known", "validity_period_plausible", "not_expired"}
    assert all(getattr(checks, name) == "absent" for name in checks.__struct_fields__)


def test_consistent_front_passes() -> None:
    checks = run_checks(fields(id_number=number(), birth_date="1990-03-07", sex="男",
                               ethnicity="汉"), ETHNICITIES, TODAY)
    assert (checks.id_checksum, checks.region_code_known, checks.birth_date_matches_id,
            checks.sex_matches_id, checks.birth_date_plausible, checks.ethnicity_known) == \
        ("pass",) * 6


def test_each_disagreement_fails_its_own_check() -> None:
    wrong = number()[:-1] + ("0" if number()[-1] != "0" else "1")
    checks = run_checks(fields(id_number=wrong, birth_date="1990-03-08", sex="女",
                               ethnicity="火星"), ETHNICITIES, TODAY)
    assert checks.id_checksum == "fail"
    assert checks.birth_date_matches_id == "fail"
    assert checks.sex_matches_id == "fail"
    assert checks.ethnicity_known == "fail"
    assert checks.region_code_known == "pass"


def test_unknown_region_fails() -> None:
    assert run_checks(fields(id_number=number(region="999999")), ETHNICITIES,
                      TODAY).region_code_known == "fail"


@pytest.mark.parametrize(("birth", "status"), [
    ("1990-03-07", "pass"), ("2026-01-02", "fail"), ("1900-01-01", "fail"),
    ("1906-01-01", "pass"), ("1990-02-30", "fail")])
def test_birth_date_plausible(birth: str, status: str) -> None:
    assert run_checks(fields(birth_date=birth), ETHNICITIES, TODAY).birth_date_plausible == status


def test_legacy_number_has_no_checksum_to_check() -> None:
    checks = run_checks(fields(id_number="420111900307123", birth_date="1990-03-07", sex="男"),
                        ETHNICITIES, TODAY)
    assert checks.id_checksum == "absent"
    assert checks.birth_date_matches_id == "pass"
    assert checks.sex_matches_id == "pass"


@pytest.mark.parametrize(("age", "years"), [(0, 5), (15, 5), (16, 10), (25, 10), (26, 20),
                                            (45, 20), (46, 0), (90, 0)])
def test_term_for_age(age: int, years: int) -> None:
    assert term_for_age(age) == years


@pytest.mark.parametrize(("valid_from", "valid_until", "birth", "status"), [
    ("2015-01-01", "2035-01-01", None, "pass"),
    ("2015-01-01", "2025-01-01", None, "pass"),
    ("2015-01-01", "2020-01-01", None, "pass"),
    ("2015-01-01", "long-term", None, "pass"),
    ("2015-01-01", "2030-01-01", None, "fail"),  # 15 years: never issued
    ("2015-01-01", "2014-01-01", None, "fail"),  # ends before it starts
    ("2027-01-01", "2047-01-01", None, "fail"),  # issued in the future
    ("2015-01-01", "2035-01-01", date(1980, 5, 1), "pass"),  # 34 at issue: 20 years
    ("2015-01-01", "2025-01-01", date(1980, 5, 1), "fail"),  # 34 at issue is not 10 years
    ("2015-01-01", "long-term", date(1960, 5, 1), "pass"),  # 54 at issue
    ("2015-01-01", "2020-01-01", date(2005, 5, 1), "pass"),  # 9 at issue
    ("2015-01-01", "2035-01-01", date(2016, 5, 1), "fail"),  # issued before birth
    ("2012-02-29", "2032-02-29", None, "pass"),
    ("2015-01-01", None, None, "absent"),
    ("not-a-date", "2035-01-01", None, "fail"),
])
def test_validity_period(valid_from: str, valid_until: str | None, birth: date | None,
                         status: str) -> None:
    assert validity_status(valid_from, valid_until, birth, TODAY) == status


@pytest.mark.parametrize(("valid_until", "status"), [
    ("2025-12-31", "fail"),  # ended yesterday
    ("2026-01-01", "pass"),  # a card is valid through its last day
    ("2026-01-02", "pass"),
    ("long-term", "pass"),
    (None, "absent"),
    ("not-a-date", "absent"),  # nothing read as a date: no end to judge
])
def test_expiry(valid_until: str | None, status: str) -> None:
    assert expiry_status(valid_until, TODAY) == status


def test_an_expired_card_fails_only_not_expired() -> None:
    # 24 at issue: a 10-year card, a period the rules allow, over by TODAY.
    checks = run_checks(fields(birth_date="1980-05-01", valid_from="2005-01-01",
                               valid_until="2015-01-01"), ETHNICITIES, TODAY)
    assert checks.not_expired == "fail"
    assert checks.validity_period_plausible == "pass"
    assert [name for name in checks.__struct_fields__
            if getattr(checks, name) == "fail"] == ["not_expired"]


def test_validity_uses_the_printed_birth_date() -> None:
    checks = run_checks(fields(birth_date="1980-05-01", valid_from="2015-01-01",
                               valid_until="2025-01-01"), ETHNICITIES, TODAY)
    assert checks.validity_period_plausible == "fail"


def test_a_17_digit_body_is_judged_where_an_18_character_number_states_things() -> None:
    body = number()[:17]
    checks = run_checks(fields(id_number=body, birth_date="1990-03-07", sex="男"),
                        ETHNICITIES, TODAY)
    assert checks.id_checksum == "fail"
    assert (checks.region_code_known, checks.birth_date_matches_id, checks.sex_matches_id) == \
        ("pass", "pass", "pass")
    checks = run_checks(fields(id_number=body, birth_date="1990-03-08", sex="女"),
                        ETHNICITIES, TODAY)
    assert (checks.birth_date_matches_id, checks.sex_matches_id) == ("fail", "fail")


def test_a_number_too_short_to_state_anything_leaves_the_comparisons_absent() -> None:
    checks = run_checks(fields(id_number=number()[:16], birth_date="1990-03-07", sex="男"),
                        ETHNICITIES, TODAY)
    assert checks.id_checksum == "fail"
    assert checks.region_code_known == "fail"
    assert (checks.birth_date_matches_id, checks.sex_matches_id) == ("absent", "absent")
