"""rules/*.toml: loaded once, and a broken file names its file, key and reason."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from idcard.extract import RulesError, load_rules

RULES = Path(__file__).resolve().parent.parent / "rules"


@pytest.fixture()
def rules_copy(tmp_path: Path) -> Path:
    target = tmp_path / "rules"
    shutil.copytree(RULES, target)
    return target


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def test_shipped_rules_load() -> None:
    book = load_rules(RULES)
    assert len(book.ethnicity_names) == 56
    assert {"汉", "柯尔克孜", "乌孜别克", "基诺"} <= book.ethnicity_names
    assert book.labels.labels["address"].text == "住址"
    assert book.characters.digit_confusables["O"] == "0"


def test_rules_error_is_an_exception() -> None:
    assert issubclass(RulesError, Exception)


@pytest.mark.parametrize(("file", "old", "new", "key", "reason"), [
    ("labels.toml", 'text = "姓名"', 'text = 5', "labels.name.text", "Expected `str`"),
    ("labels.toml", '[labels.sex]', '[labels.sexx]', "labels.sex", "missing"),
    ("labels.toml", '"姓" = "娃妙性"', '"姓名" = "x"', "char_aliases.姓名", "one character"),
    ("ethnicities.toml", '"汉", ', '', "names", "expected 56"),
    ("ethnicities.toml", '"汊" = "汉"', '"汊" = "火星"', "misreadings.汊", "not in `names`"),
    ("characters.toml", '"O" = "0"', '"O" = "Q"', "digit_confusables.O", "one of"),
    ("characters.toml", '"—" = "一"', '"—" = "1"', "name_confusables.—", "Han character"),
    ("values.toml", "sex = '^[男女]$'", "sex = '^[男女$'", "patterns.sex", "bad regex"),
    ("thresholds.toml", "low_confidence = 0.80", "low_confidence = 1.5", "low_confidence",
     "between 0 and 1"),
    ("layout.toml", "aspect_ratio = 1.585", "aspect_ration = 1.585", "aspect_ration",
     "unknown field"),
    ("dates.toml", 'long_term = [', 'long_term = ]', "-", "not valid TOML"),
    ("layout.toml", "ethnicity = [0.42, 0.185, 0.64, 0.305]",
     "ethnicity = [0.64, 0.185, 0.42, 0.305]", "value_regions.ethnicity", "x0 < x1"),
    ("layout.toml", "\nname = [0.17, 0.065, 0.50, 0.185]", "\nbirth = [0.1, 0.1, 0.2, 0.2]",
     "value_regions.birth", "not a field"),
    ("values.toml", 'id_number = "0123456789X"', 'issuing_authority = "局"',
     "field_alphabets.issuing_authority", "a front field's characters"),
    ("values.toml", 'birth_date = "0123456789年月日"', 'birth_date = ""',
     "field_alphabets.birth_date", "a front field's characters"),
    ("spacing.toml", 'column_fields = ["name", "birth_date", "address"]',
     'column_fields = ["name", "valid_from"]', "column_fields", "not a front field"),
])
def test_broken_file_names_file_key_and_reason(rules_copy: Path, file: str, old: str, new: str,
                                               key: str, reason: str) -> None:
    edit(rules_copy / file, old, new)
    with pytest.raises(RulesError) as caught:
        load_rules(rules_copy)
    message = str(caught.value)
    assert message.startswith(f"{file}: ")
    assert key in message
    assert reason.lower() in message.lower()
    assert caught.value.file == file


def test_missing_file(rules_copy: Path) -> None:
    (rules_copy / "noise.toml").unlink()
    with pytest.raises(RulesError, match=r"noise\.toml: .*file not found"):
        load_rules(rules_copy)


def test_maintainer_edit_takes_effect(rules_copy: Path) -> None:
    edit(rules_copy / "labels.toml", 'aliases = ["姓容"', 'aliases = ["XY名", "姓容"')
    assert "XY名" in load_rules(rules_copy).labels.labels["name"].spellings
