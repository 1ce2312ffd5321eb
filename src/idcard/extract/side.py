"""Which side of the card the lines come from, by the words printed on each side."""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Literal

from idcard.extract.labels import find_word
from idcard.extract.pieces import Piece
from idcard.extract.rules import RuleBook

CardSide = Literal["front", "back"]

_NUMBER = re.compile(r"\d{17}[\dXx]|\d{15}")
_PERIOD = re.compile(r"\d{4}\D?\d{2}\D?\d{2}\D{0,3}(\d{4}\D?\d{2}\D?\d{2}|长)")


def side_scores(pieces: Sequence[Piece], rules: RuleBook) -> tuple[int, int]:
    """(front, back) evidence: keyword hits, plus a weight for an ID number / a period."""
    front = sum(_has_word(pieces, w, rules) for w in rules.side.front)
    back = sum(_has_word(pieces, w, rules) for w in rules.side.back)
    joined = ["".join(p.text.split()) for p in pieces]
    if any(_NUMBER.search(t) for t in joined):
        front += rules.side.number_weight
    if any(_PERIOD.search(t) for t in joined):
        back += rules.side.number_weight
    return front, back


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
