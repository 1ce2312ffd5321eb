"""The fast recogniser (v6 tiny) reads every card first; a view it reads unsure (a field
missing or flagged, a failed check) or from a card small in the photo is read again by
the thorough recogniser (v4), the better reading kept, and a field the two read
differently flagged (`readings_disagree`)."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import cv2
import msgspec
import numpy as np
import pytest
from test_pipeline_photos import cut_card, png

from idcard.card import CardFields, CardReading, Field, Notice, SideHint
from idcard.config import load_settings
from idcard.extract import load_rules
from idcard.imaging.locate import CardOutline
from idcard.imaging.view import CardView
from idcard.ocr import OcrEngine
from idcard.pipeline import CardReader
from idcard.pipeline.one_view import CardRead
from idcard.pipeline.thorough import SurestViews, with_disputes
from idcard.pipeline.timing import Stopwatch
from idcard.pipeline.trust import decide_review, merged_quality
from idcard.validate.checks import run_checks

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
BOX = ((0.0, 0.0), (10.0, 0.0), (10.0, 5.0), (0.0, 5.0))
WHOLE = CardOutline(corners=np.array([[0, 0], [855, 0], [855, 539], [0, 539]], np.float32),
                    area_fraction=0.5, touches_edge=False)


def field(value: str, confidence: float = 0.99) -> Field:
    return Field(value=value, confidence=confidence, box=BOX, raw=value)


def back(authority: str | None, start: str | None = "2015-09-04",
         confidence: float = 0.99) -> CardReading:
    return CardReading(side="back", fields=CardFields(
        issuing_authority=None if authority is None else field(authority, confidence),
        valid_from=None if start is None else field(start),
        valid_until=field("2025-09-04")))


def test_fields_read_differently_are_flagged_and_keep_their_value() -> None:
    kept = with_disputes(back("灌云县公安局"), back("灌去县公安局"))
    assert kept.fields.issuing_authority is not None
    assert kept.fields.issuing_authority.value == "灌云县公安局"
    assert [(n.code, n.message.split(":")[0]) for n in kept.warnings] == [
        ("readings_disagree", "issuing_authority")]
    reviewed = decide_review(kept, merged_quality(()), 0.98)
    assert reviewed.fields.issuing_authority is not None
    assert reviewed.fields.issuing_authority.review
    assert {(r.code, r.field) for r in reviewed.review_reasons} == {
        ("readings_disagree", "issuing_authority")}
    assert reviewed.fields.valid_from is not None and not reviewed.fields.valid_from.review


def test_readings_that_agree_or_miss_a_field_are_not_disputed() -> None:
    assert with_disputes(back("灌云县公安局"), back("灌云县公安局")).warnings == []
    assert with_disputes(back("灌云县公安局"), back(None)).warnings == []


def test_a_fast_reading_kept_is_as_sure_as_the_thorough_reader_of_a_field_read_alike() -> None:
    sure, unsure = back("灌云县公安局"), back("灌云县公安局", confidence=0.84)
    for kept, other in ((sure, unsure), (unsure, sure)):
        authority = with_disputes(kept, other).fields.issuing_authority
        assert authority is not None and authority.confidence == 0.84
        assert authority.value == "灌云县公安局"


def test_a_thorough_reading_kept_keeps_its_confidence_where_the_fast_one_doubted() -> None:
    sure, unsure = back("灌云县公安局"), back("灌云县公安局", confidence=0.84)
    authority = with_disputes(sure, unsure, other_doubts=False).fields.issuing_authority
    assert authority is not None and authority.confidence == 0.99
    disputed = with_disputes(sure, back("灌去县公安局"), other_doubts=False)
    assert [n.code for n in disputed.warnings] == ["readings_disagree"]


def test_the_kept_thorough_reading_is_not_doubted_by_the_fast_one() -> None:
    views, _, _ = surest(back("灌云县公安局", start=None, confidence=0.84),
                         back("灌云县公安局"))
    read = views.read_view(card_view(), WHOLE, "auto", Stopwatch())
    authority = read.reading.fields.issuing_authority
    assert read.field_count == 3 and authority is not None and authority.confidence == 0.99


class _Fixed:
    """A view reader that answers one reading, counting its calls."""

    def __init__(self, reading: CardReading) -> None:
        self.reading, self.calls = reading, 0

    def read_view(self, view: CardView, outline: CardOutline | None, side: SideHint,
                  clock: Stopwatch) -> CardRead:
        self.calls += 1
        return CardRead(view=view, lines=[], reading=msgspec.structs.replace(self.reading),
                        outline=outline)


def surest(fast: CardReading, thorough: CardReading) -> tuple[SurestViews, _Fixed, _Fixed]:
    quick, careful = _Fixed(fast), _Fixed(thorough)
    views = SurestViews(quick, careful, load_rules(load_settings().rules_dir),  # type: ignore[arg-type]
                        review_below=0.98)
    return views, quick, careful


def card_view(width: int = 856) -> CardView:
    # A straightened view of a card `width` px wide in the photo.
    scale = width / 856.0
    return CardView(np.zeros((540, 856, 3), np.uint8), np.diag([scale, scale, 1.0]))


def test_a_sure_complete_reading_is_not_read_again() -> None:
    views, quick, careful = surest(back("灌云县公安局"), back("灌去县公安局"))
    clock = Stopwatch()
    read = views.read_view(card_view(), WHOLE, "auto", clock)
    assert (quick.calls, careful.calls) == (1, 0)
    assert "step:thorough" not in clock.ms
    assert read.reading.warnings == []


def test_a_reading_with_a_field_missing_takes_the_thorough_one_when_it_finds_more() -> None:
    views, _, careful = surest(back("灌云县公安局", start=None), back("灌云县公安局"))
    clock = Stopwatch()
    read = views.read_view(card_view(), WHOLE, "auto", clock)
    assert careful.calls == 1 and "step:thorough" in clock.ms
    assert read.field_count == 3 and read.reading.warnings == []


def test_of_two_complete_readings_the_one_with_fewer_doubts_is_kept_and_flagged() -> None:
    views, _, _ = surest(back("灌去县公安局", confidence=0.6), back("灌云县公安局"))
    read = views.read_view(card_view(), WHOLE, "auto", Stopwatch())
    authority = read.reading.fields.issuing_authority
    assert authority is not None and authority.value == "灌云县公安局"
    assert [n.code for n in read.reading.warnings] == ["readings_disagree"]


def front(name: str | None = "何雅德", name_confidence: float = 0.99,
          address_confidence: float = 0.99, birth: str = "1982-02-20",
          birth_confidence: float = 0.99) -> CardReading:
    """A front read with its checks run (its number states 1982-02-20)."""
    fields = CardFields(name=None if name is None else field(name, name_confidence),
                        sex=field("男"), ethnicity=field("朝鲜"),
                        birth_date=field(birth, birth_confidence),
                        address=field("重庆市南川区南塘镇东岗村3组3号", address_confidence),
                        id_number=field("532626198202209012"))
    return CardReading(side="front", fields=fields, checks=run_checks(
        fields, {"朝鲜"}, today=date(2026, 11, 30)))


def test_a_reading_whose_checks_confirm_more_fields_is_kept() -> None:
    # The fast reading is surer of its birth date, which the number contradicts.
    views, _, _ = surest(front(birth="1982-02-02", birth_confidence=0.95),
                         front(birth="1982-02-20", birth_confidence=0.90))
    read = views.read_view(card_view(), WHOLE, "auto", Stopwatch())
    birth = read.reading.fields.birth_date
    assert birth is not None and birth.value == "1982-02-20"


def test_a_reading_that_doubts_only_its_name_is_not_read_again() -> None:
    # The name's second look read it with every model already; the thorough recogniser
    # spells fewer names than the re-check one.
    views, _, careful = surest(front("何雅镕", name_confidence=0.6), front("何雅德"))
    clock = Stopwatch()
    read = views.read_view(card_view(), WHOLE, "auto", clock)
    assert careful.calls == 0 and "step:thorough" not in clock.ms
    assert read.reading.fields.name is not None and read.reading.fields.name.value == "何雅镕"


@pytest.mark.parametrize("fast", [
    front(None),  # the name missing: the thorough reader may find it
    front("何雅镕", name_confidence=0.6, address_confidence=0.6),  # another field doubted
])
def test_a_reading_that_misses_its_name_or_doubts_more_is_read_again(
        fast: CardReading) -> None:
    views, _, careful = surest(fast, front("何雅德"))
    views.read_view(card_view(), WHOLE, "auto", Stopwatch())
    assert careful.calls == 1


def test_a_photo_of_a_rare_name_is_not_read_again_and_its_name_is_flagged(
        reader: CardReader) -> None:
    outcome = reader.read((FIXTURES / "front_photo_001.jpg").read_bytes())
    assert "step:thorough" not in outcome.timings_ms
    fields = outcome.reading.fields
    assert fields.name is not None and fields.name.review
    others = [getattr(fields, n) for n in fields.__struct_fields__ if n != "name"]
    assert not any(f.review for f in others if f is not None)


def outline_of(width: int) -> CardOutline:
    # The outline of a card `width` px wide in the photo, as card_view(width) shows it.
    scale = width / 856.0
    return CardOutline(corners=WHOLE.corners * scale, area_fraction=0.5, touches_edge=False)


def test_a_small_card_is_read_by_both_even_when_the_fast_reading_is_sure() -> None:
    views, _, careful = surest(back("灌云县公安局"), back("灌云县公安局"))
    views.read_view(card_view(width=400), outline_of(400), "auto", Stopwatch())
    assert careful.calls == 1
    views.read_view(card_view(width=800), outline_of(800), "auto", Stopwatch())
    assert careful.calls == 1


def test_a_view_with_nothing_read_is_not_read_again() -> None:
    views, _, careful = surest(CardReading(side="front"), back("灌云县公安局"))
    views.read_view(card_view(), WHOLE, "auto", Stopwatch())
    assert careful.calls == 0


def test_a_clear_photo_is_read_by_the_fast_recogniser_alone(reader: CardReader) -> None:
    outcome = reader.read((FIXTURES / "front_photo_000.jpg").read_bytes())
    assert "step:thorough" not in outcome.timings_ms
    assert not outcome.reading.review_needed


def test_a_small_card_in_a_photo_is_read_thoroughly(reader: CardReader) -> None:
    card = cut_card("front_clean_001.jpg")
    small = cv2.resize(card, (380, round(380 * card.shape[0] / card.shape[1])),
                       interpolation=cv2.INTER_AREA)
    photo = np.full((900, 1200, 3), 90, np.uint8)
    photo[300:300 + small.shape[0], 400:780] = small
    outcome = reader.read(png(photo))
    assert "step:thorough" in outcome.timings_ms
    assert outcome.reading.fields.id_number is not None


def test_without_a_thorough_pack_there_is_no_thorough_engine(
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("IDCARD_THOROUGH_PACK", "")
    settings = load_settings()
    assert OcrEngine.load(settings).thorough(settings) is None


def test_disagreement_notice_names_no_value() -> None:
    kept = with_disputes(back("灌云县公安局"), back("灌去县公安局"))
    assert all("灌" not in n.message for n in kept.warnings if isinstance(n, Notice))
