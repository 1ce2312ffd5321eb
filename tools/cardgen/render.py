"""The canonical card: 85.6 × 54 mm at 10 px/mm (856 × 540), RGBA with rounded corners.

Layout follows the second-generation card (GA 450): front labels at x ≈ 0.07–0.18 of the
width, values from x ≈ 0.19, rows at y ≈ 0.12 / 0.24 / 0.36 / 0.48–0.66 / 0.86, portrait at
x ≈ 0.62–0.92; back with emblem top-left, the two titles, and 签发机关 / 有效期限 at the
bottom. Positions and sizes move by up to ±3 % per card so rules cannot overfit.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field

import cv2
import numpy as np
from PIL import Image, ImageDraw

from cardgen.fonts import FontChain, draw_text, hei, number_chain, text_width, value_chain
from cardgen.identity import Identity

WIDTH, HEIGHT = 856, 540
CORNER_RADIUS = 32
LABEL_BLUE = (38, 104, 150, 255)
INK = (22, 22, 26, 255)
ADDRESS_LINES = 3
# Share of the font size above / below the baseline that a text box covers.
ASCENT, DESCENT = 0.9, 0.14

Box = tuple[float, float, float, float]  # x0, y0, x1, y1 in card pixels


@dataclass
class Rendered:
    """A drawn card side and where each printed value sits (labels.json field names)."""

    image: np.ndarray  # RGBA, HEIGHT × WIDTH
    boxes: dict[str, list[Box]] = field(default_factory=dict)

    def add(self, name: str, x0: float, x1: float, baseline: float, size: int) -> None:
        box = (x0, baseline - ASCENT * size, x1, baseline + DESCENT * size)
        self.boxes.setdefault(name, []).append(box)


@dataclass(frozen=True)
class Jitter:
    """Per-card layout noise: a shift of the whole layout and a font-size factor."""

    dx: float
    dy: float
    scale: float
    rng: random.Random

    @classmethod
    def draw(cls, rng: random.Random) -> Jitter:
        return cls(dx=rng.uniform(-0.012, 0.012) * WIDTH, dy=rng.uniform(-0.012, 0.012) * HEIGHT,
                   scale=rng.uniform(0.97, 1.03), rng=rng)

    def x(self, fraction: float) -> float:
        return fraction * WIDTH + self.dx + self.rng.uniform(-0.004, 0.004) * WIDTH

    def y(self, fraction: float) -> float:
        return fraction * HEIGHT + self.dy + self.rng.uniform(-0.004, 0.004) * HEIGHT

    def size(self, px: float) -> int:
        return round(px * self.scale * self.rng.uniform(0.99, 1.01))


# -- background ---------------------------------------------------------------------------


def _wave_lines(xx: np.ndarray, yy: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Intensity 0..1 of one family of thin wavy parallel lines."""
    angle = rng.uniform(0, np.pi)
    period = rng.uniform(7, 16)
    amp, wave = rng.uniform(4, 18), rng.uniform(60, 220)
    u = xx * np.cos(angle) + yy * np.sin(angle)
    v = -xx * np.sin(angle) + yy * np.cos(angle)
    phase = (u + amp * np.sin(2 * np.pi * v / wave + rng.uniform(0, 6.3))) / period
    dist = np.abs(phase - np.round(phase)) * period
    return np.clip(1.2 - dist / 0.9, 0, 1)


