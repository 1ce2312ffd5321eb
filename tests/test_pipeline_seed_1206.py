"""A value wrong without a flag on a sixth seed no rule was written against, through the
whole pipeline (real engine), on a card drawn at test time as by `tools/make_cards.py
--tiers clean:10,photo:30,hard:30,both:14,page:12,stamped:30,scan:24,crop:16,tampered:10,
ethnic:10 --seed 1206 --typefaces --dark-stamps --rare-every 3`:

- a grey scan whose 复印无效 stamp lies at an angle over the birth row, its frame across
  the address's second row: 白沙村3组 was read 白沙村2组 at 0.99. The stamp's words were
  found one glyph at a time (a 无 alone, twice the print's height), no phrase to know them
  by, so nothing said a stamp lay there. A stamp character read alone much larger than
  the print is a stamp's (rules/noise.toml `outsized_char`), and the address it reaches
  is flagged (`stamp_over_field`, its confidence lowered);
- a grey page whose back was cut out with its print lower than the layout puts it: the
  validity period's place, read on its own (step `value_regions`), held the end of the
  authority, 源分局, which ran on into it: 白山市公安局江源分局源分局 at 0.995. A period's
  line holds digits (rules/values.toml `value_holds`): a place read without one is other
  print.
"""

from __future__ import annotations

import pytest
from generated import (
    assert_right_or_flagged,
    assert_wrong_and_passed,
    drawn,
    needs_fonts,
)

from idcard.extract import noise
from idcard.pipeline import CardReader, one_view

pytestmark = needs_fonts

SEED = 1206
TIERS = [("clean", 10), ("photo", 30), ("hard", 30), ("both", 14), ("page", 12),
         ("stamped", 30), ("scan", 24), ("crop", 16), ("tampered", 10), ("ethnic", 10)]


@pytest.fixture(scope="module")
def tilted_stamp(tmp_path_factory: pytest.TempPathFactory) -> tuple[bytes, dict[str, str]]:
    return drawn("front_scan_002.jpg", tmp_path_factory.mktemp("seed1206"), SEED, TIERS,
                 typefaces=True, dark_stamps=True, rare_every=3)


def test_a_value_under_a_stamp_found_a_glyph_at_a_time_is_flagged(
        reader: CardReader, tilted_stamp: tuple[bytes, dict[str, str]]) -> None:
    data, truth = tilted_stamp
    reading = reader.read(data, side="auto").reading
    # The stamp over it lowers its confidence below the review threshold.
    assert_right_or_flagged(reading, truth, "address", "low_confidence")
    assert "stamp_over_field" in [w.code for w in reading.warnings]


def test_without_it_the_wrong_address_passes(
        reader: CardReader, tilted_stamp: tuple[bytes, dict[str, str]],
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(noise, "_outsized_stamp_char", lambda piece, pieces, rules: False)
    data, truth = tilted_stamp
    assert_wrong_and_passed(reader.read(data, side="auto").reading, truth, "address")


@pytest.fixture(scope="module")
def low_back(tmp_path_factory: pytest.TempPathFactory) -> tuple[bytes, dict[str, str]]:
    return drawn("page_004.jpg", tmp_path_factory.mktemp("seed1206"), SEED, TIERS,
                 typefaces=True, dark_stamps=True, rare_every=3)


def authority_of(reader: CardReader, data: bytes) -> str | None:
    field = reader.read(data, side="auto").reading.fields.issuing_authority
    return None if field is None else field.value


def test_a_period_place_holding_no_digit_is_not_read_into_the_authority(
        reader: CardReader, low_back: tuple[bytes, dict[str, str]]) -> None:
    data, truth = low_back
    assert authority_of(reader, data) == truth["issuing_authority"]


def test_taking_any_print_there_lengthens_the_authority(
        reader: CardReader, low_back: tuple[bytes, dict[str, str]],
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(one_view, "unlike_printed",
                        lambda name, text, rules: name == "issuing_authority"
                        and "公安局" not in text)
    data, truth = low_back
    read = authority_of(reader, data)
    assert read is not None and read.startswith(truth["issuing_authority"])
    assert len(read) > len(truth["issuing_authority"])
