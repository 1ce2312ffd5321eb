"""Image crops a client may ask for: the straightened card, the portrait, and the card
with its sensitive print masked."""

from __future__ import annotations

from collections.abc import Callable

import cv2

from idcard.extract import RuleBook
from idcard.imaging.view import Image, crop_fraction
from idcard.pipeline.masking import DEFAULT_MASK, mask_image
from idcard.pipeline.one_view import CardRead

CROP_NAMES = frozenset({"card", "portrait", "masked"})
# Where the portrait sits on the front of an upright card (fractions of width/height).
_PORTRAIT_REGION = (0.60, 0.08, 0.95, 0.80)


def encode_crops(reads: list[CardRead], wanted: frozenset[str], rules: RuleBook,
                 mask: frozenset[str] = DEFAULT_MASK) -> dict[str, bytes]:
    """JPEGs of the crops wanted. The masked card is the first view with the boxes it
    read (in its own pixels) covered."""
    def masked() -> Image:
        first = reads[0]
        return mask_image(first.view.image, first.reading, mask, rules,
                          straightened=first.outline is not None)

    makers: dict[str, Callable[[], Image | None]] = {
        "card": lambda: reads[0].view.image,
        "portrait": lambda: _portrait(reads),
        "masked": masked,
    }
    out: dict[str, bytes] = {}
    for name in sorted(wanted & CROP_NAMES):
        crop = makers[name]()
        if crop is not None and crop.size:
            ok, encoded = cv2.imencode(".jpg", crop, [cv2.IMWRITE_JPEG_QUALITY, 90])
            if ok:
                out[name] = encoded.tobytes()
    return out


def _portrait(reads: list[CardRead]) -> Image | None:
    front = next((r for r in reads if r.reading.side == "front" and r.outline is not None), None)
    return crop_fraction(front.view, *_PORTRAIT_REGION) if front else None
