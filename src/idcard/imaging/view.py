"""A card-shaped view of an image, and the map back to the pixels the client sent.

Every view keeps a 3×3 homography from its own pixels to the source image's, so boxes
found on a straightened card can be reported where the client can draw them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import cv2
import numpy as np
from numpy.typing import NDArray

from idcard.text import Quad

# OpenCV hands back arrays of loosely typed dtype; pixels are uint8 BGR or grey.
Image = NDArray[Any]
Matrix = NDArray[np.float64]

# The canonical straightened card: ID-1 format 85.6 × 54 mm at 10 px/mm.
CARD_WIDTH = 856
CARD_HEIGHT = 540


@dataclass(frozen=True)
class Origin:
    """The pixels a view was warped from, and how: a view warped again (turned level)
    is made by one warp from them, as every interpolation softens the strokes and
    stacked ones draw a fine pattern of their own that reads as a screen's."""

    image: Image
    interpolation: int


@dataclass(frozen=True)
class CardView:
    image: Image
    to_source: Matrix  # homography: view pixels -> source pixels
    # Set while the view's pixels are a plain warp of the source's (not smoothed, masked
    # or otherwise processed after the warp).
    origin: Origin | None = field(default=None, compare=False, repr=False)

    @property
    def size(self) -> tuple[int, int]:
        return (int(self.image.shape[1]), int(self.image.shape[0]))

    def map_box(self, box: Quad) -> Quad:
        points = np.asarray(box, dtype=np.float64).reshape(-1, 1, 2)
        mapped = cv2.perspectiveTransform(points, self.to_source).reshape(-1, 2)
        a, b, c, d = ((round(float(x), 1), round(float(y), 1)) for x, y in mapped)
        return (a, b, c, d)

    def box_from_source(self, box: Quad) -> Quad:
        """A box in the source image's pixels, in this view's (the inverse of map_box)."""
        points = np.asarray(box, dtype=np.float64).reshape(-1, 1, 2)
        back = np.linalg.inv(self.to_source)
        mapped = cv2.perspectiveTransform(points, back).reshape(-1, 2)
        a, b, c, d = ((float(x), float(y)) for x, y in mapped)
        return (a, b, c, d)

    def source_corners(self) -> Quad:
        """Where this view's corner pixels lie in the source image: top-left, top-right,
        bottom-right, bottom-left. The four pairs define the view's homography, so a client
        holding the view's pixels can map source boxes onto them."""
        w, h = self.size
        return self.map_box(((0.0, 0.0), (w - 1.0, 0.0), (w - 1.0, h - 1.0), (0.0, h - 1.0)))

    def scaled(self, factor: float) -> CardView:
        """The same view enlarged (or shrunk) by `factor`."""
        if factor == 1.0:
            return self
        interpolation = cv2.INTER_CUBIC if factor > 1.0 else cv2.INTER_AREA
        resized = cv2.resize(self.image, None, fx=factor, fy=factor, interpolation=interpolation)
        back = np.diag([1.0 / factor, 1.0 / factor, 1.0])
        return CardView(np.ascontiguousarray(resized), self.to_source @ back, self.origin)

    def rotated(self, quarter_turns: int) -> CardView:
        """The same view turned clockwise by 90° steps."""
        turns = quarter_turns % 4
        if turns == 0:
            return self
        codes = {1: cv2.ROTATE_90_CLOCKWISE, 2: cv2.ROTATE_180, 3: cv2.ROTATE_90_COUNTERCLOCKWISE}
        turned = cv2.rotate(self.image, codes[turns])
        # Maps turned-view pixels back to this view's pixels.
        w, h = self.size
        back = {
            1: np.array([[0, 1, 0], [-1, 0, h - 1], [0, 0, 1]], dtype=np.float64),
            2: np.array([[-1, 0, w - 1], [0, -1, h - 1], [0, 0, 1]], dtype=np.float64),
            3: np.array([[0, -1, w - 1], [1, 0, 0], [0, 0, 1]], dtype=np.float64),
        }[turns]
        return CardView(np.ascontiguousarray(turned), self.to_source @ back, self.origin)


def whole_image(image: Image) -> CardView:
    return CardView(image, np.eye(3, dtype=np.float64), Origin(image, cv2.INTER_LINEAR))


def rectify_card(image: Image, corners: NDArray[np.float32], sharp: bool = False) -> CardView:
    """Warp the quadrilateral `corners` (clockwise from the card's top-left) to an upright card."""
    target = np.array(
        [[0, 0], [CARD_WIDTH - 1, 0], [CARD_WIDTH - 1, CARD_HEIGHT - 1], [0, CARD_HEIGHT - 1]],
        dtype=np.float32,
    )
    forward = cv2.getPerspectiveTransform(corners.astype(np.float32), target)
    # A `sharp` source (a scan cropped to the card, usually smaller than the view) keeps
    # its strokes' edges when enlarged by cubic interpolation; on blurred photos cubic was
    # measured to read worse.
    interpolation = cv2.INTER_CUBIC if sharp else cv2.INTER_AREA
    warped = cv2.warpPerspective(image, forward, (CARD_WIDTH, CARD_HEIGHT),
                                 flags=interpolation, borderMode=cv2.BORDER_REPLICATE)
    return CardView(warped, np.linalg.inv(forward).astype(np.float64),
                    Origin(image, interpolation))


def warped_again(view: CardView, forward: Matrix, size: tuple[int, int]) -> CardView:
    """The view moved by the homography `forward` (view pixels -> new pixels) into an
    image of `size`: by one warp from the view's origin where it has one."""
    to_source = view.to_source @ np.linalg.inv(forward)
    if view.origin is None:
        out = cv2.warpPerspective(view.image, forward, size, flags=cv2.INTER_LINEAR,
                                  borderMode=cv2.BORDER_REPLICATE)
        return CardView(out, to_source)
    out = cv2.warpPerspective(view.origin.image, np.linalg.inv(to_source), size,
                              flags=view.origin.interpolation,
                              borderMode=cv2.BORDER_REPLICATE)
    return CardView(out, to_source, view.origin)


def region_box(size: tuple[int, int], left: float, top: float, right: float,
               bottom: float) -> Quad:
    """A region given as fractions of a view's width and height, as a box in its pixels."""
    width, height = size
    x0, y0, x1, y1 = left * width, top * height, right * width, bottom * height
    return ((x0, y0), (x1, y0), (x1, y1), (x0, y1))


def crop_fraction(view: CardView, left: float, top: float, right: float, bottom: float) -> Image:
    w, h = view.size
    x0, x1 = int(w * left), int(w * right)
    y0, y1 = int(h * top), int(h * bottom)
    return np.ascontiguousarray(view.image[y0:y1, x0:x1])
