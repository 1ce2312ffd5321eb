"""The rule book: everything a maintainer may tune, read from rules/*.toml once at start-up.

Each file is decoded into a msgspec Struct (unknown keys are errors, so a typo cannot be
silently ignored) and then checked for meaning (regexes compile, misreadings map to known
names, ...). Any problem raises `RulesError` naming the file, the key and the reason.
"""

from __future__ import annotations

import copy
import re
import tomllib
from functools import cached_property
from pathlib import Path
from typing import Any, TypeVar

import msgspec

from idcard.card import BACK_FIELDS, FRONT_FIELDS
from idcard.extract.words import WordFinder

FRONT_LABELS = ("name", "sex", "ethnicity", "birth", "address", "id_number")
BACK_LABELS = ("issuing_authority", "valid_period")
# The field each label stands before.
LABEL_FIELDS = {"name": "name", "sex": "sex", "ethnicity": "ethnicity",
                "birth": "birth_date", "address": "address", "id_number": "id_number",
                "issuing_authority": "issuing_authority", "valid_period": "valid_from"}
ETHNICITY_COUNT = 56


class RulesError(Exception):
    """A rules file is missing or malformed; the message names file, key and reason."""

    def __init__(self, file: str, key: str, reason: str) -> None:
        super().__init__(f"{file}: {key}: {reason}")
        self.file = file
        self.key = key
        self.reason = reason


class _Strict(msgspec.Struct, forbid_unknown_fields=True, frozen=True):
    pass


class LabelRule(_Strict, frozen=True):
    text: str
    aliases: tuple[str, ...] = ()

    @property
    def spellings(self) -> tuple[str, ...]:
        return (self.text, *self.aliases)


class LabelRules(_Strict, frozen=True):
    labels: dict[str, LabelRule]
    char_aliases: dict[str, str] = {}
    # Marks a form prints between a label and the particulars it asks for (住址：…); a
    # card prints none.
    form_marks: str = ""


class EthnicityRules(_Strict, frozen=True):
    names: tuple[str, ...]
    # Former official names still printed on cards in circulation -> today's name.
    former_names: dict[str, str] = {}
    misreadings: dict[str, str] = {}


class CharacterRules(_Strict, frozen=True):
    digit_confusables: dict[str, str]
    check_character_confusables: dict[str, str]
    confusable_digits: dict[str, str] = {}
    name_confusables: dict[str, str] = {}


class DateRules(_Strict, frozen=True):
    period_separators: tuple[str, ...]
    long_term: tuple[str, ...]
    year_marks: tuple[str, ...]
    month_marks: tuple[str, ...]
    day_marks: tuple[str, ...]
    earliest_year: int = 1880
    latest_year: int = 2100


class NoiseRules(_Strict, frozen=True):
    phrases: tuple[str, ...] = ()
    prefix_phrases: tuple[str, ...] = ()
    # Stamps printed across the text, each in the orders OCR may read its characters.
    stamps: tuple[str, ...] = ()
    min_stamp_fragment: int = 2
    # Stamps with a free middle: (opening word, closing word).
    enclosing: tuple[tuple[str, str], ...] = ()
    # A line running this many degrees off the print around it is a stamp's: judged on
    # lines at least `tilt_min_length` heights long, against the median direction of
    # the `tilt_neighbours` nearest such lines.
    max_tilt: float = 10.0
    tilt_min_length: float = 1.5
    tilt_neighbours: int = 6
    # A stamp character read alone this many times the lines' median height is a stamp's.
    outsized_char: float = 1.5

    @property
    def stamp_chars(self) -> frozenset[str]:
        return frozenset("".join(self.stamps))


class SideRules(_Strict, frozen=True):
    front: tuple[str, ...]
    back: tuple[str, ...]
    number_weight: int = 2
    both_sides_min_words: int = 2
    # A front told by its values alone, when no word or number said which side it is.
    front_values: int = 3


