"""Facts an identity number states about its holder, computed with python-stdnum.

18-character numbers (GB 11643): 6-digit region, 8-digit birth date, 3-digit sequence
(odd for men), ISO 7064 MOD 11-2 check character. 15-digit first-generation numbers have a
6-digit birth date (19YYMMDD), a 3-digit sequence and no check character. A 17-digit
number (some cards print one) is read as an 18-character number's body: region, birth date
and sequence are where they would be, and there is no check character to verify.
"""

from __future__ import annotations

import re
from datetime import date
from functools import lru_cache
from typing import Literal

from stdnum import numdb
from stdnum.cn import ric

Sex = Literal["男", "女"]

_EIGHTEEN = re.compile(r"^\d{17}[\dX]$")
_FIFTEEN = re.compile(r"^\d{15}$")
_BODY = re.compile(r"^\d{17}$")


def is_well_formed(number: str) -> bool:
    return bool(_EIGHTEEN.match(number) or _FIFTEEN.match(number))


def is_legacy(number: str) -> bool:
    """A first-generation number: 15 digits stating a real birth date (so not merely the
    first 15 digits of a cut-off 18-character number)."""
    return bool(_FIFTEEN.match(number)) and birth_date_of(number) is not None


def check_character(first17: str) -> str:
    """The check character (0-9 or X) for 17 digits."""
    # stdnum's function takes the full number and ignores its last character.
    return str(ric.calc_check_digit(first17 + "0"))


def checksum_ok(number: str) -> bool:
    return bool(_EIGHTEEN.match(number)) and check_character(number[:17]) == number[17]


@lru_cache(maxsize=4096)
def region_known(code: str) -> bool:
    """Whether a 6-digit code is (or was) a GB/T 2260 county-level code.

    Deliberately no test of the year the code existed: stdnum's `ric.validate` demands the
    county existed in the birth year, which many genuine numbers fail (codes get renamed,
    people register after moving), so only the code table itself is consulted.
    """
    if not re.fullmatch(r"\d{6}", code):
        return False
    found = numdb.get("cn/loc").info(code)
    return any("county" in props for _, props in found)


def states_region(number: str) -> bool:
    """Whether the number is long enough to be read for its region, birth date and sex:
    18 characters, 15 digits, or an 18-character number's 17-digit body."""
    return bool(_EIGHTEEN.match(number) or _FIFTEEN.match(number) or _BODY.match(number))


def birth_date_of(number: str) -> date | None:
    """The birth date the number states, or None if it states an impossible one."""
    if _EIGHTEEN.match(number) or _BODY.match(number):
        year, month, day = number[6:10], number[10:12], number[12:14]
    elif _FIFTEEN.match(number):
        year, month, day = "19" + number[6:8], number[8:10], number[10:12]
    else:
        return None
    try:
        return date(int(year), int(month), int(day))
    except ValueError:
        return None


def sex_of(number: str) -> Sex | None:
    """Sex from the sequence's last digit: odd for men, even for women."""
    if _EIGHTEEN.match(number) or _BODY.match(number):
        digit = number[16]
    elif _FIFTEEN.match(number):
        digit = number[14]
    else:
        return None
    return "男" if int(digit) % 2 == 1 else "女"


def birth_date_span(number: str) -> tuple[int, int] | None:
    """Character positions [start, end) of the birth date inside the number."""
    if _EIGHTEEN.match(number) or _BODY.match(number):
        return (6, 14)
    if _FIFTEEN.match(number):
        return (6, 12)
    return None
