"""Every line-list fixture under tests/lines/ read back as its expectations say."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Any

import msgspec
import pytest

from idcard.card import CardReading
from idcard.extract import RuleBook, interpret_lines, load_rules
from idcard.text import TextLine

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = sorted((ROOT / "tests" / "lines").glob("*/*.json"))
TODAY = date(2026, 1, 1)


@pytest.fixture(scope="module")
def rules() -> RuleBook:
    return load_rules(ROOT / "rules")


def _read(fixture: dict[str, Any], rules: RuleBook) -> CardReading:
    lines = msgspec.convert(fixture["lines"], list[TextLine])
    return interpret_lines(lines, image_size=tuple(fixture["image_size"]),
                           side=fixture["side"], rules=rules, today=TODAY)


@pytest.mark.parametrize("path", FIXTURES, ids=lambda p: f"{p.parent.name}/{p.stem}")
def test_fixture(path: Path, rules: RuleBook) -> None:
    fixture = json.loads(path.read_text(encoding="utf-8"))
    reading = _read(fixture, rules)
    got = {name: getattr(reading.fields, name).value
           for name in reading.fields.__struct_fields__ if getattr(reading.fields, name)}
    for name, value in fixture["expected"].items():
        assert got.get(name) == value, f"{name}: {fixture['description']}"
    for name in fixture.get("absent", []):
        assert name not in got, f"{name} should be absent: {fixture['description']}"
    codes = {w.code for w in reading.warnings}
    assert set(fixture.get("warnings", [])) <= codes
    for check, status in fixture.get("checks", {}).items():
        assert getattr(reading.checks, check) == status, check


@pytest.mark.parametrize("path", FIXTURES, ids=lambda p: f"{p.parent.name}/{p.stem}")
def test_fixture_fields_have_boxes_inside_the_image(path: Path, rules: RuleBook) -> None:
    fixture = json.loads(path.read_text(encoding="utf-8"))
    reading = _read(fixture, rules)
    width, height = fixture["image_size"]
    for name in reading.fields.__struct_fields__:
        field = getattr(reading.fields, name)
        if field is None:
            continue
        assert 0.0 <= field.confidence <= 1.0
        for x, y in field.box:
            assert -1.0 <= x <= width + 1.0 and -1.0 <= y <= height + 1.0, name


def test_there_are_fixtures() -> None:
    assert len(FIXTURES) >= 20