class LayoutRules(_Strict, frozen=True):
    aspect_ratio: float
    line_height: float
    value_column: float
    back_value_column: float
    portrait: tuple[float, float, float, float]
    max_address_lines: int
    front_labels: dict[str, tuple[float, float]]
    back_labels: dict[str, tuple[float, float]]
    front_rows: dict[str, float]
    back_rows: dict[str, float]
    # Words printed at fixed places on the back besides its labels (its title): with the
    # labels, they tell a card's back from text that only repeats the back's labels.
    back_marks: dict[str, tuple[float, float]] = {}
    # Fields whose value is read again where it is printed (x0, y0, x1, y1) when a
    # straightened card of their side gave none: short values (汉, a two-character name)
    # and a back's small print are the ones a detector drops from a blurred card.
    value_regions: dict[str, tuple[float, float, float, float]] = {}
    # Where every value (and `portrait_eyes`) is printed: masked, and judged for image
    # quality, where a field was not read.
    field_regions: dict[str, tuple[float, float, float, float]] = {}
    # Where each label word is printed on a straightened upright card (x0, y0, x1, y1):
    # a detected box alone in that place is the label and is not recognised.
    # One table per printing of that side (a template places its rows its own way).
    front_words: list[dict[str, tuple[float, float, float, float]]] = []
    back_words: list[dict[str, tuple[float, float, float, float]]] = []
    word_slack: tuple[float, float] = (0.04, 0.04)
    word_min_size: float = 0.5
    min_placed_words: int = 4


class Thresholds(_Strict, frozen=True):
    low_confidence: float = 0.80
    failed_check_factor: float = 0.5
    stamped_field_factor: float = 0.5
    fuzzy_label_min_length: int = 4
    max_repaired_characters: int = 2
    # Closed-vocabulary reading (pipeline step `vocabulary`): a word is taken as read
    # when the probability that its cell reads it, and its share of all the words'
    # probability there, are at least these; a field read with less confidence than
    # `vocabulary_unsure_below` is scored again.
    vocabulary_min_probability: float = 0.1
    vocabulary_min_share: float = 0.9
    vocabulary_unsure_below: float = 0.8
    # A row read in a field's characters (pipeline step `number_rows`) loses characters
    # at either end read below this: a label's glyph or a stamp's stroke there, not print.
    row_edge_min_confidence: float = 0.7


class SpacingRules(_Strict, frozen=True):
    """How the print's pitch shows a character that was not read (rules/spacing.toml)."""

    fields: tuple[str, ...] = ()
    half_width: float = 0.5
    pitch: float = 1.0
    min_steps: int = 3
    max_gap: float = 1.6
    max_margin: float = 1.5
    missing_factor: float = 0.5
    # Front fields printed left-aligned in one column, and how far (in pitches) a field
    # may begin right of the others' column before its first character counts as missing.
    column_fields: tuple[str, ...] = ()
    max_indent: float = 0.6
    min_column: int = 2
    column_slack: float = 0.5
    # Fields whose pieces read on one row apart are judged by the room between them too,
    # and how wide (in character advances) that room may be.
    split_fields: tuple[str, ...] = ()
    max_split_gap: float = 1.6
    # Values printed on rows one under another, and how much print (a share of their
    # first row's) under the last row read means a row there was not read.
    row_fields: tuple[str, ...] = ()
    max_print_under: float = 0.3
    # A stamp read over more than this share of the row under the last one hides it.
    max_stamp_under: float = 0.67


class MaskingRules(_Strict, frozen=True):
    compound_surnames: tuple[str, ...] = ()
    address_keep_until: tuple[str, ...] = ()
    address_keep_max: int = 16
    id_birth_digits: tuple[int, int] = (7, 14)


class ValueRules(_Strict, frozen=True):
    patterns: dict[str, str]
    # What a whole value begins / ends with, per field (else characters are missing).
    value_starts: dict[str, tuple[str, ...]] = {}
    value_ends: dict[str, tuple[str, ...]] = {}
    value_never_ends: dict[str, tuple[str, ...]] = {}
    # Words a whole value holds one of, per field (else it was misread).
    value_holds: dict[str, tuple[str, ...]] = {}
    # The fewest characters a whole value has, per field (else characters are missing).
    value_min_chars: dict[str, int] = {}
    sex_misreadings: dict[str, str] = {}
    # Every value a card prints for sex (its closed vocabulary).
    sex_values: tuple[str, ...] = ("男", "女")
    # Every character a field prints, per field whose row may be read in them alone.
    field_alphabets: dict[str, str] = {}


