"""imaging.smear: a straight smear measured from the image's cepstrum and taken back out;
imaging.quality.shows_motion_blur, the gate that asks for it."""

from __future__ import annotations

import math

import cv2
import numpy as np
import pytest

from idcard.imaging.quality import shows_motion_blur
from idcard.imaging.smear import Smear, camera_smear, unsmeared


def print_like(seed: int = 3) -> np.ndarray:
    """A card-sized grey page of dark strokes every way, as characters have (一 丨 丿 丶)."""
    rng = np.random.default_rng(seed)
    page = np.full((540, 856), 235, np.uint8)
    ways = [(1, 0), (0, 1), (1, 1), (1, -1)]
    for _ in range(1500):
        x, y = int(rng.integers(40, 800)), int(rng.integers(40, 500))
        (dx, dy), reach = ways[int(rng.integers(0, 4))], int(rng.integers(8, 24))
        cv2.line(page, (x, y), (x + dx * reach, y + dy * reach), 30, 3)
    return cv2.cvtColor(page, cv2.COLOR_GRAY2BGR)


def smeared(image: np.ndarray, length: int, degrees: float) -> np.ndarray:
    """`image` as a camera moving `length` px at `degrees` (counterclockwise) while it
    shoots sees it: the mean of the image shifted to each point along the way."""
    a = math.radians(degrees)
    steps = np.linspace(-length / 2, length / 2, 4 * length + 1)
    total = np.zeros(image.shape, np.float32)
    for step in steps:
        shift = np.float32([[1, 0, step * math.cos(a)], [0, 1, -step * math.sin(a)]])
        total += cv2.warpAffine(image, shift, image.shape[1::-1],
                                borderMode=cv2.BORDER_REFLECT).astype(np.float32)
    return np.clip(np.rint(total / len(steps)), 0, 255).astype(np.uint8)


def angle_apart(a: float, b: float) -> float:
    return min(abs(a - b) % 180.0, 180.0 - abs(a - b) % 180.0)


@pytest.mark.parametrize(("length", "degrees"), [(9, 0.0), (14, 35.0), (18, 90.0),
                                                 (12, 150.0)])
def test_a_straight_smear_is_measured_from_the_image(length: int, degrees: float) -> None:
    found = camera_smear(smeared(print_like(), length, degrees))
    assert found is not None
    assert abs(found.length - length) <= 1.5
    assert angle_apart(found.degrees, degrees) <= 8.0


def likeness(a: np.ndarray, b: np.ndarray) -> float:
    """Normalised cross-correlation of two images: 1 for the same print."""
    x, y = a.astype(np.float64).ravel(), b.astype(np.float64).ravel()
    x, y = x - x.mean(), y - y.mean()
    return float(x @ y / math.sqrt(float(x @ x) * float(y @ y)))


@pytest.mark.parametrize("degrees", [0.0, 60.0, 160.0])
def test_taking_the_smear_out_brings_the_print_back(degrees: float) -> None:
    sharp = print_like()
    blurred = smeared(sharp, 16, degrees)
    found = camera_smear(blurred)
    assert found is not None
    restored = unsmeared(blurred, found)
    assert restored.shape == blurred.shape and restored.dtype == np.uint8
    assert likeness(restored, sharp) > likeness(blurred, sharp) + 0.1


def test_an_image_too_small_to_measure_has_no_smear() -> None:
    assert camera_smear(np.full((12, 12, 3), 200, np.uint8)) is None
    assert camera_smear(np.zeros((1, 1), np.uint8)) is None


def test_undoing_a_smear_keeps_grey_images_grey() -> None:
    grey = cv2.cvtColor(smeared(print_like(), 10, 20.0), cv2.COLOR_BGR2GRAY)
    assert unsmeared(grey, Smear(10.0, 20.0)).shape == grey.shape


@pytest.mark.parametrize("degrees", [0.0, 30.0, 100.0, 160.0])
def test_only_a_one_way_blur_asks_for_the_smear_to_be_undone(degrees: float) -> None:
    card = print_like()
    assert shows_motion_blur(smeared(card, 16, degrees))
    assert not shows_motion_blur(card)
    assert not shows_motion_blur(cv2.GaussianBlur(card, (0, 0), 4.0))  # blur every way
