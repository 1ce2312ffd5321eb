"""Pieces of the OCR pipeline that need no model: geometry, batching, CTC decoding."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from idcard.errors import InputError
from idcard.ocr import detect, recognize
from idcard.ocr.engine import _least_sure, _skips_a_character
from idcard.ocr.geometry import order_clockwise, reading_order, reading_quad
from idcard.ocr.image import as_bgr8


def test_detector_input_size_is_bounded_and_a_multiple_of_32() -> None:
    assert detect.input_size(544, 864, 960) == (544, 864)
    assert detect.input_size(3000, 4000, 960) == (704, 960)
    assert detect.input_size(1, 1, 960) == (32, 32)
    assert detect.input_size(300, 20000, 960) == (32, 960)
    for h, w in [(1, 1), (17, 5000), (999, 1001), (40000, 30)]:
        out_h, out_w = detect.input_size(h, w, 1000)
        assert out_h % 32 == 0 and out_w % 32 == 0 and min(out_h, out_w) >= 32
        assert max(out_h, out_w) <= 1000


def test_points_are_ordered_clockwise_from_top_left() -> None:
    shuffled = np.array([[10, 50], [100, 12], [12, 10], [98, 52]], dtype=np.float32)
    assert order_clockwise(shuffled).tolist() == [[12, 10], [100, 12], [98, 52], [10, 50]]


def test_reading_order_rows_then_left_to_right() -> None:
    def box(x: float, y: float) -> np.ndarray:
        return np.array([[x, y], [x + 50, y], [x + 50, y + 20], [x, y + 20]], np.float32)

    boxes = [box(300, 104), box(10, 100), box(10, 200), box(200, 96)]
    assert reading_order(boxes) == [1, 3, 0, 2]


def test_reading_quad_rotates_the_start_point() -> None:
    box = np.array([[0, 0], [10, 0], [10, 5], [0, 5]], np.float32)
    assert reading_quad(box, False, False)[0] == (0.0, 0.0)
    assert reading_quad(box, False, True)[0] == (10.0, 5.0)  # 180°: starts bottom-right
    assert reading_quad(box, True, False)[0] == (10.0, 0.0)  # turned vertical line
    assert reading_quad(box, True, True)[0] == (0.0, 5.0)


def test_plan_batches_is_contiguous_bounded_and_cheap() -> None:
    widths = [6.7] * 5 + [9.0, 12.0, 15.0, 40.0]
    plan = recognize.plan_batches(widths, max_batch=8, run_overhead=2.5)
    assert plan[0][0] == 0 and plan[-1][1] == len(widths)
    assert all(a[1] == b[0] for a, b in itertools.pairwise(plan))
    assert all(0 < end - start <= 8 for start, end in plan)
    # The 40-wide outlier gets a batch of its own instead of widening the others.
    assert plan[-1] == (8, 9)
    assert recognize.plan_batches([], 8, 2.5) == []


def test_rows_are_shared_out_to_lanes_each_once_at_its_batch_width() -> None:
    batches = [recognize.Batch([0, 1, 2, 3], 4.0), recognize.Batch([4, 5], 10.4),
               recognize.Batch([6], 13.1)]
    lanes = recognize.share_rows(batches, 2)
    assert len(lanes) == 2
    dealt = sorted(m for lane in lanes for batch in lane for m in batch.members)
    assert dealt == list(range(7))
    width_of = {m: b.width for b in batches for m in b.members}
    assert all(batch.width == width_of[m] for lane in lanes for batch in lane
               for m in batch.members)
    work = [sum(b.width * len(b.members) for b in lane) for lane in lanes]
    assert abs(work[0] - work[1]) <= 13.1  # no more apart than the widest row
    # One lane runs the batches as planned; lanes beyond the rows are left out.
    assert recognize.share_rows(batches, 1) == [batches]
    assert len(recognize.share_rows([recognize.Batch([0], 4.0)], 2)) == 1


def test_dictionary_adds_blank_first_and_space_last() -> None:
    characters = recognize.load_dictionary("　\na\r\n中\n")
    assert characters == ["", "　", "a", "中", " "]


def test_ctc_decoding_merges_repeats_and_positions_exclude_padding() -> None:
    characters = ["", "a", "b", " "]
    steps = [1, 1, 0, 2, 0, 0, 0, 0]  # "ab" in the first half; the rest is padding
    scores = np.zeros((len(steps), len(characters)), np.float32)
    for t, label in enumerate(steps):
        scores[t, label] = 0.9 if t else 0.7
    reading = recognize._decode(scores, characters, text_fraction=0.5)
    assert reading.text == "ab"
    assert reading.char_confidences == pytest.approx((0.7, 0.9))
    # "a" covers steps 0-1 (centre 1.0 of 4 text steps), "b" step 3 (centre 3.5).
    assert reading.char_positions == pytest.approx((0.25, 0.875))
    assert reading.confidence == pytest.approx(0.8)


def test_ctc_decoding_keeps_each_characters_second_choice() -> None:
    characters = ["", "a", "b", "c", " "]
    scores = np.array([[0.0, 0.6, 0.1, 0.3, 0.0],  # a, then c
                       [0.5, 0.1, 0.0, 0.0, 0.4],  # blank, then a space
                       [0.2, 0.0, 0.7, 0.1, 0.0]],  # b, then c (the blank never counts)
                      np.float32)
    assert recognize._decode(scores, characters, text_fraction=1.0).runner_ups == ()
    reading = recognize._decode(scores, characters, text_fraction=1.0, runner_ups=True)
    assert reading.text == "ab"
    assert [c for c, _ in reading.runner_ups] == ["c", "c"]
    assert [p for _, p in reading.runner_ups] == pytest.approx([0.3, 0.1])


def test_ctc_decoding_finds_each_characters_likeliest_watched_rival() -> None:
    characters = ["", "a", "b", "c", " "]
    scores = np.array([[0.0, 0.6, 0.1, 0.3, 0.0],  # a: c is second, b (watched) third
                       [0.5, 0.1, 0.0, 0.0, 0.4],
                       [0.2, 0.0, 0.7, 0.1, 0.0]],  # b: the only watched class is b itself
                      np.float32)
    watched = np.array([False, False, True, False, False])
    reading = recognize._decode(scores, characters, text_fraction=1.0, rivals=watched)
    assert reading.text == "ab"
    assert reading.rivals[0] == ("b", pytest.approx(0.1))
    assert reading.rivals[1] == ("", 0.0)
    assert recognize._decode(scores, characters, text_fraction=1.0).rivals == ()


def test_ctc_decoding_of_nothing() -> None:
    reading = recognize._decode(np.eye(4, dtype=np.float32)[[0, 0, 0]], ["", "a", "b", " "], 1)
    assert (reading.text, reading.confidence, reading.char_positions) == ("", 0.0, ())


def test_image_conversion() -> None:
    assert as_bgr8(np.zeros((0, 5, 3), np.uint8)) is None
    grey16 = np.full((2, 3), 65535, np.uint16)
    assert as_bgr8(grey16).tolist() == np.full((2, 3, 3), 255).tolist()  # type: ignore[union-attr]
    half_transparent = np.zeros((1, 1, 4), np.uint8)
    half_transparent[..., 3] = 128
    assert as_bgr8(half_transparent).tolist() == [[[127, 127, 127]]]  # type: ignore[union-attr]
    with pytest.raises(InputError):
        as_bgr8(np.zeros((3, 3), np.float64))


def _reading(positions: list[float]) -> recognize.Reading:
    return recognize.Reading(text="字" * len(positions), confidence=0.99,
                             char_confidences=tuple(0.99 for _ in positions),
                             char_positions=tuple(positions))


@pytest.mark.parametrize(("positions", "skips"), [
    ([0.05, 0.15, 0.25, 0.35, 0.45, 0.55], False),  # evenly spaced
    ([0.05, 0.15, 0.25, 0.45, 0.55, 0.65], True),   # one character's width missing
    ([0.05, 0.15, 0.35], False),                    # too short to tell
    ([0.05, 0.12, 0.19, 0.30, 0.37, 0.44], False),  # a separator's width (1.6×)
])
def test_a_gap_as_wide_as_a_character_asks_for_a_second_reading(positions: list[float],
                                                               skips: bool) -> None:
    assert _skips_a_character(_reading(positions)) is skips


def _read_as(text: str, confidences: tuple[float, ...]) -> recognize.Reading:
    return recognize.Reading(text=text, confidence=sum(confidences) / len(confidences),
                             char_confidences=confidences,
                             char_positions=tuple((i + 0.5) / len(text) for i in range(len(text))))


def test_an_unsure_space_does_not_make_a_line_unsure() -> None:
    """Only a printed character's confidence asks for a second reading: a space's says how
    wide a gap is (the v6 tiny reading of a date line on a photo, 月7 日)."""
    spaced = _read_as("2012年 2 月7 日", (1.0,) * 5 + (0.67, 1.0, 0.68, 1.0, 1.0, 0.84, 1.0))
    assert _least_sure(spaced) == 1.0
    doubted = _read_as("红旗 街", (1.0, 0.59, 0.5, 1.0))
    assert _least_sure(doubted) == 0.59
    assert _least_sure(_read_as("  ", (0.4, 0.7))) == 0.4  # nothing but spaces: as read


def test_reading_in_an_alphabet_ignores_other_classes_and_keeps_their_doubt() -> None:
    characters = ["", "1", "2", "复", " "]
    scores = np.array([[0.05, 0.9, 0.0, 0.05, 0.0],   # 1
                       [0.1, 0.0, 0.2, 0.7, 0.0],    # 复 over a 2: the 2 is still there
                       [0.9, 0.0, 0.0, 0.1, 0.0],    # blank
                       [0.3, 0.0, 0.0, 0.7, 0.0]],   # 复 alone: the blank wins among the rest
                      np.float32)
    assert recognize._decode(scores, characters, text_fraction=1.0).text == "1复复"
    keep = recognize.alphabet_columns(characters, "0123456789X")
    assert keep.tolist() == [0, 1, 2]
    reading = recognize._decode(recognize.only_alphabet(scores, keep), characters, 1.0)
    assert reading.text == "12"
    # The 2's confidence is its share of all classes, not of the digits: it stays unsure.
    assert reading.char_confidences == pytest.approx((0.9, 0.2))
