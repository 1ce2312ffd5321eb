"""CTC text recognition: batch line crops, run the recogniser, decode greedily."""

from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import dataclass

import cv2
import numpy as np
import numpy.typing as npt

from idcard.ocr.image import BgrImage
from idcard.ocr.runtime import FloatArray, Lanes, Network

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
    # Per character: the recogniser's second choice at that place and its probability
    # (empty when not kept, e.g. after a merge).
    runner_ups: tuple[tuple[str, float], ...] = ()
    # Per character: the likeliest of the watched classes (`recognize`'s `rivals`) other
    # than the character read, and its probability (empty when none were watched).
    rivals: tuple[tuple[str, float], ...] = ()
    # The reading as a whole is no surer than this: one of its characters may be a rare
    # look-alike's common twin (consensus.with_doubts), which the mean confidence of a
    # longer line would hide.
    doubt: float = 1.0


@dataclass(frozen=True)
class RecognitionParams:
    height: int
    min_width: int  # every batch is padded to at least this width, as in training
    max_batch: int = 8
    # Fixed cost of one network run, in the same unit as a batch's variable cost (lines ×
    # padded width in heights); measured ~4 ms per run against ~13 ms per 320 px line.
    run_overhead: float = 2.5
    # PaddleOCR/RapidOCR batching (fixed groups of 6 padded to the widest) instead of
    # ours. Padding changes what the attention layers see, so only this reproduces their
    # text exactly (ours reads the same characters, sometimes with an extra space).
    reference_batching: bool = False


def load_dictionary(text: str) -> list[str]:
    """Index → character: blank, the dictionary's lines, then a space (PaddleOCR's order)."""
    lines = text.split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    return ["", *(line.rstrip("\r") for line in lines), " "]


def recognize(crops: list[BgrImage], network: Network, characters: list[str],
              params: RecognitionParams, runner_ups: bool = False,
              alphabet: str | None = None, lanes: Lanes | None = None,
              rivals: npt.NDArray[np.bool_] | None = None) -> list[Reading]:
    """One reading per crop, in the crops' order (with each character's second choice
    when `runner_ups`, and its likeliest rival among the classes `rivals` marks when
    given; with only the characters of `alphabet` when given, see `only_alphabet`).

    Crops are sorted by aspect ratio and cut into batches of neighbours (see
    `plan_batches`), so every line is padded only to the width of its batch's widest.
    With `lanes`, the batches' rows are shared out among them (see `share_rows`).
    """
    keep = None if alphabet is None else alphabet_columns(characters, alphabet)
    readings: list[Reading | None] = [None] * len(crops)
    for index, scores, filled in _scores_by_crop(crops, network, params, lanes):
        if keep is not None:
            scores = only_alphabet(scores, keep)
        readings[index] = _decode(scores, characters, filled, runner_ups, rivals)
    return [r for r in readings if r is not None]


def alphabet_columns(characters: list[str], alphabet: str) -> npt.NDArray[np.intp]:
    """The output classes that spell `alphabet`'s characters, and the blank."""
    wanted = set(alphabet)
    return np.array([_BLANK, *(i for i, char in enumerate(characters)
                               if i != _BLANK and char in wanted)], dtype=np.intp)


def only_alphabet(scores: FloatArray, keep: npt.NDArray[np.intp]) -> FloatArray:
    """The scores with every class but `keep` at zero: a greedy reading of them reads
    only those characters. Not renormalised, so a character's confidence stays its
    probability among all classes: a digit read where the recogniser saw something
    else (a stamp's stroke across it) stays unsure."""
    kept = np.zeros_like(scores)
    kept[:, keep] = scores[:, keep]
    return kept


def probabilities(crops: list[BgrImage], network: Network, params: RecognitionParams,
                  lanes: Lanes | None = None) -> list[FloatArray]:
    """Per crop, the recogniser's class probabilities per time step (time × classes),
    cut to the steps the crop itself fills (not its batch's padding)."""
    found: list[FloatArray | None] = [None] * len(crops)
    for index, scores, filled in _scores_by_crop(crops, network, params, lanes):
        used = min(len(scores), math.ceil(len(scores) * filled) + 1)
        found[index] = np.asarray(scores[:used], dtype=np.float32)
    return [f for f in found if f is not None]


def _scores_by_crop(crops: list[BgrImage], network: Network, params: RecognitionParams,
                    lanes: Lanes | None) -> Iterator[tuple[int, FloatArray, float]]:
    """Each crop's index, its row of the network's output (time × classes) and the share
    of that row's width its text fills; crops batched as `plan_batches` says."""
    ratios = [crop.shape[1] / crop.shape[0] for crop in crops]
    order = [int(i) for i in np.argsort(np.array(ratios), kind="stable")]
    padded = [max(params.min_width / params.height, ratios[i]) for i in order]
    batches = [Batch(order[start:end], padded[end - 1])
               for start, end in _batches(padded, params)]
    runs = [batches] if lanes is None or len(crops) < 2 else share_rows(batches, lanes.count)
    tensors = [[_batch_tensor([crops[i] for i in batch.members], params, batch.width)
                for batch in lane] for lane in runs]
    outputs = ([[network.run(tensor) for tensor, _ in tensors[0]]] if lanes is None
               or len(runs) == 1 else lanes.run_all([[t for t, _ in lane] for lane in tensors]))
    for lane, lane_tensors, lane_outputs in zip(runs, tensors, outputs, strict=True):
        for batch, (tensor, text_widths), scores in zip(lane, lane_tensors, lane_outputs,
                                                        strict=True):
            for row, index in enumerate(batch.members):
                yield index, scores[row], text_widths[row] / tensor.shape[3]


