"""`authority_zone`: where a back's authority row may lie, from its period's line;
`authority_band`: the row of print there."""

from __future__ import annotations

import cv2
import numpy as np

from idcard.pipeline.authority_row import authority_band, authority_zone
from idcard.text import Quad

SIZE = (856, 540)


def box(left: float, top: float, right: float, bottom: float) -> Quad:
    return ((left, top), (right, top), (right, bottom), (left, bottom))


def test_the_zone_lies_above_the_period_from_its_column() -> None:
    # A straightened back prints its period's line at about y 453-487, the authority's
    # row about 1.9 of those line heights above (y ~405).
    found = authority_zone(box(308.0, 453.0, 700.0, 487.0), SIZE)
    assert found is not None
    (left, top), (right, _), (_, bottom), _ = found[0]
    assert found[1] == 34.0
    assert top < 405.0 - 17.0 and 405.0 + 17.0 < bottom <= 453.0
    assert left < 308.0 and right > 308.0 + 15 * 34.0 * 0.9


def test_no_zone_off_the_view_or_for_a_flat_box() -> None:
    assert authority_zone(box(308.0, 0.0, 700.0, 20.0), SIZE) is None
    assert authority_zone(box(308.0, 453.0, 700.0, 453.0), SIZE) is None
    assert authority_zone(box(850.0, 453.0, 856.0, 487.0), SIZE) is None


def back_with_rows(authority_top: int) -> np.ndarray:
    """A grey back: an authority row of 8 glyphs (24 px) from `authority_top`, and the
    period's row from y 458."""
    image = np.full((540, 856), 205, np.uint8)
    for top, count in ((authority_top, 8), (458, 14)):
        for col in range(count):
            x = 312 + col * 30
            cv2.line(image, (x, top + 12), (x + 22, top + 12), 50, 3)
            cv2.line(image, (x + 11, top), (x + 11, top + 24), 50, 3)
    return cv2.cvtColor(image, cv2.COLOR_GRAY2BGR)


def test_the_band_is_the_row_of_print_above_the_period() -> None:
    period = box(308.0, 453.0, 740.0, 487.0)
    for top in (392, 412):  # the row a little higher or lower than the layout says
        band = authority_band(back_with_rows(top), period)
        assert band is not None
        (_, band_top), _, (_, band_bottom), _ = band
        assert band_top <= top and band_bottom >= top + 24


def test_no_band_without_print_above_the_period() -> None:
    blank = cv2.cvtColor(np.full((540, 856), 205, np.uint8), cv2.COLOR_GRAY2BGR)
    assert authority_band(blank, box(308.0, 453.0, 740.0, 487.0)) is None
