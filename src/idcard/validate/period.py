"""Whether a validity period is one the issuing rules allow.

GA 490 / the Resident Identity Card Law: valid 5 years when issued under 16, 10 years at
16-25, 20 years at 26-45, long-term from 46. Expiry falls on the issue date's anniversary.
"""

from __future__ import annotations

from datetime import date

from idcard.card import CheckStatus

LONG_TERM = "long-term"
ALLOWED_YEARS = (5, 10, 20)
# (lowest age at issue, validity in years; 0 = long-term)
TERM_BY_AGE = ((46, 0), (26, 20), (16, 10), (0, 5))


def term_for_age(age: int) -> int:
    return next(years for low, years in TERM_BY_AGE if age >= low)


def validity_status(valid_from: str | None, valid_until: str | None, birth: date | None,
                    today: date) -> CheckStatus:
    """`absent` unless both ends were read; then whether the period fits the rules."""
    if valid_from is None or valid_until is None:
        return "absent"
    start = _parse(valid_from)
    if start is None or start > today:
        return "fail"
    years = _term_years(start, valid_until)
    if years is None:
        return "fail"
    if birth is not None:
        if start <= birth:
            return "fail"
        if term_for_age(_age(birth, start)) != years:
            return "fail"
    return "pass"


def expiry_status(valid_until: str | None, today: date) -> CheckStatus:
    """`absent` unless the end of the period was read; `fail` when it lies before `today`
    (a card is valid through its last day), `pass` for a later day or long-term."""
    if valid_until is None:
        return "absent"
    if valid_until == LONG_TERM:
        return "pass"
    end = _parse(valid_until)
    if end is None:
        return "absent"
    return "fail" if end < today else "pass"


def is_card_term(start: date, end: date) -> bool:
    """Whether `end` is an allowed term (5, 10 or 20 years) after `start`."""
    return any(end == _anniversary(start, years) for years in ALLOWED_YEARS)


def _term_years(start: date, valid_until: str) -> int | None:
    """The period's length in whole years (0 = long-term), None if not an allowed length."""
    if valid_until == LONG_TERM:
        return 0
    end = _parse(valid_until)
    if end is None or end <= start:
        return None
    for years in ALLOWED_YEARS:
        if end == _anniversary(start, years):
            return years
    return None


def _anniversary(start: date, years: int) -> date:
    try:
        return start.replace(year=start.year + years)
    except ValueError:  # 29 February
        return start.replace(year=start.year + years, day=28)


def _age(birth: date, day: date) -> int:
    return day.year - birth.year - ((day.month, day.day) < (birth.month, birth.day))


def _parse(value: str) -> date | None:
    try:
        return date.fromisoformat(value)
    except ValueError:
        return None
