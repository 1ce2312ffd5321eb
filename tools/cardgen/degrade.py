"""From a canonical RGBA card to what a client sends: scans, phone photos, hard photos,
photocopy pages. Every step keeps the card's corner quad in the output's pixels.

A quad lists the card's corners clockwise from its top-left *as the card reads*, in the
coordinates of the image as a viewer shows it (after any EXIF orientation is applied).
"""

from __future__ import annotations

import io
import math
import random
from dataclasses import dataclass, field, replace
from pathlib import Path

import cv2
import numpy as np
from PIL import Image, ImageDraw, ImageFont

from cardgen.fonts import NOTO_SERIF_BOLD, draw_text, hei, text_width
from cardgen.render import HEIGHT, WIDTH

CARD_CORNERS = np.array([[0, 0], [WIDTH, 0], [WIDTH, HEIGHT], [0, HEIGHT]], np.float64)
PHOTO_FRAME = (1280, 960)
SMALL_FRAME = (640, 480)
PAGE = (1240, 1754)
STAMPS = ("复印无效", "再次复印无效", "仅限办理银行开户使用", "仅供入职登记使用",
          "仅限办理社保业务使用", "此复印件仅供办理手续使用")
EXIF_ORIENTATION_TAG = 0x0112


@dataclass
class Shot:
    """An image as the viewer sees it, with its card quads and how it was made."""

    image: np.ndarray  # RGB uint8
    quads: list[np.ndarray]  # each 4 × 2, float
    rotation: int = 0  # clockwise turn of the whole frame, degrees
    exif_orientation: int = 1
    quality: int = 92
    notes: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class HardPlan:
    """Which extra troubles a `hard` image gets on top of a photo."""

    rotation: int = 0
    exif_orientation: int = 1
    glare: bool = False
    small: bool = False
    heavy_blur: bool = False
    low_quality: bool = False


# Cycled over the hard images so even a handful covers every rotation and EXIF case.
HARD_PLANS = (
    HardPlan(rotation=90), HardPlan(exif_orientation=6, glare=True),
    HardPlan(rotation=180, small=True), HardPlan(exif_orientation=3),
    HardPlan(rotation=270, heavy_blur=True), HardPlan(exif_orientation=8, small=True),
    HardPlan(glare=True, small=True), HardPlan(heavy_blur=True, low_quality=True),
    HardPlan(glare=True, rotation=90), HardPlan(small=True, low_quality=True),
)


# -- geometry -----------------------------------------------------------------------------


def _apply(matrix: np.ndarray, points: np.ndarray) -> np.ndarray:
    homogeneous = np.hstack([points, np.ones((len(points), 1))]) @ matrix.T
    return homogeneous[:, :2] / homogeneous[:, 2:3]


def _affine(centre: tuple[float, float], angle_deg: float, scale: float) -> np.ndarray:
    """Card → page: scale about the card centre, turn clockwise, move to `centre`."""
    a = math.radians(angle_deg)
    rot = np.array([[math.cos(a), -math.sin(a), 0], [math.sin(a), math.cos(a), 0], [0, 0, 1]])
    to_origin = np.array([[1, 0, -WIDTH / 2], [0, 1, -HEIGHT / 2], [0, 0, 1]], np.float64)
    out = np.array([[scale, 0, centre[0]], [0, scale, centre[1]], [0, 0, 1]], np.float64)
    return out @ rot @ to_origin


def _tilted_quad(rng: random.Random, frame: tuple[int, int], width_frac: float,
                 max_tilt: float, max_turn: float) -> np.ndarray:
    """Card corners after a 3-D tilt and an in-plane turn, projected and placed in frame."""
    ax, ay = (math.radians(rng.uniform(-max_tilt, max_tilt)) for _ in range(2))
    az = math.radians(rng.uniform(-max_turn, max_turn))
    rx = np.array([[1, 0, 0], [0, math.cos(ax), -math.sin(ax)], [0, math.sin(ax), math.cos(ax)]])
    ry = np.array([[math.cos(ay), 0, math.sin(ay)], [0, 1, 0], [-math.sin(ay), 0, math.cos(ay)]])
    rz = np.array([[math.cos(az), -math.sin(az), 0], [math.sin(az), math.cos(az), 0], [0, 0, 1]])
    centred = np.hstack([CARD_CORNERS - [WIDTH / 2, HEIGHT / 2], np.zeros((4, 1))])
    points = centred @ (rz @ ry @ rx).T
    focal = 1.6 * WIDTH
    flat = points[:, :2] * focal / (points[:, 2:3] + focal)
    span = np.ptp(flat, axis=0)
    scale = min(width_frac * frame[0] / span[0], 0.94 * frame[1] / span[1],
                0.94 * frame[0] / span[0])
    flat = (flat - flat.min(axis=0)) * scale
    room = np.array(frame) - np.ptp(flat, axis=0)
    offset = np.array([rng.uniform(0.1, 0.9) * room[0], rng.uniform(0.1, 0.9) * room[1]])
    return flat + offset


def _place(canvas: np.ndarray, card: np.ndarray, matrix: np.ndarray) -> np.ndarray:
    """Warp an RGBA card by `matrix` onto an RGB canvas (alpha blended)."""
    scale = math.sqrt(abs(np.linalg.det(matrix[:2, :2])) or 1.0)
    if scale < 0.85:  # shrink first so the warp does not alias the text
        small = cv2.resize(card, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA)
        matrix = matrix @ np.diag([1 / scale, 1 / scale, 1.0])
        card = small
    size = (canvas.shape[1], canvas.shape[0])
    warped = cv2.warpPerspective(card, matrix, size, flags=cv2.INTER_LINEAR,
                                 borderMode=cv2.BORDER_CONSTANT, borderValue=(0, 0, 0, 0))
    alpha = warped[..., 3:4].astype(np.float32) / 255.0
    mixed = canvas.astype(np.float32) * (1 - alpha) + warped[..., :3].astype(np.float32) * alpha
    return mixed.astype(np.uint8)


