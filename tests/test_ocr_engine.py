"""The OCR engine end to end on a small rendered card (needs the configured packs)."""

from __future__ import annotations

import re
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from functools import cache
from pathlib import Path

import cv2
import msgspec
import numpy as np
import pytest

from idcard.config import Settings, load_settings
from idcard.errors import InputError, ModelsMissingError
from idcard.ocr import DetectedBox, OcrEngine, line_reads
from idcard.text import TextLine

CARD = Path(__file__).parent / "ocr" / "data" / "card.png"
EXPECTED = ["姓名张伟明", "出生1990年3月7日", "住址湖北省武汉市洪山区珞喻路",
            "公民身份号码42011119900307123X"]


def settings_for(pack: str, runtime: str = "onnxruntime") -> Settings:
    base = load_settings()  # honours IDCARD_MODELS_DIR
    return Settings(models_dir=base.models_dir, det_pack=pack, rec_pack=pack, runtime=runtime,
                    recheck_pack="")


@cache
def engine_for(pack: str) -> OcrEngine:
    try:
        return OcrEngine.load(settings_for(pack))
    except ModelsMissingError as exc:
        pytest.fail(f"model pack not installed ({exc}); scripts/install.sh dev pulls it")


@pytest.fixture(scope="module")
def engine() -> OcrEngine:
    return engine_for("ppocrv4")


@pytest.fixture(scope="module")
def card() -> np.ndarray:
    image = cv2.imread(str(CARD), cv2.IMREAD_COLOR)
    assert image is not None
    return image


def squeeze(text: str) -> str:
    return re.sub(r"\s+", "", text)


def test_reads_the_card_in_reading_order(engine: OcrEngine, card: np.ndarray) -> None:
    result = engine.read_text_lines(card)
    assert [squeeze(line.text) for line in result.lines] == EXPECTED
    assert set(result.timings_ms) == {"detect", "classify", "recognize"}
    assert all(line.confidence > 0.9 for line in result.lines)


@pytest.mark.parametrize("pack", ["ppocrv3", "ppocrv5"])
def test_other_packs_read_the_card(pack: str, card: np.ndarray) -> None:
    lines = engine_for(pack).read_text_lines(card).lines
    assert [squeeze(line.text) for line in lines] == EXPECTED


def test_boxes_are_clockwise_from_top_left_in_input_pixels(engine: OcrEngine,
                                                           card: np.ndarray) -> None:
    for line in engine.read_text_lines(card).lines:
        (x0, y0), (x1, y1), (x2, y2), (x3, y3) = line.box
        assert x0 < x1 and x3 < x2 and y0 < y3 and y1 < y2
        assert all(0 <= x < card.shape[1] and 0 <= y < card.shape[0] for x, y in line.box)


def test_character_confidences_and_positions(engine: OcrEngine, card: np.ndarray) -> None:
    id_line = engine.read_text_lines(card).lines[-1]
    assert len(id_line.char_confidences) == len(id_line.text)
    assert len(id_line.char_positions) == len(id_line.text)
    positions = id_line.char_positions
    assert all(0.0 <= p <= 1.0 for p in positions)
    assert list(positions) == sorted(positions)
    # Padding excluded: the text spans the crop, so first/last chars sit near the ends.
    assert positions[0] < 0.1 and positions[-1] > 0.9
    assert id_line.confidence == pytest.approx(float(np.mean(id_line.char_confidences)))


def test_upside_down_card_reads_and_boxes_start_where_reading_starts(
        engine: OcrEngine, card: np.ndarray) -> None:
    turned = np.ascontiguousarray(card[::-1, ::-1])
    lines = engine.read_text_lines(turned).lines
    assert sorted(squeeze(line.text) for line in lines) == sorted(EXPECTED)
    for line in lines:
        (x0, y0), (x1, _), _, (_, y3) = line.box
        # Reading starts at the geometric bottom-right corner and runs leftwards.
        assert x1 < x0 and y3 < y0


def test_lines_of_one_card_are_turned_alike(engine: OcrEngine, card: np.ndarray) -> None:
    """'all_alike' classifies a few lines and turns every one by their verdict: an
    upside-down card's lines all read, upright ones are left as they are."""
    turned = np.ascontiguousarray(card[::-1, ::-1])
    for image in (card, turned):
        boxes = [b.quad for b in engine.detect_text_lines(image)]
        each = engine.read_text_lines(image, boxes).lines
        alike = engine.read_text_lines(image, boxes, way_up="all_alike").lines
        assert [squeeze(line.text) for line in alike] == [squeeze(line.text) for line in each]
        assert [line.box for line in alike] == [line.box for line in each]


