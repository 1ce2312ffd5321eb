"""Whole images (our own generated cards in fixtures/): a value is what the card prints, and
the checks judge the printed card.

Tampered cards print a sex or birth date that disagrees with their number: the printed
value is returned, the check fails, and a warning names both fields. Former ethnicity
names and multi-character ones read as printed.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from idcard.pipeline import CardReader, ReadOutcome

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"


@pytest.fixture(scope="module")
def labels() -> dict[str, dict[str, Any]]:
    entries = json.loads((FIXTURES / "labels.json").read_text(encoding="utf-8"))
    return {entry["file"]: entry for entry in entries}


def read(reader: CardReader, name: str) -> ReadOutcome:
    return reader.read((FIXTURES / name).read_bytes(), side="auto")


def value(outcome: ReadOutcome, field: str) -> str | None:
    found = getattr(outcome.reading.fields, field)
    return None if found is None else str(found.value)


def warning(outcome: ReadOutcome, code: str) -> str:
    return next(w.message for w in outcome.reading.warnings if w.code == code)


@pytest.mark.parametrize("name", ["front_tampered_000.jpg", "front_tampered_002.jpg"])
def test_printed_sex_that_disagrees_with_the_number_is_returned_and_fails(
        reader: CardReader, labels: dict[str, dict[str, Any]], name: str) -> None:
    printed = labels[name]["fields"]
    outcome = read(reader, name)
    assert value(outcome, "sex") == printed["sex"]
    assert value(outcome, "id_number") == printed["id_number"]
    assert outcome.reading.checks.sex_matches_id == "fail"
    assert outcome.reading.checks.id_checksum == "pass"
    message = warning(outcome, "sex_mismatch")
    words = {"男": "male", "女": "female"}
    assert f"is {words[printed['sex']]}" in message
    assert "sex_repaired" not in [w.code for w in outcome.reading.warnings]


def test_printed_birth_date_that_disagrees_is_returned_and_fails(
        reader: CardReader, labels: dict[str, dict[str, Any]]) -> None:
    name = "front_tampered_001.jpg"
    printed = labels[name]["fields"]
    outcome = read(reader, name)
    assert value(outcome, "birth_date") == printed["birth_date"]
    assert outcome.reading.checks.birth_date_matches_id == "fail"
    message = warning(outcome, "birth_date_mismatch")
    assert "year" in message and printed["birth_date"] not in message
    assert printed["id_number"] not in message


@pytest.mark.parametrize("name", ["front_ethnic_001.jpg", "front_stamped_003.jpg"])
def test_former_ethnicity_names_read_as_printed(
        reader: CardReader, labels: dict[str, dict[str, Any]], name: str) -> None:
    outcome = read(reader, name)
    assert value(outcome, "ethnicity") == labels[name]["fields"]["ethnicity"]
    assert outcome.reading.checks.ethnicity_known == "fail"
    assert "ethnicity_former_name" in [w.code for w in outcome.reading.warnings]


def test_a_multi_character_ethnicity_reads(reader: CardReader,
                                           labels: dict[str, dict[str, Any]]) -> None:
    name = "front_ethnic_003.jpg"
    outcome = read(reader, name)
    assert value(outcome, "ethnicity") == labels[name]["fields"]["ethnicity"]
    assert outcome.reading.checks.ethnicity_known == "pass"
