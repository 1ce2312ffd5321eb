"""A photo of a screen showing the card (drawn by tools/cardgen's screen_recapture
condition) is read again through a smoothed copy (`descreened`), and still judged a
screen recapture on its own pixels."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
import pytest
from generated import make_conditions, needs_fonts

import idcard.pipeline.one_view as one_view
from idcard.errors import InputError
from idcard.imaging.quality import descreened
from idcard.pipeline import CardReader

# Clean scans of screens, fronts and backs, from a seed no benchmark set uses.
SCREENS = [(5, "clean", "screen_recapture", index, f"screen_{index}.jpg") for index in range(4)]


def drawn_conditions(jobs: list[tuple[int, str, str, int, str]],
                     folder: Path) -> list[tuple[bytes, dict[str, str], str]]:
    """Each job of tools/make_conditions.py drawn into `folder`: its bytes, printed fields
    and side."""
    shots = []
    for job in jobs:
        label = make_conditions.make_one(job, folder)
        fields = label["fields"]
        assert isinstance(fields, dict)
        shots.append(((folder / job[4]).read_bytes(), {k: str(v) for k, v in fields.items()},
                      str(label["side"])))
    return shots


def fields_right(reader: CardReader, shots: list[tuple[bytes, dict[str, str]]]) -> int:
    right = 0
    for data, printed in shots:
        try:
            fields = reader.read(data).reading.fields
        except InputError:  # no_card_found: nothing right
            continue
        right += sum(getattr(fields, name) is not None
                     and getattr(fields, name).value == value for name, value in printed.items())
    return right


@needs_fonts
def test_a_photographed_screen_reads_more_fields_through_a_smoothed_copy(
        reader: CardReader, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    shots = [(data, printed) for data, printed, _ in drawn_conditions(SCREENS, tmp_path)]
    outcome = reader.read(shots[0][0])
    assert "step:descreened" in outcome.timings_ms
    assert outcome.reading.quality is not None
    assert outcome.reading.quality.screen_recapture.raised  # judged on the unsmoothed pixels

    smoothed = fields_right(reader, shots)
    monkeypatch.setattr(one_view, "shows_screen", lambda image: False)
    plain = fields_right(reader, shots)
    assert smoothed > plain


@needs_fonts
def test_a_screens_coloured_stripes_are_flattened_before_it_is_smoothed(
        reader: CardReader, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # A screen lights each pixel as red, green and blue stripes side by side: smoothed in
    # colour, a stroke stays striped and the detector misses thin print (a back's
    # authority and period). The brightest of the three, smoothed, is one even tone.
    shots = [(data, printed) for data, printed, _ in drawn_conditions(SCREENS, tmp_path)]
    flattened = fields_right(reader, shots)
    monkeypatch.setattr(one_view, "descreened",
                        lambda image: cv2.GaussianBlur(image, (0, 0), 2.0))
    coloured = fields_right(reader, shots)
    assert flattened > coloured


def test_the_smoothed_copy_of_a_screen_is_one_tone_per_pixel() -> None:
    stripes = np.zeros((64, 96, 3), np.uint8)
    stripes[:, 0::3, 2] = stripes[:, 1::3, 1] = stripes[:, 2::3, 0] = 220  # R, G, B columns
    smoothed = descreened(stripes)
    assert smoothed.shape == stripes.shape
    assert (smoothed.max(axis=2) == smoothed.min(axis=2)).all()
    assert int(smoothed[8:-8, 8:-8].min()) >= 200  # the stripes' dark gaps are gone
