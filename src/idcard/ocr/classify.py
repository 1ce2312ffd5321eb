"""Text-line orientation (0° or 180°) with the PP-OCR mobile v2.0 classifier."""

from __future__ import annotations

import math

import cv2
import numpy as np

from idcard.ocr.image import BgrImage
from idcard.ocr.runtime import FloatArray, Network

_HEIGHT, _WIDTH = 48, 192
# Only turn a line when the classifier is this sure it is upside down: a wrong flip
# destroys a line, a missed one only costs a re-read by the caller.
_FLIP_SCORE = 0.9
_UPSIDE_DOWN = 1  # output column for the "180" label
# Lines of one card's print classified to settle which way up all of them are: the widest,
# whose many characters the classifier is surest of.
_SAMPLE = 3


def classifier_tensor(crops: list[BgrImage]) -> FloatArray:
    """(N, 3, 48, 192): each crop scaled to height 48 (width at most 192), left-aligned on
    zero padding, pixels mapped to [-1, 1]."""
    batch = np.zeros((len(crops), 3, _HEIGHT, _WIDTH), dtype=np.float32)
    for index, crop in enumerate(crops):
        height, width = crop.shape[:2]
        resized_w = min(_WIDTH, math.ceil(_HEIGHT * width / height))
        resized = cv2.resize(crop, (resized_w, _HEIGHT))
        batch[index, :, :, :resized_w] = resized.transpose(2, 0, 1) * (2.0 / 255.0) - 1.0
    return batch


def upside_down(crops: list[BgrImage], network: Network) -> list[bool]:
    """Which crops read upside down (all classified in one network run)."""
    if not crops:
        return []
    probabilities = network.run(classifier_tensor(crops))
    labels = probabilities.argmax(axis=1)
    return [bool(label == _UPSIDE_DOWN and row[label] > _FLIP_SCORE)
            for label, row in zip(labels, probabilities, strict=True)]


def upside_down_together(crops: list[BgrImage], network: Network) -> list[bool]:
    """For crops of one card's print, which all lie the same way up: the widest few are
    classified, and where they agree their verdict holds for every crop. Where they
    disagree (two cards one each way in one view) each crop is classified on its own."""
    if len(crops) <= _SAMPLE:
        return upside_down(crops, network)
    widest = sorted(range(len(crops)), key=lambda i: _aspect(crops[i]), reverse=True)
    verdicts = upside_down([crops[i] for i in widest[:_SAMPLE]], network)
    if len(set(verdicts)) == 1:
        return [verdicts[0]] * len(crops)
    return upside_down(crops, network)


def _aspect(crop: BgrImage) -> float:
    height, width = crop.shape[:2]
    return float(width) / max(1, int(height))
