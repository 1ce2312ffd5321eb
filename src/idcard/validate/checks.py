"""The checks reported for every reading: each one `pass`, `fail` or `absent`.

They judge the fields they are given and never change them. The rule layer gives them the
card as read (before any repair from other evidence), so that they judge the printed
card; see `idcard.card.Checks`.
"""

from __future__ import annotations

from collections.abc import Container
from datetime import date

from idcard.card import CardFields, Checks, CheckStatus
from idcard.validate.idnumber import (
    birth_date_of,
    checksum_ok,
    is_legacy,
    region_known,
    sex_of,
    states_region,
)
from idcard.validate.period import expiry_status, validity_status

MAX_AGE_YEARS = 120


def parse_iso(value: str | None) -> date | None:
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        return None


def _status(ok: bool) -> CheckStatus:
    return "pass" if ok else "fail"


def run_checks(fields: CardFields, known_ethnicities: Container[str],
               today: date | None = None) -> Checks:
    today = today or date.today()
    number = fields.id_number.value if fields.id_number else None
    birth = parse_iso(fields.birth_date.value) if fields.birth_date else None
    until = fields.valid_until.value if fields.valid_until else None
    return Checks(
        id_checksum=_id_checksum(number),
        region_code_known=_region(number),
        birth_date_matches_id=_birth_matches(number, fields),
        sex_matches_id=_sex_matches(number, fields),
        birth_date_plausible=_birth_plausible(fields, today),
        ethnicity_known=("absent" if fields.ethnicity is None
                         else _status(fields.ethnicity.value in known_ethnicities)),
        validity_period_plausible=validity_status(
            fields.valid_from.value if fields.valid_from else None, until, birth, today),
        not_expired=expiry_status(until, today),
    )


def _id_checksum(number: str | None) -> CheckStatus:
    # A 15-digit number has no check character: there is nothing to check.
    if number is None or is_legacy(number):
        return "absent"
    return _status(checksum_ok(number))


def _region(number: str | None) -> CheckStatus:
    if number is None:
        return "absent"
    return _status(states_region(number) and region_known(number[:6]))


def _birth_matches(number: str | None, fields: CardFields) -> CheckStatus:
    # A number too short or garbled to state anything (not 15, 17 or 18 characters) has
    # nothing to compare with: that is id_checksum's failure, not this one's.
    if number is None or fields.birth_date is None or not states_region(number):
        return "absent"
    stated = birth_date_of(number)
    return _status(stated is not None and stated.isoformat() == fields.birth_date.value)


def _sex_matches(number: str | None, fields: CardFields) -> CheckStatus:
    if number is None or fields.sex is None or not states_region(number):
        return "absent"
    return _status(sex_of(number) == fields.sex.value)


def _birth_plausible(fields: CardFields, today: date) -> CheckStatus:
    if fields.birth_date is None:
        return "absent"
    birth = parse_iso(fields.birth_date.value)
    return _status(birth is not None and is_plausible_birth(birth, today))


def is_plausible_birth(birth: date, today: date) -> bool:
    return birth <= today and age_on(birth, today) <= MAX_AGE_YEARS


def age_on(birth: date, day: date) -> int:
    """Whole years between birth and day."""
    return day.year - birth.year - ((day.month, day.day) < (birth.month, birth.day))