class RuleBook(msgspec.Struct, frozen=True, kw_only=True, dict=True):
    """All rules, validated. Built by `load_rules`; immutable and safe to share.
    (`dict=True` holds the cached properties: what is compiled from the rules once.)"""

    labels: LabelRules
    ethnicities: EthnicityRules
    characters: CharacterRules
    dates: DateRules
    noise: NoiseRules
    side: SideRules
    layout: LayoutRules
    thresholds: Thresholds
    values: ValueRules
    masking: MaskingRules
    spacing: SpacingRules

    @property
    def ethnicity_names(self) -> frozenset[str]:
        """The 56 official names: the only values `ethnicity_known` passes."""
        return frozenset(self.ethnicities.names)

    @property
    def printed_ethnicity_names(self) -> tuple[str, ...]:
        """Every name a card may print: the 56 and former official names."""
        return (*self.ethnicities.names, *self.ethnicities.former_names)

    @cached_property
    def label_words(self) -> frozenset[str]:
        """Every label as printed and as OCR is known to misread it, whole."""
        return frozenset(word for rule in self.labels.labels.values()
                         for word in rule.spellings)

    @cached_property
    def word_finder(self) -> WordFinder:
        """Label and side words found in text (extract.labels.find_word)."""
        return WordFinder(self.labels.char_aliases, self.thresholds.fuzzy_label_min_length)

    def pattern(self, field: str) -> re.Pattern[str] | None:
        source = self.values.patterns.get(field)
        return re.compile(source) if source is not None else None


_FILES: dict[str, type[_Strict]] = {
    "labels": LabelRules,
    "ethnicities": EthnicityRules,
    "characters": CharacterRules,
    "dates": DateRules,
    "noise": NoiseRules,
    "side": SideRules,
    "layout": LayoutRules,
    "thresholds": Thresholds,
    "values": ValueRules,
    "masking": MaskingRules,
    "spacing": SpacingRules,
}

T = TypeVar("T", bound=_Strict)


def load_rules(directory: Path) -> RuleBook:
    """Read and check every rules file in `directory`; raise RulesError on the first problem."""
    parts = {name: _load_file(directory / f"{name}.toml", kind) for name, kind in _FILES.items()}
    book = RuleBook(**parts)  # type: ignore[arg-type]
    _check_meaning(book)
    return book


def _load_file(path: Path, kind: type[T]) -> T:
    try:
        with path.open("rb") as handle:
            data: dict[str, Any] = tomllib.load(handle)
    except FileNotFoundError:
        raise RulesError(path.name, "-", "file not found") from None
    except tomllib.TOMLDecodeError as exc:
        raise RulesError(path.name, "-", f"not valid TOML ({exc})") from None
    try:
        return msgspec.convert(data, kind)
    except msgspec.ValidationError as exc:
        key = _key_of(str(exc), data, kind)
        reason = str(exc).split(" - at `", 1)[0]
        raise RulesError(path.name, key, reason) from None


def _key_of(message: str, data: dict[str, Any], kind: type[_Strict]) -> str:
    # msgspec reports "... - at `$.labels[...].text`" (dict keys elided) or
    # "Object missing required field `x`"; elided keys are found by retrying one at a time.
    found = re.search(r"at `\$\.?([^`]*)`", message)
    if not found:
        missing = re.search(r"field `([^`]+)`", message)
        return missing.group(1) if missing else "(top level)"
    parts = [p for p in re.split(r"\.|(\[\.\.\.\])", found.group(1)) if p]
    return ".".join(_resolve(parts, data, kind)) or "(top level)"


def _resolve(parts: list[str], data: dict[str, Any], kind: type[_Strict]) -> list[str]:
    resolved: list[str] = []
    node: Any = data
    trail: list[Any] = []  # the path of real keys into `data`
    for part in parts:
        if part != "[...]" or not isinstance(node, dict):
            resolved.append(part)
            node = node.get(part) if isinstance(node, dict) else None
            trail.append(part)
            continue
        culprit = next((k for k in node if _fails_with_only(data, trail, k, kind)), "?")
        resolved[-1:] = [f"{resolved[-1]}.{culprit}" if resolved else str(culprit)]
        node = node.get(culprit)
        trail.append(culprit)
    return resolved


def _fails_with_only(data: dict[str, Any], trail: list[Any], key: Any,
                     kind: type[_Strict]) -> bool:
    """Whether the data still fails when the dict at `trail` keeps only `key`."""
    trial = copy.deepcopy(data)
    node = trial
    for step in trail:
        node = node[step]
    for other in [k for k in node if k != key]:
        del node[other]
    try:
        msgspec.convert(trial, kind)
    except msgspec.ValidationError:
        return True
    return False


