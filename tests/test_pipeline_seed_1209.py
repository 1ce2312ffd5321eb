"""A photo misplaced by its labels' places on a ninth seed, through the whole pipeline (real
engine), drawn at test time as by `tools/make_cards.py --tiers photo:40,hard:80,both:20,
page:16,stamped:40,scan:30,crop:20,ethnic:20 --seed 1209 --dark-stamps --rare-every 3`:

- a photo of a front straightened a little wide, its label rows between the two label
  printings the rules know: the printing whose rows are a row lower placed 性别 as 姓名,
  出生 as 性别 and 住址 as 出生 without reading them, and the address, looked for a row
  below the "birth" row, lost its first row. A printing under whose first label a
  label starts a row higher is no longer taken (`pipeline.placed`).
"""

from __future__ import annotations

import pytest
from generated import drawn, needs_fonts

from idcard.pipeline import CardReader

pytestmark = needs_fonts

SEED = 1209
TIERS = [("photo", 40), ("hard", 80), ("both", 20), ("page", 16), ("stamped", 40),
         ("scan", 30), ("crop", 20), ("ethnic", 20)]


def test_labels_are_not_placed_a_row_off(
        reader: CardReader, tmp_path_factory: pytest.TempPathFactory) -> None:
    data, truth = drawn("front_photo_008.jpg", tmp_path_factory.mktemp("seed1209"), SEED,
                        TIERS, dark_stamps=True, rare_every=3)
    fields = reader.read(data, side="auto").reading.fields
    for name in ("name", "sex", "birth_date", "address"):
        field = getattr(fields, name)
        assert field is not None and field.value == truth[name], name
