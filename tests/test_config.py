"""Settings from the environment, and the README's table of them."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from idcard.config import Settings, load_settings

README = Path(__file__).resolve().parents[1] / "README.md"


def test_every_setting_is_documented_in_the_readme() -> None:
    documented = set(re.findall(r"`IDCARD_([A-Z_]+)`", README.read_text(encoding="utf-8")))
    expected = {name.upper() for name in Settings.__struct_fields__}
    assert expected <= documented, sorted(expected - documented)


def test_values_come_from_idcard_variables() -> None:
    settings = load_settings({"IDCARD_LOCATE_CARDS": "false", "IDCARD_CARD_DET_SIDE": "640",
                              "IDCARD_RECHECK_PACK": "", "IDCARD_POOL_SIZE": ""})
    assert settings.locate_cards is False
    assert settings.card_det_side == 640
    assert settings.recheck_pack == ""  # documented as "off"
    assert settings.pool_size == Settings().pool_size  # empty: not set


def test_a_malformed_value_names_the_variable() -> None:
    with pytest.raises(SystemExit, match="card_det_side"):
        load_settings({"IDCARD_CARD_DET_SIDE": "big"})
