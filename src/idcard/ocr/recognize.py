"""CTC text recognition: batch line crops, run the recogniser, decode greedily."""

from __future__ import annotations

import math
from dataclasses import dataclass

import cv2
import numpy as np
import numpy.typing as npt

from idcard.ocr.image import BgrImage
from idcard.ocr.runtime import FloatArray, Network

_BLANK = 0
# Lines wider than this many heights are squeezed to it: keeps a pathological strip from
# building a multi-gigabyte batch (an ID card's longest line is ~15 heights).
_MAX_WIDTH_RATIO = 64.0


@dataclass(frozen=True)
class Reading:
    text: str
    confidence: float  # mean of the character confidences; 0 for no text
    char_confidences: tuple[float, ...]
    char_positions: tuple[float, ...]  # centre of each character, fraction of the width


@dataclass(frozen=True)
class RecognitionParams:
    height: int
    min_width: int  # every batch is padded to at least this width, as in training
    batch_size: int = 6


def load_dictionary(text: str) -> list[str]:
    """Index → character: blank, the dictionary's lines, then a space (PaddleOCR's order)."""
    lines = text.split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    return ["", *(line.rstrip("\r") for line in lines), " "]


def recognize(crops: list[BgrImage], network: Network, characters: list[str],
              params: RecognitionParams) -> list[Reading]:
    """One reading per crop, in the crops' order.

    Crops are sorted by aspect ratio and batched so each batch pads to a similar width.
    """
    ratios = [crop.shape[1] / crop.shape[0] for crop in crops]
    order = np.argsort(np.array(ratios))
    readings: list[Reading | None] = [None] * len(crops)
    for start in range(0, len(crops), params.batch_size):
        members = [int(i) for i in order[start : start + params.batch_size]]
        batch, text_widths = _batch_tensor([crops[i] for i in members], params)
        scores = network.run(batch)
        for row, index in enumerate(members):
            readings[index] = _decode(scores[row], characters, text_widths[row] / batch.shape[3])
    return [r for r in readings if r is not None]


def _batch_tensor(crops: list[BgrImage],
                  params: RecognitionParams) -> tuple[FloatArray, list[int]]:
    """(N, 3, H, W) with W fitting the widest crop; also each crop's own resized width."""
    height = params.height
    widest = max(crop.shape[1] / crop.shape[0] for crop in crops)
    ratio = min(_MAX_WIDTH_RATIO, max(params.min_width / height, widest))
    width = int(height * ratio)
    batch = np.zeros((len(crops), 3, height, width), dtype=np.float32)
    widths: list[int] = []
    for index, crop in enumerate(crops):
        resized_w = min(width, math.ceil(height * crop.shape[1] / crop.shape[0]))
        resized = cv2.resize(crop, (resized_w, height))
        batch[index, :, :, :resized_w] = resized.transpose(2, 0, 1) * (2.0 / 255.0) - 1.0
        widths.append(resized_w)
    return batch, widths


def _decode(scores: FloatArray, characters: list[str], text_fraction: float) -> Reading:
    """Greedy CTC: best class per time step, merge repeats, drop blanks.

    `text_fraction` is the part of the padded input the crop itself fills, so positions
    come out relative to the crop, not to the padding.
    """
    best = scores.argmax(axis=1)
    best_scores = scores[np.arange(len(best)), best]
    starts, ends = _runs(best)
    keep = best[starts] != _BLANK
    starts, ends = starts[keep], ends[keep]
    steps = len(best)
    text = "".join(characters[int(best[s])] for s in starts)
    confidences = tuple(float(best_scores[s]) for s in starts)
    scale = 1.0 / (steps * text_fraction)
    positions = tuple(float(min(1.0, (s + e + 1) / 2.0 * scale)) for s, e in zip(starts, ends,
                                                                          strict=True))
    confidence = float(np.mean(confidences)) if confidences else 0.0
    return Reading(text=text, confidence=confidence, char_confidences=confidences,
                   char_positions=positions)


def _runs(labels: npt.NDArray[np.intp]) -> tuple[npt.NDArray[np.intp], npt.NDArray[np.intp]]:
    """First and last time step of each run of equal labels."""
    changes = np.flatnonzero(labels[1:] != labels[:-1]) + 1
    starts = np.concatenate(([0], changes))
    ends = np.concatenate((changes - 1, [len(labels) - 1]))
    return starts.astype(np.intp), ends.astype(np.intp)
