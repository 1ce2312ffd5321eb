"""A value wrong without a flag on a sixth seed no rule was written against, through the
whole pipeline (real engine), on a card drawn at test time as by `tools/make_cards.py
--tiers clean:10,photo:30,hard:30,both:14,page:12,stamped:30,scan:24,crop:16,tampered:10,
ethnic:10 --seed 1206 --typefaces --dark-stamps --rare-every 3`:

- a grey scan whose 复印无效 stamp lies at an angle over the birth row, its frame across
  the address's second row: 白沙村3组 was read 白沙村2组 at 0.99. The stamp's words were
  found one glyph at a time (a 无 alone, twice the print's height), no phrase to know them
  by, so nothing said a stamp lay there. A stamp character read alone much larger than
  the print is a stamp's (rules/noise.toml `outsized_char`), and the address it reaches
  is flagged (`stamp_over_field`, its confidence lowered).
"""

from __future__ import annotations

import pytest
from generated import (
    assert_right_or_flagged,
    assert_wrong_and_passed,
    drawn,
    load_reader,
    needs_fonts,
)

from idcard.extract import noise
from idcard.pipeline import CardReader

pytestmark = needs_fonts

SEED = 1206
TIERS = [("clean", 10), ("photo", 30), ("hard", 30), ("both", 14), ("page", 12),
         ("stamped", 30), ("scan", 24), ("crop", 16), ("tampered", 10), ("ethnic", 10)]


@pytest.fixture(scope="module")
def reader() -> CardReader:
    return load_reader()


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
