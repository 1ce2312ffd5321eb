"""GB/T 2260's divisions, as python-stdnum ships the table (the one the region-code check
reads): every code's names over the years, and the provinces. Read once for the address
and authority checks."""

from __future__ import annotations

import re
from collections.abc import Collection, Mapping
from functools import cache

from stdnum import numdb

# A code's names, each with the years it was in use: "[1983-1995]南区,[1996-]天心区".
_YEARS = re.compile(r"^\[[^\]]*\]")


@cache
def divisions() -> Mapping[str, frozenset[str]]:
    """Six-digit code under a province → the names it has had (of two characters or more;
    none where the table gives none). xxxx00 is a prefecture, or the province-level city
    itself at xx0000."""
    table: dict[str, frozenset[str]] = {}
    for _length, province, _high, props, children in numdb.get("cn/loc").prefixes:
        if "province" not in props:
            continue
        for _l, low, _hi, child, _grandchildren in children:
            table[province + low] = _names(child.get("county", ""))
    return table


@cache
def provinces() -> Mapping[str, str]:
    """Two-digit code → the province's name."""
    return {code: props["province"]
            for _length, code, _high, props, _children in numdb.get("cn/loc").prefixes
            if "province" in props}


def _names(field: str) -> frozenset[str]:
    return frozenset(n for name in field.split(",") if len(n := _YEARS.sub("", name)) >= 2)


def one_off_fixes(name: str, candidates: Collection[str],
                  offset: int = 0) -> frozenset[tuple[int, str]]:
    """Each (position + `offset`, character) that turns `name` into one of `candidates`
    of its length that differs from it in that one character alone."""
    fixes: set[tuple[int, str]] = set()
    for candidate in candidates:
        if len(candidate) != len(name):
            continue
        differ = [i for i, (a, b) in enumerate(zip(candidate, name, strict=True)) if a != b]
        if len(differ) == 1:
            fixes.add((offset + differ[0], candidate[differ[0]]))
    return frozenset(fixes)