def test_lines_turned_both_ways_are_each_classified(engine: OcrEngine,
                                                    card: np.ndarray) -> None:
    """Two copies of a card in one image, one each way: the lines classified first
    disagree, so every line is classified and every line reads."""
    both = np.ascontiguousarray(np.vstack([card, card[::-1, ::-1]]))
    boxes = [b.quad for b in engine.detect_text_lines(both)]
    lines = engine.read_text_lines(both, boxes, way_up="all_alike").lines
    assert sorted(squeeze(line.text) for line in lines) == sorted(EXPECTED * 2)


def test_boxes_of_lines_read_before_are_not_turned_again(engine: OcrEngine,
                                                         card: np.ndarray) -> None:
    """'as_boxed': a box that starts where its text starts is read that way, even on an
    upside-down image, and no line is classified."""
    turned = np.ascontiguousarray(card[::-1, ::-1])
    read = engine.read_text_lines(turned).lines
    again = engine.read_text_lines(turned, [line.box for line in read], way_up="as_boxed")
    assert [squeeze(line.text) for line in again.lines] == [squeeze(line.text) for line in read]
    # Given as detected (top-left first), the same boxes read upside down: nothing turned.
    detected = [b.quad for b in engine.detect_text_lines(turned)]
    unturned = engine.read_text_lines(turned, detected, way_up="as_boxed").lines
    assert not {squeeze(line.text) for line in unturned} & set(EXPECTED)


def test_quarter_turned_lines_are_read(engine: OcrEngine, card: np.ndarray) -> None:
    turned = np.ascontiguousarray(np.rot90(card, -1))  # clockwise: text reads downwards
    lines = engine.read_text_lines(turned).lines
    assert {squeeze(line.text) for line in lines} >= {EXPECTED[0], EXPECTED[3]}


def test_detect_text_lines(engine: OcrEngine, card: np.ndarray) -> None:
    boxes = engine.detect_text_lines(card)
    assert len(boxes) == len(EXPECTED)
    assert all(isinstance(b, DetectedBox) and 0.5 <= b.score <= 1.0 for b in boxes)
    tops = [b.quad[0][1] for b in boxes]
    assert tops == sorted(tops)


def test_given_boxes_are_read_one_line_per_box(engine: OcrEngine, card: np.ndarray) -> None:
    boxes = [b.quad for b in engine.detect_text_lines(card)][::-1]
    degenerate = ((10.0, 10.0), (10.0, 10.0), (10.0, 10.0), (10.0, 10.0))
    lines = engine.read_text_lines(card, boxes=[*boxes, degenerate]).lines
    assert [squeeze(line.text) for line in lines[:-1]] == EXPECTED[::-1]
    assert lines[-1].text == "" or lines[-1].confidence < 0.5


def test_model_info(engine: OcrEngine) -> None:
    info = engine.model_info
    assert (info.det, info.rec, info.runtime) == ("PP-OCRv4_det", "PP-OCRv4_rec", "onnxruntime")
    assert info.cls


def test_input_forms_agree(engine: OcrEngine, card: np.ndarray) -> None:
    expected = engine.read_text_lines(card).lines
    grey = cv2.cvtColor(card, cv2.COLOR_BGR2GRAY)
    bgra = cv2.cvtColor(card, cv2.COLOR_BGR2BGRA)
    wide = card.astype(np.uint16) * 257
    for variant in (grey, grey[:, :, np.newaxis], bgra, wide):
        assert engine.read_text_lines(variant).lines == expected


@pytest.mark.parametrize("image", [
    np.zeros((0, 0, 3), dtype=np.uint8),
    np.zeros((0,), dtype=np.uint8),
    np.zeros((1, 1, 3), dtype=np.uint8),
    np.zeros((1, 1), dtype=np.uint16),
    np.full((300, 20000, 3), 255, dtype=np.uint8),
    np.full((20000, 300), 255, dtype=np.uint8),
    np.full((544, 864, 3), 255, dtype=np.uint8),
    np.zeros((544, 864, 4), dtype=np.uint8),  # fully transparent: white
    np.full((2, 5000), 0, dtype=np.uint16),
], ids=["empty", "empty-1d", "1x1", "1x1-16bit", "strip", "tall-strip", "white",
        "transparent", "thin-16bit"])
