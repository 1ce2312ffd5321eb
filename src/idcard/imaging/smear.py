"""A camera's movement undone: the straight smear of a card photographed while the camera
moved, measured from the image itself and taken back out of it for reading.

A smear of length L along one direction convolves the image with a line L px long. Its
spectrum is a sinc whose zeros repeat every 1/L along that direction, so the log
spectrum holds a periodic ripple, and its cepstrum (the inverse transform of the log
magnitude) a deep negative peak at distance L in that direction (Rom, 1975; Cannon,
1976, *Blind deconvolution of spatially invariant image blurs with phase*). The
smear found so is undone by Wiener deconvolution, whose noise-to-signal constant keeps
the sinc's zeros from amplifying noise.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import cv2
import numpy as np
import numpy.typing as npt

from idcard.imaging.view import Image

# Smears shorter than this (px) leave strokes readable, and are not looked for; longer
# than this share of the image's width are beyond what deconvolution gives back.
_SHORTEST = 4.0
_LONGEST_SHARE = 0.06
# Wiener's noise-to-signal ratio: larger keeps more blur, smaller rings around strokes.
_NOISE_TO_SIGNAL = 0.01
# The line is drawn at 1/8 px (cv2.line's shift), anti-aliased, for a fractional length.
_SUBPIXEL_BITS = 3

FloatImage = npt.NDArray[np.float64]


@dataclass(frozen=True)
class Smear:
    """A straight smear: its length in px and its direction in degrees, counterclockwise
    from the image's x axis (0-180: a line has no way along it)."""

    length: float
    degrees: float


def camera_smear(card: Image) -> Smear | None:
    """The straight smear the image would show, from its cepstrum's deepest peak between
    `_SHORTEST` px and `_LONGEST_SHARE` of its width from the origin (there is always one:
    whether the image is smeared at all is imaging.quality's `motion_blur` to say); None
    for an image too small to measure."""
    grey = card if card.ndim == 2 else cv2.cvtColor(card, cv2.COLOR_BGR2GRAY)
    height, width = grey.shape[:2]
    longest = _LONGEST_SHARE * width
    if min(height, width) < 4 * _SHORTEST or longest <= _SHORTEST:
        return None
    cepstrum = _cepstrum(grey.astype(np.float64))
    reach = math.ceil(longest)
    dy, dx = np.mgrid[-reach:reach + 1, -reach:reach + 1]
    distance = np.hypot(dx, dy)
    ring = (distance >= _SHORTEST) & (distance <= longest)
    rows, cols = np.arange(-reach, reach + 1) % height, np.arange(-reach, reach + 1) % width
    near = cepstrum[np.ix_(rows, cols)]
    index = np.unravel_index(int(np.argmin(np.where(ring, near, np.inf))), near.shape)
    peak_dy, peak_dx = int(dy[index]), int(dx[index])
    degrees = math.degrees(math.atan2(-peak_dy, peak_dx)) % 180.0
    return Smear(float(math.hypot(peak_dx, peak_dy)), degrees)


def unsmeared(card: Image, smear: Smear) -> Image:
    """The image with `smear` taken back out (Wiener deconvolution, channel by channel),
    for reading only: strokes come back, with faint ringing beside them."""
    kernel = _line_kernel(smear)
    pad = kernel.shape[0]
    height, width = card.shape[0] + 2 * pad, card.shape[1] + 2 * pad
    undo = _wiener_filter(kernel, (cv2.getOptimalDFTSize(height), cv2.getOptimalDFTSize(width)))
    channels = [card] if card.ndim == 2 else list(cv2.split(card))
    restored = [_deconvolved(channel, undo, pad) for channel in channels]
    return restored[0] if len(restored) == 1 else cv2.merge(restored)


def _cepstrum(grey: FloatImage) -> FloatImage:
    """The real cepstrum of the windowed image, origin at [0, 0]."""
    height, width = grey.shape
    window = np.outer(np.hanning(height), np.hanning(width))
    spectrum = np.fft.rfft2((grey - grey.mean()) * window)
    return np.fft.irfft2(np.log1p(np.abs(spectrum)), s=grey.shape)


def _line_kernel(smear: Smear) -> npt.NDArray[np.float32]:
    half = math.ceil(smear.length / 2) + 1
    size = 2 * half + 1
    kernel = np.zeros((size, size), np.float32)
    scale = 1 << _SUBPIXEL_BITS
    angle = math.radians(smear.degrees)
    dx, dy = math.cos(angle) * smear.length / 2, -math.sin(angle) * smear.length / 2
    ends = [(round((half + sign * dx) * scale), round((half + sign * dy) * scale))
            for sign in (-1, 1)]
    cv2.line(kernel, ends[0], ends[1], 1.0, 1, cv2.LINE_AA, _SUBPIXEL_BITS)
    total = float(kernel.sum())
    if total <= 0:
        kernel[half, half] = 1.0
        total = 1.0
    return kernel / total


def _wiener_filter(kernel: npt.NDArray[np.float32],
                   shape: tuple[int, int]) -> npt.NDArray[np.float32]:
    """The Wiener filter undoing `kernel` on images of `shape`, as cv2.dft's two-channel
    spectrum: conj(T) / (|T|² + noise-to-signal), T the kernel's transfer function."""
    spread = np.zeros(shape, np.float32)
    size = kernel.shape[0]
    spread[:size, :size] = kernel
    # The kernel's centre at the origin, so that undoing it shifts nothing.
    spread = np.roll(spread, (-(size // 2), -(size // 2)), axis=(0, 1))
    transfer = cv2.dft(spread, flags=cv2.DFT_COMPLEX_OUTPUT)
    real, imaginary = transfer[..., 0], transfer[..., 1]
    power = real * real + imaginary * imaginary + _NOISE_TO_SIGNAL
    return np.dstack((real / power, -imaginary / power)).astype(np.float32)


def _deconvolved(channel: Image, undo: npt.NDArray[np.float32], pad: int) -> Image:
    # Mirrored borders (to the filter's size, which the DFT computes fast) keep the
    # image's edges from wrapping round into the other side.
    height, width = channel.shape[:2]
    padded = cv2.copyMakeBorder(channel.astype(np.float32), pad, undo.shape[0] - height - pad,
                                pad, undo.shape[1] - width - pad, cv2.BORDER_REFLECT)
    spectrum = cv2.mulSpectrums(cv2.dft(padded, flags=cv2.DFT_COMPLEX_OUTPUT), undo, 0)
    restored = cv2.idft(spectrum, flags=cv2.DFT_SCALE | cv2.DFT_REAL_OUTPUT)
    inner = restored[pad:pad + height, pad:pad + width]
    return np.clip(np.rint(inner), 0, 255).astype(np.uint8)
