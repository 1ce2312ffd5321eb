"""From OCR lines to a checked `CardReading`: the rule layer's one entry point.

interpret_lines never raises: any list of lines (empty, noise, two cards, garbage
geometry) gives a reading with absent fields and warnings saying why.
"""

from __future__ import annotations

import dataclasses
import logging
import math
from collections.abc import Callable, Sequence
from datetime import date

import msgspec

from idcard.card import (
    BACK_FIELDS,
    FRONT_FIELDS,
    CardFields,
    CardReading,
    Checks,
    CheckStatus,
    Field,
    Notice,
    SideHint,
)
from idcard.extract.back import read_back
from idcard.extract.card_choice import CardChoice, card_fit, looks_like_card, misplaced
from idcard.extract.findings import (
    authority_place_notice,
    cut_short,
    end_hidden_notice,
    expiry_warnings,
    fields_named,
    form_unknown_notice,
    former_name_notice,
    mismatch_warnings,
    missing_notice,
    number_warnings,
    period_in_part_notice,
    place_unknown_notice,
    row_missing_notice,
    stamp_notice,
    stamped_fields,
)
from idcard.extract.front import read_front, value_cells
from idcard.extract.labels import best_hits, find_labels
from idcard.extract.layout import estimate_frame
from idcard.extract.noise import StampText, drop_noise
from idcard.extract.pieces import (
    Char,
    Piece,
    box_of,
    chars_of,
    confidence_of,
    piece_from_line,
    raw_of,
)
from idcard.extract.repair import (
    IdNumberReading,
    completed_birth_date,
    proven_birth_date,
    proven_sex,
    repair_id_number,
    repaired_confidence,
    repaired_places,
)
from idcard.extract.rules import FRONT_LABELS, RuleBook
from idcard.extract.side import CardSide, decide_side, keyword_scores
from idcard.extract.spacing import characters_missing, indents, split_room
from idcard.extract.values import Value, read_birth_date, read_id_number, unlike_printed
from idcard.text import Quad, TextLine
from idcard.validate import (
    authority_place_misread,
    checksum_ok,
    names_a_county,
    names_no_place,
    parse_iso,
    run_checks,
    validity_status,
)

log = logging.getLogger(__name__)

# Which fields a failing check casts doubt on (their confidence is lowered). A printed
# birth date that disagrees with the number leaves either in doubt: a misread number can
# still pass its check character (one time in eleven).
CHECK_FIELDS: dict[str, tuple[str, ...]] = {
    "id_checksum": ("id_number",),
    "region_code_known": ("id_number",),
    "birth_date_matches_id": ("birth_date", "id_number"),
    "sex_matches_id": ("sex",),
    "birth_date_plausible": ("birth_date",),
    "ethnicity_known": ("ethnicity",),
    "validity_period_plausible": ("valid_from", "valid_until"),
}

def interpret_lines(lines: Sequence[TextLine], *, image_size: tuple[int, int],
                    side: SideHint = "auto", rules: RuleBook,
                    today: date | None = None) -> CardReading:
    """Fields, checks and warnings for one card's worth of OCR lines."""
    try:
        return _interpret(lines, image_size, side, rules, today or date.today())
    except Exception as exc:  # the contract is "never raises"; log no values, only where
        log.error("rule layer failed on %d lines: %s", len(lines), type(exc).__name__,
                  exc_info=False)
        return CardReading(side=side if side != "auto" else "front", warnings=[
            Notice("extraction_failed", "the text could not be interpreted; no fields read")])


def labels_in_place(lines: Sequence[TextLine], *, image_size: tuple[int, int],
                    side: CardSide, rules: RuleBook) -> bool:
    """Whether these lines, read as `side`, are a card's text by where its labels sit:
    False when enough of the side's labels were read and most lie off a card's places
    (text that repeats the card's labels, such as a form asking for them)."""
    pieces = drop_noise(_read_pieces(lines, image_size), rules).pieces
    fit = card_fit(pieces, side, rules)
    return fit is None or not misplaced(fit)


def card_print_in_place(lines: Sequence[TextLine], *, image_size: tuple[int, int],
                        side: CardSide, rules: RuleBook) -> bool:
    """Whether these lines, read as `side`, hold most of the side's labels (and on the
    back its title) where a card prints them: a card's own print, even where no value
    was read (every value under a stamp)."""
    return _print_in_place(drop_noise(_read_pieces(lines, image_size), rules).pieces, side,
                           rules)


