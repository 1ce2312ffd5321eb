"""A shadow across half the card (a hand or the phone over it) draws a straight, sharp
edge through the card, which the card finder may take for the card's own edge. An
outline cut by it holds half the card: its print runs across it, or nothing on it reads.
Such an outline is no card's, and the text is read as if no outline had been found (the
ID number was lost, or every row read as another's)."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
import pytest
import scans

from idcard.pipeline import CardReader

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"


def in_shadow(name: str) -> bytes:
    """The fixture with its left half at 45 % light, the shadow's edge ~15 px soft."""
    image = cv2.imread(str(FIXTURES / name))
    h, w = image.shape[:2]
    light = np.ones((h, w), np.float32)
    light[:, :w // 2] = 0.45
    light = cv2.GaussianBlur(light, (0, 0), 15)
    shaded = np.clip(image * light[..., None], 0, 255).astype(np.uint8)
    return bytes(cv2.imencode(".jpg", shaded, [cv2.IMWRITE_JPEG_QUALITY, 92])[1])


@pytest.mark.parametrize("name", ["front_photo_001.jpg", "front_photo_003.jpg"])
def test_a_card_half_in_shadow_reads_every_field(reader: CardReader, name: str) -> None:
    reading = reader.read(in_shadow(name)).reading
    assert reading.side == "front"
    for field_name, value in scans.printed(name).items():
        field = getattr(reading.fields, field_name)
        assert field is not None and field.value == value, field_name
