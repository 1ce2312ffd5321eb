"""The rule layer: OCR lines in, validated card fields out. Independent of any model.

    rules = load_rules(Path("rules"))
    reading = interpret_lines(lines, image_size=(w, h), side="auto", rules=rules)
    both = merge_sides(front_reading, back_reading)
"""

from idcard.extract.findings import fields_named
from idcard.extract.interpret import (
    card_print_in_place,
    front_value_cells,
    interpret_lines,
    labels_in_place,
    merge_sides,
    told_by_values,
    with_row_missing,
)
from idcard.extract.noise import find_stamps, never_a_value, stamp_spans
from idcard.extract.rules import LABEL_FIELDS, RuleBook, RulesError, load_rules
from idcard.extract.values import unlike_printed

__all__ = [
    "LABEL_FIELDS",
    "RuleBook",
    "RulesError",
    "card_print_in_place",
    "fields_named",
    "find_stamps",
    "front_value_cells",
    "interpret_lines",
    "labels_in_place",
    "load_rules",
    "merge_sides",
    "never_a_value",
    "stamp_spans",
    "told_by_values",
    "unlike_printed",
    "with_row_missing",
]
