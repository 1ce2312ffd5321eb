"""Every ethnicity reads as printed: single and multi-character names, former names (崩龙),
with label remnants, and look-alikes snapped only where what was read is no name."""

from __future__ import annotations

import shutil
from dataclasses import replace
from datetime import date
from pathlib import Path

import pytest
from lines.cardlines import (
    HEIGHT,
    VALUE_PX,
    WIDTH,
    Identity,
    Word,
    front_words,
    layout,
    merged,
    to_line,
    with_text,
)

from idcard.card import CardReading
from idcard.extract import RuleBook, RulesError, interpret_lines, load_rules

ROOT = Path(__file__).resolve().parent.parent
TODAY = date(2026, 1, 1)
RULES = load_rules(ROOT / "rules")
OFFICIAL = list(RULES.ethnicities.names)
FORMER = list(RULES.ethnicities.former_names)
ROW_Y = HEIGHT * 0.245


@pytest.fixture(scope="module")
def rules() -> RuleBook:
    return RULES


def read_row(name: str, row: list[Word], rules: RuleBook) -> CardReading:
    """A card whose sex/ethnicity row is read as `row` (the rest as printed)."""
    words = front_words(replace(Identity(), ethnicity=name))
    del words["ethnicity"]
    lines = [to_line(w) for key, group in words.items() if key != "sex" for w in group]
    return interpret_lines(lines + [to_line(w) for w in row], image_size=(WIDTH, HEIGHT),
                           side="front", rules=rules, today=TODAY)


def row_variants(name: str) -> dict[str, list[Word]]:
    sex_label = Word("性别", WIDTH * 0.07, ROW_Y, 22)
    sex = Word("男", WIDTH * 0.19, ROW_Y, VALUE_PX)
    label = Word("民族", WIDTH * 0.36, ROW_Y, 22)
    value = Word(name, WIDTH * 0.44, ROW_Y, VALUE_PX)
    return {
        "own line": [sex_label, sex, label, value],
        "with its label": [sex_label, sex, merged(label, value)],
        "label half read": [sex_label, sex, Word("族" + name, WIDTH * 0.40, ROW_Y, VALUE_PX)],
        "first label character": [sex_label, sex,
                                  Word("民" + name, WIDTH * 0.40, ROW_Y, VALUE_PX)],
        # The label with one character misread (no known alias), read with the value.
        "label's first character misread": [
            sex_label, sex, Word("网族" + name, WIDTH * 0.40, ROW_Y, VALUE_PX)],
        "label's second character misread": [
            sex_label, sex, Word("民旋" + name, WIDTH * 0.40, ROW_Y, VALUE_PX)],
        "with 族": [sex_label, sex, label, Word(name + "族", WIDTH * 0.44, ROW_Y, VALUE_PX)],
        "whole row one line": [merged(merged(sex_label, sex), merged(label, value))],
        "no label": [sex_label, sex, value],
    }


@pytest.mark.parametrize("name", OFFICIAL + FORMER)
def test_every_name_reads_as_printed(name: str, rules: RuleBook) -> None:
    for variant, row in row_variants(name).items():
        reading = read_row(name, row, rules)
        ethnicity = reading.fields.ethnicity
        assert ethnicity is not None, variant
        assert ethnicity.value == name, variant
        assert reading.fields.sex is not None and reading.fields.sex.value == "男", variant


@pytest.mark.parametrize("name", OFFICIAL)
def test_official_names_pass_the_check(name: str, rules: RuleBook) -> None:
    reading = read_row(name, row_variants(name)["own line"], rules)
    assert reading.checks.ethnicity_known == "pass"
    assert "ethnicity_former_name" not in [w.code for w in reading.warnings]


@pytest.mark.parametrize("name", FORMER)
def test_former_names_read_as_printed_and_fail_the_check(name: str, rules: RuleBook) -> None:
    reading = read_row(name, row_variants(name)["own line"], rules)
    assert reading.fields.ethnicity is not None and reading.fields.ethnicity.value == name
    assert reading.checks.ethnicity_known == "fail"
    warning = next(w for w in reading.warnings if w.code == "ethnicity_former_name")
    assert name not in warning.message


def test_there_are_56_official_names_and_崩龙_is_a_former_one(rules: RuleBook) -> None:
    assert len(set(OFFICIAL)) == 56
    assert rules.ethnicities.former_names["崩龙"] == "德昂"


def test_a_look_alike_that_is_no_name_snaps_to_the_name(rules: RuleBook) -> None:
    words = with_text(front_words(replace(Identity(), ethnicity="佤")), "ethnicity", 1, "低")
    reading = interpret_lines(layout(words), image_size=(WIDTH, HEIGHT), side="front",
                              rules=rules, today=TODAY)
    ethnicity = reading.fields.ethnicity
    assert ethnicity is not None and ethnicity.value == "佤" and ethnicity.raw == "低"
    assert reading.checks.ethnicity_known == "pass"


def test_a_name_is_never_read_as_another(rules: RuleBook) -> None:
    for misread in rules.ethnicities.misreadings:
        assert misread not in rules.printed_ethnicity_names


def test_an_unknown_value_is_returned_as_printed(rules: RuleBook) -> None:
    words = with_text(front_words(Identity()), "ethnicity", 1, "穿青人")
    reading = interpret_lines(layout(words), image_size=(WIDTH, HEIGHT), side="front",
                              rules=rules, today=TODAY)
    assert reading.fields.ethnicity is not None
    assert reading.fields.ethnicity.value == "穿青人"
    assert reading.checks.ethnicity_known == "fail"


@pytest.mark.parametrize(("old", "new", "key"), [
    ('"崩龙" = "德昂"', '"崩龙" = "火星"', "former_names.崩龙"),
    ('"崩龙" = "德昂"', '"汉" = "德昂"', "former_names.汉"),
    ('"瓦" = "佤"', '"京" = "佤"', "misreadings.京"),
])
def test_broken_ethnicity_rules_are_refused(tmp_path: Path, old: str, new: str,
                                            key: str) -> None:
    target = tmp_path / "rules"
    shutil.copytree(ROOT / "rules", target)
    path = target / "ethnicities.toml"
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    with pytest.raises(RulesError) as caught:
        load_rules(target)
    assert caught.value.key == key
