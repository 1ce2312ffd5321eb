"""A card photographed on ruled paper: the page's lines run into the card's edges and join
everything into one region, so the photo's own frame used to pass for the card (or no
card was found). The card finder looks again with thin lines closed over and finds the
card itself; the reading then carries no false `card_incomplete`.

The photos are drawn by tools/cardgen's photo tier with its ruled-paper background
forced, from a seed no benchmark set uses.
"""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
import pytest
from generated import make_cards, needs_fonts

from idcard.imaging.locate import find_card_outlines
from idcard.pipeline import CardReader

SEED, TIERS = 41, [("photo", 40)]
# Two photos whose card the finder missed before (the frame, or nothing, was outlined).
PHOTOS = ["front_photo_006.jpg", "back_photo_004.jpg"]


@pytest.fixture
def on_ruled_paper(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, dict[str, object]]:
    from cardgen import degrade

    monkeypatch.setattr(degrade, "BACKGROUNDS", (degrade._lined_paper,))
    jobs = [job for job in make_cards.plan_jobs(SEED, TIERS) if job.file in PHOTOS]
    labels = {job.file: make_cards.make_one(job, tmp_path) for job in jobs}
    assert set(labels) == set(PHOTOS)
    return {name: {**label, "path": tmp_path / name} for name, label in labels.items()}


def overlap(a: np.ndarray, b: np.ndarray, shape: tuple[int, int]) -> float:
    masks = []
    for quad in (a, b):
        mask = np.zeros(shape, np.uint8)
        cv2.fillPoly(mask, [quad.round().astype(np.int32)], 1)
        masks.append(mask.astype(bool))
    return float(np.logical_and(*masks).sum() / np.logical_or(*masks).sum())


@needs_fonts
def test_the_card_on_ruled_paper_is_outlined_not_the_frame(
        on_ruled_paper: dict[str, dict[str, object]]) -> None:
    for name, label in on_ruled_paper.items():
        image = cv2.imread(str(label["path"]), cv2.IMREAD_COLOR | cv2.IMREAD_IGNORE_ORIENTATION)
        outlines = find_card_outlines(image)
        assert outlines, name
        truth = np.array(label["card_quads"], dtype=np.float32)[0]  # type: ignore[arg-type]
        assert overlap(outlines[0].corners, truth, image.shape[:2]) >= 0.85, name


@needs_fonts
def test_a_card_on_ruled_paper_is_read_without_false_warnings(
        reader: CardReader, on_ruled_paper: dict[str, dict[str, object]]) -> None:
    for name, label in on_ruled_paper.items():
        outcome = reader.read(Path(str(label["path"])).read_bytes())
        codes = {notice.code for notice in outcome.reading.warnings}
        assert not codes & {"card_incomplete", "card_outline_not_found"}, (name, codes)
        quality = outcome.reading.quality
        assert quality is not None and not quality.card_incomplete.raised, name
        printed = label["fields"]
        assert isinstance(printed, dict)
        for field, value in printed.items():
            found = getattr(outcome.reading.fields, field)
            assert found is not None and found.value == str(value), (name, field)


def test_each_side_of_an_outline_is_judged_on_its_own() -> None:
    from idcard.imaging.locate import _side_support

    edges = np.full((300, 400), 255, np.uint8)
    cv2.rectangle(edges, (50, 60), (350, 240), 0, 1)
    distance = cv2.distanceTransform(edges, cv2.DIST_L2, 3)
    card = np.array([[50, 60], [350, 60], [350, 240], [50, 240]], np.float32)
    assert _side_support(card, distance).min() == 1.0
    # Three sides on the card's edges, the fourth cut across it: the mean still looks
    # well supported, the cut side does not.
    cut = np.array([[50, 120], [350, 100], [350, 240], [50, 240]], np.float32)
    sides = _side_support(cut, distance)
    assert sides.mean() > 0.6 and sides[0] == 0.0