def _print_in_place(pieces: Sequence[Piece], side: CardSide, rules: RuleBook) -> bool:
    """Whether most of the side's labels (the back's title too) lie where a card prints
    them in the best frame any of them proposes."""
    fit = card_fit(pieces, side, rules)
    return fit is not None and looks_like_card(fit, side, rules)


def front_value_cells(lines: Sequence[TextLine], names: Sequence[str], *,
                      image_size: tuple[int, int], rules: RuleBook) -> dict[str, Quad]:
    """Where a front's lines say each named field's value is printed (extract.front's
    `value_cells`): for reading a value that no line gave, in its place."""
    pieces = drop_noise(_read_pieces(lines, image_size), rules).pieces
    return value_cells(pieces, names, image_size, rules)


def _interpret(lines: Sequence[TextLine], image_size: tuple[int, int], hint: SideHint,
               rules: RuleBook, today: date) -> CardReading:
    words = _words_read(lines, image_size, rules)
    cleaned = drop_noise(_read_pieces(lines, image_size), rules)
    pieces, stamps = cleaned.pieces, cleaned.stamps
    if hint == "auto":
        sides = _both_sides(pieces, image_size, rules)
        if sides is not None:
            front = _read_side(sides[0], "front", image_size, rules, today, [], stamps=stamps,
                               words=words, on_form=cleaned.on_form)
            back = _read_side(sides[1], "back", image_size, rules, today, [], stamps=stamps,
                              on_form=cleaned.on_form)
            return merge_sides(front, back, today=today,
                               failed_check_factor=rules.thresholds.failed_check_factor)
    detected = decide_side(pieces, rules) if pieces else None
    if hint == "auto" and detected is not None:
        detected = _card_side(pieces, rules) or detected
    side: CardSide = hint if hint != "auto" else (detected or "front")
    warnings: list[Notice] = []
    if hint != "auto" and detected is not None and detected != hint:
        warnings.append(Notice("side_mismatch",
                               f"the text looks like the {detected} side, not the {hint} side "
                               "that was asked for; fields were read as asked"))
    reading = _read_side(pieces, side, image_size, rules, today, warnings,
                         no_text=detected is None, stamps=stamps, words=words,
                         on_form=cleaned.on_form)
    # No word or number said which side this is: a front may still be told by its values
    # in a front's rows (a grey copy whose pale labels faded, its number under a stamp).
    # Told here, every later step reads it as the front it is. Else nothing printed only
    # on a card was read: any text here (a receipt, a screen, a page) would give fields
    # that mean nothing.
    if detected is None and hint == "auto" and not told_by_values(reading, rules):
        return CardReading(side="front", warnings=[
            Notice("no_card_text", "no identity card text was found in the lines")])
    return reading


def told_by_values(front: CardReading, rules: RuleBook) -> bool:
    """Whether lines read as a front (side="front") hold enough of the values only a
    front prints, where a front prints them, to be one without a word or a number that
    says so (side.toml's `front_values`): a grey copy whose pale labels did not survive
    while its black values did."""
    return front.side == "front" and _front_values(front) >= rules.side.front_values


def _front_values(front: CardReading) -> int:
    fields = front.fields
    return sum((
        fields.sex is not None and fields.sex.value in ("男", "女"),
        fields.birth_date is not None,
        front.checks.ethnicity_known == "pass",
        fields.address is not None and names_a_county(fields.address.value) is not None,
    ))


def _read_pieces(lines: Sequence[TextLine], image_size: tuple[int, int]) -> list[Piece]:
    """The pieces of the lines the rules place themselves: every usable line but those read
    for one field alone (`read_as`, see `_words_read`)."""
    return [p for line in lines if _usable(line) and line.read_as is None
            if (p := piece_from_line(line, image_size)) is not None]


