"""Installed fonts (Debian: fonts-noto-cjk, fonts-wqy-zenhei, fonts-arphic-uming,
fonts-dejavu-core) and text drawing with per-character fallback for glyphs a font lacks."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw, ImageFont

NOTO = "/usr/share/fonts/opentype/noto/NotoSansCJK-{}.ttc"
NOTO_SC_INDEX = 2  # index of "Noto Sans CJK SC" inside the collection
HEI_FALLBACKS = (
    ("/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc", 0),
    ("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc", 0),
    ("/usr/share/fonts/truetype/arphic/uming.ttc", 0),
)
NOTO_SERIF_BOLD = "/usr/share/fonts/opentype/noto/NotoSerifCJK-Bold.ttc"  # stamps
MONO_BOLD = ("/usr/share/fonts/truetype/dejavu/DejaVuSansMono-Bold.ttf", 0)
Font = ImageFont.FreeTypeFont
_MISSING_PROBE = "\U000f0000"  # a private-use code point no font here draws


@dataclass(frozen=True)
class FontChain:
    """Fonts tried in order for each character."""

    specs: tuple[tuple[str, int], ...]
    size: int

    def fonts(self) -> list[Font]:
        return [_font(path, index, self.size) for path, index in self.specs]

    def pick(self, char: str) -> Font:
        fonts = self.fonts()
        return next((f for f in fonts if has_glyph(f, char)), fonts[0])


def hei(size: int, weight: str = "Regular") -> FontChain:
    """Heiti (sans) chain: Noto Sans CJK SC then WenQuanYi, then AR PL UMing."""
    return FontChain(((NOTO.format(weight), NOTO_SC_INDEX), *HEI_FALLBACKS), size)


def mono_bold(size: int) -> FontChain:
    return FontChain((MONO_BOLD, (NOTO.format("Bold"), NOTO_SC_INDEX)), size)


# Other typefaces a card's values may be printed in (make_cards.py --typefaces), as
# (value font, number font); labels and titles keep the standard 黑体. A face whose files are
# missing falls back to the standard one, so only pixels depend on what is installed.
FACES: dict[str, tuple[tuple[str, int], tuple[str, int]] | None] = {
    "noto": None,  # hei() and mono_bold(): the standard look
    "noto-bold": ((NOTO.format("Bold"), NOTO_SC_INDEX),
                  ("/usr/share/fonts/truetype/liberation/LiberationMono-Bold.ttf", 0)),
    "zenhei": (("/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc", 0),
               ("/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf", 0)),
    "microhei": (("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc", 0),
                 ("/usr/share/fonts/truetype/noto/NotoSansMono-Bold.ttf", 0)),
    "droid": (("/usr/share/fonts/truetype/droid/DroidSansFallbackFull.ttf", 0), MONO_BOLD),
}


def _face(face: str, which: int) -> tuple[str, int] | None:
    spec = FACES.get(face)
    return spec[which] if spec is not None and Path(spec[which][0]).exists() else None


def value_chain(face: str, size: int) -> FontChain:
    """The chain a card's values are printed in for `face` ("noto" = hei)."""
    first = _face(face, 0)
    if first is None:
        return hei(size)
    return FontChain((first, (NOTO.format("Regular"), NOTO_SC_INDEX), *HEI_FALLBACKS), size)


def number_chain(face: str, size: int) -> FontChain:
    """The chain the ID number is printed in for `face` ("noto" = mono_bold)."""
    first = _face(face, 1)
    return mono_bold(size) if first is None else \
        FontChain((first, (NOTO.format("Bold"), NOTO_SC_INDEX)), size)


def check_fonts() -> list[str]:
    """Font files this generator expects but cannot find."""
    paths = {NOTO.format("Regular"), NOTO.format("Bold"), MONO_BOLD[0], NOTO_SERIF_BOLD}
    return sorted(p for p in paths if not Path(p).exists())


@cache
def _font(path: str, index: int, size: int) -> Font:
    return ImageFont.truetype(path, size, index=index)


def _mask(font: Font, char: str) -> bytes:
    image = Image.new("L", (font.size * 2, font.size * 2), 0)
    ImageDraw.Draw(image).text((2, 2), char, font=font, fill=255)
    return np.asarray(image).tobytes()


@cache
def _glyph_cached(path: str, index: int, char: str) -> bool:
    font = _font(path, index, 32)
    drawn = _mask(font, char)
    return drawn != _mask(font, _MISSING_PROBE) and any(drawn)


def has_glyph(font: Font, char: str) -> bool:
    """True if the font draws `char` as something other than its missing-glyph box."""
    if char.isspace():
        return True
    path = font.path if isinstance(font.path, str) else str(font.path)
    return _glyph_cached(path, font.index, char)


def text_width(text: str, chain: FontChain, spacing: float = 0.0) -> float:
    return sum(chain.pick(c).getlength(c) + spacing for c in text) - (spacing if text else 0.0)


def draw_text(draw: ImageDraw.ImageDraw, x: float, baseline: float, text: str,
              chain: FontChain, fill: tuple[int, ...], spacing: float = 0.0) -> float:
    """Draw `text` left-aligned on `baseline`, character by character; returns the end x."""
    for char in text:
        font = chain.pick(char)
        draw.text((x, baseline), char, font=font, fill=fill, anchor="ls")
        x += font.getlength(char) + spacing
    return x - spacing if text else x
