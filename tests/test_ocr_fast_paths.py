"""The detector's input tensor, built channel by channel in place, is the one the plain
numpy expression built."""

from __future__ import annotations

import cv2
import numpy as np

from idcard.ocr.detect import DetectionParams, input_size, input_tensor


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
