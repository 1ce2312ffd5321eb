"""Turning the characters found for a field into its value (and which characters made it).

Every function takes the field's characters (`Char`, which remember their box and
confidence) and returns the value plus the characters it was made from, or None.
Confusable-character repair (O→0, l→1, ...) happens only here, only for numeric fields.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from idcard.extract.pieces import Char, confidence_of
from idcard.extract.rules import RuleBook
from idcard.validate import LONG_TERM, checksum_ok, is_legacy, region_known

_CJK = re.compile(r"[\u3400-\u9fff\U00020000-\U0003134f]")
_NAME_DOTS = "·・•.。"


@dataclass(frozen=True)
class Value:
    text: str
    chars: tuple[Char, ...]
    # For dates: [start, end) of the year, month and day digits within `chars`.
    parts: tuple[tuple[int, int], ...] = ()
    # How sure the value is, where that is not its characters' (pieces.confidence_of).
    confidence: float | None = None


def unlike_printed(name: str, text: str, rules: RuleBook) -> bool:
    """Whether `text` holds none of the words every printed value of the field holds
    (rules' `value_holds`: an authority's 公安局); False for a field without such words."""
    holds = rules.values.value_holds.get(name)
    return holds is not None and not any(word in text for word in holds)


def numeric_char(char: str, rules: RuleBook) -> str:
    """The digit a character in a numeric field most likely is (unchanged if no idea)."""
    if char.isdigit() and char.isascii():
        return char
    return rules.characters.digit_confusables.get(char, char)


def read_id_number(chars: Sequence[Char], rules: RuleBook) -> Value | None:
    """An 18-character (or 15-digit) number among the characters, confusables folded.

    Failing that, most of a number (14-17 characters: a card printing 17 digits, a number
    cut off or partly covered) is kept as read, so that the checks can say what is wrong.
    """
    mapped: list[tuple[str, Char]] = []
    for char in chars:
        folded = _id_char(char.char, rules)
        if folded is not None:
            mapped.append((folded, char))
    for length in (18, 15):
        best = _best_window(mapped, length)
        if best is not None:
            return best
    run = max(_runs(mapped), key=len, default=[])
    part = run if len(run) >= _MOST_OF_A_NUMBER else mapped[-18:]
    if len(part) >= _MOST_OF_A_NUMBER:
        return Value("".join(c for c, _ in part), tuple(ch for _, ch in part))
    return None


# Fewer characters than this are not taken for an ID number at all.
_MOST_OF_A_NUMBER = 14


def _runs(mapped: list[tuple[str, Char]]) -> list[list[tuple[str, Char]]]:
    """The number-like characters grouped into runs printed next to each other in one line."""
    runs: list[list[tuple[str, Char]]] = []
    for item in mapped:
        if runs and _adjacent(runs[-1][-1][1], item[1]):
            runs[-1].append(item)
        else:
            runs.append([item])
    return runs


def _adjacent(a: Char, b: Char) -> bool:
    # One apart, or two across a space OCR put between digit groups.
    return a.line is b.line and 0 <= b.glyph.index - a.glyph.index <= 2


def _id_char(char: str, rules: RuleBook) -> str | None:
    digit = numeric_char(char, rules)
    if digit.isascii() and digit.isdigit():
        return digit
    if char.upper() == "X" or char in rules.characters.check_character_confusables:
        return "X"
    return None


def _best_window(mapped: list[tuple[str, Char]], length: int) -> Value | None:
    windows: list[Value] = []
    for start in range(len(mapped) - length + 1):
        part = mapped[start:start + length]
        text = "".join(c for c, _ in part)
        # X only ever stands last; a 15-digit number has no X at all.
        if "X" in text[:-1] or (length == 15 and "X" in text):
            continue
        if length == 15 and _inside_longer_run(mapped, start, length):
            continue  # 15 digits of a longer printed number (17 digits) are not a number
        windows.append(Value(text, tuple(ch for _, ch in part)))
    if not windows:
        return None
    if length == 15:
        # A 15-digit number has no check character; its region and birth date are what
        # tell a first-generation number from part of a longer one.
        windows = [w for w in windows if is_legacy(w.text) and region_known(w.text[:6])]
        if not windows:
            return None
    passing = [w for w in windows if length == 15 or checksum_ok(w.text)]
    pool = passing or windows
    # Prefer windows made of characters OCR printed as digits (not folded letters).
    return max(pool, key=lambda w: sum(c.glyph.raw.isdigit() for c in w.chars))


def _inside_longer_run(mapped: list[tuple[str, Char]], start: int, length: int) -> bool:
    end = start + length
    return (start > 0 and _adjacent(mapped[start - 1][1], mapped[start][1])) or \
        (end < len(mapped) and _adjacent(mapped[end - 1][1], mapped[end][1]))


def _numeric(chars: Sequence[Char], rules: RuleBook) -> str:
    """The characters with confusables folded to digits (one output char per input char)."""
    out = []
    for char in chars:
        folded = numeric_char(char.char, rules)
        out.append(folded if len(folded) == 1 else char.char)
    return "".join(out)


def valid_date(year: str, month: str, day: str, rules: RuleBook) -> date | None:
    """The date, if it is a real one within the rules' years."""
    try:
        found = date(int(year), int(month), int(day))
    except ValueError:
        return None
    return found if rules.dates.earliest_year <= found.year <= rules.dates.latest_year else None


