"""Which side of the card the lines come from, by the words printed on each side."""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Literal

from idcard.extract.labels import find_word
from idcard.extract.pieces import Piece
from idcard.extract.rules import RuleBook
from idcard.extract.values import valid_date
from idcard.validate import birth_date_of, checksum_ok, is_card_term, region_known

CardSide = Literal["front", "back"]

_NUMBER = re.compile(r"\d{17}[\dXx]|\d{15}")
_PERIOD = re.compile(r"(\d{4})\D?(\d{2})\D?(\d{2})\D{0,3}(?:(\d{4})\D?(\d{2})\D?(\d{2})|长)")


def side_scores(pieces: Sequence[Piece], rules: RuleBook) -> tuple[int, int]:
    """(front, back) evidence: keyword hits, plus a weight for an ID number / a period."""
    front = sum(_has_word(pieces, w, rules) for w in rules.side.front)
    back = sum(_has_word(pieces, w, rules) for w in rules.side.back)
    joined = ["".join(p.text.split()) for p in pieces]
    if any(_is_id_number(n) for t in joined for n in _NUMBER.findall(t)):
        front += rules.side.number_weight
    if any(_is_validity_period(m, rules) for t in joined for m in _PERIOD.finditer(t)):
        back += rules.side.number_weight
    return front, back


def _is_id_number(number: str) -> bool:
    """A number that can only be an identity number: any digit string is not evidence
    (a receipt or a screen full of figures holds 18 digits in a row)."""
    if checksum_ok(number.upper()):
        return True
    return region_known(number[:6]) and birth_date_of(number.upper()) is not None


def _is_validity_period(match: re.Match[str], rules: RuleBook) -> bool:
    """Two dates a card's term apart, or a date then 长期 (not any run of figures)."""
    start = valid_date(match[1], match[2], match[3], rules)
    if start is None:
        return False
    if match[4] is None:
        return True
    end = valid_date(match[4], match[5], match[6], rules)
    return end is not None and is_card_term(start, end)


def _has_word(pieces: Sequence[Piece], word: str, rules: RuleBook) -> bool:
    return any(find_word(p, word, rules) for p in pieces)


def keyword_scores(pieces: Sequence[Piece], rules: RuleBook) -> tuple[int, int]:
    """(front, back) printed-word hits alone."""
    return (sum(_has_word(pieces, w, rules) for w in rules.side.front),
            sum(_has_word(pieces, w, rules) for w in rules.side.back))


def decide_side(pieces: Sequence[Piece], rules: RuleBook) -> CardSide | None:
    """The side the text speaks for, or None when it says nothing either way."""
    front, back = side_scores(pieces, rules)
    if front == back == 0:
        return None
    return "front" if front >= back else "back"