def _words_read(lines: Sequence[TextLine], image_size: tuple[int, int],
                rules: RuleBook) -> dict[str, Value]:
    """The values of lines read for one field alone (`read_as`: a word of the field's
    closed vocabulary, or its row read in the field's own characters)."""
    words: dict[str, Value] = {}
    for line in lines:
        if line.read_as is not None and _usable(line) \
                and (piece := piece_from_line(line, image_size)) is not None:
            chars = chars_of([piece])
            parse = _FIELD_PARSERS.get(line.read_as)
            if parse is None:
                words[line.read_as] = Value(piece.text, tuple(chars))
            elif (value := parse(chars, rules)) is not None:
                least = min(c.glyph.confidence for c in value.chars)
                words[line.read_as] = dataclasses.replace(value, confidence=least)
    return words


# Fields whose row is read in their own characters (pipeline step `number_rows`): the
# row's reading is parsed as the field's value, as a detected line's would be. Read where
# a stamp crosses the row, and taken from several tries by its check digit, such a value
# is as sure as its least sure character, not their mean: one digit the recogniser barely
# saw makes the number wrong, and a check digit that holds by chance must not hide it.
_FIELD_PARSERS: dict[str, Callable[[Sequence[Char], RuleBook], Value | None]] = {
    "id_number": read_id_number, "birth_date": read_birth_date}


def _both_sides(pieces: list[Piece], image_size: tuple[int, int],
                rules: RuleBook) -> tuple[list[Piece], list[Piece]] | None:
    """Front and back pieces when the lines hold both sides of a card, else None.

    The front's labels place its card; whatever lies outside it is the back. A side
    whose labels were read but do not sit where a card prints them (a form around a
    card repeats them) is no card: then the lines hold one side (`_card_side`).
    """
    front_words, back_words = keyword_scores(pieces, rules)
    wanted = rules.side.both_sides_min_words
    if front_words < wanted or back_words < wanted:
        return None
    by_turn = _sides_by_orientation(pieces, rules)
    if by_turn is not None:
        return by_turn
    fits = {side: card_fit(pieces, side, rules) for side in ("front", "back")}
    # Labels read twice mean more text than one card's (a form, a second card): then
    # each side must show most of a card's labels in place, not just a few.
    strict = any(fit is not None and fit.repeated for fit in fits.values())
    if any(fit is not None and (misplaced(fit) or
                                (strict and not looks_like_card(fit, side, rules)))
           for side, fit in fits.items()):
        return None
    front_fit = fits["front"]
    if front_fit is not None and front_fit.repeated:
        frame = front_fit.chosen.frame
    else:
        hits = best_hits(find_labels(pieces, FRONT_LABELS, rules))
        frame = estimate_frame(hits, rules.layout.front_labels, pieces, image_size,
                               rules.layout)
    front = [p for p in pieces if frame.contains(p)]
    back = [p for p in pieces if not frame.contains(p)]
    return (front, back) if front and back else None


def _card_side(pieces: list[Piece], rules: RuleBook) -> CardSide | None:
    """With words of both sides read but not both sides in view: the one side whose
    labels sit where a card prints them, else None (the words decide)."""
    front_words, back_words = keyword_scores(pieces, rules)
    wanted = rules.side.both_sides_min_words
    if front_words < wanted or back_words < wanted:
        return None
    sides: tuple[CardSide, CardSide] = ("front", "back")
    cards = [side for side in sides if _print_in_place(pieces, side, rules)]
    return cards[0] if len(cards) == 1 else None


def _sides_by_orientation(pieces: list[Piece],
                          rules: RuleBook) -> tuple[list[Piece], list[Piece]] | None:
    """When one side is upright and the other upside down, orientation tells them apart."""
    upright = [p for p in pieces if p.turned is None]
    turned = [p for p in pieces if p.turned is not None]
    if not upright or not turned:
        return None
    sides = (decide_side(upright, rules), decide_side(turned, rules))
    if sides == ("front", "back"):
        return upright, turned
    if sides == ("back", "front"):
        return turned, upright
    return None


