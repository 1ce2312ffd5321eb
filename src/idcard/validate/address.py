"""Whether a printed address names a real county-level division of its province.

A card's address runs province → prefecture → county (区, 县, county-level 市) → the rest.
The county-level names of each province are in GB/T 2260, which python-stdnum ships (the
same table the region-code check reads). An address whose text after its province holds
none of them was misread there (福州苏鼓楼区 still holds 鼓楼区, but 阳泉市孟县 for 盂县 holds
none), or names a division the table does not know; either way a person should look.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from functools import cache

from stdnum import numdb

# A code's names, each with the years it was in use: "[1983-1995]南区,[1996-]天心区".
_YEARS = re.compile(r"^\[[^\]]*\]")


def names_a_county(address: str) -> bool | None:
    """True when the address names a county-level division of the province it begins
    with; None when it begins with no province (nothing to judge it by)."""
    for province, counties in _counties_by_province().items():
        if address.startswith(province):
            rest = address[len(province):]
            return any(county in rest for county in counties)
    return None


@cache
def _counties_by_province() -> Mapping[str, frozenset[str]]:
    table: dict[str, set[str]] = {}
    for _length, _low, _high, props, children in numdb.get("cn/loc").prefixes:
        province = props.get("province")
        if province is None:
            continue
        names = table.setdefault(province, set())
        for _l, low, _hi, child, _grandchildren in children:
            county = child.get("county")
            # xx00 is the prefecture itself (阳泉市), which every address of it names.
            if county and not low.endswith("00"):
                names.update(_YEARS.sub("", name) for name in county.split(","))
    return {province: frozenset(n for n in names if len(n) >= 2)
            for province, names in table.items()}
