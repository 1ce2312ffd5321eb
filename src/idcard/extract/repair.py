"""Evidence-based repair: only what a checksum-valid ID number proves, only where the
reading itself is unsure, and always flagged.

A field's `value` is what the card prints. A value read confidently is never replaced,
even when the number disagrees with it: that disagreement is what a tampered or misprinted
card looks like, and the checks report it. A value is repaired only where it was not read
(`*_from_id`) or read unsure exactly where it disagrees (`*_repaired`, `id_number_repaired`:
below the rules' `low_confidence`, or a letter folded into a digit). The reading stays in
the field's `raw`; a warning names the field (never its value).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date
from itertools import product

from idcard.card import Field, Notice
from idcard.codes import WarningCode
from idcard.extract.pieces import Char, box_of, confidence_of, raw_of
from idcard.extract.rules import RuleBook
from idcard.extract.values import Value, numeric_char
from idcard.validate import (
    authority_place_fixes,
    birth_date_of,
    birth_date_span,
    check_character,
    checksum_ok,
    head_fixes,
    is_plausible_birth,
    parse_iso,
    region_known,
    sex_of,
)

_DIGITS = "0123456789"
# A repaired character counts as this sure when the field's confidence is recomputed.
_REPAIRED_CHAR_CONFIDENCE = 0.5
# The sex digit (17th of 18) in the number.
_SEX_DIGIT = 16
# Where a field names places of GB/T 2260: the characters that would turn a place read
# one character off a division into it (validate.address, validate.authority).
_PLACE_FIXES: Mapping[str, tuple[Callable[[str], frozenset[tuple[int, str]]], WarningCode]] = {
    "address": (head_fixes, "address_repaired"),
    "issuing_authority": (authority_place_fixes, "issuing_authority_repaired"),
}


@dataclass(frozen=True)
class IdNumberReading:
    """The number's characters as read, kept for per-character decisions and boxes."""

    text: str
    chars: tuple[Char, ...]


def doubtful_positions(reading: IdNumberReading, rules: RuleBook) -> list[int]:
    """Characters OCR was unsure of, or that were letters folded into digits."""
    low = rules.thresholds.low_confidence
    return [i for i, c in enumerate(reading.chars)
            if c.glyph.confidence < low or not (c.glyph.raw.isdigit() or c.glyph.raw in "Xx")]


def repair_id_number(reading: IdNumberReading, sex: str | None, birth: str | None,
                     rules: RuleBook, today: date) -> str | None:
    """The unique number that fixes the doubtful characters and agrees with the card, or None.

    Only tried when the number fails its check character and one or two characters are
    doubtful. A candidate must pass the check, name a known region, state a plausible
    birth date equal to the printed one (when printed), and the printed sex (when printed).
    """
    text = reading.text
    if len(text) != 18 or checksum_ok(text):
        return None
    positions = doubtful_positions(reading, rules)
    if not 1 <= len(positions) <= rules.thresholds.max_repaired_characters:
        return None
    winners = {c for c in _candidates(text, positions)
               if _agrees(c, sex, birth, today)}
    return winners.pop() if len(winners) == 1 else None


def _candidates(text: str, positions: Sequence[int]) -> Iterator[str]:
    choices = [_DIGITS + ("X" if p == 17 else "") for p in positions]
    for picked in product(*choices):
        chars = list(text)
        for position, char in zip(positions, picked, strict=True):
            chars[position] = char
        candidate = "".join(chars)
        if candidate != text and check_character(candidate[:17]) == candidate[17]:
            yield candidate


def _agrees(number: str, sex: str | None, birth: str | None, today: date) -> bool:
    stated = birth_date_of(number)
    if stated is None or not is_plausible_birth(stated, today):
        return False
    if birth is not None and parse_iso(birth) is not None and stated.isoformat() != birth:
        return False
    if sex in ("男", "女") and sex_of(number) != sex:
        return False
    return region_known(number[:6])


def repaired_confidence(reading: IdNumberReading, repaired: str) -> float:
    values = [_REPAIRED_CHAR_CONFIDENCE if a != b else c.glyph.confidence
              for a, b, c in zip(reading.text, repaired, reading.chars, strict=True)]
    return sum(values) / len(values)


def proven_birth_date(number: Field, reading: IdNumberReading | None, current: Value | None,
                      rules: RuleBook) -> tuple[Field, Notice] | None:
    """The birth date a valid number states, where the printed one was not read or was
    read unsure exactly where it disagrees with the number. A date read confidently stays
    as printed, whatever the number says (the checks report the disagreement)."""
    stated = birth_date_of(number.value)
    span = birth_date_span(number.value)
    if stated is None or span is None:
        return None
    value = stated.isoformat()
    chars = _number_chars(reading, number.value, *span)
    if current is None:
        box = box_of(chars) if chars else number.box
        confidence = confidence_of(chars) if chars else number.confidence
        return (Field(value=value, confidence=confidence, box=box, raw=""),
                Notice("birth_date_from_id",
                       "birth_date was not read on the card; it is taken from id_number"))
    if current.text == value or not date_read_unsure(current, stated, rules):
        return None
    repaired = Field(value=value, confidence=min(confidence_of(current.chars), number.confidence),
                     box=box_of(current.chars), raw=raw_of(current.chars))
    return repaired, Notice("birth_date_repaired",
                            "birth_date was read unsure where it disagrees with id_number; the "
                            "value is the date id_number states, the reading is in raw")


