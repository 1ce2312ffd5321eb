"""Whether a printed issuing authority spells its places as GB/T 2260 does.

An authority is a public security bureau named after a prefecture or county (灌云县公安局,
阜阳市公安局), or a branch of a prefecture's bureau named after one of its districts
(阜阳市公安局颍东分局). A place name that the table does not hold but that is one
character away from one it does (颖东 for 颍东, of the same prefecture) was misread: a
recogniser swaps one look-alike character far more often than a card names a place next
to a real one. Branch names that are no division at all (高新, 开发区, 交通) are left alone:
the table cannot judge them.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from functools import cache

from idcard.validate.places import divisions, one_off_fixes, provinces

_BUREAU = "公安局"
_BRANCH = "分局"
# Every division's name has at least two characters (滑县, 盂县).
_SHORTEST_PLACE = 2
# A county-level division's name without the word that says which kind it is.
_KIND = re.compile(r"(区|县|市|旗|自治县|自治旗|林区|特区)$")


def names_no_place(authority: str) -> bool:
    """Whether the authority names its bureau after fewer characters than any division's
    name has (市公安局, 公安局长乐分局): the place it is named after was not read."""
    place, bureau, _ = authority.partition(_BUREAU)
    return bool(bureau) and len(place) < _SHORTEST_PLACE


def authority_place_misread(authority: str) -> bool | None:
    """True when a place the authority names is one character off a division of the
    table (its bureau's place anywhere, its branch among the bureau's districts) and
    not itself in it; None when it names no bureau (nothing to judge it by)."""
    place, bureau, _ = authority.partition(_BUREAU)
    if not bureau or len(place) < 2:
        return None
    return bool(authority_place_fixes(authority))


def authority_place_fixes(authority: str) -> frozenset[tuple[int, str]]:
    """Each (position, character) that turns a place the authority names, one character
    off a division of the table and not itself in it, into that division: its bureau's
    place among every division, its branch among the bureau's districts."""
    place, bureau, rest = authority.partition(_BUREAU)
    if not bureau or len(place) < 2:
        return frozenset()
    if not _known(place):
        return one_off_fixes(place, _places_of_length(len(place)))
    branch = rest.removesuffix(_BRANCH)
    districts = _districts_of(place)
    if not branch or branch == rest or branch in districts:
        return frozenset()
    return one_off_fixes(branch, districts, len(place) + len(_BUREAU))


@cache
def _known(place: str) -> bool:
    """Whether the place is a division of the table, or a chain of them: 河北省石家庄市
    names its province first, and the bureau is the last place named. Every part must be
    a division: 药连县 is no chain, though 连县 (an old county) ends it."""
    if place in _places():
        return True
    return any(place.endswith(name) and _known(place[:-len(name)])
               for name in _places() if len(name) < len(place))


@cache
def _places_of_length(length: int) -> frozenset[str]:
    return frozenset(name for name in _places() if len(name) == length)


@cache
def _places() -> frozenset[str]:
    names = {name for names in divisions().values() for name in names}
    names.update(provinces().values())
    return frozenset(n for n in names if len(n) >= 2)


def _districts_of(place: str) -> frozenset[str]:
    return _districts_by_prefecture().get(place, frozenset())


@cache
def _districts_by_prefecture() -> Mapping[str, frozenset[str]]:
    """Prefecture (or province-level city) name → the names, with and without their
    kind, of the divisions under it."""
    by_stem: dict[str, set[str]] = {}
    for code, names in divisions().items():
        if not code.endswith("00"):
            # 110000 (北京市) holds every 11xxxx; 341200 (阜阳市) every 3412xx.
            for stem in (code[:2], code[:4]):
                by_stem.setdefault(stem, set()).update(
                    n for name in names for n in (name, _KIND.sub("", name)) if len(n) >= 2)
    found: dict[str, set[str]] = {}
    for prefecture, names in divisions().items():
        if prefecture.endswith("00"):
            stem = prefecture[:2] if prefecture.endswith("0000") else prefecture[:4]
            for name in names:
                found.setdefault(name, set()).update(by_stem.get(stem, ()))
    return {name: frozenset(districts) for name, districts in found.items()}
