"""The detector's input tensor, built channel by channel in place, is the one the plain
numpy expression built."""

from __future__ import annotations

import cv2
import numpy as np

from idcard.ocr.detect import DetectionParams, _mean_inside, input_size, input_tensor


def _plain_tensor(image: np.ndarray, params: DetectionParams) -> np.ndarray:
    height, width = input_size(image.shape[0], image.shape[1], params.limit)
    resized = cv2.resize(image, (width, height))
    std = np.asarray(params.std, dtype=np.float32)
    scale = 1.0 / (255.0 * std)
    offset = np.asarray(params.mean, dtype=np.float32) / std
    planes = [(resized[:, :, c] * scale[c] - offset[c]).astype(np.float32) for c in range(3)]
    return np.stack(planes)[np.newaxis]


def test_input_tensor_unchanged() -> None:
    rng = np.random.default_rng(2)
    params = DetectionParams(limit=960, mean=(0.485, 0.456, 0.406), std=(0.229, 0.224, 0.225))
    for shape in ((540, 856, 3), (960, 1280, 3), (40, 700, 3), (33, 33, 3)):
        image = rng.integers(0, 256, shape).astype(np.uint8)
        got = input_tensor(image, params)
        want = _plain_tensor(image, params)
        assert got.dtype == np.float32 and got.flags.c_contiguous
        assert np.array_equal(got, want)


def _plain_mean_inside(probability: np.ndarray, box: np.ndarray) -> float:
    map_h, map_w = probability.shape
    x_min = int(np.clip(np.floor(box[:, 0].min()), 0, map_w - 1))
    x_max = int(np.clip(np.ceil(box[:, 0].max()), 0, map_w - 1))
    y_min = int(np.clip(np.floor(box[:, 1].min()), 0, map_h - 1))
    y_max = int(np.clip(np.ceil(box[:, 1].max()), 0, map_h - 1))
    mask = np.zeros((y_max - y_min + 1, x_max - x_min + 1), dtype=np.uint8)
    shifted = box - np.array([x_min, y_min], dtype=np.float32)
    cv2.fillPoly(mask, [shifted.astype(np.int32)], 1)
    window = probability[y_min : y_max + 1, x_min : x_max + 1]
    return float(cv2.mean(window, mask)[0])


def test_mean_inside_unchanged_on_and_off_the_map() -> None:
    rng = np.random.default_rng(4)
    probability = rng.random((96, 160)).astype(np.float32)
    for _ in range(200):
        centre = rng.uniform(-10, 170, 2)
        half = rng.uniform(0.5, 30, 2)
        box = np.array([centre - half, [centre[0] + half[0], centre[1] - half[1]],
                        centre + half, [centre[0] - half[0], centre[1] + half[1]]],
                       dtype=np.float32)
        assert _mean_inside(probability, box) == _plain_mean_inside(probability, box)
