"""Image-quality conditions with a known amount, for measuring the quality signals.

Each condition is drawn on top of a clean scan or a phone photo made by `degrade`:

- `blur`: Gaussian blur of the whole image; amount = sigma in *card* pixels (856-wide
  card), so the same amount means the same softness of print at any card size.
- `motion_blur`: the camera moving while it shoots: the image smeared along a line in
  any direction; amount = the smear's length in card pixels (856-wide card).
  `detail.angle` is its direction in degrees (0 = along the rows).
- `glare`: a bright specular spot centred on one field's value; amount = added
  brightness at the centre (0..255); the spot radius is recorded too.
- `too_dark` / `overexposed`: exposure gain (and offset) of the whole image; amount = gain.
- `photocopy`: the card as a greyscale (or black-and-white) copy; amount = the share of
  colour left (0 = pure grey).
- `screen_recapture`: the card shown on an RGB-stripe screen and photographed: each
  screen pixel is three coloured sub-pixel stripes with a dark gap, so the camera's
  sampling makes moiré; amount = screen pixel pitch in card pixels.
- `occlusion`: a finger, a sticker (coloured or white), or a stamp (red or blue, or grey
  as on a copy) over one field's value; amount = share of the value's box covered;
  `detail.by` names the occluder.

`None` (no condition) gives the negatives. Labels record the condition, amount and the
fields it affects.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field, replace

import cv2
import numpy as np
from PIL import Image, ImageDraw

from cardgen import degrade
from cardgen.fonts import hei
from cardgen.render import HEIGHT, WIDTH

CONDITIONS = ("blur", "glare", "too_dark", "overexposed", "photocopy", "screen_recapture",
              "occlusion", "motion_blur")
OCCLUDERS = ("finger", "sticker", "white_sticker", "stamp", "grey_stamp")
# Where each value is printed on the canonical card (x0, y0, x1, y1 as fractions).
VALUE_BOXES: dict[str, dict[str, tuple[float, float, float, float]]] = {
    "front": {
        "name": (0.19, 0.08, 0.36, 0.15),
        "sex": (0.19, 0.20, 0.24, 0.27),
        "ethnicity": (0.44, 0.20, 0.50, 0.27),
        "birth_date": (0.19, 0.32, 0.48, 0.39),
        "address": (0.19, 0.44, 0.60, 0.62),
        "id_number": (0.345, 0.82, 0.90, 0.89),
    },
    "back": {
        "issuing_authority": (0.38, 0.69, 0.80, 0.76),
        "valid_period": (0.38, 0.81, 0.80, 0.88),
    },
}


@dataclass
class Condition:
    kind: str | None
    amount: float = 0.0
    fields: list[str] = field(default_factory=list)
    detail: dict[str, object] = field(default_factory=dict)


def draw_condition(kind: str | None, side: str, rng: random.Random) -> Condition:
    """A condition of `kind` with an amount drawn from the range where it is plainly there."""
    if kind is None:
        return Condition(None)
    fields = list(VALUE_BOXES[side])
    if kind == "blur":
        return Condition(kind, rng.uniform(2.5, 5.0))
    if kind == "motion_blur":
        return Condition(kind, rng.uniform(8.0, 20.0),
                         detail={"angle": rng.uniform(0.0, 180.0)})
    if kind == "glare":
        return Condition(kind, rng.uniform(150, 230), [rng.choice(fields)],
                         {"radius": rng.uniform(0.06, 0.12)})
    if kind == "too_dark":
        return Condition(kind, rng.uniform(0.18, 0.38))
    if kind == "overexposed":
        return Condition(kind, rng.uniform(1.7, 2.6))
    if kind == "photocopy":
        return Condition(kind, rng.choice((0.0, 0.0, rng.uniform(0.0, 0.08))),
                         detail={"black_white": rng.random() < 0.3})
    if kind == "screen_recapture":
        return Condition(kind, rng.uniform(2.2, 4.5))
    if kind == "occlusion":
        return Condition(kind, rng.uniform(0.35, 0.9), [rng.choice(fields)],
                         {"by": rng.choice(OCCLUDERS)})
    raise ValueError(f"unknown condition {kind!r}")


def _box_px(side: str, name: str) -> tuple[int, int, int, int]:
    x0, y0, x1, y1 = VALUE_BOXES[side][name]
    return int(x0 * WIDTH), int(y0 * HEIGHT), int(x1 * WIDTH), int(y1 * HEIGHT)


# -- on the card (before it is photographed) ----------------------------------------------


def on_card(card: np.ndarray, side: str, cond: Condition, rng: random.Random) -> np.ndarray:
    """The RGBA card with a card-plane condition drawn on it."""
    if cond.kind == "photocopy":
        return _photocopy(card, cond)
    if cond.kind == "screen_recapture":
        return _screen(card, cond.amount)
    if cond.kind == "glare":
        return _glare(card, side, cond)
    if cond.kind == "occlusion":
        return _occlude(card, side, cond, rng)
    return card


def _photocopy(card: np.ndarray, cond: Condition) -> np.ndarray:
    rgb = card[..., :3].astype(np.float32)
    grey = cv2.cvtColor(card[..., :3], cv2.COLOR_RGB2GRAY).astype(np.float32)[..., None]
    out = grey * (1 - cond.amount) + rgb * cond.amount
    out = np.clip((out - 30) * 255 / (235 - 30), 0, 255)
    if cond.detail.get("black_white"):
        out = np.where(out.mean(axis=2, keepdims=True) < 150, 20.0, 250.0) + 0 * out
    return np.dstack([out.astype(np.uint8), card[..., 3]])


def _screen(card: np.ndarray, pitch: float) -> np.ndarray:
    """RGB-stripe sub-pixels: each screen pixel (pitch × pitch card pixels) shows its colour
    as three vertical stripes, with a dark row gap, as an LCD seen up close."""
    rgb = cv2.resize(card[..., :3], (max(1, round(WIDTH / pitch)), max(1, round(HEIGHT / pitch))),
                     interpolation=cv2.INTER_AREA)
    xs, ys = np.arange(WIDTH), np.arange(HEIGHT)
    sx = np.minimum((xs / pitch).astype(int), rgb.shape[1] - 1)
    sy = np.minimum((ys / pitch).astype(int), rgb.shape[0] - 1)
    big = rgb[sy][:, sx].astype(np.float32)
    stripe = ((xs % pitch) / pitch * 3).astype(int)  # 0 = R, 1 = G, 2 = B
    weights = np.full((WIDTH, 3), 0.25, np.float32)
    weights[np.arange(WIDTH), stripe] = 1.0
    gap = ((ys % pitch) / pitch > 0.8)[:, None, None]
    lit = big * weights[None, :, :] * 2.0 * np.where(gap, 0.35, 1.0)
    return np.dstack([np.clip(lit, 0, 255).astype(np.uint8), card[..., 3]])


def _glare(card: np.ndarray, side: str, cond: Condition) -> np.ndarray:
    x0, y0, x1, y1 = _box_px(side, cond.fields[0])
    cx, cy = (x0 + x1) / 2, (y0 + y1) / 2
    radius = float(cond.detail["radius"]) * WIDTH  # type: ignore[arg-type]
    yy, xx = np.mgrid[0:HEIGHT, 0:WIDTH].astype(np.float32)
    spot = np.exp(-((xx - cx) ** 2 + (yy - cy) ** 2) / (2 * radius**2))
    rgb = card[..., :3].astype(np.float32) + cond.amount * spot[..., None]
    return np.dstack([np.clip(rgb, 0, 255).astype(np.uint8), card[..., 3]])


def _occlude(card: np.ndarray, side: str, cond: Condition, rng: random.Random) -> np.ndarray:
    x0, y0, x1, y1 = _box_px(side, cond.fields[0])
    w, h = x1 - x0, y1 - y0
    covered = cond.amount
    by = cond.detail["by"]
    image = Image.fromarray(card.copy(), "RGBA")
    if by in ("stamp", "grey_stamp"):
        layer = Image.new("RGBA", (int(w * covered) + 20, h + 30), (0, 0, 0, 0))
        text = rng.choice(degrade.STAMPS)
        font = hei(max(14, int(h * 0.9)), "Bold").pick(text[0])
        draw = ImageDraw.Draw(layer)
        if by == "grey_stamp":
            colour = (rng.randint(80, 130),) * 3
        else:
            colour = (205, 35, 40) if rng.random() < 0.8 else (60, 60, 160)
        draw.text((4, 4), text, font=font, fill=(*colour, rng.randint(170, 230)))
        draw.rectangle((1, 1, layer.width - 2, layer.height - 2), outline=(*colour, 220), width=3)
        image.alpha_composite(layer, (x0, max(0, y0 - 12)))
        return np.asarray(image)
    overlay = np.asarray(image).copy()
    if by in ("sticker", "white_sticker"):
        colour = rng.choice(((250, 246, 236), (244, 244, 240), (252, 252, 252))
                            if by == "white_sticker" else
                            ((250, 224, 90), (150, 210, 240), (250, 200, 200)))
        cv2.rectangle(overlay, (x0, y0 - 4), (x0 + int(w * covered), y1 + 4), (*colour, 255), -1)
        return overlay
    # A finger: a skin-toned rounded blob entering from below-right of the value, shaded.
    skin = np.array(rng.choice(((224, 172, 140), (198, 140, 105), (236, 196, 170))), np.float32)
    mask = np.zeros((HEIGHT, WIDTH), np.float32)
    centre = (x0 + int(w * covered * 0.55), y1 + int(h * 0.3))
    axes = (max(8, int(w * covered * 0.6)), max(12, int(h * 1.6)))
    cv2.ellipse(mask, centre, axes, rng.uniform(-25, 25), 0, 360, 1.0, -1, cv2.LINE_AA)
    mask = cv2.GaussianBlur(mask, (0, 0), 2.0)[..., None]
    yy = np.linspace(0.85, 1.05, HEIGHT, dtype=np.float32)[:, None, None]
    rgb = overlay[..., :3].astype(np.float32) * (1 - mask) + skin * yy * mask
    overlay[..., :3] = np.clip(rgb, 0, 255).astype(np.uint8)
    return overlay


# -- on the image (after it is photographed) ----------------------------------------------


def card_width_px(shot: degrade.Shot) -> float:
    quad = shot.quads[0]
    return float(np.hypot(*(quad[1] - quad[0])))


def on_image(shot: degrade.Shot, cond: Condition, rng: random.Random) -> degrade.Shot:
    """The shot with an image-plane condition applied."""
    image = shot.image
    if cond.kind == "blur":
        sigma = cond.amount * card_width_px(shot) / WIDTH  # card pixels -> image pixels
        image = cv2.GaussianBlur(image, (0, 0), sigma)
    elif cond.kind == "motion_blur":
        length = cond.amount * card_width_px(shot) / WIDTH
        image = degrade.smeared(image, length, float(cond.detail["angle"]))  # type: ignore[arg-type]
    elif cond.kind == "too_dark":
        image = np.clip(image.astype(np.float32) * cond.amount + rng.uniform(0, 6), 0, 255)
    elif cond.kind == "overexposed":
        image = np.clip(image.astype(np.float32) * cond.amount + rng.uniform(10, 50), 0, 255)
    else:
        return shot
    return replace(shot, image=image.astype(np.uint8), notes=[*shot.notes, str(cond.kind)])


def shoot(card: np.ndarray, side: str, base: str, cond: Condition,
          rng: random.Random) -> degrade.Shot:
    """A `base` ("clean" scan or "photo") of the card with the condition applied."""
    card = on_card(card, side, cond, rng)
    shot = degrade.clean(card, rng) if base == "clean" else degrade.photo(card, rng)
    shot = on_image(shot, cond, rng)
    if cond.kind == "screen_recapture":
        shot = replace(shot, quality=max(shot.quality, 80))
    return shot