def _read_side(pieces: list[Piece], side: CardSide, image_size: tuple[int, int],
               rules: RuleBook, today: date, warnings: list[Notice],
               no_text: bool = False, stamps: Sequence[StampText] = (),
               words: dict[str, Value] | None = None, on_form: bool = False) -> CardReading:
    """Fields as printed, repaired only where the reading is unsure; checks on the card as
    read (never on repaired values). On a front, `words` (values read from a field's
    closed vocabulary) are those fields' values."""
    pieces, choice = _one_card(_one_orientation(pieces), side, rules, on_form)
    if choice is not None and choice.repeated and choice.other_card:
        warnings.append(Notice("multiple_cards",
                               "the text holds more than one card; only one was read"))
    if choice is not None and (choice.unsure or misplaced(choice)):
        warnings.append(Notice("card_choice_unsure",
                               "the labels read do not all sit where a card prints them "
                               "(text around the card repeats them), so which text is the "
                               "card is unsure; every field needs review"))
    values, birth_row = _read_values(pieces, side, image_size, rules)
    if side == "front" and words:
        values |= words
    read = CardFields(**{name: _to_field(v) for name, v in values.items()})
    fields = read
    if side == "front":
        fields, repairs = _repair(read, values, birth_row, rules, today)
        warnings += repairs
    places, repairs = repaired_places(values, rules)
    fields = _replace(fields, dict(places))
    warnings += repairs
    checks = run_checks(read, rules.ethnicity_names, today)
    warnings += mismatch_warnings(read, checks)
    warnings += expiry_warnings(checks)
    number = values.get("id_number")
    if number is not None:
        warnings += number_warnings(number.chars, number.text, image_size)
    warnings += former_name_notice(read.ethnicity, rules)
    fields = _lower_doubtful(fields, checks, Checks(), rules.thresholds.failed_check_factor)
    stamped = stamped_fields({n: v.chars for n, v in values.items()}, stamps)
    fields = _scale_confidence(fields, stamped, rules.thresholds.stamped_field_factor)
    warnings += [stamp_notice(name) for name in stamped]
    missing = _missing_characters(values, rules)
    in_part = [name for name in _period_in_part(values) if name not in missing]
    fields = _scale_confidence(fields, [*missing, *in_part], rules.spacing.missing_factor)
    warnings += [missing_notice(name) for name in missing]
    warnings += [period_in_part_notice(name) for name in in_part]
    warnings += [form_unknown_notice(name) for name in _unlike_printed(values, rules)
                 if name not in missing]
    # A place repaired says so itself; one left as read is flagged as a misread.
    if read.address is not None and "address" not in places \
            and names_a_county(read.address.value) is False:
        warnings.append(place_unknown_notice())
    authority = read.issuing_authority
    if authority is not None and "issuing_authority" not in places \
            and authority_place_misread(authority.value):
        warnings.append(authority_place_notice())
    warnings += _field_warnings(fields, side, no_text and not _any(fields))
    return CardReading(side=side, fields=fields, checks=checks, warnings=warnings)


def _one_orientation(pieces: list[Piece]) -> list[Piece]:
    """One side's pieces that read the way most of its print reads. A card is levelled
    before it is read, so a line read the other way up was turned by a wrong guess of the
    orientation classifier (a short label, mostly): its text was read upside down, and
    neither where it lies nor turned about the image centre (as a card beside an upright
    one is) does it belong to a row; among the rows it cuts fields short."""
    turned = sum(len(p.glyphs) for p in pieces if p.turned is not None)
    upright = sum(len(p.glyphs) for p in pieces) - turned
    if turned == upright:
        return pieces
    return [p for p in pieces if (p.turned is not None) == (turned > upright)]


def _unlike_printed(values: dict[str, Value], rules: RuleBook) -> list[str]:
    """Fields whose value holds none of the words every printed value of theirs holds."""
    return [name for name, value in values.items() if unlike_printed(name, value.text, rules)]


def _missing_characters(values: dict[str, Value], rules: RuleBook) -> list[str]:
    """Fields read without characters that are printed: a character the recogniser skipped
    leaves room on its line, a front value whose first character was not read begins
    right of the column the others begin at, a value not read from its first or to its
    last line begins or ends mid-way, a value shorter than any printed one (a name of
    one character) lacks the rest, and an authority naming no place before its 公安局 was
    read without its first characters. None lowers the confidence of the characters
    read."""
    starts, ends = rules.values.value_starts, rules.values.value_ends
    never_ends = rules.values.value_never_ends
    late = indents({name: value.chars for name, value in values.items()},
                   rules.spacing.column_fields, rules.spacing)
    return [name for name, value in values.items()
            if (name in rules.spacing.fields and characters_missing(value.chars, rules.spacing))
            or (name in rules.spacing.split_fields
                and split_room(value.chars, rules.spacing) > rules.spacing.max_split_gap)
            or late.get(name, 0.0) > rules.spacing.max_indent
            or cut_short(value.text, starts.get(name, ()), ends.get(name, ()),
                         never_ends.get(name, ()))
            or len(value.text) < rules.values.value_min_chars.get(name, 0)
            or (name == "issuing_authority" and names_no_place(value.text))]


