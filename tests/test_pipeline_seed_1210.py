"""A side and a period lost on a tenth seed no rule was written against, through the whole pipeline
(real engine), on a card drawn at test time as by `tools/make_cards.py --tiers clean:10,
photo:40,hard:50,both:16,page:16,stamped:30,scan:30,crop:16,tampered:10,ethnic:10,
twofronts:6,textpage:6 --seed 1210 --typefaces --rare-every 4`:

- a grey page of both sides, the back's values under two stamps and its 有效期限 too:
  the back read its title and 签发机关, but a stamp's words drawn large on the label's
  row set the card's scale (the tallest text on the row is taken for the value), the
  title fell outside every frame tried, and the back was dropped as no card's print:
  the page was answered as a front alone. The label's own height now proposes a scale
  too; the page is answered as both sides, the back's fields missing and flagged.
- a grey scan of a back, a red 再次复印无效 across its values: its period was read as
  .08.27-长期 (the start's year under the stamp), which no rule took for a period, so
  both ends came back missing although 长期 was plainly read. The end after the
  separator is now read when the start was read short of a date, flagged, the start
  missing.
- a grey A4 scan of both sides, a dark stamp over the back's authority: the detector
  joined the stamp's words to the authority's row, and the authority came back missing
  although its period, the row under it, was read whole. The authority's row is now
  found above the period's (step `authority_row`) and read as one band.
"""

from __future__ import annotations

import pytest
from generated import drawn, needs_fonts

from idcard.pipeline import CardReader, one_view

pytestmark = needs_fonts

SEED = 1210
TIERS = [("clean", 10), ("photo", 40), ("hard", 50), ("both", 16), ("page", 16),
         ("stamped", 30), ("scan", 30), ("crop", 16), ("tampered", 10), ("ethnic", 10),
         ("twofronts", 6), ("textpage", 6)]


@pytest.fixture(scope="module")
def year_under_stamp(tmp_path_factory: pytest.TempPathFactory) -> tuple[bytes, dict[str, str]]:
    return drawn("back_scan_011.jpg", tmp_path_factory.mktemp("seed1210"), SEED, TIERS,
                 typefaces=True, rare_every=4)


@pytest.fixture(scope="module")
def authority_under_stamp(tmp_path_factory: pytest.TempPathFactory,
                          ) -> tuple[bytes, dict[str, str]]:
    return drawn("both_009.jpg", tmp_path_factory.mktemp("seed1210"), SEED, TIERS,
                 typefaces=True, rare_every=4)


@pytest.fixture(scope="module")
def stamped_back_page(tmp_path_factory: pytest.TempPathFactory) -> tuple[bytes, dict[str, str]]:
    return drawn("page_005.jpg", tmp_path_factory.mktemp("seed1210"), SEED, TIERS,
                 typefaces=True, rare_every=4)


def test_a_back_under_stamps_beside_its_front_is_answered(
        reader: CardReader, stamped_back_page: tuple[bytes, dict[str, str]]) -> None:
    data, truth = stamped_back_page
    reading = reader.read(data, side="auto").reading
    assert reading.side == "both"
    assert reading.fields.address is not None
    assert reading.fields.address.value == truth["address"]
    missing = {r.field for r in reading.review_reasons if r.code == "field_missing"}
    for name in ("issuing_authority", "valid_from", "valid_until"):
        field = getattr(reading.fields, name)
        assert name in missing or (field is not None and (
            field.value == truth[name] or field.review))


def test_the_end_of_a_period_whose_start_is_under_a_stamp_is_read(
        reader: CardReader, year_under_stamp: tuple[bytes, dict[str, str]]) -> None:
    data, truth = year_under_stamp
    reading = reader.read(data, side="auto").reading
    assert reading.side == "back"
    valid_until = reading.fields.valid_until
    assert valid_until is not None and valid_until.value == truth["valid_until"]
    assert valid_until.review
    assert reading.fields.valid_from is None or reading.fields.valid_from.review


def test_an_authority_joined_to_a_stamp_is_read_in_its_row(
        reader: CardReader, authority_under_stamp: tuple[bytes, dict[str, str]]) -> None:
    data, truth = authority_under_stamp
    reading = reader.read(data, side="auto").reading
    authority = reading.fields.issuing_authority
    assert authority is not None and authority.value == truth["issuing_authority"]


def test_without_the_row_step_the_authority_is_missing(
        reader: CardReader, authority_under_stamp: tuple[bytes, dict[str, str]],
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(one_view, "_authority_unread", lambda reading: False)
    data, _ = authority_under_stamp
    assert reader.read(data, side="auto").reading.fields.issuing_authority is None