def _check_meaning(book: RuleBook) -> None:
    _check_spacing(book.spacing)
    _check_value_edges(book.values)
    _check_labels(book.labels)
    _check_ethnicities(book.ethnicities)
    _check_characters(book.characters)
    _check_patterns(book.values)
    _check_layout(book.layout)
    _check_words(book)
    _check_noise(book.noise)
    if not 0.0 <= book.thresholds.low_confidence <= 1.0:
        raise RulesError("thresholds.toml", "low_confidence", "must be between 0 and 1")
    for factor in ("failed_check_factor", "stamped_field_factor", "row_edge_min_confidence"):
        if not 0.0 <= getattr(book.thresholds, factor) <= 1.0:
            raise RulesError("thresholds.toml", factor, "must be between 0 and 1")
    if not book.dates.long_term:
        raise RulesError("dates.toml", "long_term", "needs at least one spelling")


def _check_labels(rules: LabelRules) -> None:
    for name in (*FRONT_LABELS, *BACK_LABELS):
        if name not in rules.labels:
            raise RulesError("labels.toml", f"labels.{name}", "missing")
    for name, rule in rules.labels.items():
        if not rule.text or any(not alias for alias in rule.aliases):
            raise RulesError("labels.toml", f"labels.{name}", "empty label text")
    for char in rules.char_aliases:
        if len(char) != 1:
            raise RulesError("labels.toml", f"char_aliases.{char}", "keys must be one character")


def _check_ethnicities(rules: EthnicityRules) -> None:
    if len(set(rules.names)) != ETHNICITY_COUNT:
        raise RulesError("ethnicities.toml", "names",
                         f"expected {ETHNICITY_COUNT} distinct names, "
                         f"found {len(set(rules.names))}")
    known = set(rules.names)
    for former, name in rules.former_names.items():
        if name not in known or former in known:
            raise RulesError("ethnicities.toml", f"former_names.{former}",
                             "must map a name not in `names` to one in `names`")
    printed = known | set(rules.former_names)
    for misread, name in rules.misreadings.items():
        if name not in printed:
            raise RulesError("ethnicities.toml", f"misreadings.{misread}",
                             "maps to a name that is not in `names` or `former_names`")
        if misread in printed:
            raise RulesError("ethnicities.toml", f"misreadings.{misread}",
                             "is itself a name: a name is never read as another")


def _check_characters(rules: CharacterRules) -> None:
    for table, allowed in (("digit_confusables", "0123456789"),
                           ("check_character_confusables", "X")):
        for source, target in getattr(rules, table).items():
            if len(source) != 1 or target not in allowed or len(target) != 1:
                raise RulesError("characters.toml", f"{table}.{source}",
                                 f"must map one character to one of {allowed}")
    for source, target in rules.name_confusables.items():
        if len(source) != 1 or len(target) != 1 or not "\u4e00" <= target <= "\u9fff":
            raise RulesError("characters.toml", f"name_confusables.{source}",
                             "must map one character to one Han character")
    for digit, others in rules.confusable_digits.items():
        if not (digit.isdigit() and len(digit) == 1 and others.isdigit()):
            raise RulesError("characters.toml", f"confusable_digits.{digit}",
                             "must map a digit to a string of digits")


def _check_patterns(rules: ValueRules) -> None:
    for field, source in rules.patterns.items():
        try:
            re.compile(source)
        except re.error as exc:
            raise RulesError("values.toml", f"patterns.{field}", f"bad regex ({exc})") from None
    for field, alphabet in rules.field_alphabets.items():
        if field not in FRONT_FIELDS or not alphabet:
            raise RulesError("values.toml", f"field_alphabets.{field}",
                             "must give a front field's characters")
    for misread, sex in rules.sex_misreadings.items():
        if sex not in ("男", "女") or len(misread) != 1:
            raise RulesError("values.toml", f"sex_misreadings.{misread}",
                             "must map one character to 男 or 女")


def _check_noise(rules: NoiseRules) -> None:
    for stamp in rules.stamps:
        if len(set(stamp)) != len(stamp) or len(stamp) < 2:
            raise RulesError("noise.toml", f"stamps.{stamp}",
                             "needs two or more distinct characters")
    if rules.min_stamp_fragment < 2:
        raise RulesError("noise.toml", "min_stamp_fragment",
                         "must be at least 2: one character alone is never a stamp")
    for opening, closing in rules.enclosing:
        if not opening or not closing:
            raise RulesError("noise.toml", "enclosing", "empty opening or closing word")
    if not 0.0 < rules.max_tilt < 90.0:
        raise RulesError("noise.toml", "max_tilt", "must be between 0 and 90 degrees")
    if rules.tilt_min_length <= 0 or rules.tilt_neighbours < 3:
        raise RulesError("noise.toml", "tilt_min_length",
                         "must be positive, and tilt_neighbours at least 3")