_PRINTED_DATE = re.compile(r"(\d{4})\D{1,3}?(\d{1,2})\D{1,3}?(\d{1,2})")
_PACKED_DATE = re.compile(r"(\d{4})(\d{2})(\d{2})")


def read_birth_date(chars: Sequence[Char], rules: RuleBook) -> Value | None:
    """`1990年3月7日` (in any number of pieces, marks possibly misread) as ISO."""
    text = _numeric(chars, rules)
    for pattern in (_PRINTED_DATE, _PACKED_DATE):
        for found in pattern.finditer(text):
            year, month, day = found.groups()
            parsed = valid_date(year, month, day, rules)
            if parsed is not None:
                start, end = found.start(), found.end()
                if end < len(text) and text[end] in rules.dates.day_marks:
                    end += 1
                parts = tuple((found.start(g) - start, found.end(g) - start) for g in (1, 2, 3))
                return Value(parsed.isoformat(), tuple(chars[start:end]), parts)
    return None


@dataclass(frozen=True)
class Period:
    valid_from: Value | None
    valid_until: Value | None


def read_period(chars: Sequence[Char], rules: RuleBook) -> Period | None:
    """`2015.01.01-2035.01.01`, `2010.05.20-长期`, any separators or none; or the end
    alone where the start was read in part (`.08.27-长期`: a stamp over its year)."""
    text = _numeric(chars, rules)
    digits = [i for i, c in enumerate(text) if c.isascii() and c.isdigit()]
    start = _date_at(text, digits[:8], rules) if len(digits) >= 8 else None
    if start is None:
        return _end_alone(chars, text, rules)
    from_value = Value(start.isoformat(), tuple(chars[digits[0]:digits[7] + 1]))
    until = _long_term_after(chars, text, digits[7] + 1, rules)
    if until is None and len(digits) >= 16:
        end = _date_at(text, digits[8:16], rules)
        if end is not None:
            until = Value(end.isoformat(), tuple(chars[digits[8]:digits[15] + 1]))
    return Period(from_value, until)


def _end_alone(chars: Sequence[Char], text: str, rules: RuleBook) -> Period | None:
    """A period whose start was read short of a whole date, and after a separator a
    whole end: 长期, or a date (its eight digits and nothing more). A start read with
    eight digits that make no date is no such case (which digits are which is unknown)."""
    cut = next((i for i, c in enumerate(text) if i > 0 and c in rules.dates.period_separators),
               None)
    if cut is None or sum(c.isascii() and c.isdigit() for c in text[:cut]) >= 8:
        return None
    until = _long_term_after(chars, text, cut + 1, rules)
    digits = [i for i, c in enumerate(text) if i > cut and c.isascii() and c.isdigit()]
    if until is None and len(digits) == 8 and (end := _date_at(text, digits, rules)):
        until = Value(end.isoformat(), tuple(chars[digits[0]:digits[7] + 1]))
    return Period(None, until) if until is not None else None


def _date_at(text: str, positions: list[int], rules: RuleBook) -> date | None:
    digits = "".join(text[i] for i in positions)
    return valid_date(digits[:4], digits[4:6], digits[6:8], rules)


def _long_term_after(chars: Sequence[Char], text: str, position: int,
                     rules: RuleBook) -> Value | None:
    rest = text[position:]
    # Longest spellings first so 长期 wins over a bare 长.
    for spelling in sorted(rules.dates.long_term, key=len, reverse=True):
        index = rest.find(spelling)
        if index >= 0 and not any(c.isdigit() for c in rest[:index]):
            begin = position + index
            return Value(LONG_TERM, tuple(chars[begin:begin + len(spelling)]))
    return None


def read_sex(chars: Sequence[Char], rules: RuleBook) -> Value | None:
    """The first 男/女 (or a known misreading of one) among the characters."""
    for exact in (True, False):
        for char in chars:
            if char.char in ("男", "女"):
                return Value(char.char, (char,))
            if not exact and char.char in rules.values.sex_misreadings:
                return Value(rules.values.sex_misreadings[char.char], (char,))
    return None