def _drop_shadow(canvas: np.ndarray, card: np.ndarray, matrix: np.ndarray,
                 rng: random.Random) -> np.ndarray:
    shift = np.array([[1, 0, rng.uniform(-14, 14)], [0, 1, rng.uniform(4, 18)], [0, 0, 1]])
    size = (canvas.shape[1], canvas.shape[0])
    alpha = cv2.warpPerspective(card[..., 3], shift @ matrix, size).astype(np.float32) / 255.0
    alpha = cv2.GaussianBlur(alpha, (0, 0), rng.uniform(5, 14)) * rng.uniform(0.25, 0.5)
    return (canvas.astype(np.float32) * (1 - alpha[..., None])).astype(np.uint8)


def rotate_shot(shot: Shot, turns: int) -> Shot:
    """Turn the whole frame clockwise by 90° × `turns`, carrying the quads along."""
    image, quads = shot.image, [q.copy() for q in shot.quads]
    for _ in range(turns % 4):
        height = image.shape[0]
        image = np.ascontiguousarray(np.rot90(image, -1))
        quads = [np.stack([height - q[:, 1], q[:, 0]], 1) for q in quads]
    return replace(shot, image=image, quads=quads, rotation=(shot.rotation + 90 * turns) % 360)


def _resize_shot(shot: Shot, size: tuple[int, int]) -> Shot:
    h, w = shot.image.shape[:2]
    if (w, h) == size:
        return shot
    image = cv2.resize(shot.image, size, interpolation=cv2.INTER_AREA)
    factor = np.array([size[0] / w, size[1] / h])
    return replace(shot, image=image, quads=[q * factor for q in shot.quads])


# -- photometric --------------------------------------------------------------------------


def _noise(image: np.ndarray, rng: random.Random, sigma: float) -> np.ndarray:
    nrng = np.random.default_rng(rng.randrange(2**32))
    noisy = image.astype(np.float32) + nrng.normal(0, sigma, image.shape[:2])[..., None]
    return np.clip(noisy, 0, 255).astype(np.uint8)


def _blur(image: np.ndarray, sigma: float) -> np.ndarray:
    return cv2.GaussianBlur(image, (0, 0), sigma) if sigma > 0.05 else image


def _motion_blur(image: np.ndarray, rng: random.Random) -> np.ndarray:
    return smeared(image, rng.randint(7, 13), rng.uniform(0, 180))


