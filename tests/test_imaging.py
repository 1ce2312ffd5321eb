"""Finding, straightening and turning cards (committed fixtures; no model needed)."""

from __future__ import annotations

import json
from pathlib import Path

import cv2
import numpy as np
import pytest

from idcard.imaging.locate import find_card_outlines, order_corners
from idcard.imaging.orient import (
    line_reads_backwards,
    needs_quarter_turn,
    reads_upside_down,
    skew_degrees,
)
from idcard.imaging.view import CARD_HEIGHT, CARD_WIDTH, rectify_card, whole_image
from idcard.text import TextLine

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
LABELS = json.loads((FIXTURES / "labels.json").read_text(encoding="utf-8"))


def overlap(a: np.ndarray, b: np.ndarray) -> float:
    """Intersection over union of two convex quadrilaterals."""
    a, b = a.astype(np.float32), b.astype(np.float32)
    inter, _ = cv2.intersectConvexConvex(a, b)
    union = cv2.contourArea(a) + cv2.contourArea(b) - inter
    return float(inter / union) if union > 0 else 0.0


def located(entry: dict[str, object]) -> bool:
    image = cv2.imread(str(FIXTURES / str(entry["file"])))
    outlines = find_card_outlines(image)
    quads = [np.array(q) for q in entry["card_quads"]]  # type: ignore[attr-defined]
    return bool(outlines) and max(overlap(q, outlines[0].corners) for q in quads) > 0.9


@pytest.mark.parametrize(("tier", "share"), [("clean", 1.0), ("photo", 0.75)])
def test_card_outline_matches_the_rendered_card(tier: str, share: float) -> None:
    entries = [e for e in LABELS if e["tier"] == tier and e.get("exif_orientation", 1) == 1]
    found = sum(located(e) for e in entries)
    assert found >= share * len(entries), f"{found}/{len(entries)} {tier} outlines found"


def test_no_outline_on_an_empty_page() -> None:
    page = np.full((600, 800, 3), 245, dtype=np.uint8)
    assert find_card_outlines(page) == []
    noise = np.random.default_rng(1).integers(0, 255, (600, 800, 3), dtype=np.uint8)
    assert find_card_outlines(noise) == []


def test_a_drawn_card_is_found_in_any_quarter_turn() -> None:
    page = np.full((900, 1200, 3), 90, dtype=np.uint8)
    card = np.array([[300, 250], [856 + 300, 250], [856 + 300, 540 + 250], [300, 540 + 250]])
    cv2.fillPoly(page, [card.astype(np.int32)], (235, 235, 235))
    for turns in range(4):
        turned = np.ascontiguousarray(np.rot90(page, turns))
        outlines = find_card_outlines(turned)
        assert len(outlines) == 1
        corners = outlines[0].corners
        top = np.linalg.norm(corners[1] - corners[0])
        side = np.linalg.norm(corners[3] - corners[0])
        assert top > side  # the first edge is a long one: the card comes out landscape
        view = rectify_card(turned, corners)
        assert view.size == (CARD_WIDTH, CARD_HEIGHT)
        assert float(view.image.mean()) > 200  # the warp shows the card, not the table


def test_corner_order_is_clockwise_from_top_left_long_edge_first() -> None:
    square = np.array([[10, 10], [10, 60], [100, 60], [100, 10]], dtype=np.float32)
    ordered = order_corners(square)
    assert ordered.tolist() == [[10, 10], [100, 10], [100, 60], [10, 60]]


def test_view_boxes_map_back_to_source_pixels() -> None:
    page = np.zeros((400, 600, 3), dtype=np.uint8)
    view = whole_image(page).rotated(1)
    assert view.size == (400, 600)
    box = ((0.0, 0.0), (10.0, 0.0), (10.0, 5.0), (0.0, 5.0))
    mapped = view.map_box(box)
    assert mapped[0] == (0.0, 399.0)  # the turned view's top-left is the source's bottom-left


def test_orientation_from_boxes() -> None:
    wide = ((0.0, 0.0), (200.0, 0.0), (200.0, 30.0), (0.0, 30.0))
    tall = ((0.0, 0.0), (30.0, 0.0), (30.0, 200.0), (0.0, 200.0))
    assert not needs_quarter_turn([wide, wide, tall])
    assert needs_quarter_turn([tall, tall, wide])
    tilted = ((0.0, 0.0), (200.0, 17.5), (197.0, 47.5), (-3.0, 30.0))
    assert skew_degrees([tilted]) == pytest.approx(5.0, abs=0.1)


def test_a_line_turned_to_be_read_points_leftwards_and_most_text_decides() -> None:
    upright = TextLine("福建省南平市延平区金桥巷", 1.0,
                       ((285, 402), (732, 402), (732, 461), (285, 461)))
    # The engine orders a box from its text's own top-left: a line it turned over to
    # read starts at the bottom right.
    turned = TextLine("868", 1.0, ((388, 508), (274, 508), (274, 457), (388, 457)))
    assert not line_reads_backwards(upright) and line_reads_backwards(turned)
    assert not reads_upside_down([upright, turned])
    assert reads_upside_down([turned])
