"""Warnings about what the card prints: fields that disagree with the number, a number too
short, stamps over values, a former ethnicity name.

Messages name fields and what each says in words (male/female, which parts of a date
differ), never a name, an address, a number or a full date: they end up in client logs.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from idcard.card import CardFields, Checks, Field, Notice
from idcard.extract.noise import StampText
from idcard.extract.pieces import Char, line_height
from idcard.extract.rules import RuleBook
from idcard.text import Quad, sub_box
from idcard.validate import birth_date_of, is_legacy, parse_iso, sex_of

_SEX_WORDS = {"男": "male", "女": "female"}
_DATE_PARTS = ("year", "month", "day")
# A number whose box comes this close (line heights) to the left or right border of the
# image runs into it: digits may lie beyond the edge.
_EDGE_MARGIN = 0.5
# A stamp box this close (line heights) beside a value's characters is over the value.
_STAMP_REACH = 0.25
# Share of a value line's height a stamp box must overlap vertically to be on its row.
_STAMP_ROW_OVERLAP = 0.3


def mismatch_warnings(read: CardFields, checks: Checks) -> list[Notice]:
    """One warning for each printed field that disagrees with the number, both as read
    (before any repair: a repaired field's reading is in its `raw`)."""
    notices: list[Notice] = []
    number = read.id_number.value if read.id_number is not None else ""
    if checks.sex_matches_id == "fail" and read.sex is not None:
        printed = _SEX_WORDS.get(read.sex.value, "unreadable")
        stated = _SEX_WORDS.get(sex_of(number) or "", "nothing")
        notices.append(Notice("sex_mismatch",
                              f"sex as read on the card is {printed}; id_number's "
                              f"sequence digit as read says {stated}"))
    if checks.birth_date_matches_id == "fail" and read.birth_date is not None:
        notices.append(Notice("birth_date_mismatch",
                              f"birth_date and the date in id_number, as read, "
                              f"{_date_difference(read)}"))
    return notices


def expiry_warnings(checks: Checks) -> list[Notice]:
    """A warning when the card's validity period is over (no date in the message)."""
    if checks.not_expired != "fail":
        return []
    return [Notice("card_expired", "the validity period printed on the card has ended: "
                                   "the card is no longer valid")]


def _date_difference(read: CardFields) -> str:
    assert read.birth_date is not None and read.id_number is not None
    printed = parse_iso(read.birth_date.value)
    stated = birth_date_of(read.id_number.value)
    if printed is None or stated is None:
        return "cannot be compared: id_number states no valid date"
    parts = [name for name, a, b in zip(_DATE_PARTS, (printed.year, printed.month, printed.day),
                                        (stated.year, stated.month, stated.day), strict=True)
             if a != b]
    return "differ in the " + " and ".join(parts)


def number_warnings(number: Sequence[Char] | None, text: str,
                    image_size: tuple[int, int]) -> list[Notice]:
    """What is wrong with the number's length: a first-generation 15-digit number, a number
    running into the image's edge (cut off), or a whole number printed too short."""
    if not number or len(text) == 18:
        return []
    if is_legacy(text):
        return [Notice("legacy_15_digit_number",
                       "id_number is a first-generation 15-digit number; it has no "
                       "check character")]
    if _runs_into_edge(number, image_size):
        return [Notice("id_number_cut_off",
                       f"id_number runs into the edge of the image; {len(text)} of its 18 "
                       "characters were read, the rest may lie beyond the edge")]
    return [Notice("id_number_too_short",
                   f"id_number is printed with {len(text)} characters; a resident identity "
                   "number has 18, so its check character cannot be verified")]


def _runs_into_edge(chars: Sequence[Char], image_size: tuple[int, int]) -> bool:
    width = image_size[0]
    if width <= 0:
        return False
    first, last = chars[0], chars[-1]
    xs = [x for x, _ in sub_box(first.line.box, first.glyph.start, first.glyph.end)]
    xs += [x for x, _ in sub_box(last.line.box, last.glyph.start, last.glyph.end)]
    margin = _EDGE_MARGIN * line_height(first.line)
    return min(xs) <= margin or max(xs) >= width - 1 - margin


def stamped_fields(chars: Mapping[str, Sequence[Char]], stamps: Sequence[StampText]) -> list[str]:
    """Fields (in the order given) with a stamp over or right beside their characters."""
    if not stamps:
        return []
    return [name for name, found in chars.items()
            if found and any(_touches(c, s) for c in found for s in stamps)]


def _touches(char: Char, stamp: StampText) -> bool:
    box = sub_box(char.line.box, char.glyph.start, char.glyph.end)
    height = line_height(char.line)
    (cx0, cy0), (cx1, cy1) = _extent(box)
    (sx0, sy0), (sx1, sy1) = _extent(stamp.box)
    reach = _STAMP_REACH * height
    rows = min(cy1, sy1) - max(cy0, sy0)
    beside = rows >= _STAMP_ROW_OVERLAP * (cy1 - cy0) and sx0 - reach <= cx1 \
        and cx0 <= sx1 + reach
    # The extents of a stamp laid at an angle span far more than the stamp: it touches
    # only where its own box meets the character's (widened by the reach).
    widened = ((cx0 - reach, cy0), (cx1 + reach, cy0), (cx1 + reach, cy1), (cx0 - reach, cy1))
    return beside and _convex_overlap(widened, stamp.box)


def _convex_overlap(a: Quad, b: Quad) -> bool:
    """Whether two convex quadrilaterals overlap: no edge of either separates them."""
    for quad in (a, b):
        for (x0, y0), (x1, y1) in zip(quad, (*quad[1:], quad[0]), strict=True):
            nx, ny = y0 - y1, x1 - x0
            if nx == 0 and ny == 0:
                continue
            first = [nx * x + ny * y for x, y in a]
            second = [nx * x + ny * y for x, y in b]
            if max(first) < min(second) or max(second) < min(first):
                return False
    return True


def _extent(box: Quad) -> tuple[tuple[float, float], tuple[float, float]]:
    xs, ys = [p[0] for p in box], [p[1] for p in box]
    return (min(xs), min(ys)), (max(xs), max(ys))


def stamp_notice(name: str) -> Notice:
    return Notice("stamp_over_field",
                  f"{name}: a stamp is printed over the value; characters under it may be "
                  "missing or misread")


def missing_notice(name: str) -> Notice:
    return Notice("characters_missing",
                  f"{name}: the line leaves room for a character that was not read; the value "
                  "may lack one")


def end_hidden_notice(name: str) -> Notice:
    return Notice("characters_missing",
                  f"{name}: print goes on past the value's end under a stamp; the value may "
                  "lack its end")


def row_missing_notice(name: str) -> Notice:
    return Notice("characters_missing",
                  f"{name}: print continues under the last row read; the value may lack "
                  "its end")


def period_in_part_notice(name: str) -> Notice:
    if name == "valid_until":
        return Notice("characters_missing",
                      "valid_until: the validity period was read with its end only; its "
                      "start was not read whole")
    return Notice("characters_missing",
                  "valid_from: the validity period was read with one date only; the date "
                  "read may be either end")


def form_unknown_notice(name: str) -> Notice:
    return Notice("value_form_unknown",
                  f"{name}: it holds none of the words every printed value of it holds (an "
                  "issuing authority names its 公安局); it was probably misread")


def place_unknown_notice() -> Notice:
    return Notice("address_place_unknown",
                  "address: it does not name a prefecture and county of its province "
                  "(GB/T 2260) where they are printed; a division may be misread")


def authority_place_notice() -> Notice:
    return Notice("authority_place_misread",
                  "issuing_authority: a place it names is one character off a division of "
                  "GB/T 2260 and not itself one; it was probably misread")


def cut_short(text: str, starts: Sequence[str] = (), ends: Sequence[str] = (),
              never_ends: Sequence[str] = ()) -> bool:
    """Whether a value begins other than a whole one may (an address with its province),
    or ends other than it may (an authority with 局; an address never with a digit), when
    the rules say: its first or last line or characters were not read."""
    begins_mid_way = bool(starts) and not text.startswith(tuple(starts))
    ends_mid_way = (bool(ends) and not text.endswith(tuple(ends))) or \
        (bool(never_ends) and text.endswith(tuple(never_ends)))
    return begins_mid_way or ends_mid_way


def fields_named(warnings: Sequence[Notice], code: str) -> set[str]:
    """The fields that per-field notices with `code` name (their message starts `field:`)."""
    return {n.message.split(":", 1)[0] for n in warnings if n.code == code}


def former_name_notice(field: Field | None, rules: RuleBook) -> list[Notice]:
    if field is None or field.value not in rules.ethnicities.former_names:
        return []
    return [Notice("ethnicity_former_name",
                   "ethnicity is printed under a former official name; it is returned as "
                   "printed and ethnicity_known fails (today's name is in the rules)")]