def smeared(image: np.ndarray, length: float, degrees: float) -> np.ndarray:
    """The image smeared along a line of `length` px at `degrees` (0 = along the rows):
    a camera moving while it shoots."""
    size = max(1, round(length))
    kernel = np.zeros((size, size), np.float32)
    kernel[size // 2, :] = 1.0 / size
    turn = cv2.getRotationMatrix2D((size / 2 - 0.5, size / 2 - 0.5), degrees, 1)
    kernel = cv2.warpAffine(kernel, turn, (size, size))
    return cv2.filter2D(image, -1, kernel / max(kernel.sum(), 1e-6))


def _lighting(image: np.ndarray, rng: random.Random) -> np.ndarray:
    """Uneven light: a linear gradient, a colour cast, a brightness/contrast change."""
    h, w = image.shape[:2]
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    angle = rng.uniform(0, 2 * math.pi)
    ramp = (xx / w - 0.5) * math.cos(angle) + (yy / h - 0.5) * math.sin(angle)
    gain = 1.0 + rng.uniform(0.1, 0.5) * ramp
    cast = np.array([rng.uniform(0.93, 1.07) for _ in range(3)], np.float32)
    out = image.astype(np.float32) * gain[..., None] * cast
    out = out * rng.uniform(0.8, 1.15) + rng.uniform(-25, 20)
    return np.clip(out, 0, 255).astype(np.uint8)


def _cast_shadow(image: np.ndarray, rng: random.Random) -> np.ndarray:
    """A soft shadow (a hand or phone) darkening a band across part of the frame."""
    h, w = image.shape[:2]
    mask = np.zeros((h, w), np.float32)
    x0 = rng.uniform(0, w)
    pts = np.array([[x0, 0], [x0 + rng.uniform(0.2, 0.5) * w, 0],
                    [x0 + rng.uniform(-0.2, 0.6) * w, h], [x0 - rng.uniform(0.1, 0.3) * w, h]])
    cv2.fillPoly(mask, [pts.astype(np.int32)], 1.0)
    mask = cv2.GaussianBlur(mask, (0, 0), rng.uniform(20, 60)) * rng.uniform(0.2, 0.45)
    return (image.astype(np.float32) * (1 - mask[..., None])).astype(np.uint8)


def _glare(shot: Shot, rng: random.Random) -> Shot:
    """A bright specular spot somewhere on the card."""
    quad = shot.quads[0]
    weights = np.array([rng.random() for _ in range(4)]) ** 2
    cx, cy = (weights / weights.sum()) @ quad
    radius = rng.uniform(0.06, 0.14) * np.ptp(quad[:, 0])
    h, w = shot.image.shape[:2]
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    spot = np.exp(-((xx - cx) ** 2 + ((yy - cy) * rng.uniform(1.0, 1.8)) ** 2) / (2 * radius**2))
    image = shot.image.astype(np.float32) + rng.uniform(130, 220) * spot[..., None]
    return replace(shot, image=np.clip(image, 0, 255).astype(np.uint8),
                   notes=[*shot.notes, "glare"])


# -- backgrounds --------------------------------------------------------------------------


def _wood(rng: np.random.Generator, w: int, h: int) -> np.ndarray:
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    grain = np.sin(yy / rng.uniform(6, 20) + 3 * np.sin(xx / rng.uniform(80, 300)))
    fine = cv2.GaussianBlur(rng.normal(0, 1, (h, w)).astype(np.float32), (0, 0), 2)
    tone = 0.5 + 0.25 * grain + 0.15 * fine
    light, dark = rng.uniform([170, 120, 80], [225, 180, 130]), rng.uniform([90, 55, 30],
                                                                          [140, 95, 60])
    return dark + (light - dark) * np.clip(tone, 0, 1)[..., None]


def _solid(rng: np.random.Generator, w: int, h: int) -> np.ndarray:
    colour = rng.uniform(20, 235, 3)
    return np.broadcast_to(colour, (h, w, 3)) + rng.normal(0, 3, (h, w, 1))


def _noise_texture(rng: np.random.Generator, w: int, h: int) -> np.ndarray:
    base = rng.normal(0, 1, (h // 4, w // 4, 3)).astype(np.float32)
    base = cv2.resize(cv2.GaussianBlur(base, (0, 0), rng.uniform(1, 4)), (w, h))
    return rng.uniform(60, 190, 3) + base * rng.uniform(20, 50)


def _lined_paper(rng: np.random.Generator, w: int, h: int) -> np.ndarray:
    page = np.broadcast_to(rng.uniform(225, 250, 3), (h, w, 3)).copy()
    gap = int(rng.integers(28, 48))
    ink = rng.uniform([120, 140, 190], [170, 180, 230])
    for y in range(int(rng.integers(0, gap)), h, gap):
        page[y:y + 2] = ink
    margin = int(rng.integers(60, 200))
    page[:, margin:margin + 2] = [210, 120, 120]
    return page


def _fabric(rng: np.random.Generator, w: int, h: int) -> np.ndarray:
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    period = rng.uniform(10, 30)
    weave = (np.sin(xx / period * 2 * np.pi) * np.sin(yy / period * 2 * np.pi)) * 0.5 + 0.5
    a, b = rng.uniform(40, 220, 3), rng.uniform(40, 220, 3)
    return a + (b - a) * weave[..., None]


BACKGROUNDS = (_wood, _solid, _noise_texture, _lined_paper, _fabric)


def background(rng: random.Random, size: tuple[int, int]) -> np.ndarray:
    nrng = np.random.default_rng(rng.randrange(2**32))
    maker = rng.choice(BACKGROUNDS)
    return np.clip(maker(nrng, *size), 0, 255).astype(np.uint8)


# -- tiers --------------------------------------------------------------------------------


def _rgb(card: np.ndarray) -> np.ndarray:
    return card[..., :3]


def clean(card: np.ndarray, rng: random.Random) -> Shot:
    """A flatbed scan: the card on white, slight noise, at most ±1° off square."""
    scale = rng.uniform(0.95, 1.15)
    margin = [rng.randint(24, 110) for _ in range(4)]
    size = (int(WIDTH * scale) + margin[0] + margin[1], int(HEIGHT * scale) + margin[2] + margin[3])
    page = np.full((size[1], size[0], 3), rng.randint(244, 255), np.uint8)
    centre = (margin[0] + WIDTH * scale / 2, margin[2] + HEIGHT * scale / 2)
    matrix = _affine(centre, rng.uniform(-1, 1), scale)
    image = _place(page, card, matrix)
    image = _noise(_blur(image, rng.uniform(0.2, 0.6)), rng, rng.uniform(0.8, 2.0))
    return Shot(image=image, quads=[_apply(matrix, CARD_CORNERS)], quality=92)


def photo(card: np.ndarray, rng: random.Random, frame: tuple[int, int] = PHOTO_FRAME) -> Shot:
    """A phone photo: textured background, tilt ≤ 15°, turn ≤ 10°, uneven light, JPEG."""
    canvas = background(rng, frame)
    quad = _tilted_quad(rng, frame, rng.uniform(0.45, 0.8), 15, 10)
    matrix = cv2.getPerspectiveTransform(CARD_CORNERS.astype(np.float32), quad.astype(np.float32))
    canvas = _drop_shadow(canvas, card, matrix, rng)
    image = _place(canvas, card, matrix)
    image = _lighting(image, rng)
    if rng.random() < 0.35:
        image = _cast_shadow(image, rng)
    image = _noise(_blur(image, rng.uniform(0.3, 1.1)), rng, rng.uniform(1.0, 3.0))
    return Shot(image=image, quads=[quad], quality=rng.randint(60, 95))


def hard(card: np.ndarray, rng: random.Random, plan: HardPlan) -> Shot:
    """A photo plus the plan's troubles (and a few random ones)."""
    shot = photo(card, rng)
    if plan.glare or rng.random() < 0.15:
        shot = _glare(shot, rng)
    if plan.heavy_blur or rng.random() < 0.15:
        blurred = _motion_blur(shot.image, rng) if rng.random() < 0.5 else \
            _blur(shot.image, rng.uniform(1.6, 2.6))
        shot = replace(shot, image=blurred, notes=[*shot.notes, "heavy_blur"])
    if plan.small or rng.random() < 0.15:
        shot = replace(_resize_shot(shot, SMALL_FRAME), notes=[*shot.notes, "small"])
    shot = rotate_shot(shot, plan.rotation // 90)
    low = plan.low_quality or rng.random() < 0.3
    quality = rng.randint(35, 60) if low else shot.quality
    return replace(shot, exif_orientation=plan.exif_orientation, quality=quality)


# -- photocopy page -----------------------------------------------------------------------


def _stamp(page: Image.Image, rng: random.Random, centre: tuple[float, float]) -> None:
    """A translucent diagonal red or grey 'for this use only' overlay."""
    text = rng.choice(STAMPS)
    chain = hei(rng.randint(44, 76), "Bold")
    font = chain.pick(text[0])
    left, top, right, bottom = font.getbbox(text)
    pad = 16
    layer = Image.new("RGBA", (right - left + 2 * pad, bottom - top + 2 * pad), (0, 0, 0, 0))
    colour = (205, 35, 40) if rng.random() < 0.7 else (110, 110, 110)
    alpha = rng.randint(90, 160)
    draw = ImageDraw.Draw(layer)
    draw.text((pad - left, pad - top), text, font=font, fill=(*colour, alpha))
    if rng.random() < 0.5:
        draw.rectangle((2, 2, layer.width - 3, layer.height - 3), outline=(*colour, alpha), width=4)
    layer = layer.rotate(rng.uniform(15, 40) * rng.choice((-1, 1)), expand=True,
                         resample=Image.Resampling.BICUBIC)
    page.alpha_composite(layer, (int(centre[0] - layer.width / 2),
                                 int(centre[1] - layer.height / 2)))


def _photocopy_tone(image: np.ndarray, rng: random.Random) -> np.ndarray:
    grey = cv2.cvtColor(image, cv2.COLOR_RGB2GRAY).astype(np.float32)[..., None]
    colour_left = rng.uniform(0.0, 0.25)
    out = grey * (1 - colour_left) + image.astype(np.float32) * colour_left
    low, high = rng.uniform(20, 60), rng.uniform(225, 245)
    return np.clip((out - low) * 255 / (high - low), 0, 255).astype(np.uint8)


def _toner_specks(image: np.ndarray, rng: random.Random) -> np.ndarray:
    h, w = image.shape[:2]
    out = image.copy()
    for _ in range(rng.randint(150, 600)):
        centre = (rng.randrange(w), rng.randrange(h))
        cv2.circle(out, centre, rng.choice((1, 1, 1, 2)), (rng.randint(40, 150),) * 3, -1)
    return out


def both_page(front: np.ndarray, back: np.ndarray, rng: random.Random) -> Shot:
    """A photocopied A4 page with the front and back of one card; one may be upside down."""
    page = np.full((PAGE[1], PAGE[0], 3), rng.randint(238, 252), np.uint8)
    scale = rng.uniform(0.6, 0.95)
    rows = [0.27, 0.7] if rng.random() < 0.8 else [0.7, 0.27]
    flipped = rng.choice((None, None, 0, 1))
    quads, matrices = [], []
    for i, card in enumerate((front, back)):
        centre = (PAGE[0] * rng.uniform(0.45, 0.55), PAGE[1] * rows[i] + rng.uniform(-40, 40))
        angle = rng.uniform(-1.5, 1.5) + (180 if flipped == i else 0)
        matrices.append(_affine(centre, angle, scale))
        page = _place(page, card, matrices[-1])
        quads.append(_apply(matrices[-1], CARD_CORNERS))
    page = _photocopy_tone(page, rng)
    overlay = Image.fromarray(page).convert("RGBA")
    for quad in rng.sample(quads, rng.choice((1, 2, 2))):
        cx, cy = quad.mean(axis=0)
        _stamp(overlay, rng, (cx + rng.uniform(-80, 80), cy))
    image = np.asarray(overlay.convert("RGB"))
    image = _noise(_blur(_toner_specks(image, rng), rng.uniform(0.3, 0.8)), rng, 2.0)
    notes = ["upside_down_" + ("front" if flipped == 0 else "back")] if flipped is not None else []
    return Shot(image=image, quads=quads, quality=rng.randint(80, 92), notes=notes)


# -- grey scans, stamps, tight crops and small-card pages -------------------------------
#
# The kind of image a KYC back end is sent most: a card scanned or photocopied in grey,
# cropped to its edge or left small on a page, with 复印无效-style stamps printed across its
# text. Each function draws from `rng` only, so a seed gives the same image.

GREY_PAGE = (1000, 1000)
SMALL_CARD_WIDTH = (430.0, 470.0)  # px on a 1000 × 1000 page: text about 12 px high
CROP_CARD_WIDTH = (436.0, 464.0)
STAMP_FONTS = (
    ("/usr/share/fonts/truetype/arphic/ukai.ttc", 0),  # 楷体: the common seal style
    (NOTO_SERIF_BOLD, 2),
    ("/usr/share/fonts/opentype/noto/NotoSansCJK-Bold.ttc", 2),
)
COPY_WORDS = ("复印无效", "复印无效", "复印无效", "再次复印无效", "复印件无效")
# A square seal: rows read 复禁 / 印止, columns read 复印 / 禁止.
BLOCK_ROWS = ("复禁", "印止")
PURPOSES = ("银行开户", "社保", "入职登记", "房屋租赁", "手机入网", "贷款审批", "公积金提取",
            "护照申请", "学籍注册", "工商注册", "快递实名", "证券开户")
PURPOSE_FORMS = ("仅限办理{}业务使用", "仅限{}使用", "仅供办理{}使用", "仅限办理{}使用")
STAMP_GREY = (70, 70, 70)
STAMP_RED = (200, 36, 42)
COVERS_SHARE = 0.08  # a stamp covers a field when it overlaps this share of a value box
FRONT_TARGETS = (("name", 3), ("sex", 1), ("ethnicity", 2), ("birth_date", 2), ("address", 4),
                 ("id_number", 3))
BACK_TARGETS = (("issuing_authority", 4), ("valid_from", 2))


@dataclass(frozen=True)
class StampMark:
    """One stamp as drawn: its words, look, outline (image px) and the fields it covers."""

    text: str
    kind: str  # "line" (复印无效 …), "block" (2 × 2 复禁印止), "caption" (仅限…使用, top corner)
    colour: str  # "grey" or "red"
    angle: float  # degrees anticlockwise
    opacity: float
    boxed: bool
    quad: list[list[float]]
    covers: tuple[str, ...]
    shares: dict[str, float]  # field → the largest share of one of its value boxes covered

    def label(self) -> dict[str, object]:
        return {"text": self.text, "kind": self.kind, "colour": self.colour,
                "angle": round(self.angle, 1), "opacity": round(self.opacity, 2),
                "boxed": self.boxed, "quad": self.quad, "covers": list(self.covers),
                "cover_share": {name: round(share, 2) for name, share in self.shares.items()}}


def to_grey_scan(image: np.ndarray, rng: random.Random, photocopy: bool = False) -> np.ndarray:
    """An RGB image as a grey flatbed scan, or with `photocopy` a toner copy: low contrast,
    an uneven background, toner grain and specks, a slight blur. RGB out, equal channels."""
    nrng = np.random.default_rng(rng.randrange(2**32))
    h, w = image.shape[:2]
    grey = cv2.cvtColor(image, cv2.COLOR_RGB2GRAY).astype(np.float32) / 255.0
    if photocopy:  # a copier pushes tones apart: pale print fades, dark print fills in
        grey = np.clip((grey - rng.uniform(0.1, 0.3)) / rng.uniform(0.55, 0.8), 0, 1)
    black, white = rng.uniform(25, 90), rng.uniform(165, 238)
    out = black + (white - black) * grey
    coarse = nrng.normal(0, 1, (4, 4)).astype(np.float32)
    out += cv2.resize(coarse, (w, h), interpolation=cv2.INTER_CUBIC) * rng.uniform(2, 9)
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    angle = rng.uniform(0, 2 * math.pi)
    ramp = (xx / w - 0.5) * math.cos(angle) + (yy / h - 0.5) * math.sin(angle)
    out += rng.uniform(0, 18) * ramp
    grain = cv2.GaussianBlur(nrng.normal(0, 1, (h, w)).astype(np.float32), (0, 0), 0.7)
    out += grain * rng.uniform(3, 10 if photocopy else 6)
    specks = nrng.random((h, w)) < rng.uniform(2e-5, 3e-4 if photocopy else 8e-5)
    specks = cv2.dilate(specks.astype(np.uint8), np.ones((2, 2), np.uint8)) > 0
    out[specks] -= rng.uniform(40, 110)
    out = _blur(np.clip(out, 0, 255).astype(np.uint8), rng.uniform(0.3, 0.8))
    return np.ascontiguousarray(np.repeat(out[..., None], 3, axis=2))


def _faint_edge(image: np.ndarray, quad: np.ndarray, rng: random.Random) -> np.ndarray:
    """The thin shadow a scanner lid leaves along a card's edge, a few grey levels deep."""
    out = image.copy()
    tone = int(np.median(image)) - rng.randint(8, 30)
    cv2.polylines(out, [np.round(quad).astype(np.int32)], True, (tone, tone, tone), 1,
                  cv2.LINE_AA)
    return out


def field_quads(boxes: dict[str, list[tuple[float, float, float, float]]],
                quad: np.ndarray) -> dict[str, list[np.ndarray]]:
    """Value boxes in card pixels → quads in the image whose card has corner `quad`."""
    matrix = cv2.getPerspectiveTransform(CARD_CORNERS.astype(np.float32), quad.astype(np.float32))
    return {name: [_apply(matrix, np.array([[x0, y0], [x1, y0], [x1, y1], [x0, y1]], float))
                   for x0, y0, x1, y1 in found] for name, found in boxes.items()}


def _stamp_font(rng: random.Random, size: int) -> ImageFont.FreeTypeFont:
    path, index = rng.choice(STAMP_FONTS)
    if not Path(path).exists():  # the 楷体 font is optional: apt-get install fonts-arphic-ukai
        path, index = STAMP_FONTS[1]
    return ImageFont.truetype(path, size, index=index)


def print_tone(image: np.ndarray, card_quad: np.ndarray) -> int:
    """The grey of the card's darkest print (its 1st percentile, inside its outline)."""
    mask = np.zeros(image.shape[:2], np.uint8)
    cv2.fillPoly(mask, [np.round(card_quad).astype(np.int32)], 1)
    grey = image.mean(axis=2) if image.ndim == 3 else image
    inside = grey[mask > 0]
    return int(np.percentile(inside, 1)) if inside.size else 40


def _stamp_layer(rows: tuple[str, ...], font: ImageFont.FreeTypeFont, gap: float,
                 colour: tuple[int, int, int], alpha: int, boxed: bool,
                 pen: int = 1) -> Image.Image:
    """Rows of letter-spaced characters, optionally in a rectangle, on a clear layer."""
    size = font.size
    pitch = size * (1 + gap)
    width = max(len(r) for r in rows) * pitch - gap * size
    pad = int(size * 0.35) + 4
    layer = Image.new("RGBA", (int(width + 2 * pad), int(len(rows) * size * 1.15 + 2 * pad)),
                      (0, 0, 0, 0))
    draw = ImageDraw.Draw(layer)
    for r, row in enumerate(rows):
        for c, char in enumerate(row):
            draw.text((pad + c * pitch, pad + r * size * 1.15), char, font=font,
                      fill=(*colour, alpha))
    if boxed:
        line = max(2, size // 12) * pen
        draw.rectangle((1, 1, layer.width - 2, layer.height - 2), outline=(*colour, alpha),
                       width=line)
    return layer


def _covered(stamp_region: np.ndarray, fields: dict[str, list[np.ndarray]]) -> dict[str, float]:
    """For each field the stamp overlaps, the largest share of one value box it covers."""
    shares = {}
    for name, quads in fields.items():
        for quad in quads:
            mask = np.zeros(stamp_region.shape, np.uint8)
            cv2.fillPoly(mask, [np.round(quad).astype(np.int32)], 1)
            inside = int(mask.sum())
            share = float((mask & stamp_region).sum() / inside) if inside else 0.0
            if share > shares.get(name, 0.0):
                shares[name] = share
    return shares


def purpose_words(rng: random.Random) -> str:
    return rng.choice(PURPOSE_FORMS).format(rng.choice(PURPOSES))


def stamp(image: np.ndarray, rng: random.Random, card_quad: np.ndarray,
          fields: dict[str, list[np.ndarray]], kind: str, target: str | None = None,
          dark: bool = False) -> tuple[np.ndarray, StampMark]:
    """Print one stamp on `image` over the card at `card_quad`.

    `kind` "line" and "block" land on the value `target` (one of `fields`), "caption" sits
    flat in the card's top-left corner like a 仅限…使用 watermark. Returns the stamped image
    and what was drawn, with the fields whose value boxes it overlaps. A `dark` stamp is
    printed opaque in the 楷体 face and the tone of the card's own print, in a pen twice as
    thick, so darkness does not tell it from the values (the same random draws as without:
    a seed gives the same stamps, only their ink differs).
    """
    card_h = float(np.linalg.norm(card_quad[3] - card_quad[0]))
    red = rng.random() < 0.35
    colour = STAMP_RED if red else (tone := rng.randint(40, 120), tone, tone)
    opacity = rng.uniform(0.45, 0.95)
    if kind == "block":
        rows, size, gap = BLOCK_ROWS, card_h * rng.uniform(0.09, 0.14), rng.uniform(0.05, 0.3)
        boxed, angle = rng.random() < 0.9, rng.choice((0.0, rng.uniform(-30, 30)))
    elif kind == "caption":
        rows, size, gap = (purpose_words(rng),), card_h * rng.uniform(0.038, 0.056), 0.0
        boxed, opacity = False, rng.uniform(0.75, 1.0)
        top = card_quad[1] - card_quad[0]
        angle = -math.degrees(math.atan2(top[1], top[0]))  # along the card, even upside down
    else:
        text = purpose_words(rng) if rng.random() < 0.25 else rng.choice(COPY_WORDS)
        rows, size = (text,), card_h * rng.uniform(0.075, 0.13) * (0.7 if len(text) > 6 else 1)
        gap = rng.uniform(0.1, 0.6) if len(text) <= 6 else rng.uniform(0.0, 0.15)
        boxed = rng.random() < 0.6
        angle = 0.0 if rng.random() < 0.45 else rng.uniform(3, 35) * rng.choice((-1, 1))
    font = _stamp_font(rng, max(8, round(size)))
    pen = 1
    if dark and kind != "caption":
        tone = print_tone(image, card_quad)
        colour, opacity, red, pen = (tone, tone, tone), 1.0, False, 2
        if Path(STAMP_FONTS[0][0]).exists():
            font = ImageFont.truetype(STAMP_FONTS[0][0], max(8, round(size)), index=0)
    layer = _stamp_layer(rows, font, gap, colour, round(255 * opacity), boxed, pen)
    region = Image.new("L", layer.size, 0)  # what it covers: its box, or its words' extent
    ImageDraw.Draw(region).rectangle(layer.getchannel("A").getbbox() or (0, 0, 0, 0), fill=255)
    layer = layer.rotate(angle, expand=True, resample=Image.Resampling.BICUBIC)
    region = region.rotate(angle, expand=True)
    if kind == "caption":  # along the card's top edge, in its top-left corner
        along = 0.02 + size * len(rows[0]) / 2 / float(np.linalg.norm(card_quad[1] - card_quad[0]))
        centre = card_quad[0] + (card_quad[1] - card_quad[0]) * along + \
            (card_quad[3] - card_quad[0]) * (0.012 + size * 0.6 / card_h)
    else:
        assert target is not None
        box = rng.choice(fields[target])
        weights = np.array([rng.random() for _ in range(4)]) + 0.3
        centre = (weights / weights.sum()) @ box + np.array(
            [rng.uniform(-0.1, 0.1), rng.uniform(-0.04, 0.04)]) * card_h
    h, w = image.shape[:2]
    x0, y0 = (round(float(centre[k]) - size_k / 2) for k, size_k in enumerate(layer.size))
    canvas = Image.fromarray(image).convert("RGBA")
    canvas.alpha_composite(_clip_layer(layer, x0, y0, w, h), (max(x0, 0), max(y0, 0)))
    mask = np.zeros((h, w), np.uint8)
    part = np.asarray(_clip_layer(region, x0, y0, w, h)) > 127
    mask[max(y0, 0):max(y0, 0) + part.shape[0], max(x0, 0):max(x0, 0) + part.shape[1]] = part
    points = cv2.findNonZero(mask)
    outline = cv2.boxPoints(cv2.minAreaRect(points)) if points is not None else np.zeros((4, 2))
    shares = _covered(mask, fields)
    mark = StampMark(
        text="".join(rows), kind=kind, colour="red" if red else "grey", angle=angle,
        opacity=opacity, boxed=boxed,
        quad=[[round(float(x), 1), round(float(y), 1)] for x, y in outline],
        covers=tuple(n for n, share in shares.items() if share >= COVERS_SHARE),
        shares={n: share for n, share in shares.items() if share >= COVERS_SHARE})
    return np.asarray(canvas.convert("RGB")), mark


def _clip_layer(layer: Image.Image, x0: int, y0: int, w: int, h: int) -> Image.Image:
    """The part of a layer placed at (x0, y0) that falls inside a w × h image."""
    left, top = max(0, -x0), max(0, -y0)
    right, bottom = min(layer.width, w - x0), min(layer.height, h - y0)
    return layer.crop((left, top, max(left, right), max(top, bottom)))


def stamp_card(image: np.ndarray, rng: random.Random, card_quad: np.ndarray,
               fields: dict[str, list[np.ndarray]], count: int, caption: bool = False,
               dark: bool = False) -> tuple[np.ndarray, list[StampMark]]:
    """`count` stamps over the card's values (复印无效 lines, 复禁印止 blocks, 仅限…使用
    lines) and optionally a 仅限…使用 caption in its corner; `dark`: in the print's tone."""
    front = "name" in fields
    table = FRONT_TARGETS if front else BACK_TARGETS
    marks = []
    if caption:
        image, mark = stamp(image, rng, card_quad, fields, "caption")
        marks.append(mark)
    for _ in range(count):
        target = rng.choices([t for t, _ in table], weights=[w for _, w in table])[0]
        kind = "block" if rng.random() < 0.3 else "line"
        image, mark = stamp(image, rng, card_quad, fields, kind, target, dark)
        marks.append(mark)
    return image, marks


def tight_crop(card: np.ndarray, rng: random.Random) -> Shot:
    """A grey scan cropped at the card's edge: about 450 × 285, a pixel or two of the
    scanner bed showing or cut off, low contrast, JPEG."""
    width = rng.uniform(*CROP_CARD_WIDTH)
    scale = width / WIDTH
    margins = [rng.uniform(-2.5, 4.0) for _ in range(4)]  # beyond the edge; negative cuts
    size = (round(width + margins[0] + margins[1]), round(HEIGHT * scale + margins[2] + margins[3]))
    bed = rng.choice((rng.randint(200, 250), rng.randint(20, 90)))
    canvas = np.full((size[1], size[0], 3), bed, np.uint8)
    centre = (margins[0] + width / 2, margins[2] + HEIGHT * scale / 2)
    matrix = _affine(centre, rng.uniform(-0.8, 0.8), scale)
    quad = _apply(matrix, CARD_CORNERS)
    photocopy = rng.random() < 0.3
    image = to_grey_scan(_place(canvas, card, matrix), rng, photocopy)
    notes = ["tight_crop", *(["photocopy"] if photocopy else [])]
    return Shot(image=image, quads=[quad], quality=rng.randint(70, 95), notes=notes)


def grey_scan(card: np.ndarray, rng: random.Random) -> Shot:
    """A grey scan or photocopy of one card lying on a page of nearly its own tone, so its
    edge is faint; the card fills 45–80 % of the width."""
    frame = (rng.randint(800, 1400), rng.randint(600, 1100))
    width = rng.uniform(0.45, 0.8) * frame[0]
    scale = min(width / WIDTH, 0.85 * frame[1] / HEIGHT)
    room = np.array(frame) - np.array([WIDTH, HEIGHT]) * scale
    centre = (room[0] * rng.uniform(0.15, 0.85) + WIDTH * scale / 2,
              room[1] * rng.uniform(0.15, 0.85) + HEIGHT * scale / 2)
    matrix = _affine(centre, rng.uniform(-2.5, 2.5), scale)
    quad = _apply(matrix, CARD_CORNERS)
    canvas = np.full((frame[1], frame[0], 3), rng.randint(226, 250), np.uint8)
    image = _place(canvas, card, matrix)
    if rng.random() < 0.6:
        image = _faint_edge(image, quad, rng)
    photocopy = rng.random() < 0.4
    image = to_grey_scan(image, rng, photocopy)
    notes = ["photocopy"] if photocopy else []
    return Shot(image=image, quads=[quad], quality=rng.randint(60, 92), notes=notes)


def small_card_page(front: np.ndarray, back: np.ndarray, rng: random.Random) -> Shot:
    """A 1000 × 1000 grey scan of a page with both sides, each about 450 × 285 px and each
    upside down or not on its own; light grey edges on light grey paper."""
    w, h = GREY_PAGE
    canvas = np.full((h, w, 3), rng.randint(228, 250), np.uint8)
    beside = rng.random() < 0.15
    scale = rng.uniform(*SMALL_CARD_WIDTH) / WIDTH * (0.95 if beside else 1.0)
    slots = [(0.26, 0.5), (0.74, 0.5)] if beside else [(0.5, 0.27), (0.5, 0.73)]
    if rng.random() < 0.3:
        slots.reverse()
    quads, notes = [], []
    for (fx, fy), card, side in zip(slots, (front, back), ("front", "back"), strict=True):
        flipped = rng.random() < 0.5
        centre = (w * fx + rng.uniform(-25, 25) * (0.2 if beside else 1.0),
                  h * fy + rng.uniform(-30, 30))
        matrix = _affine(centre, rng.uniform(-2, 2) + (180 if flipped else 0), scale)
        canvas = _place(canvas, card, matrix)
        quads.append(_apply(matrix, CARD_CORNERS))
        if flipped:
            notes.append(f"upside_down_{side}")
    if rng.random() < 0.6:
        for quad in quads:
            canvas = _faint_edge(canvas, quad, rng)
    photocopy = rng.random() < 0.4
    image = to_grey_scan(canvas, rng, photocopy)
    notes += ["photocopy"] if photocopy else []
    return Shot(image=image, quads=quads, quality=rng.randint(65, 92), notes=notes)


def two_fronts_page(larger: np.ndarray, smaller: np.ndarray, rng: random.Random) -> Shot:
    """A 1000 × 1000 grey page with the fronts of two different cards, one clearly larger
    (the one a reader answers for); the quads list the larger card first."""
    w, h = GREY_PAGE
    canvas = np.full((h, w, 3), rng.randint(228, 250), np.uint8)
    big = rng.uniform(470, 560) / WIDTH
    scales = (big, big * rng.uniform(0.6, 0.8))
    rows = [0.27, 0.73] if rng.random() < 0.5 else [0.73, 0.27]
    quads = []
    for card, scale, row in zip((larger, smaller), scales, rows, strict=True):
        centre = (w * 0.5 + rng.uniform(-40, 40), h * row + rng.uniform(-20, 20))
        matrix = _affine(centre, rng.uniform(-2, 2), scale)
        canvas = _place(canvas, card, matrix)
        quads.append(_apply(matrix, CARD_CORNERS))
    photocopy = rng.random() < 0.4
    image = to_grey_scan(canvas, rng, photocopy)
    return Shot(image=image, quads=quads, quality=rng.randint(65, 92),
                notes=["two_fronts", *(["photocopy"] if photocopy else [])])


TEXT_PAGE = (1000, 1414)  # A4 at about 120 dpi


def card_on_text_page(card: np.ndarray, rng: random.Random, lines: list[str]) -> Shot:
    """A scan of an A4 page of printed text (a form or a letter, `lines`) with the card
    copied onto it; beside the card the text runs only up to its edge."""
    w, h = TEXT_PAGE
    scale = rng.uniform(0.42, 0.58) * w / WIDTH
    card_w, card_h = WIDTH * scale, HEIGHT * scale
    x0 = rng.uniform(60, w - 60 - card_w)
    y0 = rng.uniform(0.3, 0.6) * h
    page = Image.new("RGB", (w, h), (250, 250, 248))
    draw = ImageDraw.Draw(page)
    size = rng.randint(18, 26)
    chain = hei(size)
    y, pending = 80.0 + size, list(lines)
    while pending and y < h - 60:
        clear = y < y0 - 16 or y - size > y0 + card_h + 16  # the line misses the card
        if clear or x0 > 300:
            width = (w - 80 if clear else x0 - 20) - 80
            text = pending.pop(0)
            while text and text_width(text, chain) > width:
                text = text[:-1]
            draw_text(draw, 80, y, text, chain, (25, 25, 25))
        y += size * rng.uniform(1.6, 2.0)
    centre = (x0 + card_w / 2, y0 + card_h / 2)
    matrix = _affine(centre, rng.uniform(-1.5, 1.5), scale)
    image = _place(np.asarray(page), card, matrix)
    grey = rng.random() < 0.6
    image = to_grey_scan(image, rng, rng.random() < 0.4) if grey else \
        _noise(_blur(image, rng.uniform(0.3, 0.7)), rng, 1.5)
    return Shot(image=image, quads=[_apply(matrix, CARD_CORNERS)],
                quality=rng.randint(70, 92), notes=["text_page"])

def finish_scan(image: np.ndarray, rng: random.Random) -> np.ndarray:
    """What a second pass through a scanner does to freshly printed stamps: soften, grain."""
    return _noise(_blur(image, rng.uniform(0.2, 0.5)), rng, rng.uniform(0.8, 2.0))


# -- output -------------------------------------------------------------------------------


def stored_pixels(shot: Shot) -> np.ndarray:
    """The pixels to store so that applying the EXIF orientation shows `shot.image`."""
    turns = {1: 0, 3: 2, 6: 1, 8: -1}[shot.exif_orientation]  # np.rot90 turns anticlockwise
    return np.ascontiguousarray(np.rot90(shot.image, turns))


def encode(shot: Shot, suffix: str = ".jpg") -> bytes:
    image = Image.fromarray(stored_pixels(shot))
    out = io.BytesIO()
    if suffix == ".png":
        image.save(out, "PNG", optimize=True)
        return out.getvalue()
    options: dict[str, object] = {"quality": shot.quality, "optimize": True}
    if shot.exif_orientation != 1:
        exif = Image.Exif()
        exif[EXIF_ORIENTATION_TAG] = shot.exif_orientation
        options["exif"] = exif.tobytes()
    image.save(out, "JPEG", **options)
    return out.getvalue()


def save(shot: Shot, path: Path) -> None:
    path.write_bytes(encode(shot, path.suffix.lower()))
