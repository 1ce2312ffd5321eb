"""Cards lost on an eleventh seed no rule was written against, through the whole pipeline
(real engine), each drawn at test time as by `tools/make_cards.py --tiers clean:10,
photo:30,hard:40,both:10,page:16,stamped:40,scan:30,crop:30,tampered:10,ethnic:10,
twofronts:4,textpage:4 --seed 1211 --typefaces --layouts --rare-every 4` (`--layouts`: the
scan tiers' fronts space their rows as other printers do):

- a small grey card on a card-shaped page, its edges too faint to find: the whole image
  was taken as a card cropped to its edges and read shrunk to a card's size, where the
  detector missed the name's short line; the name came back missing. A card-shaped
  image whose print fills a small part of it is now read where its text lies too.
- a grey back, a red 再次复印无效 across its authority: the stamp's strokes split 公安 from
  局, no piece of the row ended in an authority's ending, and with its labels under the
  stamps too the back was answered 422 `no_card_found`. The row's text is now judged
  whole.
- a grey back, every value under stamps, its title read and its 有效期限 label found only
  where the text was read alone: answered 422 `no_card_found` although its own print
  said a back. The text read alone now counts for that.
"""

from __future__ import annotations

import pytest
from generated import drawn, needs_fonts

from idcard.pipeline import CardReader

pytestmark = needs_fonts

SEED = 1211
TIERS = [("clean", 10), ("photo", 30), ("hard", 40), ("both", 10), ("page", 16),
         ("stamped", 40), ("scan", 30), ("crop", 30), ("tampered", 10), ("ethnic", 10),
         ("twofronts", 4), ("textpage", 4)]


def _drawn(file: str, factory: pytest.TempPathFactory) -> tuple[bytes, dict[str, str]]:
    return drawn(file, factory.mktemp("seed1211"), SEED, TIERS, typefaces=True,
                 layouts=True, rare_every=4)


def test_a_small_card_on_a_card_shaped_page_is_read_where_its_text_lies(
        reader: CardReader, tmp_path_factory: pytest.TempPathFactory) -> None:
    data, truth = _drawn("front_tampered_004.jpg", tmp_path_factory)
    reading = reader.read(data, side="auto").reading
    assert reading.side == "front"
    name = reading.fields.name
    assert name is not None and name.value == truth["name"]


def test_an_authority_split_by_a_stamp_still_tells_a_back(
        reader: CardReader, tmp_path_factory: pytest.TempPathFactory) -> None:
    data, truth = _drawn("back_stamped_002.jpg", tmp_path_factory)
    reading = reader.read(data, side="auto").reading
    assert reading.side == "back"
    authority = reading.fields.issuing_authority
    assert authority is not None
    assert authority.value == truth["issuing_authority"] or authority.review


def test_a_back_whose_values_are_all_hidden_is_answered_as_a_back(
        reader: CardReader, tmp_path_factory: pytest.TempPathFactory) -> None:
    data, _ = _drawn("back_stamped_009.jpg", tmp_path_factory)
    reading = reader.read(data, side="auto").reading
    assert reading.side == "back"
    assert reading.review_needed
    for name in ("issuing_authority", "valid_from", "valid_until"):
        field = getattr(reading.fields, name)
        assert field is None or field.review
