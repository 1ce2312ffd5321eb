"""`print_under`: print under the last row of a value that no line was read from;
`row_of_print`: the row of print in a zone."""

from __future__ import annotations

import cv2
import numpy as np

from idcard.imaging.ink import print_under, row_of_print, row_under
from idcard.text import Quad

ROW = 24  # px: a row's box height; its glyphs are ~16 px
PITCH = 28  # px from one row's top to the next's


def card(rows: int, paper: int = 210, shade: bool = False) -> np.ndarray:
    """A grey card with `rows` rows of 12 cross-shaped glyphs from (40, 40)."""
    image = np.full((240, 420), paper, np.uint8)
    if shade:  # a shadow's soft edge across the rows' lower half: no strokes
        image[130:, :] = (image[130:, :] * np.linspace(1.0, 0.55, 110)[:, None]).astype(np.uint8)
    for row in range(rows):
        for col in range(12):
            x, y = 44 + col * 26, 44 + row * PITCH
            cv2.line(image, (x, y + 8), (x + 16, y + 8), 60, 2)
            cv2.line(image, (x + 8, y), (x + 8, y + 16), 60, 2)
    return cv2.cvtColor(image, cv2.COLOR_GRAY2BGR)


def row_box(row: int) -> Quad:
    top = 40.0 + row * PITCH
    return ((40.0, top), (360.0, top), (360.0, top + ROW), (40.0, top + ROW))


def test_a_row_under_the_last_one_read_is_print_left_unread() -> None:
    assert print_under(card(3), [row_box(0), row_box(1)]) > 0.6


def test_nothing_under_the_last_row_is_nothing() -> None:
    assert print_under(card(2), [row_box(0), row_box(1)]) < 0.05


def test_a_shadow_under_the_rows_is_no_print() -> None:
    assert print_under(card(2, shade=True), [row_box(0), row_box(1)]) < 0.05


def test_rows_at_the_image_edge_or_without_strokes_measure_nothing() -> None:
    blank = cv2.cvtColor(np.full((240, 420), 210, np.uint8), cv2.COLOR_GRAY2BGR)
    assert print_under(blank, [row_box(0)]) == 0.0
    bottom = ((40.0, 230.0), (360.0, 230.0), (360.0, 240.0), (40.0, 240.0))
    assert print_under(card(3), [bottom]) == 0.0
    assert print_under(np.zeros((1, 1, 3), np.uint8), [row_box(0)]) == 0.0


def test_print_in_an_area_set_aside_is_not_counted() -> None:
    # A stamp read under the rows (its box) is no row of the value's.
    stamp = ((30.0, 90.0), (380.0, 90.0), (380.0, 140.0), (30.0, 140.0))
    assert print_under(card(3), [row_box(0), row_box(1)], [stamp]) == 0.0
    half = ((200.0, 90.0), (380.0, 90.0), (380.0, 140.0), (200.0, 140.0))
    assert print_under(card(3), [row_box(0), row_box(1)], [half]) > 0.6


def test_the_row_under_lies_below_the_last_row_across_all_of_them() -> None:
    (left, top), _, (right, bottom), _ = row_under([row_box(0), row_box(1)])
    assert (left, right) == (40.0, 360.0)
    assert 40 + PITCH + ROW < top < bottom < 40 + 2 * PITCH + ROW


def zone(top: float, bottom: float) -> Quad:
    return ((30.0, top), (380.0, top), (380.0, bottom), (30.0, bottom))


def test_the_row_of_print_in_a_zone_is_found_where_its_glyphs_are() -> None:
    # Rows of glyphs from y 44 (tops), 72 and 100; a zone holding the second alone
    # among paper, and one holding parts of two.
    found = row_of_print(card(3), zone(62.0, 98.0), ROW, row_box(0))
    assert found is not None
    top, bottom = found
    assert top <= 72 and bottom >= 88 and bottom - top < 2 * ROW
    found = row_of_print(card(3), zone(50.0, 98.0), ROW, row_box(0))
    assert found is not None and found[0] < 72 + 16 and found[1] > 44


def test_a_zone_without_print_or_off_the_image_has_no_row() -> None:
    # Blank paper measured against a row of print; print measured against a blank
    # reference (no strokes to compare with); a zone off the image.
    paper = card(1)
    assert row_of_print(paper, zone(100.0, 200.0), ROW, row_box(0)) is None
    assert row_of_print(card(3), zone(40.0, 120.0), ROW, row_box(5)) is None
    assert row_of_print(card(3), zone(300.0, 400.0), ROW, row_box(0)) is None
    assert row_of_print(np.zeros((1, 1, 3), np.uint8), zone(0.0, 50.0), ROW, row_box(0)) is None