def _check_words(book: RuleBook) -> None:
    """Each placed word is a label of its side or one of the side's printed words."""
    sides = (("front_words", FRONT_LABELS, book.side.front),
             ("back_words", BACK_LABELS, book.side.back))
    for table, labels, printed in sides:
        places = [(name, place) for printing in getattr(book.layout, table)
                  for name, place in printing.items()]
        for name, (x0, y0, x1, y1) in places:
            if name not in labels and name not in printed:
                raise RulesError("layout.toml", f"{table}.{name}",
                                 "neither a label nor a printed word (side.toml) of that side")
            if not 0 <= x0 < x1 <= 1 or not 0 <= y0 < y1 <= 1:
                raise RulesError("layout.toml", f"{table}.{name}",
                                 "must be x0 < x1 and y0 < y1, fractions of the card")


def _check_layout(rules: LayoutRules) -> None:
    for table, names in (("front_labels", FRONT_LABELS), ("back_labels", BACK_LABELS)):
        for name in names:
            if name not in getattr(rules, table):
                raise RulesError("layout.toml", f"{table}.{name}", "missing")
    if rules.line_height <= 0 or rules.aspect_ratio <= 0:
        raise RulesError("layout.toml", "line_height", "sizes must be positive")
    for name, (x0, y0, x1, y1) in rules.field_regions.items():
        if name not in (*FRONT_FIELDS, *BACK_FIELDS, "portrait_eyes"):
            raise RulesError("layout.toml", f"field_regions.{name}", "not a field")
        if not 0 <= x0 < x1 <= 1 or not 0 <= y0 < y1 <= 1:
            raise RulesError("layout.toml", f"field_regions.{name}",
                             "must be x0 < x1 and y0 < y1, fractions of the card")
    if not 0 < rules.word_min_size <= 1 or min(rules.word_slack) < 0 \
            or rules.min_placed_words < 1:
        raise RulesError("layout.toml", "word_min_size",
                         "word_min_size in (0, 1], word_slack >= 0, min_placed_words >= 1")
    for name, (x0, y0, x1, y1) in rules.value_regions.items():
        if name not in (*FRONT_FIELDS, *BACK_FIELDS):
            raise RulesError("layout.toml", f"value_regions.{name}", "not a field")
        if not 0 <= x0 < x1 <= 1 or not 0 <= y0 < y1 <= 1:
            raise RulesError("layout.toml", f"value_regions.{name}",
                             "must be x0 < x1 and y0 < y1, fractions of the card")


def _check_value_edges(rules: ValueRules) -> None:
    for table, edges in (("value_starts", rules.value_starts), ("value_ends", rules.value_ends),
                         ("value_never_ends", rules.value_never_ends),
                         ("value_holds", rules.value_holds)):
        for name, words in edges.items():
            if name not in FRONT_FIELDS + BACK_FIELDS:
                raise RulesError("values.toml", f"{table}.{name}", "not a field")
            if not all(words):
                raise RulesError("values.toml", f"{table}.{name}", "empty word")
    for name, least in rules.value_min_chars.items():
        if name not in FRONT_FIELDS + BACK_FIELDS:
            raise RulesError("values.toml", f"value_min_chars.{name}", "not a field")
        if least < 1:
            raise RulesError("values.toml", f"value_min_chars.{name}", "must be >= 1")


def _check_spacing(spacing: SpacingRules) -> None:
    for name in spacing.fields:
        if name not in FRONT_FIELDS + BACK_FIELDS:
            raise RulesError("spacing.toml", "fields", f"{name!r} is not a field")
    for name in spacing.column_fields:
        if name not in FRONT_FIELDS:
            raise RulesError("spacing.toml", "column_fields", f"{name!r} is not a front field")
    for name in spacing.split_fields:
        if name not in FRONT_FIELDS + BACK_FIELDS:
            raise RulesError("spacing.toml", "split_fields", f"{name!r} is not a field")
    if spacing.min_column < 1:
        raise RulesError("spacing.toml", "min_column", "must be at least 1")
    for key in ("half_width", "pitch", "max_gap", "max_margin", "max_split_gap"):
        if not getattr(spacing, key) > 0:
            raise RulesError("spacing.toml", key, "must be positive")
    if not 0.0 <= spacing.missing_factor <= 1.0:
        raise RulesError("spacing.toml", "missing_factor", "must be between 0 and 1")
