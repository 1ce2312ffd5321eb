"""Stamps across a back's values, on our own generated backs: a card whose values are all
hidden is still a card (every field missing and flagged, not "no card"), and a label
beside a stamp is read once, never as its value."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest
from generated import drawn, needs_fonts

from idcard.card import BACK_FIELDS
from idcard.imaging.view import CardView
from idcard.ocr import OcrEngine
from idcard.pipeline import CardReader, one_view
from idcard.text import Quad


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


@needs_fonts
def test_a_label_beside_a_stamp_is_read_once_not_as_its_value(
        reader: CardReader, tmp_path: Path) -> None:
    # data/ccf-like's fourth stamped back: 签发机关 lies clear of the stamp on the first
    # look and touches it on the look with the stamp lifted (stamp_cleared); taken from
    # both, the second copy was read as the authority.
    data, printed = drawn("back_stamped_003.jpg", tmp_path, 11, [("crop", 50), ("stamped", 70)])
    authority = reader.read(data).reading.fields.issuing_authority
    assert authority is not None and authority.value == printed["issuing_authority"]


@needs_fonts
def test_with_the_stamp_lifted_only_the_lines_under_it_are_recognised(
        reader: CardReader, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # stamp_cleared takes only the lines under a stamp from its reading, so those are the
    # only ones it recognises (the others were about 40 % of the step's time).
    cleared: list[tuple[np.ndarray, list[Quad]]] = []
    lift = one_view.without_stamps

    def lifted(image: np.ndarray, stamps: list[Quad]) -> np.ndarray:
        cleared.append((lift(image, stamps), stamps))
        return cleared[-1][0]

    read_lines = OcrEngine.read_text_lines
    recognised: list[Quad] = []

    def spied(engine: OcrEngine, image: np.ndarray, boxes: list[Quad] | None = None,
              **kwargs: Any) -> Any:
        if boxes is not None and any(image is done for done, _ in cleared):
            recognised.extend(boxes)
        return read_lines(engine, image, boxes, **kwargs)

    monkeypatch.setattr(one_view, "without_stamps", lifted)
    monkeypatch.setattr(OcrEngine, "read_text_lines", spied)
    data, printed = drawn("back_stamped_003.jpg", tmp_path, 11, [("crop", 50), ("stamped", 70)])
    outcome = reader.read(data)
    assert "step:stamp_cleared" in outcome.timings_ms
    stamps = [box for _, areas in cleared for box in areas]
    assert recognised
    assert all(one_view._under_any(box, stamps) for box in recognised)
    authority = outcome.reading.fields.issuing_authority
    assert authority is not None and authority.value == printed["issuing_authority"]


def test_a_view_cleared_of_the_same_stamps_is_made_once() -> None:
    # The thorough step reads the same view again: where it finds the same stamps, the
    # cleared view is the one already made, so the engine's detection of it is reused.
    image = np.full((540, 856, 3), 230, np.uint8)
    image[200:240, 100:400] = 110  # a stamp's lighter strokes
    image[210:230, 150:300] = 20  # print under it
    view = CardView(image, np.eye(3))
    stamp: Quad = ((90.0, 190.0), (410.0, 190.0), (410.0, 250.0), (90.0, 250.0))
    other: Quad = ((80.0, 180.0), (420.0, 180.0), (420.0, 260.0), (80.0, 260.0))
    views = one_view.ClearedViews()
    first = views.of(view, [stamp])
    assert views.of(view, [stamp]) is first
    assert views.of(view, [other]) is not first
    again = CardView(image.copy(), np.eye(3))
    assert views.of(again, [other]) is not views.of(view, [other])
    assert int(first.image[220, 200].min()) == 20 and int(first.image[205, 120].min()) > 110
