"""A stamp's frame (issue 11, "stamp text was read as values"): thin straight lines longer
than any stroke of the print are found by shape alone and painted over, so a value row a
frame crosses reads as its own line; the print itself, the portrait and short strokes are
kept."""

from __future__ import annotations

import cv2
import numpy as np
import pytest
from PIL import Image, ImageDraw, ImageFont

from idcard.imaging.ink import stamp_frame_mask, two_inks, without_frames, without_stamps

LINE_HEIGHT = 26.0
PAPER = 210
PRINT = 40
TEXT_FONT = "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc"


def card_with_text(text: str = "江西省赣州市赣县区储潭镇") -> np.ndarray:
    image = Image.new("RGB", (600, 200), (PAPER, PAPER, PAPER))
    ImageDraw.Draw(image).text((40, 80), text, font=ImageFont.truetype(TEXT_FONT, 26),
                               fill=(PRINT, PRINT, PRINT))
    return np.asarray(image).copy()


def framed(image: np.ndarray, angle: float = 0.0, pen: int = 4) -> np.ndarray:
    """A 300 × 90 rectangle in the print's own tone around (300, 95), turned by `angle`."""
    out = image.copy()
    corners = cv2.boxPoints(((300.0, 95.0), (300.0, 90.0), angle))
    cv2.polylines(out, [np.round(corners).astype(np.int32)], True, (PRINT,) * 3, pen)
    return out


@pytest.mark.parametrize("angle", [0.0, 12.0, -30.0])
def test_a_frame_as_dark_as_the_print_is_found_at_any_angle(angle: float) -> None:
    plain = card_with_text()
    image = framed(plain, angle)
    drawn = (image.min(axis=2) < 100) & (plain.min(axis=2) > 150)  # the frame's own pixels
    found = stamp_frame_mask(image, LINE_HEIGHT) > 0
    assert found[drawn].mean() > 0.8


def test_print_alone_has_no_frame() -> None:
    for text in ("江西省赣州市赣县区储潭镇", "一二三十土王五丰", "3607041985021572O3"):
        assert not stamp_frame_mask(card_with_text(text), LINE_HEIGHT).any(), text


def test_a_filled_shape_is_not_a_frame() -> None:
    image = card_with_text()
    image[20:190, 470:590] = 90  # the portrait's silhouette: straight edges, but solid
    assert not stamp_frame_mask(image, LINE_HEIGHT).any()


def test_frame_is_lifted_and_the_print_it_crosses_kept() -> None:
    plain = card_with_text()
    image = framed(plain)
    out = without_frames(image, LINE_HEIGHT)
    frame_only = (image.min(axis=2) < 100) & (plain.min(axis=2) > 150)
    assert out[frame_only].mean() > PAPER - 40  # the frame is gone
    print_far = plain.min(axis=2) < 100
    print_far[:, 130:470] = False  # away from the frame's sides and corners
    assert np.abs(out[print_far].astype(int) - plain[print_far]).max() == 0


def test_nothing_to_lift_gives_the_same_pixels() -> None:
    image = card_with_text()
    assert np.array_equal(without_frames(image, LINE_HEIGHT), image)


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
