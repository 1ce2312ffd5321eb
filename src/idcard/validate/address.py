"""Whether a printed address names its divisions as GB/T 2260 does.

A card's address runs province → prefecture → county (区, 县, county-level 市) → the rest;
a county-level division directly under its province (济源市) or a province-level city's
district (北京市海淀区) comes straight after the province, and a prefecture without counties
(东莞市) straight before the rest. The names of every division are in GB/T 2260, which
python-stdnum ships (`validate.places`). An address whose text
after its province does not begin that way was misread there (福州苏鼓楼区 for 福州市鼓楼区,
阳泉市孟县 for 盂县), or names a division the table does not know; either way a person should
look.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache

from idcard.validate.places import divisions, one_off_fixes, provinces


@dataclass(frozen=True)
class _Province:
    counties: frozenset[str]
    prefectures: frozenset[str]  # those with counties under them
    alone: frozenset[str]  # prefectures without counties (东莞市): the rest follows them
    counties_of: Mapping[str, frozenset[str]]  # a prefecture's name → its counties' names


def names_a_county(address: str) -> bool | None:
    """True when the address names, right after the province it begins with, one of its
    prefectures and then a county of that prefecture, or a county; None when it begins
    with no province (nothing to judge it by)."""
    for name, province in _provinces().items():
        if address.startswith(name):
            return _county_follows(address[len(name):], province)
    return None


def _county_follows(rest: str, province: _Province) -> bool:
    if rest.startswith(tuple(province.alone)):
        return True
    begun = [p for p in province.prefectures if rest.startswith(p)]
    if any(rest[len(p):].startswith(tuple(province.counties_of.get(p, ()))) for p in begun):
        return True
    # Many prefectures' names were once a county's too (阜阳市, 南充市): a prefecture's
    # name followed by no county of its own is a misread county (阜阳市颖东区), not a
    # county named alone.
    longest = max(map(len, begun), default=0)
    return any(len(c) > longest for c in province.counties if rest.startswith(c))


def head_fixes(address: str) -> frozenset[tuple[int, str]]:
    """Each (position, character) that, put in place of the address's character there,
    makes the address begin with a whole head the table knows (province, prefecture and
    county; province and county; province and a prefecture without counties) that it
    misses by that one character, and that is longer than any head it begins with as it
    is (梅州市 was once a county's name too, so 广东省梅州市大场县 begins with one)."""
    heads, halves = _heads(), _heads_by_half()
    begun = max((n for n in halves if address[:n] in heads), default=0)
    fixes: set[tuple[int, str]] = set()
    for length, (by_first, by_second) in halves.items():
        head = address[:length]
        if length <= begun or len(head) < length:
            continue
        # One character off: the other half of the head is read exactly.
        middle = length // 2
        fixes |= one_off_fixes(head, (*by_first.get(head[:middle], ()),
                                      *by_second.get(head[middle:], ())))
    return frozenset(fixes)


@cache
def _heads() -> frozenset[str]:
    heads: set[str] = set()
    for name, province in _provinces().items():
        heads.update(name + alone for alone in province.alone)
        heads.update(name + county for county in province.counties)
        # A prefecture and one of its own counties (by code: xx01–xx99 under xx00).
        heads.update(name + prefecture + county for prefecture in province.prefectures
                     for county in province.counties_of.get(prefecture, ()))
    return frozenset(heads)


_HalfIndex = dict[str, tuple[str, ...]]


@cache
def _heads_by_half() -> Mapping[int, tuple[_HalfIndex, _HalfIndex]]:
    """Head length → the heads of that length by their first half, and by their second."""
    found: dict[int, tuple[dict[str, list[str]], dict[str, list[str]]]] = {}
    for head in _heads():
        middle = len(head) // 2
        first, second = found.setdefault(len(head), ({}, {}))
        first.setdefault(head[:middle], []).append(head)
        second.setdefault(head[middle:], []).append(head)
    return {length: ({k: tuple(v) for k, v in first.items()},
                     {k: tuple(v) for k, v in second.items()})
            for length, (first, second) in sorted(found.items())}


@cache
def _provinces() -> Mapping[str, _Province]:
    by_province: dict[str, dict[str, frozenset[str]]] = {}
    for code, names in divisions().items():
        by_province.setdefault(code[:2], {})[code[2:]] = names
    return {provinces()[code]: _province(lows) for code, lows in by_province.items()}


def _province(divisions: Mapping[str, frozenset[str]]) -> _Province:
    """From a province's four-digit codes: xx00 is a prefecture (阳泉市), its counties are
    xx01–xx99."""
    with_counties = {low[:2] for low in divisions if not low.endswith("00")}
    counties_of: dict[str, set[str]] = {}
    for low, names in divisions.items():
        if low.endswith("00"):
            for name in names:
                counties_of.setdefault(name, set()).update(
                    n for other, others in divisions.items()
                    if other[:2] == low[:2] and not other.endswith("00") for n in others)
    return _Province(
        counties_of={name: frozenset(c) for name, c in counties_of.items()},
        counties=frozenset(n for low, names in divisions.items()
                           if not low.endswith("00") for n in names),
        prefectures=frozenset(n for low, names in divisions.items()
                              if low.endswith("00") and low[:2] in with_counties
                              for n in names),
        alone=frozenset(n for low, names in divisions.items()
                        if low.endswith("00") and low != "0000"
                        and low[:2] not in with_counties for n in names))
