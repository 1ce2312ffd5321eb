"""Scanned-card images composed at test time from our own synthetic fixtures.

The failure modes of scans made elsewhere (issue 11), reproduced on cards we drew:
tight grey crops of ~450 px, 1000×1000 pages holding both sides (each card independently
upside down, faint edges), stamps across the text, two fronts on one page, and a card
photographed on a page full of other print. Nothing here is committed as an image:
every picture is rebuilt from `fixtures/` and a seed.
"""

from __future__ import annotations

import json
import random
from pathlib import Path
from typing import Any

import cv2
import numpy as np
from numpy.typing import NDArray
from PIL import Image, ImageDraw, ImageFont

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"
CARD_SIZE = (856, 540)
SCAN_WIDTH = 450
PAGE_SIDE = 1000
STAMP_FONTS = ("/usr/share/fonts/truetype/arphic/ukai.ttc",
               "/usr/share/fonts/opentype/noto/NotoSerifCJK-Bold.ttc")
TEXT_FONT = "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc"

Pixels = NDArray[Any]


def labels() -> dict[str, dict[str, Any]]:
    return {entry["file"]: entry for entry in json.loads((FIXTURES / "labels.json").read_text())}


def printed(name: str) -> dict[str, str]:
    """What the fixture's card prints: its labelled fields."""
    return {k: str(v) for k, v in labels()[name]["fields"].items()}


def card(name: str) -> Pixels:
    """The fixture's card straightened to 856×540, in grey (three equal channels)."""
    image = cv2.imread(str(FIXTURES / name))
    quad = np.array(labels()[name]["card_quads"][0], dtype=np.float32)
    w, h = CARD_SIZE
    target = np.array([[0, 0], [w - 1, 0], [w - 1, h - 1], [0, h - 1]], dtype=np.float32)
    warped = cv2.warpPerspective(image, cv2.getPerspectiveTransform(quad, target), CARD_SIZE,
                                 flags=cv2.INTER_AREA)
    return cv2.cvtColor(cv2.cvtColor(warped, cv2.COLOR_BGR2GRAY), cv2.COLOR_GRAY2BGR)


def scanned(card_image: Pixels, width: int = SCAN_WIDTH, contrast: float = 0.7,
            seed: int = 0) -> Pixels:
    """A small low-contrast grey scan of a card: shrunk, greyed towards paper, noisy."""
    height = round(width * card_image.shape[0] / card_image.shape[1])
    small = cv2.resize(card_image, (width, height), interpolation=cv2.INTER_AREA)
    paper = 215.0
    faded = paper + (small.astype(np.float32) - paper) * contrast
    noise = np.random.default_rng(seed).normal(0.0, 3.0, faded.shape[:2])[..., None]
    return np.clip(faded + noise, 0, 255).astype(np.uint8)


def stamp(card_image: Pixels, word: str, centre: tuple[float, float], height: float,
          grey: int = 95, boxed: bool = True, font: int = 0) -> Pixels:
    """A photocopy stamp (e.g. 复印无效) drawn across the card, boxed like the scans'."""
    image = Image.fromarray(card_image)
    draw = ImageDraw.Draw(image)
    face = ImageFont.truetype(STAMP_FONTS[font % len(STAMP_FONTS)], int(height))
    left, top, right, bottom = draw.textbbox((0, 0), word, font=face)
    x = centre[0] - (right - left) / 2 - left
    y = centre[1] - (bottom - top) / 2 - top
    draw.text((x, y), word, font=face, fill=(grey, grey, grey))
    if boxed:
        pad = 0.25 * height
        box = (x + left - pad, y + top - pad, x + right + pad, y + bottom + pad)
        draw.rectangle(box, outline=(grey, grey, grey), width=max(2, int(height / 12)))
    return np.asarray(image).copy()


def page(cards: list[Pixels], turned: list[bool], seed: int = 0,
         side: int = PAGE_SIDE, shade: int = 228) -> Pixels:
    """A grey scanned page with the (already small) cards one above the other, each
    turned 180° where asked, their edges only faintly lighter than the page."""
    rng = random.Random(seed)
    sheet = np.full((side, side, 3), shade, np.uint8)
    slots = len(cards)
    for index, (item, flip) in enumerate(zip(cards, turned, strict=True)):
        item = cv2.rotate(item, cv2.ROTATE_180) if flip else item
        h, w = item.shape[:2]
        band = side // slots
        top = index * band + (band - h) // 2 + rng.randint(-20, 20)
        left = (side - w) // 2 + rng.randint(-60, 60)
        sheet[top:top + h, left:left + w] = item
    noise = np.random.default_rng(seed).normal(0.0, 2.0, sheet.shape[:2])[..., None]
    return np.clip(sheet.astype(np.float32) + noise, 0, 255).astype(np.uint8)


def printed_page(card_image: Pixels, seed: int = 0) -> Pixels:
    """A card lying on a page of other printed text (a letter, a form)."""
    rng = random.Random(seed)
    sheet = Image.new("RGB", (1400, 1000), (238, 238, 235))
    draw = ImageDraw.Draw(sheet)
    face = ImageFont.truetype(TEXT_FONT, 26)
    words = "根据有关规定申请人应当提交本人有效身份证件复印件并填写登记表格办理相关手续"
    for row in range(24):
        start = rng.randint(0, len(words) - 20)
        draw.text((40, 30 + row * 40), words[start:start + 18] + "。" + words[:8],
                  font=face, fill=(30, 30, 30))
    image = np.asarray(sheet).copy()
    h, w = card_image.shape[:2]
    top, left = 300, 520
    image[top:top + h, left:left + w] = card_image
    return image


def jpeg(image: Pixels, quality: int = 88) -> bytes:
    ok, encoded = cv2.imencode(".jpg", image, [cv2.IMWRITE_JPEG_QUALITY, quality])
    assert ok
    return encoded.tobytes()
