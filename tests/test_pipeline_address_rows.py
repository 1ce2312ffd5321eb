"""An address read short under a dark stamp, read again across its rows, through the
whole pipeline (real engine), on cards drawn at test time as by `tools/make_cards.py
--tiers clean:20,photo:40,hard:40,both:12,stamped:30,crop:20,scan:20,page:10,tampered:10
--seed 1204 --typefaces` (a seed no rule was written against):

- a stamp over the first row's start joined it to the stamp's box: 龙江省伊春市… for
  黑龙江省伊春市…;
- a stamp across the first row's middle broke it in two and dropped a stretch:
  广西壮县刘家镇… for 广西壮族自治区百色市那坡县刘家镇….

Both were flagged (`characters_missing`); read as one band from the value column to the
row's end, each row reads whole.
"""

from __future__ import annotations

import pytest
from generated import drawn, needs_fonts

from idcard.pipeline import CardReader, one_view

pytestmark = needs_fonts

SEED = 1204
TIERS = [("clean", 20), ("photo", 40), ("hard", 40), ("both", 12), ("stamped", 30),
         ("crop", 20), ("scan", 20), ("page", 10), ("tampered", 10)]
FRONTS = ["front_stamped_014.jpg", "front_stamped_021.jpg"]


@pytest.fixture(scope="module", params=FRONTS)
def stamped_front(request: pytest.FixtureRequest,
                  tmp_path_factory: pytest.TempPathFactory) -> tuple[bytes, dict[str, str]]:
    return drawn(request.param, tmp_path_factory.mktemp("rows1204"), SEED, TIERS,
                 typefaces=True)


def address_of(reader: CardReader, data: bytes) -> str | None:
    field = reader.read(data, side="auto").reading.fields.address
    return None if field is None else field.value


def test_an_address_read_short_under_a_stamp_is_read_whole(
        reader: CardReader, stamped_front: tuple[bytes, dict[str, str]]) -> None:
    data, truth = stamped_front
    outcome = reader.read(data, side="auto")
    field = outcome.reading.fields.address
    assert field is not None and field.value == truth["address"]
    assert "step:address_rows" in outcome.timings_ms


def test_without_reading_its_rows_across_part_of_it_is_lost(
        reader: CardReader, stamped_front: tuple[bytes, dict[str, str]],
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(one_view, "_address_short", lambda reading: False)
    data, truth = stamped_front
    read = address_of(reader, data)
    assert read is not None and len(read) < len(truth["address"])
