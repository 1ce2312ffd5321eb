"""Closed-vocabulary reading: how likely a crop's CTC output reads each word of a list.

Where a field can print only a few values (sex: 男/女; ethnicity: a list of names), the
recogniser's per-time-step probabilities say more than its greedy reading: a stamp over
the value may win most time steps while the value's character still holds real mass
at its own. The CTC forward algorithm sums, over every frame-level path, the
probability that the path reads a word.

The event scored for a word w is: *the characters of the vocabulary that the crop's
CTC output holds are exactly w, side by side*. Frames before and after w may emit the
blank or any character outside the vocabulary (a stamp's 复印无效, a label's 族), so a
value with stamp text around it still scores; a frame inside w may emit only w's
characters or the blank. Every path belongs to at most one word's event, so the
words' probabilities are disjoint and sum to at most 1: what is left is the chance that
the crop reads no word of the list at all (a blank cell, a stamp alone).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import numpy.typing as npt

from idcard.ocr.runtime import FloatArray

BLANK = 0


def word_probabilities(probabilities: FloatArray,
                       words: Sequence[Sequence[int]]) -> npt.NDArray[np.float64]:
    """For each word (class indices, none the blank), the probability that the CTC
    output of `probabilities` (time steps × classes, each row summing to 1) holds
    exactly that word's characters of the vocabulary (the union of the words'
    characters), side by side, with any other output before and after it.

    One forward pass over all words at once; states per word, in order: the prefix,
    c1, blank, c2, blank, ..., cn, the suffix.
    """
    if not words:
        return np.zeros(0)
    steps = probabilities.shape[0]
    if steps == 0 or any(len(w) == 0 for w in words):
        return np.zeros(len(words))
    probs = np.asarray(probabilities, dtype=np.float64)
    vocabulary = sorted({c for word in words for c in word})
    other = np.clip(1.0 - probs[:, vocabulary].sum(axis=1), 0.0, 1.0)
    # Emission column per state: a class of `probs`, or `other_column` for the prefix
    # and suffix, or `never_column` (always 0) for the padding of shorter words.
    classes = probs.shape[1]
    other_column, never_column = classes, classes + 1
    emissions = np.concatenate([probs, other[:, None], np.zeros((steps, 1))], axis=1)
    states = 2 * max(len(w) for w in words) + 1
    column = np.full((len(words), states), never_column, dtype=np.intp)
    from_previous = np.zeros((len(words), states))
    from_skip = np.zeros((len(words), states))
    ends = np.zeros((len(words), 2), dtype=np.intp)
    for row, word in enumerate(words):
        last = 2 * len(word)
        column[row, 0] = column[row, last] = other_column
        for i, char in enumerate(word):
            column[row, 2 * i + 1] = char
            if i + 1 < len(word):
                column[row, 2 * i + 2] = BLANK
            if i > 0 and word[i - 1] != char:
                from_skip[row, 2 * i + 1] = 1.0
        from_previous[row, 1:last + 1] = 1.0
        ends[row] = (last - 1, last)
    alpha = np.zeros((len(words), states))
    alpha[:, :2] = emissions[0][column[:, :2]]
    log_scale = 0.0
    for t in range(1, steps):
        moved = alpha.copy()
        moved[:, 1:] += alpha[:, :-1] * from_previous[:, 1:]
        moved[:, 2:] += alpha[:, :-2] * from_skip[:, 2:]
        alpha = moved * emissions[t][column]
        peak = float(alpha.max())
        if peak <= 0.0:
            return np.zeros(len(words))
        # Rescaled every step so long crops do not underflow.
        alpha /= peak
        log_scale += float(np.log(peak))
    final = np.take_along_axis(alpha, ends, axis=1).sum(axis=1)
    with np.errstate(divide="ignore"):
        result: npt.NDArray[np.float64] = np.exp(np.log(final) + log_scale)
    return result