def read_ethnicity(chars: Sequence[Char], rules: RuleBook, *, strict: bool = False) -> Value | None:
    """The ethnicity as printed (without 族): one of the 56 names or a former one (崩龙),
    snapped to a name only when what was read is no name at all but a known misreading
    of one (低 for 佤); anything else is returned as read.

    `strict` (no 民族 label to vouch for the text): only a known name or misreading counts.
    """
    kept = [c for c in chars if _CJK.match(c.char)]
    while kept and kept[-1].char == "族":
        kept.pop()
    # What is left of a label read together with its value (民汉): no ethnicity's name
    # starts with a character of the 民族 label.
    label = rules.labels.labels.get("ethnicity")
    label_chars = set("".join(label.spellings)) if label is not None else set()
    names = rules.printed_ethnicity_names
    as_read = list(kept)
    while kept and kept[0].char in label_chars and not any(
            n.startswith(kept[0].char) for n in names):
        kept.pop(0)
    if not kept:
        return None
    found = _known_ethnicity(kept, rules)
    if found is None and label is not None and _label_one_off(as_read[:2], label.text):
        # The label read with one character wrong (网族汉 or 民旋汉 for 民族汉): a known
        # name after it is the value.
        found = _known_ethnicity(as_read[2:], rules)
    if found is not None or strict:
        return found
    return Value("".join(c.char for c in kept), tuple(kept))


def _known_ethnicity(kept: Sequence[Char], rules: RuleBook) -> Value | None:
    """A known name, or a known misreading of one, at the start of `kept`."""
    text = "".join(c.char for c in kept)
    # The longest known name at the start wins (布依 over 布, 土家 over 土).
    for name in sorted(rules.printed_ethnicity_names, key=len, reverse=True):
        if text.startswith(name):
            return Value(name, tuple(kept[:len(name)]))
    for length in range(len(text), 0, -1):
        known = rules.ethnicities.misreadings.get(text[:length])
        if known is not None:
            return Value(known, tuple(kept[:length]))
    return None


def _label_one_off(chars: Sequence[Char], label: str) -> bool:
    """Whether two characters are a two-character label with exactly one misread."""
    if len(chars) != 2 or len(label) != 2:
        return False
    same = sum(c.char == want for c, want in zip(chars, label, strict=True))
    return same == 1


def read_name(chars: Sequence[Char], rules: RuleBook) -> Value | None:
    """Han characters (and the middle dot of transliterated names). A name prints nothing
    else, so a character read right beside the kept ones on their line is a misread part
    of the name: one drawn like a one-stroke Han character (陶— for 陶一, the rules'
    `name_confusables`) is read as it; any such character leaves the name no surer than
    it was read."""
    han = [c for c in chars if _CJK.match(c.char)]
    confusables = rules.characters.name_confusables
    strokes = {id(c) for c in chars if c.char in confusables and _beside(c, han)}
    kept = [c for c in chars
            if _CJK.match(c.char) or c.char in _NAME_DOTS or id(c) in strokes]
    while kept and kept[0].char in _NAME_DOTS:
        kept.pop(0)
    while kept and kept[-1].char in _NAME_DOTS:
        kept.pop()
    if not kept:
        return None
    text = "".join("·" if c.char in _NAME_DOTS else confusables.get(c.char, c.char)
                   for c in kept)
    taken = {id(c) for c in kept} - strokes
    return _doubted(text, kept, [c for c in chars if id(c) not in taken and _beside(c, kept)])


def _doubted(text: str, kept: Sequence[Char], dropped: Sequence[Char]) -> Value:
    """The value of the characters kept, no surer than any character read among them that
    was dropped as no part of the print."""
    if not dropped:
        return Value(text, tuple(kept))
    least = min(c.glyph.confidence for c in dropped)
    return Value(text, tuple(kept), confidence=min(confidence_of(kept), least))


def _beside(char: Char, kept: Sequence[Char]) -> bool:
    """Whether `char` is on a line of `kept` and next to or among its characters there."""
    indices = [c.glyph.index for c in kept if c.line is char.line]
    return bool(indices) and min(indices) - 1 <= char.glyph.index <= max(indices) + 1


_ADDRESS_EXTRA = set("0123456789-#()（）·")
# Marks an address never ends with (a closing bracket it may).
_ADDRESS_TRAILING = set("-#(（·")


def read_address(chars: Sequence[Char]) -> Value | None:
    """Han characters, digits, Latin letters and the few marks addresses print. An address
    begins with its province's name, so anything before its first Han character, and a
    separator after its last character (·贵州省… read with a stroke of the label as a dot),
    is not print; the address is no surer than those characters were read."""
    kept = [c for c in chars
            if _CJK.match(c.char) or c.char in _ADDRESS_EXTRA
            or (c.char.isascii() and c.char.isalnum())]
    start = next((i for i, c in enumerate(kept) if _CJK.match(c.char)), len(kept))
    end = len(kept)
    while end > start and kept[end - 1].char in _ADDRESS_TRAILING:
        end -= 1
    dropped = [*kept[:start], *kept[end:]]
    kept = kept[start:end]
    if len(kept) < 2:
        return None
    return _doubted("".join(c.char for c in kept), kept, dropped)


def read_authority(chars: Sequence[Char]) -> Value | None:
    kept = [c for c in chars if _CJK.match(c.char) or c.char in "()（）0123456789"]
    if len(kept) < 2:
        return None
    return Value("".join(c.char for c in kept), tuple(kept))


def is_cjk(char: str) -> bool:
    return bool(_CJK.match(char))
