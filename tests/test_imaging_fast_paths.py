"""Faster ways of computing image measures give exactly what the plain numpy ones gave."""

from __future__ import annotations

import cv2
import numpy as np

from idcard.imaging import quality
from idcard.imaging.levels import channel_max, channel_min, channel_sum, median_level


def test_channel_max_is_the_max_over_the_last_axis() -> None:
    rng = np.random.default_rng(5)
    for pixels in (rng.integers(-300, 300, (37, 53, 3)).astype(np.int16),
                   rng.random((101, 3)) * 255.0,
                   np.zeros((1, 1, 3), np.uint8)):
        assert np.array_equal(channel_max(pixels), pixels.max(axis=-1))
        assert channel_max(pixels).dtype == pixels.max(axis=-1).dtype


def test_channel_helpers_give_numpys_bits() -> None:
    rng = np.random.default_rng(7)
    colour = rng.integers(0, 256, (24, 900, 3)).astype(np.uint8)
    assert np.array_equal(channel_max(colour), colour.max(axis=2))
    assert np.array_equal(channel_min(colour), colour.min(axis=2))
    for _ in range(3):
        pixels = (rng.random((24, 900, 3)) * 255 - rng.random() * 100).astype(np.float32)
        assert np.array_equal(channel_sum(pixels), pixels.sum(axis=2))
        assert np.array_equal(channel_sum(pixels) / 3, pixels.mean(axis=2))


def _plain_screen_peak(card: np.ndarray) -> float:
    """The screen measure as first written: the spectrum shifted, the band by radius."""
    side = min(256, *card.shape[:2])
    top, left = (card.shape[0] - side) // 2, (card.shape[1] - side) // 2
    patch = card[top:top + side, left:left + side].astype(np.float32)
    chroma = patch[..., 2] - patch[..., 0]
    chroma -= float(chroma.mean())
    window = np.outer(np.hanning(side), np.hanning(side)).astype(np.float32)
    spectrum = np.abs(np.fft.fftshift(np.fft.fft2(chroma * window)))
    freq = np.fft.fftshift(np.fft.fftfreq(side))
    band = spectrum[np.hypot(*np.meshgrid(freq, freq)) >= 0.12]
    return float(band.max()) / float(np.median(band))


def test_screen_measure_unchanged() -> None:
    rng = np.random.default_rng(3)
    striped = np.full((300, 476, 3), 200, np.uint8)
    striped[:, ::3, 2] = 255  # a screen's red sub-pixel stripes
    for card in (striped, rng.integers(0, 256, (270, 428, 3)).astype(np.uint8),
                 rng.integers(90, 140, (120, 200, 3)).astype(np.uint8)):
        assert quality._screen(card).measure == _plain_screen_peak(card)


def _plain_sticker_sums(labels: np.ndarray, values: np.ndarray, paper: np.ndarray,
                        count: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    size = np.maximum(np.bincount(labels.ravel(), minlength=count), 1).astype(np.float64)
    above = np.bincount(labels.ravel(), weights=(values - paper).ravel(), minlength=count)
    level = np.bincount(labels.ravel(), weights=values.ravel(), minlength=count)
    return size, above, level


def test_flat_patches_unchanged() -> None:
    rng = np.random.default_rng(11)
    grey = rng.normal(170, 12, (270, 428)).clip(0, 255).astype(np.uint8)
    grey[40:90, 60:160] = 215  # a white sticker
    grey[150:200, 250:330] = 150  # a flat darker patch
    patches = quality._flat_patches(grey)
    values = grey.astype(np.float32)
    mean = cv2.blur(values, (5, 5))
    deviation = np.sqrt(np.maximum(cv2.blur(values * values, (5, 5)) - mean * mean, 0.0))
    texture = max(0.5, float(np.median(deviation)))
    flat = cv2.morphologyEx((deviation < 0.35 * texture).astype(np.uint8), cv2.MORPH_OPEN,
                            np.ones((5, 5), np.uint8))
    count, labels = cv2.connectedComponents(flat, connectivity=4)
    size, above, level = _plain_sticker_sums(labels, values, quality._local_median(grey), count)
    sticker = (above / size >= 6.0) & (level / size < 250)
    sticker[0] = False
    assert patches.any()
    assert np.array_equal(patches, sticker[labels])


def test_median_level_is_numpys_median() -> None:
    rng = np.random.default_rng(9)
    for size in (1, 2, 3, 4, 7, 10, 255, 256, 1001, 115_560):
        for high in (1, 2, 40, 256):
            levels = rng.integers(0, high, size).astype(np.uint8)
            assert median_level(levels) == float(np.median(levels)), (size, high)
    grey = rng.integers(0, 256, (270, 428)).astype(np.uint8)
    assert median_level(grey) == float(np.median(grey))
    assert median_level(grey[::3, 1::2]) == float(np.median(grey[::3, 1::2]))
    assert median_level(grey.astype(np.float32) / 3) == float(np.median(grey / np.float32(3)))
    assert np.isnan(median_level(np.zeros(0, np.uint8)))


def test_channel_mean_of_pixel_rows_is_numpys() -> None:
    rng = np.random.default_rng(13)
    pixels = rng.integers(0, 256, (5000, 3)).astype(np.float32)
    assert np.array_equal(channel_sum(pixels) / 3, pixels.mean(axis=1))


def test_percentiles_by_counting_are_numpys() -> None:
    rng = np.random.default_rng(11)
    for size in (1, 2, 7, 200, 15_000):
        values = rng.integers(0, 1021, size)
        counts = np.bincount(values)
        shares = (0.0, 0.05, 0.5, 0.95, 0.995, 1.0)
        expected = np.percentile(values, [100 * s for s in shares])
        assert np.allclose(quality._percentiles(counts, shares), expected, rtol=0, atol=1e-9)


def test_blur_edges_on_integer_gradients_are_the_float_ones() -> None:
    """The edge measures ranked by counting integer Sobel gradients of 8-bit print give
    the float gradients' percentiles."""
    rng = np.random.default_rng(13)
    patch = cv2.GaussianBlur(rng.integers(0, 256, (60, 300)).astype(np.uint8), (0, 0), 1.2)
    edges = quality._edges(patch)
    assert edges is not None
    values = patch.astype(np.float32)
    gx = cv2.Sobel(values, cv2.CV_32F, 1, 0, ksize=3)
    gy = cv2.Sobel(values, cv2.CV_32F, 0, 1, ksize=3)
    low, high = np.percentile(values, (5, 95))
    assert np.isclose(edges.contrast, high - low)
    assert np.isclose(edges.along[0], np.percentile(np.abs(gx), 99.5) / 8.0)
    assert np.isclose(edges.along[1], np.percentile(np.abs(gy), 99.5) / 8.0)
    diagonal = np.abs(gx + gy) * np.sqrt(0.5)
    assert np.isclose(edges.along[2], np.percentile(diagonal, 99.5) / 8.0)
    assert np.isclose(edges.steepest, np.percentile(cv2.magnitude(gx, gy), 99.5) / 8.0)
