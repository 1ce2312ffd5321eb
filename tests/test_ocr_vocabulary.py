"""The closed-vocabulary scorer (ocr.vocabulary): exact probabilities on hand-made CTC
matrices, checked against the definition by enumerating every frame-level path."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from idcard.ocr.vocabulary import BLANK, word_probabilities

# Classes: 0 blank, 1 "A", 2 "B", 3 "X" (a character outside the vocabulary).
A, B, X = 1, 2, 3


def brute_force(probs: np.ndarray, word: list[int], vocabulary: set[int]) -> float:
    """The event by its definition: over every path, the path's probability when the
    span from its first to its last vocabulary frame holds only the word's characters and
    blanks and collapses (merge repeats, drop blanks) to exactly the word."""
    total = 0.0
    steps, classes = probs.shape
    for path in itertools.product(range(classes), repeat=steps):
        inside = [t for t, c in enumerate(path) if c in vocabulary]
        if not inside:
            continue
        span = path[inside[0]:inside[-1] + 1]
        if any(c not in vocabulary and c != BLANK for c in span):
            continue
        collapsed = [c for i, c in enumerate(span) if c != BLANK and (i == 0 or span[i - 1] != c)]
        if collapsed == word:
            total += float(np.prod([probs[t, c] for t, c in enumerate(path)]))
    return total


def test_hand_computed_two_steps() -> None:
    probs = np.array([[0.5, 0.3, 0.1, 0.1],
                      [0.4, 0.4, 0.1, 0.1]])
    # A: (other, A) 0.6·0.4 + (A, other) 0.3·0.5 + (A, A) 0.3·0.4 = 0.51
    # B: 0.6·0.1 + 0.1·0.5 + 0.1·0.1 = 0.12;  AB: (A, B) 0.3·0.1 = 0.03
    found = word_probabilities(probs, [[A], [B], [A, B]])
    assert found == pytest.approx([0.51, 0.12, 0.03], abs=1e-12)


def test_matches_the_definition_on_a_random_matrix() -> None:
    rng = np.random.default_rng(3)
    probs = rng.dirichlet(np.ones(4), size=5)
    words = [[A], [B], [A, B], [B, A], [A, A]]
    vocabulary = {A, B}
    found = word_probabilities(probs, words)
    expected = [brute_force(probs, w, vocabulary) for w in words]
    assert found == pytest.approx(expected, rel=1e-9)
    # The words' events are disjoint: together at most certainty.
    assert float(found.sum()) <= 1.0 + 1e-12


def test_a_repeated_character_needs_a_blank_between() -> None:
    # A A with no blank between collapses to one A: "AA" has no path here.
    probs = np.array([[0.0, 1.0, 0.0, 0.0],
                      [0.0, 1.0, 0.0, 0.0]])
    assert word_probabilities(probs, [[A, A], [A]]) == pytest.approx([0.0, 1.0])


def test_text_around_the_word_is_allowed_but_not_inside_it() -> None:
    # X A X: the word A with stamp text around it is certain; A X B is no word "AB".
    around = np.eye(4)[[X, A, X]]
    assert word_probabilities(around, [[A], [B]]) == pytest.approx([1.0, 0.0])
    split = np.eye(4)[[A, X, B]]
    assert word_probabilities(split, [[A, B], [A], [B]]) == pytest.approx([0.0, 0.0, 0.0])


def test_a_blank_or_stamp_only_crop_reads_no_word() -> None:
    blank = np.eye(4)[[BLANK, X, BLANK, X]]
    assert word_probabilities(blank, [[A], [B], [A, B]]) == pytest.approx([0.0, 0.0, 0.0])


def test_long_crops_do_not_underflow() -> None:
    # 400 steps of a faint A: each step alone is unlikely, the whole is still computed.
    probs = np.tile([0.6, 0.2, 0.1, 0.1], (400, 1))
    found = word_probabilities(probs, [[A]])
    assert 0.0 < float(found[0]) < 1.0


def test_empty_inputs() -> None:
    assert word_probabilities(np.zeros((0, 4)), [[A]]) == pytest.approx([0.0])
    assert len(word_probabilities(np.eye(4), [])) == 0
