"""Image-quality and authenticity signals of one card view, each a score in [0, 1].

Every score is a fixed, documented map of one physical measurement, and a signal is
raised when its score reaches `RAISED_AT` (0.5), which is where the measurement crosses
its threshold (the constants below; the README lists them):

- `blur`: the print's edge width. The steepest gradient across an edge of contrast C
  blurred by a Gaussian of sigma s is C / (s·√(2π)), so s = C / (g·√(2π)) estimates the
  blur of each field's box on the straightened card (856 px wide). Raised at 2 px.
- `glare`: the largest washed-out spot — pixels near white that are also much brighter
  than their surroundings (smooth lighting gradients are not) — as a share of the card.
  Raised at 5 %; a field is covered when a quarter of its box lies in the spot.
- `too_dark`: the card's median brightness; raised below 100 of 255.
- `overexposed`: the share of the card that is clipped to white; raised at 30 %.
- `photocopy`: the card's colour detail — the mean size of the fine (card-scale detail)
  part of each pixel's log-chromaticity (log B/G, log R/G: a colour cast is a constant
  there, brightness cancels, slow lighting changes are taken away), leaving out clipped
  pixels and red ones (a stamp on a copy is red). A real card carries the blue-green
  guilloche and blue labels; a grey or black-and-white copy has none. Raised below
  0.003 (a pure grey image measures 0, colour cards 0.005–0.3). A grey copy
  *photographed* in colour keeps camera colour noise and is often not caught.
- `screen_recapture`: the RGB-stripe and pixel grid of a screen, photographed, make a
  periodic pattern; once the card is straightened (the screen is the card's plane) it
  shows as isolated peaks in the Fourier spectrum of the card's chroma, far above the
  spectrum's own level. The score is the strongest high-frequency peak's ratio to the
  median magnitude of the band; raised at 300 (printed cards measure 5–130, a
  photographed screen 700–3500).
- `occlusion`: the share of a field's box covered by something that is not card print:
  warm colour (skin, a red stamp, a coloured sticker; card print is black and blue) —
  raised at 8 % of a box, since a stamp is thin strokes — or warm colour and flat
  patches with no print at all together, raised at 35 % of a box.
- `card_incomplete`: the card (or its text) runs into the image's edge: 1 or 0.

Each takes a few milliseconds on a 428 × 270 copy; all are defined (no NaN) on any
image, including 1 × 1 and all-black.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field

import cv2
import numpy as np

from idcard.imaging.view import Image
from idcard.text import Quad

SIGNALS = ("blur", "glare", "too_dark", "overexposed", "photocopy", "screen_recapture",
           "occlusion", "card_incomplete")
RAISED_AT = 0.5

_WORK_WIDTH = 428  # half the canonical card: enough for every signal but blur
_CARD_WIDTH = 856.0
# blur: edge sigma (px of an 856-wide card) where the score is 0 and where it is raised.
_SHARP_SIGMA = 1.0
_BLUR_SIGMA_RAISED = 2.0
# glare: near-white and this much brighter than the surroundings (0..255).
_GLARE_WHITE = 250
_GLARE_ABOVE_SURROUNDINGS = 10
_GLARE_LIGHTING_MAX = 242
_GLARE_ABOVE_PAPER = 15
_GLARE_AREA_RAISED = 0.05
_GLARE_FIELD_SHARE = 0.25
# exposure
_DARK_MEDIAN_RAISED = 100.0
_DARK_MEDIAN_FINE = 160.0
_CLIPPED = 250
_CLIPPED_SHARE_RAISED = 0.30
# photocopy: mean size of the fine part of the log-chromaticity (log B/G, log R/G).
_CHROMA_SPREAD_RAISED = 0.003
_RED_SHIFT = 0.15  # log(R/G) this far above the median: a red stamp's, left out
_COLOUR_WIDTH = 214
_COLOUR_SLOW_SIGMA = 6.0
_DARKEST_FOR_COLOUR = 40  # darker pixels' colour is mostly noise
# screen: a spectrum peak this many times the local median magnitude.
_SCREEN_PATCH = 256
_SCREEN_MIN_FREQUENCY = 0.12  # cycles per pixel: below are print and guilloche
_SCREEN_PEAK_FLOOR = 100.0
_SCREEN_PEAK_RAISED = 300.0
# occlusion
_WARM_SHIFT = 12.0  # a* above the card's median: skin, red stamp, warm sticker
_FLAT_STD = 1.5
_OCCLUDED_SHARE_RAISED = 0.35
_WARM_SHARE_RAISED = 0.08


@dataclass(frozen=True)
class Signal:
    score: float
    fields: tuple[str, ...] = ()
    measure: float = 0.0  # the physical measurement the score maps (for benches)

    @property
    def raised(self) -> bool:
        return self.score >= RAISED_AT


@dataclass(frozen=True)
class QualityReport:
    signals: dict[str, Signal]
    ms: dict[str, float] = field(default_factory=dict)

    def raised(self) -> list[str]:
        return [name for name in SIGNALS if self.signals[name].raised]


def assess(card: Image, regions: Mapping[str, Quad], *, card_incomplete: bool = False,
           straightened: bool = True,
           clock: Callable[[], float] = time.perf_counter) -> QualityReport:
    """All signals for one card view; `regions` are field boxes in the view's pixels (the
    box read, or where the layout says the value is printed). A view that is not a
    straightened card (text read where it lies) holds more than the card: a white page
    around a copy is not overexposure, so exposure is judged on the field boxes there."""
    ms: dict[str, float] = {}
    signals: dict[str, Signal] = {}
    work = _work_copy(card)
    scale = work.shape[1] / max(1, card.shape[1]) if card.size else 1.0
    boxes = {name: _rect(quad, scale, work.shape) for name, quad in regions.items()}
    grey = cv2.cvtColor(work, cv2.COLOR_BGR2GRAY)
    exposed = grey if straightened or not boxes else _inside(grey, boxes.values())
    measures: dict[str, Callable[[], Signal]] = {
        "blur": lambda: _blur(card, regions),
        "glare": lambda: _glare(grey, boxes),
        "too_dark": lambda: _too_dark(exposed),
        "overexposed": lambda: _overexposed(exposed),
        "photocopy": lambda: _photocopy(card),
        "screen_recapture": lambda: _screen(card),
        "occlusion": lambda: _occlusion(work, grey, boxes),
    }
    for name, measure in measures.items():
        start = clock()
        signals[name] = measure()
        ms[name] = round((clock() - start) * 1000.0, 3)
    signals["card_incomplete"] = Signal(1.0 if card_incomplete else 0.0)
    return QualityReport(signals=signals, ms=ms)


def _work_copy(card: Image) -> Image:
    if card.ndim == 2:
        card = cv2.cvtColor(card, cv2.COLOR_GRAY2BGR)
    if card.size == 0:
        return np.zeros((1, 1, 3), np.uint8)
    height, width = card.shape[:2]
    scale = min(1.0, _WORK_WIDTH / width)
    size = (max(1, round(width * scale)), max(1, round(height * scale)))
    small = cv2.resize(card, size, interpolation=cv2.INTER_AREA) if scale < 1.0 else card
    return np.ascontiguousarray(small, dtype=np.uint8)


_Rect = tuple[int, int, int, int]


def _rect(quad: Quad, scale: float, shape: tuple[int, ...]) -> _Rect:
    xs = [p[0] * scale for p in quad]
    ys = [p[1] * scale for p in quad]
    height, width = shape[:2]
    x0, x1 = int(max(0, min(xs))), int(min(width, math.ceil(max(xs))))
    y0, y1 = int(max(0, min(ys))), int(min(height, math.ceil(max(ys))))
    return (x0, y0, max(x0, x1), max(y0, y1))


def _inside(grey: Image, rects: Iterable[_Rect]) -> Image:
    """The pixels of `grey` inside any of the rectangles (all of them if none has any)."""
    keep = np.zeros(grey.shape, bool)
    for x0, y0, x1, y1 in rects:
        keep[y0:y1, x0:x1] = True
    return grey[keep] if keep.any() else grey


def _clip01(value: float) -> float:
    return 0.0 if not math.isfinite(value) else min(1.0, max(0.0, value))


def _ramp(value: float, zero: float, raised: float) -> float:
    """0 at `zero`, RAISED_AT at `raised`, 1 at twice the distance (either direction)."""
    return _clip01((value - zero) / (raised - zero) * RAISED_AT)


def _raised_fields(per_field: dict[str, float]) -> tuple[str, ...]:
    return tuple(name for name, score in per_field.items() if score >= RAISED_AT)


# -- blur ---------------------------------------------------------------------------------


def _edge_sigma(patch: Image) -> float | None:
    """Estimated Gaussian blur (px) of the strongest edges in a grey patch."""
    if patch.shape[0] < 4 or patch.shape[1] < 4:
        return None
    values = patch.astype(np.float32)
    low, high = np.percentile(values, (5, 95))
    contrast = float(high - low)
    if contrast < 20:  # no print here to judge
        return None
    gx = cv2.Sobel(values, cv2.CV_32F, 1, 0, ksize=3) / 8.0
    gy = cv2.Sobel(values, cv2.CV_32F, 0, 1, ksize=3) / 8.0
    steepest = float(np.percentile(np.hypot(gx, gy), 99.5))
    if steepest <= 0:
        return None
    return contrast / (steepest * math.sqrt(2 * math.pi))


def _blur(card: Image, regions: Mapping[str, Quad]) -> Signal:
    if card.size == 0:
        return Signal(0.0)
    grey = card if card.ndim == 2 else cv2.cvtColor(card, cv2.COLOR_BGR2GRAY)
    to_card = _CARD_WIDTH / max(1, grey.shape[1])  # sigma in px of an 856-wide card
    per_field: dict[str, float] = {}
    for name, quad in regions.items():
        x0, y0, x1, y1 = _rect(quad, 1.0, grey.shape)
        sigma = _edge_sigma(grey[y0:y1, x0:x1])
        if sigma is not None:
            per_field[name] = _ramp(sigma * to_card, _SHARP_SIGMA, _BLUR_SIGMA_RAISED)
    if not per_field:
        sigma = _edge_sigma(grey)
        score = _ramp(sigma * to_card, _SHARP_SIGMA, _BLUR_SIGMA_RAISED) if sigma else 0.0
        return Signal(round(score, 3))
    return Signal(round(max(per_field.values()), 3), _raised_fields(per_field))


# -- light --------------------------------------------------------------------------------


def _glare_mask(grey: Image) -> Image:
    height, width = grey.shape
    # The lighting: a blur over a quarter of the card, done on a tiny copy. A spot is
    # brighter than it; a smooth gradient is not. Where the lighting itself is near
    # white (white paper of a copy, an overexposed card) no spot can be told apart.
    tiny = cv2.resize(grey, (max(1, width // 8), max(1, height // 8)),
                      interpolation=cv2.INTER_AREA).astype(np.float32)
    sigma = max(1.0, tiny.shape[1] / 4.0)
    around = cv2.resize(cv2.GaussianBlur(tiny, (0, 0), sigma), (width, height),
                        interpolation=cv2.INTER_LINEAR)
    smooth = cv2.blur(grey, (3, 3)).astype(np.float32)
    paper = float(np.median(grey))
    mask = (smooth >= _GLARE_WHITE) & (smooth - around >= _GLARE_ABOVE_SURROUNDINGS) \
        & (around <= _GLARE_LIGHTING_MAX) & (smooth - paper >= _GLARE_ABOVE_PAPER)
    return mask.astype(np.uint8)


def _glare(grey: Image, boxes: Mapping[str, _Rect]) -> Signal:
    mask = _glare_mask(grey)
    if not mask.any():
        return Signal(0.0)
    mask = cv2.morphologyEx(mask, cv2.MORPH_CLOSE, np.ones((5, 5), np.uint8))
    count, labels, stats, _ = cv2.connectedComponentsWithStats(mask, connectivity=8)
    if count <= 1:
        return Signal(0.0)
    largest = 1 + int(np.argmax(stats[1:, cv2.CC_STAT_AREA]))
    spot = labels == largest
    share = float(stats[largest, cv2.CC_STAT_AREA]) / mask.size
    score = _ramp(share, 0.0, _GLARE_AREA_RAISED)
    covered = tuple(name for name, (x0, y0, x1, y1) in boxes.items()
                    if (x1 - x0) * (y1 - y0) > 0
                    and float(spot[y0:y1, x0:x1].mean()) >= _GLARE_FIELD_SHARE)
    return Signal(round(score, 3), covered if score >= RAISED_AT else (), share)


def _too_dark(grey: Image) -> Signal:
    if grey.size == 0:
        return Signal(0.0)
    median = float(np.median(grey))
    return Signal(round(_ramp(_DARK_MEDIAN_FINE - median, 0.0,
                              _DARK_MEDIAN_FINE - _DARK_MEDIAN_RAISED), 3))


def _overexposed(grey: Image) -> Signal:
    share = float((grey >= _CLIPPED).mean())
    return Signal(round(_ramp(share, 0.0, _CLIPPED_SHARE_RAISED), 3))


# -- colour -------------------------------------------------------------------------------


def _photocopy(card: Image) -> Signal:
    if card.ndim != 3 or card.size == 0:
        return Signal(1.0 if card.size else 0.0)
    # Averaged in floating point: rounding to 8 bits again would itself be colour noise.
    values = cv2.resize(card.astype(np.float32), (_COLOUR_WIDTH, max(1, round(
        card.shape[0] * _COLOUR_WIDTH / card.shape[1]))), interpolation=cv2.INTER_AREA)
    usable = (values.max(axis=2) < _CLIPPED) & (values.min(axis=2) >= _DARKEST_FOR_COLOUR)
    if int(usable.sum()) < 64:
        return Signal(0.0)  # nothing left to judge colour on (black, white, tiny)
    # Log-chromaticity: a colour cast (a gain per channel) is a constant offset and
    # brightness cancels. What is left of the lighting (flare, an offset) changes slowly
    # across the card, so the slow part is taken away: the print's colour (blue labels,
    # guilloche lines) lies in the fine detail.
    logs = np.log(np.maximum(values, 1.0))
    chroma = np.stack([logs[..., 2] - logs[..., 1], logs[..., 0] - logs[..., 1]], axis=2)
    detail = chroma - cv2.GaussianBlur(chroma, (0, 0), _COLOUR_SLOW_SIGMA)
    kept = usable & (detail[..., 1] < _RED_SHIFT)  # red - green: a red stamp's pixels
    spread = float(np.hypot(detail[..., 0], detail[..., 1])[kept].mean()) if kept.any() else 0.0
    # 1 for no colour at all, RAISED_AT at the threshold, 0 at twice the threshold.
    return Signal(round(_clip01(1.0 - spread / (2 * _CHROMA_SPREAD_RAISED)), 3), (), spread)


def _screen(card: Image) -> Signal:
    if card.ndim != 3 or min(card.shape[:2]) < 32:
        return Signal(0.0)
    height, width = card.shape[:2]
    side = min(_SCREEN_PATCH, height, width)
    top, left = (height - side) // 2, (width - side) // 2
    patch = card[top:top + side, left:left + side].astype(np.float32)
    chroma = patch[..., 2] - patch[..., 0]  # red minus blue: sub-pixel stripes
    chroma -= float(chroma.mean())
    window = np.outer(np.hanning(side), np.hanning(side)).astype(np.float32)
    spectrum = np.abs(np.fft.fftshift(np.fft.fft2(chroma * window)))
    freq = np.fft.fftshift(np.fft.fftfreq(side))
    radius = np.hypot(*np.meshgrid(freq, freq))
    band = spectrum[radius >= _SCREEN_MIN_FREQUENCY]
    if band.size == 0:
        return Signal(0.0)
    level = float(np.median(band))
    if level <= 0:
        return Signal(0.0)
    peak = float(band.max()) / level
    return Signal(round(_ramp(peak, _SCREEN_PEAK_FLOOR, _SCREEN_PEAK_RAISED), 3), (), peak)


def _occlusion(work: Image, grey: Image, boxes: Mapping[str, _Rect]) -> Signal:
    if not boxes or grey.size < 64:
        return Signal(0.0)
    a = cv2.cvtColor(work.astype(np.float32) / 255.0, cv2.COLOR_BGR2LAB)[..., 1]
    # Smoothed over a few pixels: a screen's red sub-pixel stripes average out, a stamp's
    # strokes and a finger do not.
    a = cv2.GaussianBlur(a, (0, 0), 1.5)
    warm = a - float(np.median(a)) >= _WARM_SHIFT
    values = grey.astype(np.float32)
    mean = cv2.blur(values, (7, 7))
    deviation = np.sqrt(np.maximum(cv2.blur(values * values, (7, 7)) - mean * mean, 0.0))
    paper = float(np.median(grey))
    flat = (deviation < _FLAT_STD) & (np.abs(values - paper) > 12)
    per_field: dict[str, float] = {}
    for name, (x0, y0, x1, y1) in boxes.items():
        if (x1 - x0) * (y1 - y0) > 0:
            # A stamp is strokes, not a patch: a little warm ink over a value is a lot.
            warm_share = float(warm[y0:y1, x0:x1].mean())
            flat_share = float((flat | warm)[y0:y1, x0:x1].mean())
            per_field[name] = max(_ramp(warm_share, 0.0, _WARM_SHARE_RAISED),
                                  _ramp(flat_share, 0.0, _OCCLUDED_SHARE_RAISED))
    if not per_field:
        return Signal(0.0)
    return Signal(round(max(per_field.values()), 3), _raised_fields(per_field))
