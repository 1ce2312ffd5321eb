"""Whether a printed address names its divisions as GB/T 2260 does.

A card's address runs province → prefecture → county (区, 县, county-level 市) → the rest;
a county-level division directly under its province (济源市) or a province-level city's
district (北京市海淀区) comes straight after the province, and a prefecture without counties
(东莞市) straight before the rest. The names of every division are in GB/T 2260, which
python-stdnum ships (the same table the region-code check reads). An address whose text
after its province does not begin that way was misread there (福州苏鼓楼区 for 福州市鼓楼区,
阳泉市孟县 for 盂县), or names a division the table does not know; either way a person should
look.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache

from stdnum import numdb

# A code's names, each with the years it was in use: "[1983-1995]南区,[1996-]天心区".
_YEARS = re.compile(r"^\[[^\]]*\]")


@dataclass(frozen=True)
class _Province:
    counties: frozenset[str]
    prefectures: frozenset[str]  # those with counties under them
    alone: frozenset[str]  # prefectures without counties (东莞市): the rest follows them


def names_a_county(address: str) -> bool | None:
    """True when the address names, right after the province it begins with, one of its
    prefectures and then a county, or a county; None when it begins with no province
    (nothing to judge it by)."""
    for name, province in _provinces().items():
        if address.startswith(name):
            rest = address[len(name):]
            if rest.startswith(tuple(province.alone)):
                return True
            after = [rest[len(p):] for p in province.prefectures if rest.startswith(p)]
            return any(part.startswith(tuple(province.counties)) for part in [*after, rest])
    return None


@cache
def _provinces() -> Mapping[str, _Province]:
    table: dict[str, _Province] = {}
    for _length, _low, _high, props, children in numdb.get("cn/loc").prefixes:
        name = props.get("province")
        if name is None:
            continue
        divisions = {low: _names(child.get("county", ""))
                     for _l, low, _hi, child, _grandchildren in children}
        # xx00 is a prefecture (阳泉市); its counties are xx01–xx99.
        with_counties = {low[:2] for low in divisions if not low.endswith("00")}
        table[name] = _Province(
            counties=frozenset(n for low, names in divisions.items()
                               if not low.endswith("00") for n in names),
            prefectures=frozenset(n for low, names in divisions.items()
                                  if low.endswith("00") and low[:2] in with_counties
                                  for n in names),
            alone=frozenset(n for low, names in divisions.items()
                            if low.endswith("00") and low != "0000"
                            and low[:2] not in with_counties for n in names))
    return table


def _names(field: str) -> frozenset[str]:
    return frozenset(n for name in field.split(",") if len(n := _YEARS.sub("", name)) >= 2)