@dataclass(frozen=True)
class Batch:
    """Crops run together (their indices), padded to `width` heights."""

    members: list[int]
    width: float


def share_rows(batches: list[Batch], lanes: int) -> list[list[Batch]]:
    """The batches' rows dealt out to `lanes` networks that run side by side, each row to
    the lane with the least work so far, widest first (work: padded width). Every row
    keeps its batch's padded width, so it reads exactly as in the batch; a lane runs its
    rows of one batch together. Lanes left without work are dropped.

    On cards' lines two one-thread runs side by side finish in 0.8× the time of one
    two-thread run (bench/recognition_lanes.py): a run's small matrices keep a second
    thread only partly busy.
    """
    rows = sorted(((batch.width, number, member) for number, batch in enumerate(batches)
                   for member in batch.members), key=lambda row: -row[0])
    work = [0.0] * lanes
    dealt: list[dict[int, list[int]]] = [{} for _ in range(lanes)]
    for width, number, member in rows:
        lane = work.index(min(work))
        work[lane] += width
        dealt[lane].setdefault(number, []).append(member)
    return [[Batch(members, batches[number].width) for number, members in sorted(lane.items())]
            for lane in dealt if lane]


_REFERENCE_BATCH = 6


def _batches(widths: list[float], params: RecognitionParams) -> list[tuple[int, int]]:
    if params.reference_batching:
        return [(start, min(len(widths), start + _REFERENCE_BATCH))
                for start in range(0, len(widths), _REFERENCE_BATCH)]
    return plan_batches(widths, params.max_batch, params.run_overhead)


def plan_batches(widths: list[float], max_batch: int,
                 run_overhead: float) -> list[tuple[int, int]]:
    """Cut ascending `widths` into [start, end) batches of at most `max_batch` that
    minimise total work: per batch, its size × its widest member, plus `run_overhead`.

    Exact dynamic programme over the cut points (n ≤ a few dozen lines, so it is cheap).
    """
    count = len(widths)
    best = [0.0] + [float("inf")] * count  # best[i]: cost of the first i widths
    cut = [0] * (count + 1)
    for end in range(1, count + 1):
        for start in range(max(0, end - max_batch), end):
            cost = best[start] + run_overhead + (end - start) * widths[end - 1]
            if cost < best[end]:
                best[end], cut[end] = cost, start
    batches: list[tuple[int, int]] = []
    end = count
    while end > 0:
        batches.append((cut[end], end))
        end = cut[end]
    return batches[::-1]


def _batch_tensor(crops: list[BgrImage], params: RecognitionParams,
                  padded: float) -> tuple[FloatArray, list[int]]:
    """(N, 3, H, W) with W = `padded` heights (its batch's widest crop, or the minimum
    width); also each crop's own resized width."""
    height = params.height
    ratio = min(_MAX_WIDTH_RATIO, padded)
    width = int(height * ratio)
    batch = np.zeros((len(crops), 3, height, width), dtype=np.float32)
    widths: list[int] = []
    for index, crop in enumerate(crops):
        resized_w = min(width, math.ceil(height * crop.shape[1] / crop.shape[0]))
        resized = cv2.resize(crop, (resized_w, height))
        batch[index, :, :, :resized_w] = resized.transpose(2, 0, 1) * (2.0 / 255.0) - 1.0
        widths.append(resized_w)
    return batch, widths


def _decode(scores: FloatArray, characters: list[str], text_fraction: float,
            runner_ups: bool = False, rivals: npt.NDArray[np.bool_] | None = None) -> Reading:
    """Greedy CTC: best class per time step, merge repeats, drop blanks (and, when asked,
    each character's runner-up).

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
                   char_positions=positions,
                   runner_ups=_runner_ups(scores, starts, characters) if runner_ups else (),
                   rivals=() if rivals is None else _rivals(scores, starts, characters, rivals))


def _runner_ups(scores: FloatArray, steps: npt.NDArray[np.intp],
                characters: list[str]) -> tuple[tuple[str, float], ...]:
    """At each of `steps`, the likeliest character other than the best one (and the
    blank), with its probability."""
    rows = scores[steps].copy()
    rows[:, _BLANK] = -np.inf
    rows[np.arange(len(steps)), rows.argmax(axis=1)] = -np.inf
    second = rows.argmax(axis=1)
    return tuple((characters[int(k)], float(scores[t, k])) for t, k in zip(steps, second,
                                                                             strict=True))


def _rivals(scores: FloatArray, steps: npt.NDArray[np.intp], characters: list[str],
            watched: npt.NDArray[np.bool_]) -> tuple[tuple[str, float], ...]:
    """At each of `steps`, the likeliest `watched` class other than the best one, with its
    probability ("" and 0 when no other class is watched)."""
    rows = np.where(watched, scores[steps], -np.inf)
    rows[np.arange(len(steps)), scores[steps].argmax(axis=1)] = -np.inf
    best = rows.argmax(axis=1)
    return tuple((characters[int(k)], float(scores[t, k])) if np.isfinite(rows[i, k])
                 else ("", 0.0) for i, (t, k) in enumerate(zip(steps, best, strict=True)))


def _runs(labels: npt.NDArray[np.intp]) -> tuple[npt.NDArray[np.intp], npt.NDArray[np.intp]]:
    """First and last time step of each run of equal labels."""
    changes = np.flatnonzero(labels[1:] != labels[:-1]) + 1
    starts = np.concatenate(([0], changes))
    ends = np.concatenate((changes - 1, [len(labels) - 1]))
    return starts.astype(np.intp), ends.astype(np.intp)