def completed_birth_date(number: Field, reading: IdNumberReading, birth_row: Sequence[Char],
                         rules: RuleBook, today: date) -> tuple[Field, Notice] | None:
    """The birth date stated by a number its check character does not prove (it fails,
    or the card prints 17 digits), where the printed date was read only in part (a stamp
    over its month or day): taken only when every date digit of the number was read sure
    and the digits read sure on the birth row, at least the year, are how the stated
    date begins. Two places of the print agreeing where both are legible is the evidence
    the check character cannot give; `raw` keeps the part read."""
    stated = birth_date_of(number.value)
    span = birth_date_span(number.value)
    if stated is None or span is None or not is_plausible_birth(stated, today):
        return None
    chars = _number_chars(reading, number.value, *span)
    if not chars or any(_unsure(c, rules, _DIGITS) for c in chars):
        return None
    legible = _sure_digits(birth_row, rules)
    if len(legible) < len(str(stated.year)) or not any(
            form.startswith(legible) for form in _printed_forms(stated)):
        return None
    field = Field(value=stated.isoformat(), confidence=confidence_of(chars),
                  box=box_of(chars), raw=raw_of(birth_row))
    return field, Notice("birth_date_completed_from_id",
                         "birth_date was read only in part on the card; where legible it "
                         "agrees with id_number, whose check character does not prove it, "
                         "and the rest is taken from id_number; the part read is in raw")


def _sure_digits(chars: Sequence[Char], rules: RuleBook) -> str:
    """The digits of a row read as digits and sure, up to the first one that is not."""
    digits = []
    for char in chars:
        if not (char.char.isascii() and char.char.isdigit()):
            continue
        if _unsure(char, rules, _DIGITS):
            break
        digits.append(char.char)
    return "".join(digits)


def _printed_forms(day: date) -> set[str]:
    """The date's digits as a card may print them: month and day with or without a
    leading zero (cards print 1990年3月7日)."""
    months = {str(day.month), f"{day.month:02d}"}
    days = {str(day.day), f"{day.day:02d}"}
    return {f"{day.year}{m}{d}" for m in months for d in days}


def date_read_unsure(current: Value, stated: date, rules: RuleBook) -> bool:
    """Whether every digit where the read date differs from `stated` was read unsure
    (below the confidence threshold, a letter folded into a digit, or not read at all)."""
    if len(current.parts) != 3:
        return False
    wanted = (f"{stated.year:04d}", f"{stated.month:02d}", f"{stated.day:02d}")
    differing: list[bool] = []  # for each differing digit: was it read unsure?
    for (start, end), digits in zip(current.parts, wanted, strict=True):
        read = current.chars[start:end]
        for offset in range(1, len(digits) + 1):
            expected = digits[-offset]
            if offset > len(read):
                if expected != "0":  # a missing leading zero is how cards print dates
                    differing.append(True)
                continue
            char = read[-offset]
            if numeric_char(char.char, rules) != expected:
                differing.append(_unsure(char, rules, _DIGITS))
    return bool(differing) and all(differing)


def proven_sex(number: Field, reading: IdNumberReading | None, current: Value | None,
               rules: RuleBook) -> tuple[Field, Notice] | None:
    """The sex a valid number states, where the printed one was not read or was read
    unsure. A confidently read 男/女 stays as printed, whatever the number says."""
    stated = sex_of(number.value)
    if stated is None:
        return None
    if current is None:
        position = _SEX_DIGIT if len(number.value) == 18 else 14
        chars = _number_chars(reading, number.value, position, position + 1)
        box = box_of(chars) if chars else number.box
        return (Field(value=stated, confidence=number.confidence, box=box, raw=""),
                Notice("sex_from_id", "sex was not read on the card; it is taken from id_number"))
    if current.text == stated or not all(_unsure(c, rules, "男女") for c in current.chars):
        return None
    repaired = Field(value=stated, confidence=min(confidence_of(current.chars), number.confidence),
                     box=box_of(current.chars), raw=raw_of(current.chars))
    return repaired, Notice("sex_repaired",
                            "sex was read unsure and disagrees with id_number; the value is "
                            "the one id_number states, the reading is in raw")


def _unsure(char: Char, rules: RuleBook, printable: str) -> bool:
    """Read below the confidence threshold, or as a look-alike of a character the field
    prints (O for 0, 另 for 男) rather than as the character itself."""
    return char.glyph.confidence < rules.thresholds.low_confidence or char.char not in printable


def _number_chars(reading: IdNumberReading | None, number: str, start: int,
                  end: int) -> tuple[Char, ...]:
    if reading is None or len(reading.chars) != len(number):
        return ()
    return reading.chars[start:end]


def repaired_places(values: Mapping[str, Value],
                    rules: RuleBook) -> tuple[dict[str, Field], list[Notice]]:
    """Address and authority values whose place, read one character off a division of
    GB/T 2260, becomes that division: only where that character was read unsure and
    exactly one division fits (毅永县 could be 叙永县 or 江永县: left as read)."""
    fields: dict[str, Field] = {}
    notices: list[Notice] = []
    for name, (fixes_of, code) in _PLACE_FIXES.items():
        value = values.get(name)
        if value is None or "".join(c.char for c in value.chars) != value.text:
            continue
        fixes = [(i, char) for i, char in fixes_of(value.text)
                 if value.chars[i].glyph.confidence < rules.thresholds.low_confidence]
        if len(fixes) != 1:
            continue
        (at, char), = fixes
        chars = list(value.chars)
        chars[at] = replace(chars[at], glyph=replace(
            chars[at].glyph, char=char, confidence=_REPAIRED_CHAR_CONFIDENCE))
        fields[name] = Field(value=value.text[:at] + char + value.text[at + 1:],
                             confidence=round(confidence_of(chars), 4),
                             box=box_of(value.chars), raw=raw_of(value.chars))
        notices.append(Notice(
            code, f"{name}: a place it names was read unsure one character off a division of "
            "GB/T 2260 that alone fits; the value names that division, raw keeps the "
            "reading"))
    return fields, notices
