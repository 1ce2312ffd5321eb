"""A straightened back whose values the detector did not find beside its large title (a
photographed screen, a blurred print) has its value regions read on their own
(`value_regions`), as a front's short values are."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import pytest
from generated import needs_fonts
from test_pipeline_screen import drawn_conditions, fields_right

import idcard.pipeline.one_view as one_view
from idcard.card import CardFields, CardReading, Field
from idcard.extract import load_rules
from idcard.pipeline import CardReader
from idcard.pipeline.one_view import Region

ROOT = Path(__file__).resolve().parents[1]
# Photographed screens from a seed no benchmark set uses; their backs are read.
SHOTS = [(5, "photo", "screen_recapture", index, f"screen_{index}.jpg") for index in range(4)]
BOX = ((0.0, 0.0), (10.0, 0.0), (10.0, 5.0), (0.0, 5.0))


def test_a_back_missing_its_values_is_read_where_the_back_prints_them() -> None:
    rules = load_rules(ROOT / "rules")
    layout = rules.layout.value_regions
    period = Field(value="2015-09-04", confidence=0.99, box=BOX, raw="2015-09-04")
    blank = CardReading(side="back", fields=CardFields())
    half = CardReading(side="back", fields=CardFields(valid_from=period))
    regions = one_view.missing_value_regions
    assert regions(blank, layout) == {name: layout[name]
                                      for name in ("issuing_authority", "valid_from")}
    assert list(regions(half, layout)) == ["issuing_authority"]
    front = CardReading(side="front", fields=CardFields())
    assert list(regions(front, layout)) == ["name", "ethnicity"]


@needs_fonts
def test_backs_of_photographed_screens_read_more_fields(
        reader: CardReader, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    backs = [(data, printed) for data, printed, side in drawn_conditions(SHOTS, tmp_path)
             if side == "back"]
    assert backs

    with_regions = fields_right(reader, backs)
    both_sides = one_view.missing_value_regions

    def front_regions(reading: CardReading,
                      regions: Mapping[str, Region]) -> dict[str, Region]:
        return both_sides(reading, regions) if reading.side == "front" else {}

    monkeypatch.setattr(one_view, "missing_value_regions", front_regions)
    assert with_regions > fields_right(reader, backs)