def _period_in_part(values: dict[str, Value]) -> list[str]:
    """The end of the validity period read when the other was not: `valid_from` read
    with one date and no 长期 (a card prints both ends, and which end the one read is,
    its line's text does not say: a stamp over the first date leaves the second read
    alone); `valid_until` read after a separator, its start read short of a date
    (nothing checks the end against a start)."""
    if "valid_from" in values and "valid_until" not in values:
        return ["valid_from"]
    return ["valid_until"] if "valid_until" in values and "valid_from" not in values else []


def _usable(line: TextLine) -> bool:
    try:
        return isinstance(line.text, str) and len(line.box) == 4 and all(
            math.isfinite(float(v)) for point in line.box for v in point)
    except (TypeError, ValueError):
        return False


def _read_values(pieces: list[Piece], side: CardSide, image_size: tuple[int, int],
                 rules: RuleBook) -> tuple[dict[str, Value], tuple[Char, ...]]:
    """The values read, and a front's birth row where no whole date was read on it."""
    if not pieces:
        return {}, ()
    if side == "front":
        draft = read_front(pieces, image_size, rules)
        return draft.values, draft.birth_row
    return read_back(pieces, image_size, rules).values, ()


def _to_field(value: Value) -> Field:
    confidence = confidence_of(value.chars) if value.confidence is None else value.confidence
    return Field(value=value.text, confidence=round(confidence, 4),
                 box=box_of(value.chars), raw=raw_of(value.chars))


def _any(fields: CardFields) -> bool:
    return any(getattr(fields, name) is not None for name in fields.__struct_fields__)


def _repair(read: CardFields, values: dict[str, Value], birth_row: tuple[Char, ...],
            rules: RuleBook, today: date) -> tuple[CardFields, list[Notice]]:
    """The fields with what a valid number proves filled in where the reading is unsure;
    with a number its check character does not prove, only a birth date read in part
    that agrees with it (`completed_birth_date`)."""
    notices: list[Notice] = []
    number = read.id_number
    found = values.get("id_number")
    if number is None or found is None:
        return read, notices
    id_reading = IdNumberReading(found.text, found.chars)
    if not checksum_ok(number.value):
        fixed = repair_id_number(id_reading, _value(read.sex), _value(read.birth_date),
                                 rules, today)
        if fixed is not None:
            number = Field(value=fixed, confidence=round(repaired_confidence(id_reading, fixed), 4),
                           box=number.box, raw=number.raw)
            notices.append(Notice("id_number_repaired",
                                  "id_number failed its check character; the characters read "
                                  "unsure were replaced by the only ones that pass it and "
                                  "agree with the card, the reading is in raw"))
    updates: dict[str, Field | None] = {"id_number": number}
    if checksum_ok(number.value):
        for name, prove in (("birth_date", proven_birth_date), ("sex", proven_sex)):
            proven = prove(number, id_reading, values.get(name), rules)
            if proven is not None:
                updates[name], notice = proven
                notices.append(notice)
    elif read.birth_date is None:
        completed = completed_birth_date(number, id_reading, birth_row, rules, today)
        if completed is not None:
            updates["birth_date"], notice = completed
            notices.append(notice)
    return _replace(read, updates), notices


def _value(field: Field | None) -> str | None:
    return field.value if field is not None else None


def _replace(fields: CardFields, updates: dict[str, Field | None]) -> CardFields:
    data = {name: getattr(fields, name) for name in fields.__struct_fields__}
    data.update(updates)
    return CardFields(**data)


def _lower_doubtful(fields: CardFields, checks: Checks, before: Checks,
                    factor: float) -> CardFields:
    """Confidence times `factor` for fields a check newly fails on (once per field)."""
    doubtful = {name for check, names in CHECK_FIELDS.items()
                if getattr(checks, check) == "fail" and getattr(before, check) != "fail"
                for name in names}
    return _scale_confidence(fields, sorted(doubtful), factor)


