"""Label words placed by layout on a straightened card instead of recognised.

Units: which detected boxes `plan_reads` takes for labels (from the rules' label places),
and which it leaves to be read. Pipeline: a straightened generated front reads the same
fields with fewer lines recognised (counted by the engine), and an upside-down one too.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import cv2
import msgspec
import numpy as np
import pytest

from idcard.config import load_settings
from idcard.extract import RuleBook, RulesError, load_rules
from idcard.extract.rules import LayoutRules
from idcard.ocr import OcrEngine, line_reads
from idcard.pipeline import CardReader
from idcard.pipeline.placed import READ_EVERYTHING, placed_line, plan_reads
from idcard.text import Quad

ROOT = Path(__file__).resolve().parents[1]
RULES = load_rules(ROOT / "rules")
LAYOUT = RULES.layout
SIZE = (856, 540)
FRONT = LAYOUT.front_words[0]
BACK = LAYOUT.back_words[0]


def quad(x0: float, y0: float, x1: float, y1: float) -> Quad:
    """A box given in fractions of the card, in pixels of a SIZE view."""
    w, h = SIZE
    return ((x0 * w, y0 * h), (x1 * w, y0 * h), (x1 * w, y1 * h), (x0 * w, y1 * h))


def value_boxes() -> list[Quad]:
    """Value lines of a front, right of the label column."""
    return [quad(0.18, 0.075, 0.32, 0.14), quad(0.17, 0.2, 0.22, 0.265),
            quad(0.18, 0.32, 0.48, 0.385), quad(0.18, 0.445, 0.58, 0.51),
            quad(0.32, 0.84, 0.85, 0.905)]


def front_boxes() -> tuple[list[Quad], dict[int, str]]:
    labels = list(FRONT.items())
    boxes = [quad(*place) for _, place in labels] + value_boxes()
    return boxes, {i: name for i, (name, _) in enumerate(labels)}


def test_every_label_alone_in_its_place_is_placed() -> None:
    boxes, expected = front_boxes()
    plan = plan_reads(boxes, SIZE, LAYOUT)
    assert plan.side == "front"
    assert dict(plan.placed) == expected


def test_a_label_shifted_within_the_slack_is_still_placed() -> None:
    boxes, expected = front_boxes()
    dx, dy = LAYOUT.word_slack[0] / 2, LAYOUT.word_slack[1] / 2
    moved = [quad(x0 + dx, y0 + dy, x1 + dx, y1 + dy) for x0, y0, x1, y1 in FRONT.values()]
    plan = plan_reads(moved + boxes[len(moved):], SIZE, LAYOUT)
    assert dict(plan.placed) == expected


def test_a_label_merged_with_its_value_is_read() -> None:
    boxes, _ = front_boxes()
    x0, y0, _, y1 = FRONT["sex"]
    index = list(FRONT).index("sex")
    boxes[index] = quad(x0, y0, 0.23, y1)  # 性别男: the box runs into the value
    plan = plan_reads(boxes, SIZE, LAYOUT)
    assert plan.side == "front"
    assert index not in plan.placed
    assert len(plan.placed) == len(FRONT) - 1


def test_a_label_split_in_two_is_read() -> None:
    boxes, _ = front_boxes()
    x0, y0, x1, y1 = FRONT["name"]
    middle = (x0 + x1) / 2
    index = list(FRONT).index("name")
    boxes[index] = quad(x0, y0, middle - 0.01, y1)
    boxes.append(quad(middle + 0.01, y0, x1, y1))
    plan = plan_reads(boxes, SIZE, LAYOUT)
    assert index not in plan.placed
    assert len(boxes) - 1 not in plan.placed


def test_two_boxes_in_one_place_place_neither() -> None:
    boxes, _ = front_boxes()
    boxes.append(quad(*FRONT["birth"]))
    plan = plan_reads(boxes, SIZE, LAYOUT)
    assert list(FRONT).index("birth") not in plan.placed
    assert len(boxes) - 1 not in plan.placed


def test_too_few_labels_in_place_place_nothing() -> None:
    boxes, _ = front_boxes()
    kept = LAYOUT.min_placed_words - 1
    assert plan_reads(boxes[:kept] + value_boxes(), SIZE, LAYOUT) == READ_EVERYTHING


def test_an_upside_down_front_places_nothing() -> None:
    boxes, _ = front_boxes()
    w, h = SIZE
    turned: list[Quad] = []
    for box in boxes:
        a, b, c, d = ((w - x, h - y) for x, y in box)
        turned.append((c, d, a, b))
    assert plan_reads(turned, SIZE, LAYOUT) == READ_EVERYTHING


def back_boxes() -> list[Quad]:
    return [quad(*place) for place in BACK.values()] + [
        quad(0.38, 0.71, 0.6, 0.775), quad(0.38, 0.835, 0.64, 0.9)]


def test_a_back_places_its_labels_and_title() -> None:
    plan = plan_reads(back_boxes(), SIZE, LAYOUT)
    assert plan.side == "back"
    assert dict(plan.placed) == dict(enumerate(BACK))
    assert set(BACK) >= {"issuing_authority", "valid_period", "中华人民共和国"}


def test_a_back_whose_labels_ran_into_their_values_places_only_its_title() -> None:
    template = LAYOUT.back_words[1]  # a printing that places the title alone
    boxes = [quad(*place) for place in template.values()]
    boxes += [quad(0.24, 0.69, 0.73, 0.77), quad(0.24, 0.815, 0.8, 0.88)]
    plan = plan_reads(boxes, SIZE, LAYOUT)
    assert plan.side == "back"
    assert dict(plan.placed) == dict(enumerate(template))


def test_two_printings_placing_as_many_words_place_nothing() -> None:
    boxes, _ = front_boxes()
    twice = msgspec.structs.replace(LAYOUT, front_words=[FRONT, dict(FRONT)])
    assert plan_reads(boxes, SIZE, twice) == READ_EVERYTHING


def test_labels_going_on_above_a_printings_first_row_are_not_placed_by_it() -> None:
    # A front whose label rows lie between the two printings' (a photo's card, read a
    # little wide): its name label ran into its value, and the second printing, whose
    # rows are a row lower, took 性别 for 姓名, 出生 for 性别, 住址 for 出生. The label
    # starting in its column a row above its first says its rows are one off.
    boxes = [quad(0.072, 0.063, 0.275, 0.131),  # 姓名 with its value
             quad(0.074, 0.193, 0.201, 0.252), quad(0.07, 0.319, 0.158, 0.376),
             quad(0.068, 0.437, 0.152, 0.493), quad(0.067, 0.822, 0.225, 0.872),
             quad(0.19, 0.19, 0.24, 0.248), quad(0.19, 0.31, 0.5, 0.372),
             quad(0.2, 0.433, 0.58, 0.496), quad(0.34, 0.817, 0.83, 0.88)]
    plan = plan_reads(boxes, SIZE, LAYOUT)
    assert plan.placed.get(1) != "name"


def test_no_label_places_in_the_rules_place_nothing() -> None:
    boxes, _ = front_boxes()
    none = msgspec.structs.replace(LAYOUT, front_words=[], back_words=[])
    assert plan_reads(boxes, SIZE, none) == READ_EVERYTHING


def test_a_placed_line_is_the_label_marked_placed() -> None:
    line = placed_line(quad(*FRONT["id_number"]), "公民身份号码")
    assert line.text == "公民身份号码" and line.placed
    assert len(line.char_positions) == len(line.char_confidences) == 6
    assert list(line.char_positions) == sorted(line.char_positions)
    assert line.char_positions[0] > 0 and line.char_positions[-1] < 1


def test_a_label_place_of_the_wrong_side_is_refused(tmp_path: Path) -> None:
    copy = tmp_path / "rules"
    copy.mkdir()
    for path in (ROOT / "rules").glob("*.toml"):
        (copy / path.name).write_text(path.read_text(encoding="utf-8"), encoding="utf-8")
    layout = copy / "layout.toml"
    text = layout.read_text(encoding="utf-8").replace(
        "[[back_words]]\n", "[[back_words]]\nname = [0.1, 0.1, 0.2, 0.2]\n", 1)
    layout.write_text(text, encoding="utf-8")
    with pytest.raises(RulesError, match=r"back_words\.name"):
        load_rules(copy)


# -- the pipeline, with the real engine --------------------------------------------------

FIXTURES = ROOT / "fixtures"
LABELS: dict[str, dict[str, Any]] = {
    entry["file"]: entry
    for entry in json.loads((FIXTURES / "labels.json").read_text(encoding="utf-8"))
}


def without_places(rules: RuleBook) -> RuleBook:
    layout: LayoutRules = msgspec.structs.replace(rules.layout, front_words=[],
                                                  back_words=[])
    return msgspec.structs.replace(rules, layout=layout)


@pytest.fixture(scope="module")
def readers() -> tuple[CardReader, CardReader]:
    settings = load_settings()
    engine = OcrEngine.load(settings)
    return (CardReader(settings, engine, without_places(RULES)),
            CardReader(settings, engine, RULES))


def read_counting(reader: CardReader, data: bytes) -> tuple[dict[str, Any], int]:
    before = line_reads()[0]
    outcome = reader.read(data)
    values = {name: getattr(outcome.reading.fields, name)
              for name in outcome.reading.fields.__struct_fields__}
    return ({name: f.value for name, f in values.items() if f is not None},
            line_reads()[0] - before)


# Upside down, no label can be placed on the first look (every box is recognised), and
# the card is then turned over by its geometry without being read again: both readers
# recognise its lines once, and placing saves nothing (test_pipeline_photos counts that
# it is detected once).
@pytest.mark.parametrize(("name", "turns", "saved"), [
    ("front_clean_000.jpg", 0, 4), ("front_clean_000.jpg", 2, 0), ("back_clean_000.jpg", 0, 2)])
def test_a_straightened_card_reads_the_same_fields_with_fewer_lines(
        readers: tuple[CardReader, CardReader], name: str, turns: int, saved: int) -> None:
    image = cv2.imread(str(FIXTURES / name), cv2.IMREAD_COLOR)
    assert image is not None
    ok, encoded = cv2.imencode(".png", np.ascontiguousarray(np.rot90(image, turns)))
    assert ok
    data = bytes(encoded.tobytes())
    full, placed = readers
    full_fields, full_lines = read_counting(full, data)
    placed_fields, placed_lines = read_counting(placed, data)
    assert placed_fields == full_fields
    assert placed_fields == LABELS[name]["fields"]
    # At least four labels of a front, and a back's two labels or title, were not read.
    assert placed_lines <= full_lines - saved