def test_degenerate_images_give_no_lines(engine: OcrEngine, image: np.ndarray) -> None:
    if image.ndim == 1:
        # A 1-D array with no pixels is still "no pixels", not a shape error.
        assert engine.read_text_lines(image).lines == []
        return
    assert engine.read_text_lines(image).lines == []
    assert engine.detect_text_lines(image) == []


def test_long_text_strip_is_read_without_blowing_up(engine: OcrEngine,
                                                    card: np.ndarray) -> None:
    id_row = card[430:500, 40:760]
    strip = np.tile(id_row, (1, 28, 1))  # ~20000 px wide, 70 px high
    lines = engine.read_text_lines(strip).lines
    assert lines and all(isinstance(line, TextLine) for line in lines)


@pytest.mark.parametrize("image", [
    np.zeros((10, 10, 3), dtype=np.float32),
    np.zeros((10, 10, 2), dtype=np.uint8),
    np.zeros((2, 10, 10, 3), dtype=np.uint8),
    np.zeros((10, 10), dtype=np.int8),
])
def test_unsupported_arrays_raise_input_error(engine: OcrEngine, image: np.ndarray) -> None:
    with pytest.raises(InputError) as caught:
        engine.read_text_lines(image)
    assert caught.value.code == "unsupported_image"


def test_concurrent_calls_equal_serial_calls(engine: OcrEngine, card: np.ndarray) -> None:
    images = [card, np.ascontiguousarray(card[::-1, ::-1]), card[:300], card[200:, 100:]]
    serial = [msgspec.json.encode(engine.read_text_lines(i).lines) for i in images]
    with ThreadPoolExecutor(max_workers=4) as pool:
        parallel = list(pool.map(lambda i: msgspec.json.encode(engine.read_text_lines(i).lines),
                                 images * 3))
    assert parallel == serial * 3


def test_lines_shared_out_to_one_thread_copies_read_as_on_one_network(
        card: np.ndarray) -> None:
    """Two threads: the recogniser's lines run side by side on one-thread copies; one
    thread: every batch on the one network. The text and its confidences are the same."""
    readings = []
    for threads in (2, 1):
        settings = msgspec.structs.replace(settings_for("ppocrv4"), ocr_threads=threads,
                                           pool_size=1)
        readings.append(OcrEngine.load(settings).read_text_lines(card).lines)
    shared, alone = readings
    assert [line.text for line in shared] == [line.text for line in alone]
    assert np.allclose([c for line in shared for c in line.char_confidences],
                       [c for line in alone for c in line.char_confidences], atol=1e-4)


def test_a_settled_first_reading_gets_no_second_opinion(card: np.ndarray) -> None:
    settings = msgspec.structs.replace(settings_for("ppocrv4"), recheck_pack="ppocrv6-small",
                                       recheck_below=1.01)  # every line is unsure
    engine = OcrEngine.load(settings)

    def rereads(settled: Callable[[str], bool] | None) -> tuple[int, list[str]]:
        before = line_reads()[1]
        lines = engine.read_text_lines(card, settled=settled).lines
        return line_reads()[1] - before, [squeeze(line.text) for line in lines]

    every, texts = rereads(None)
    assert every == len(EXPECTED) and texts == EXPECTED
    fewer, _ = rereads(lambda text: text.startswith("出生"))
    assert fewer == every - 1


def test_a_line_read_in_an_alphabet_reads_only_its_characters(engine: OcrEngine,
                                                               card: np.ndarray) -> None:
    boxes = [b.quad for b in engine.detect_text_lines(card)]
    plain = engine.read_text_lines(card, boxes=boxes).lines
    digits = engine.read_text_lines(card, boxes=boxes, alphabet="0123456789X",
                                    second_opinion=True).lines
    # Each line reads its digits alone: the labels, the address and the date's marks,
    # read as nothing at all rather than as digits.
    assert [line.text for line in digits] == [
        re.sub(r"[^0-9X]", "", line.text) for line in plain]
    assert digits[-1].text == "42011119900307123X"
