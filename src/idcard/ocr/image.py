"""Bring whatever array the caller hands in to the one form the networks take: BGR uint8."""

from __future__ import annotations

import cv2
import numpy as np
import numpy.typing as npt

from idcard.errors import InputError

BgrImage = npt.NDArray[np.uint8]

# 16-bit samples map onto 8-bit ones by this factor (65535 / 255).
_UINT16_PER_UINT8 = 257.0


def as_bgr8(image: np.ndarray) -> BgrImage | None:
    """A contiguous BGR uint8 copy-or-view of `image`; None if it has no pixels.

    Accepts grey (H, W), (H, W, 1), BGR and BGRA, uint8 or uint16. Transparent pixels are
    laid over white, as a viewer would show them, so text on a transparent PNG stays dark
    on light.
    """
    if not isinstance(image, np.ndarray):
        raise InputError("unsupported_image", "the image is not a pixel array")
    if image.size == 0:
        return None
    channels = _channel_count(image)
    eight_bit = _to_uint8(image)
    if channels == 1:
        grey = eight_bit.reshape(eight_bit.shape[0], eight_bit.shape[1])
        return np.asarray(cv2.cvtColor(grey, cv2.COLOR_GRAY2BGR), dtype=np.uint8)
    if channels == 4:
        return _over_white(eight_bit)
    return np.ascontiguousarray(eight_bit)


def _channel_count(image: np.ndarray) -> int:
    if image.ndim == 2:
        return 1
    if image.ndim == 3 and image.shape[2] in (1, 3, 4):
        return int(image.shape[2])
    raise InputError("unsupported_image",
                     f"an image must be grey, BGR or BGRA, not an array of shape {image.shape}")


def _to_uint8(image: np.ndarray) -> BgrImage:
    if image.dtype == np.uint8:
        return np.asarray(image, dtype=np.uint8)
    if image.dtype == np.uint16:
        scaled = image.astype(np.float32) / _UINT16_PER_UINT8
        return np.asarray(np.rint(scaled), dtype=np.uint8)
    raise InputError("unsupported_image",
                     f"pixels must be 8- or 16-bit unsigned integers, not {image.dtype}")


def _over_white(bgra: BgrImage) -> BgrImage:
    bgr = bgra[:, :, :3]
    alpha = bgra[:, :, 3:4]
    if bool(np.all(alpha == 255)):
        return np.ascontiguousarray(bgr)
    weight = alpha.astype(np.float32) / 255.0
    blended = bgr.astype(np.float32) * weight + 255.0 * (1.0 - weight)
    return np.asarray(np.rint(blended), dtype=np.uint8)
