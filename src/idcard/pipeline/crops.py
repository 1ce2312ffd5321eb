"""Image crops a client may ask for: the straightened card and the portrait."""

from __future__ import annotations

from collections.abc import Callable

import cv2

from idcard.imaging.view import Image, crop_fraction
from idcard.pipeline.one_view import CardRead

CROP_NAMES = frozenset({"card", "portrait"})
# Where the portrait sits on the front of an upright card (fractions of width/height).
_PORTRAIT_REGION = (0.60, 0.08, 0.95, 0.80)


def encode_crops(reads: list[CardRead], wanted: frozenset[str]) -> dict[str, bytes]:
    makers: dict[str, Callable[[], Image | None]] = {
        "card": lambda: reads[0].view.image,
        "portrait": lambda: _portrait(reads),
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