def _rosette(xx: np.ndarray, yy: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    cx, cy = rng.uniform(0.2, 0.8) * WIDTH, rng.uniform(0.2, 0.8) * HEIGHT
    r = np.hypot(xx - cx, yy - cy)
    theta = np.arctan2(yy - cy, xx - cx)
    period = rng.uniform(8, 14)
    phase = (r + rng.uniform(3, 9) * np.sin(rng.integers(6, 18) * theta)) / period
    dist = np.abs(phase - np.round(phase)) * period
    fade = np.exp(-((r / (0.45 * WIDTH)) ** 2))
    return np.clip(1.2 - dist / 0.9, 0, 1) * fade


def guilloche(rng: np.random.Generator, back: bool) -> np.ndarray:
    """Pale security-print background: a tinted gradient with wavy line families."""
    yy, xx = np.mgrid[0:HEIGHT, 0:WIDTH].astype(np.float32)
    top = np.array([232, 240, 246] if not back else [240, 236, 228], np.float32)
    bottom = np.array([244, 242, 232] if not back else [236, 242, 246], np.float32)
    t = ((xx / WIDTH + yy / HEIGHT) / 2)[..., None]
    image = top * (1 - t) + bottom * t
    colours = ([120, 160, 200], [170, 170, 185], [200, 170, 160], [150, 190, 170])
    for i in range(3):
        pattern = _wave_lines(xx, yy, rng)[..., None] * rng.uniform(0.10, 0.22)
        image = image * (1 - pattern) + np.array(colours[i], np.float32) * pattern
    ring = _rosette(xx, yy, rng)[..., None] * 0.18
    image = image * (1 - ring) + np.array(colours[3 if back else 0], np.float32) * ring
    return np.clip(image + rng.normal(0, 1.5, image.shape), 0, 255).astype(np.uint8)


def _rounded_alpha() -> np.ndarray:
    alpha = np.zeros((HEIGHT, WIDTH), np.uint8)
    r = CORNER_RADIUS
    cv2.rectangle(alpha, (r, 0), (WIDTH - 1 - r, HEIGHT - 1), 255, -1)
    cv2.rectangle(alpha, (0, r), (WIDTH - 1, HEIGHT - 1 - r), 255, -1)
    right, bottom = WIDTH - 1 - r, HEIGHT - 1 - r
    for cx, cy in ((r, r), (right, r), (r, bottom), (right, bottom)):
        cv2.circle(alpha, (cx, cy), r, 255, -1, lineType=cv2.LINE_AA)
    return alpha


def _canvas(rng: np.random.Generator, back: bool) -> Image.Image:
    rgb = guilloche(rng, back)
    return Image.fromarray(np.dstack([rgb, _rounded_alpha()]), "RGBA")


# -- front --------------------------------------------------------------------------------


def _label(draw: ImageDraw.ImageDraw, j: Jitter, x: float, y: float, text: str,
           size: float = 21, gap: float = 1.0) -> None:
    """A letter-spaced blue label; `gap` is the extra spacing in character widths."""
    chain = hei(j.size(size))
    draw_text(draw, j.x(x), j.y(y), text, chain, LABEL_BLUE, spacing=gap * chain.size)


def _wrap(text: str, chain: FontChain, width: float) -> list[str]:
    lines, line = [], ""
    for char in text:
        if line and text_width(line + char, chain) > width:
            lines.append(line)
            line = ""
        line += char
    return [*lines, line] if line else lines


def _address_lines(address: str, j: Jitter, width: float,
                   face: str) -> tuple[list[str], FontChain]:
    size = j.size(28)
    while True:
        chain = value_chain(face, size)
        lines = _wrap(address, chain, width)
        if len(lines) <= ADDRESS_LINES:
            return lines, chain
        size -= 1


def _birth_row(draw: ImageDraw.ImageDraw, j: Jitter, person: Identity, y: float,
               out: Rendered, face: str) -> None:
    chain = value_chain(face, j.size(28))
    date = person.birth_date
    pieces = ((0.19, str(date.year)), (0.275, "年"), (0.325, str(date.month)), (0.365, "月"),
              (0.41, str(date.day)), (0.455, "日"))
    baseline = j.y(y)
    starts, end = [], 0.0
    for x, text in pieces:
        starts.append(start := j.x(x))
        end = draw_text(draw, start, baseline, text, chain, INK)
    out.add("birth_date", starts[0], end, baseline, chain.size)


def _portrait(image: Image.Image, j: Jitter, rng: np.random.Generator) -> None:
    """A grey head-and-shoulders silhouette on a light backdrop; no face is drawn."""
    x0, y0, x1, y1 = (round(j.x(0.62)), round(j.y(0.12)), round(j.x(0.92)), round(j.y(0.72)))
    w, h = x1 - x0, y1 - y0
    layer = np.zeros((h, w, 4), np.uint8)
    layer[..., :3] = rng.integers(228, 246)
    layer[..., 3] = 120
    tone = int(rng.integers(90, 150))
    head = (w // 2 + int(rng.integers(-6, 7)), int(h * 0.36))
    cv2.ellipse(layer, head, (int(w * 0.20), int(h * 0.25)), 0, 0, 360, (tone, tone, tone, 235),
                -1, cv2.LINE_AA)
    cv2.rectangle(layer, (w // 2 - w // 12, int(h * 0.55)), (w // 2 + w // 12, int(h * 0.75)),
                  (tone, tone, tone, 235), -1)
    cv2.ellipse(layer, (w // 2, int(h * 1.04)), (int(w * 0.48), int(h * 0.34)), 0, 180, 360,
                (tone - 20, tone - 20, tone - 15, 235), -1, cv2.LINE_AA)
    image.alpha_composite(Image.fromarray(layer, "RGBA"), (x0, y0))


# The value rows' baselines (fractions of the height) as GA 450 places them.
CANONICAL_ROWS = {"name": 0.135, "sex": 0.255, "birth": 0.375, "address": 0.495, "number": 0.875}
_UPPER_ROWS = ("name", "sex", "birth", "address")


def shifted_rows(rng: random.Random) -> dict[str, float]:
    """Rows as other card printers space them: competition scans print a caption line
    above the name, which moves the four upper rows down (here by 0–9 % of the height,
    at a pitch of 10.5–12.5 %) while the number keeps its place at the foot."""
    top = CANONICAL_ROWS["name"] + rng.uniform(0.0, 0.09)
    pitch = rng.uniform(0.105, 0.125)
    rows = {name: top + i * pitch for i, name in enumerate(_UPPER_ROWS)}
    return rows | {"number": CANONICAL_ROWS["number"]}


def render_front(person: Identity, rng: random.Random) -> np.ndarray:
    """The 人像面 as an RGBA array of HEIGHT × WIDTH."""
    return draw_front(person, rng).image


def draw_front(person: Identity, rng: random.Random, portrait: bool = True,
               face: str = "noto", rows: dict[str, float] | None = None) -> Rendered:
    """The 人像面 and its value boxes; `portrait=False` leaves the photo area blank, `face`
    names the values' typeface (fonts.FACES), `rows` the rows' baselines (default
    CANONICAL_ROWS; see shifted_rows)."""
    nrng = np.random.default_rng(rng.randrange(2**32))
    image = _canvas(nrng, back=False)
    j = Jitter.draw(rng)
    if portrait:
        _portrait(image, j, nrng)
    out = Rendered(np.empty(0))
    draw = ImageDraw.Draw(image)
    value = value_chain(face, j.size(28))
    rows = rows or CANONICAL_ROWS
    _label(draw, j, 0.07, rows["name"], "姓名")
    _value(draw, out, "name", j.x(0.19), j.y(rows["name"]), person.name,
           value_chain(face, j.size(30)))
    _label(draw, j, 0.07, rows["sex"], "性别")
    _value(draw, out, "sex", j.x(0.19), j.y(rows["sex"]), person.sex, value)
    _label(draw, j, 0.32, rows["sex"], "民族")
    _value(draw, out, "ethnicity", j.x(0.44), j.y(rows["sex"]), person.ethnicity, value)
    _label(draw, j, 0.07, rows["birth"], "出生")
    _birth_row(draw, j, person, rows["birth"], out, face)
    _label(draw, j, 0.07, rows["address"], "住址")
    lines, chain = _address_lines(person.address, j, 0.41 * WIDTH, face)
    for i, line in enumerate(lines):
        x = j.x(0.19)  # before j.y: the jitter stream's order keeps old seeds' images
        _value(draw, out, "address", x, j.y(rows["address"]) + i * chain.size * 1.45, line,
               chain)
    _label(draw, j, 0.07, rows["number"], "公民身份号码", gap=0.12)
    number = number_chain(face, j.size(34))
    _value(draw, out, "id_number", j.x(0.345), j.y(rows["number"]) + 2, person.id_number, number,
           spacing=j.size(3))
    out.image = np.asarray(image)
    return out


def _value(draw: ImageDraw.ImageDraw, out: Rendered, name: str, x: float, baseline: float,
           text: str, chain: FontChain, spacing: float = 0.0) -> None:
    end = draw_text(draw, x, baseline, text, chain, INK, spacing=spacing)
    out.add(name, x, end, baseline, chain.size)


# -- back ---------------------------------------------------------------------------------


def _star(cx: float, cy: float, r: float, turn: float = 0.0) -> np.ndarray:
    angles = np.arange(10) * np.pi / 5 - np.pi / 2 + turn
    radii = np.where(np.arange(10) % 2 == 0, r, r * 0.4)
    return np.stack([cx + radii * np.cos(angles), cy + radii * np.sin(angles)], 1).astype(np.int32)


def _emblem(image: Image.Image, j: Jitter) -> None:
    """A placeholder for the national emblem: red disc, gold ring, stars and a base."""
    layer = np.zeros((HEIGHT, WIDTH, 4), np.uint8)
    cx, cy, r = int(j.x(0.155)), int(j.y(0.25)), int(0.085 * WIDTH * j.scale)
    gold, red = (222, 178, 48, 255), (196, 32, 36, 255)
    cv2.circle(layer, (cx, cy), r, gold, -1, cv2.LINE_AA)
    cv2.circle(layer, (cx, cy), int(r * 0.82), red, -1, cv2.LINE_AA)
    polys = [_star(cx - r * 0.25, cy - r * 0.3, r * 0.28)]
    polys += [_star(cx + r * dx, cy + r * dy, r * 0.1, 0.3) for dx, dy in
              ((0.15, -0.6), (0.35, -0.42), (0.38, -0.18), (0.2, 0.0))]
    cv2.fillPoly(layer, polys, gold, cv2.LINE_AA)
    cv2.rectangle(layer, (cx - int(r * 0.5), cy + int(r * 0.25)),
                  (cx + int(r * 0.5), cy + int(r * 0.45)), gold, -1)
    image.alpha_composite(Image.fromarray(layer, "RGBA"))


def _authority_chain(text: str, j: Jitter, width: float, face: str) -> FontChain:
    size = j.size(28)
    while text_width(text, value_chain(face, size)) > width and size > 14:
        size -= 1
    return value_chain(face, size)


def render_back(person: Identity, rng: random.Random) -> np.ndarray:
    """The 国徽面 as an RGBA array of HEIGHT × WIDTH."""
    return draw_back(person, rng).image


def draw_back(person: Identity, rng: random.Random, face: str = "noto") -> Rendered:
    """The 国徽面 and its value boxes (the period box serves both of its dates)."""
    nrng = np.random.default_rng(rng.randrange(2**32))
    image = _canvas(nrng, back=True)
    _emblem(image, j := Jitter.draw(rng))
    out = Rendered(np.empty(0))
    draw = ImageDraw.Draw(image)
    title = hei(j.size(42), "Bold")
    draw_text(draw, j.x(0.36), j.y(0.24), "中华人民共和国", title, INK, spacing=title.size * 0.28)
    big = hei(j.size(62), "Bold")
    draw_text(draw, j.x(0.33), j.y(0.45), "居民身份证", big, INK, spacing=big.size * 0.32)
    _label(draw, j, 0.17, 0.745, "签发机关", size=22, gap=0.25)
    chain = _authority_chain(person.issuing_authority, j, WIDTH * 0.56, face)
    _value(draw, out, "issuing_authority", j.x(0.38), j.y(0.745), person.issuing_authority,
           chain)
    _label(draw, j, 0.17, 0.865, "有效期限", size=22, gap=0.25)
    _value(draw, out, "valid_period", j.x(0.38), j.y(0.865), person.printed_period(),
           value_chain(face, j.size(28)))
    period = out.boxes.pop("valid_period")
    out.boxes["valid_from"], out.boxes["valid_until"] = period, list(period)
    out.image = np.asarray(image)
    return out
