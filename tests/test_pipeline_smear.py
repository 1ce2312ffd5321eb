"""A card photographed while the camera moved (tools/cardgen's motion_blur condition) is
read again with the smear taken back out (step `unsmeared`), and still judged blurred on
its own pixels."""

from __future__ import annotations

import math
import random
from pathlib import Path

import cv2
import numpy as np
import pytest
from generated import needs_fonts
from test_pipeline_screen import drawn_conditions, fields_right

import idcard.pipeline.one_view as one_view
from idcard.pipeline import CardReader

# Smears of 15-20 card px, fronts and backs, clean scans and photos, from seeds no
# benchmark set uses; read before the step, three of the four were refused as no card.
SMEARED = [(6, "clean", "motion_blur", 3, "clean_back.jpg"),
           (6, "photo", "motion_blur", 1, "photo_back.jpg"),
           (6, "photo", "motion_blur", 2, "photo_front.jpg"),
           (7, "clean", "motion_blur", 0, "clean_front.jpg")]


@needs_fonts
def test_a_smeared_card_reads_more_fields_with_the_smear_taken_out(
        reader: CardReader, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    shots = [(data, printed) for data, printed, _ in drawn_conditions(SMEARED, tmp_path)]
    outcome = reader.read(shots[0][0])
    assert "step:unsmeared" in outcome.timings_ms
    assert outcome.reading.quality is not None
    assert outcome.reading.quality.motion_blur.raised  # judged on the smeared pixels

    unsmeared = fields_right(reader, shots)
    monkeypatch.setattr(one_view, "shows_motion_blur", lambda image: False)
    smeared = fields_right(reader, shots)
    assert unsmeared >= smeared + 6


@needs_fonts
def test_a_sharp_card_with_a_value_unsure_is_not_unsmeared(
        reader: CardReader, tmp_path: Path) -> None:
    # An unsure field (under a finger or sticker, in glare) asks for the smear only where
    # the view is blurred one way.
    shots = drawn_conditions([(6, "photo", "occlusion", 2, "covered_front.jpg"),
                              (6, "clean", "occlusion", 1, "covered_back.jpg"),
                              (6, "photo", "glare", 0, "glare.jpg")], tmp_path)
    for data, _, _ in shots:
        assert "step:unsmeared" not in reader.read(data).timings_ms


def along_an_arc(image: np.ndarray, length: float, degrees: float) -> np.ndarray:
    """`image` as a camera sees it that swings `length` px at `degrees` while it shoots,
    its path bowing sideways by 15 % of its length: no straight line, unlike the smear
    `imaging.smear` models and tools/cardgen draws."""
    a = math.radians(degrees)
    total = np.zeros(image.shape, np.float32)
    steps = np.linspace(-0.5, 0.5, 4 * round(length) + 1)
    for t in steps:
        bow = 0.6 * (t * t - 0.25) * length
        x = t * length * math.cos(a) - bow * math.sin(a)
        y = -t * length * math.sin(a) - bow * math.cos(a)
        shift = np.float32([[1, 0, x], [0, 1, y]])
        total += cv2.warpAffine(image, shift, image.shape[1::-1],
                                borderMode=cv2.BORDER_REFLECT).astype(np.float32)
    return np.clip(total / len(steps), 0, 255).astype(np.uint8)


@needs_fonts
def test_a_card_smeared_along_a_curve_reads_more_with_a_straight_smear_taken_out(
        reader: CardReader, monkeypatch: pytest.MonkeyPatch) -> None:
    from cardgen.conditions import Condition, shoot  # tools/, on the path via generated
    from cardgen.identity import make_identity
    from cardgen.render import render_front

    shots = []
    for index, degrees in enumerate((20.0, 135.0)):
        rng = random.Random(f"arc:{index}")
        person = make_identity(rng, None)
        shot = shoot(render_front(person, rng), "front", "clean", Condition(None), rng)
        swung = along_an_arc(shot.image, 16 * shot.image.shape[1] / 1000, degrees)
        data = cv2.imencode(".jpg", swung, [cv2.IMWRITE_JPEG_QUALITY, 90])[1].tobytes()
        shots.append((data, {k: str(v) for k, v in person.front_fields().items()}))
    unsmeared = fields_right(reader, shots)
    monkeypatch.setattr(one_view, "shows_motion_blur", lambda image: False)
    assert unsmeared >= fields_right(reader, shots) + 4
