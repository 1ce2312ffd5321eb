"""A stamp's strokes told from the print by their ink (issue 11, "stamp text was read as
values"): strokes lighter than the print inside a stamp's area are lifted only when they
are a second ink, judged on the strokes' cores; a stamp as dark as the print leaves the
print untouched (splitting one ink by darkness only thins it)."""

from __future__ import annotations

import cv2
import numpy as np

from idcard.imaging.ink import two_inks, without_stamps

PAPER = 210
PRINT = 40


# -- a stamp's strokes told from the print by their ink --------------------------------------


def strokes(stamp_grey: int) -> np.ndarray:
    """Print and a stamp's strokes, blurred like a scan (edges of every shade)."""
    image = np.full((100, 240, 3), PAPER, np.uint8)
    for x in range(20, 100, 12):
        image[20:80, x:x + 5] = PRINT
    for y in range(25, 80, 12):
        image[y:y + 5, 120:220] = stamp_grey
    return cv2.GaussianBlur(image, (0, 0), 1.0)


def test_a_lighter_stamp_is_a_second_ink_and_lifted() -> None:
    image = strokes(130)
    assert two_inks(image[..., 0], float(PAPER))
    out = without_stamps(image, [((0.0, 0.0), (239.0, 0.0), (239.0, 99.0), (0.0, 99.0))])
    assert out[27, 170].min() > PAPER - 20  # the stamp's stroke is gone
    assert out[50, 22].max() < PRINT + 20  # the print's stays


def test_a_stamp_as_dark_as_the_print_is_one_ink_and_the_print_is_not_thinned() -> None:
    image = strokes(PRINT)
    assert not two_inks(image[..., 0], float(PAPER))
    out = without_stamps(image, [((0.0, 0.0), (239.0, 0.0), (239.0, 99.0), (0.0, 99.0))])
    assert np.array_equal(out, image)