def with_row_missing(reading: CardReading, name: str, rules: RuleBook,
                     past_end: bool = False) -> CardReading:
    """The reading with `name` read short of a row printed under it, or (`past_end`) of
    print going on past its end under a stamp (the caller saw print there that no line
    was read from): flagged `characters_missing`, its confidence lowered as for a
    character missing, unless it is flagged so already."""
    if name in fields_named(reading.warnings, "characters_missing"):
        return reading
    fields = _scale_confidence(reading.fields, [name], rules.spacing.missing_factor)
    notice = end_hidden_notice(name) if past_end else row_missing_notice(name)
    return msgspec.structs.replace(reading, fields=fields,
                                   warnings=[*reading.warnings, notice])


def _scale_confidence(fields: CardFields, names: Sequence[str], factor: float) -> CardFields:
    updates: dict[str, Field | None] = {}
    for name in names:
        field: Field | None = getattr(fields, name)
        if field is not None:
            updates[name] = Field(value=field.value, confidence=round(field.confidence * factor, 4),
                                  box=field.box, raw=field.raw)
    return _replace(fields, updates)


def _field_warnings(fields: CardFields, side: CardSide, no_text: bool) -> list[Notice]:
    if no_text:
        return [Notice("no_card_text", "no identity card text was found in the lines")]
    notices: list[Notice] = []
    names = FRONT_FIELDS if side == "front" else BACK_FIELDS
    missing = [n for n in names if getattr(fields, n) is None]
    notices += [Notice("field_missing", f"{n} was not found") for n in missing]
    return notices


def _one_card(pieces: list[Piece], side: CardSide, rules: RuleBook,
              on_form: bool = False) -> tuple[list[Piece], CardChoice | None]:
    """One card's text, and how its labels placed it (card_choice.py; None when none of
    the side's once-printed labels was read). When one was read twice (two cards, or a
    card on a page that repeats its labels), or the card lies on a form whose lines were
    dropped, only the chosen frame's text is kept."""
    choice = card_fit(pieces, side, rules)
    if choice is None or not (choice.repeated or on_form):
        return pieces, choice
    return [p for p in pieces if choice.chosen.frame.contains(p)], choice


def merge_sides(front: CardReading, back: CardReading, *, today: date | None = None,
                failed_check_factor: float = 0.5) -> CardReading:
    """One reading for an image holding both sides: front fields from `front`, back from `back`.

    Each side's checks stay as that side judged them (on the card as read); the validity
    period is judged again now that it can be compared with the printed birth date. Warnings
    of both sides are kept, each once.
    """
    data: dict[str, Field | None] = {}
    for name in FRONT_FIELDS:
        data[name] = getattr(front.fields, name)
    for name in BACK_FIELDS:
        data[name] = getattr(back.fields, name)
    fields = CardFields(**data)
    before = Checks(**{name: _worst(getattr(front.checks, name), getattr(back.checks, name))
                       for name in Checks.__struct_fields__})
    checks = msgspec.structs.replace(before, validity_period_plausible=validity_status(
        _value(fields.valid_from), _value(fields.valid_until), _printed_birth(front),
        today or date.today()))
    fields = _lower_doubtful(fields, checks, before, failed_check_factor)
    warnings: list[Notice] = []
    for notice in (*front.warnings, *back.warnings):
        if notice not in warnings:
            warnings.append(notice)
    return CardReading(side="both", fields=fields, checks=checks, warnings=warnings)


_NOT_PRINTED_BIRTH = {"birth_date_repaired", "birth_date_from_id",
                      "birth_date_completed_from_id"}


def _printed_birth(front: CardReading) -> date | None:
    """The front's birth date when it is the printed one (not repaired or taken from the
    number: then the validity period is judged on its own length)."""
    if front.fields.birth_date is None or \
            any(w.code in _NOT_PRINTED_BIRTH for w in front.warnings):
        return None
    return parse_iso(front.fields.birth_date.value)


def _worst(a: CheckStatus, b: CheckStatus) -> CheckStatus:
    return "fail" if "fail" in (a, b) else ("pass" if "pass" in (a, b) else "absent")
