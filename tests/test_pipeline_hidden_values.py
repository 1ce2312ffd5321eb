"""A card whose values are all hidden (stamps as dark as the print across every value of
a back) is still a card: answered with every field missing and flagged, not as no card."""

from __future__ import annotations

from pathlib import Path

import pytest
from generated import drawn, load_reader, needs_fonts

from idcard.card import BACK_FIELDS
from idcard.pipeline import CardReader


@pytest.fixture(scope="module")
def reader() -> CardReader:
    return load_reader()


@needs_fonts
def test_a_back_with_every_value_under_a_stamp_is_a_card_with_fields_missing(
        reader: CardReader, tmp_path: Path) -> None:
    # data/stamps-dark's first back: its title and labels read in place, the authority and
    # the validity period under the stamp's words.
    data, _ = drawn("back_stamped_000.jpg", tmp_path, 11, [("stamped", 70)], dark_stamps=True)
    reading = reader.read(data).reading
    assert reading.side == "back"
    assert all(getattr(reading.fields, name) is None for name in BACK_FIELDS)
    assert reading.review_needed
    missing = {reason.field for reason in reading.review_reasons
               if reason.code == "field_missing"}
    assert missing == set(BACK_FIELDS)

