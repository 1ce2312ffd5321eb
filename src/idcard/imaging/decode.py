"""Untrusted image bytes to a BGR uint8 array, within size limits, or a typed `InputError`.

The format is told by content (magic bytes), never by file name or declared media type.
Accepted: JPEG, PNG, WebP, BMP, TIFF. Everything else is `unsupported_media_type` (a PDF
is told apart by `imaging.pdf.looks_like_pdf` and rendered there before this is called).

Safety, in the order it happens:
1. The signature must be one of the accepted formats (cheap, before Pillow parses anything).
2. Pillow opens lazily: only the header is parsed, so `im.size` is known before any pixel
   buffer exists. The pixel count (`too_many_pixels`) and the shorter side
   (`image_too_small`) are checked there, before `load()` allocates.
3. Pillow's own decompression-bomb guard stays on as a backstop (it raises for headers
   above 2 × `Image.MAX_IMAGE_PIXELS`); its error is reported as `too_many_pixels`.
4. Truncated files fail (`image_unreadable`) instead of decoding with a grey bottom:
   `ImageFile.LOAD_TRUNCATED_IMAGES` must stay False. A colour or grey JPEG is decoded by
   OpenCV (faster, same pixels), which refuses a truncated one too; Pillow then decodes
   it again and gives the reason.
"""

from __future__ import annotations

import io
from dataclasses import dataclass

import cv2
import numpy as np
from PIL import Image, ImageFile, ImageOps

from idcard.errors import InputError

# Pillow reads these module globals on every open/load, so a stray `True` anywhere in the
# process would let truncated uploads decode half grey.
ImageFile.LOAD_TRUNCATED_IMAGES = False

_FORMATS = ("JPEG", "PNG", "WEBP", "BMP", "TIFF")
_SIGNATURES: tuple[tuple[int, bytes], ...] = (
    (0, b"\xff\xd8\xff"),  # JPEG
    (0, b"\x89PNG\r\n\x1a\n"),  # PNG
    (8, b"WEBP"),  # WebP (RIFF container, checked together with the RIFF tag below)
    (0, b"BM"),  # BMP
    (0, b"II*\x00"),  # TIFF little-endian
    (0, b"MM\x00*"),  # TIFF big-endian
    (0, b"II+\x00"),  # BigTIFF little-endian
    (0, b"MM\x00+"),  # BigTIFF big-endian
)
_WHITE = (255, 255, 255)


@dataclass(frozen=True, slots=True)
class DecodeLimits:
    """What an upload may be: at most `max_pixels` (w × h), each side at least `min_side`."""

    max_pixels: int = 40_000_000
    min_side: int = 64


def decode_image(data: bytes, limits: DecodeLimits) -> np.ndarray:
    """Decode `data` to an upright (EXIF-applied) BGR uint8 image of shape (h, w, 3)."""
    return _decoded(data, limits, reduce=False).pixels


@dataclass(frozen=True, slots=True)
class DecodedImage:
    """The pixels decoded, and how many of the file's pixels each one spans along a side
    (1, or 2 or 4 for a large JPEG decoded smaller)."""

    pixels: np.ndarray
    reduction: int = 1


# A large JPEG is decoded at a half or a quarter of its size (libjpeg scales while it
# decodes: 3-4 times faster) while its short side keeps at least this many pixels. A
# card filling a third of such a photo is still 500 px wide, where its print reads as
# well as on a straightened card (856 px).
_REDUCED_SHORT_SIDE = 1500
_JPEG_FLAGS = {1: cv2.IMREAD_COLOR, 2: cv2.IMREAD_REDUCED_COLOR_2,
               4: cv2.IMREAD_REDUCED_COLOR_4}


def decode_for_reading(data: bytes, limits: DecodeLimits) -> DecodedImage:
    """`decode_image`, but a large JPEG is decoded smaller (see `_REDUCED_SHORT_SIDE`)."""
    return _decoded(data, limits, reduce=True)


def _decoded(data: bytes, limits: DecodeLimits, reduce: bool) -> DecodedImage:
    if not data:
        raise InputError("image_missing", "the image is empty")
    if not looks_like_image(data):
        raise InputError(
            "unsupported_media_type",
            "the data is not a JPEG, PNG, WebP, BMP or TIFF image or a PDF",
        )
    _allow_limit_in_pillow(limits)
    with _open(data) as image:
        _check_size(image.size, limits)
        reductions = [_reduction(image.size), 1] if reduce else [1]
        for reduction in dict.fromkeys(reductions):
            jpeg = _jpeg_pixels(data, image, reduction)
            if jpeg is not None:
                return DecodedImage(jpeg, reduction)
        _load(image)
        rgb = np.asarray(_to_rgb(_upright(image)))
    return DecodedImage(cv2.cvtColor(rgb, cv2.COLOR_RGB2BGR))


def _reduction(size: tuple[int, int]) -> int:
    """The largest reduction that keeps the short side at `_REDUCED_SHORT_SIDE` or more."""
    return next((factor for factor in (4, 2) if min(size) // factor >= _REDUCED_SHORT_SIDE), 1)


def _jpeg_pixels(data: bytes, image: Image.Image, reduction: int = 1) -> np.ndarray | None:
    """An 8-bit colour or grey JPEG decoded by OpenCV, once Pillow has checked its header:
    the same pixels as Pillow gives, EXIF orientation applied alike (both decode with
    libjpeg-turbo: identical on 2005 JPEGs of every test set), in 60 % of the time and
    straight to BGR; `reduction` times smaller along each side where asked (2 or 4).
    None for any other JPEG, and for data OpenCV cannot decode whole (a truncated file),
    which Pillow then decodes or refuses with its reason."""
    if image.format != "JPEG" or image.mode not in ("RGB", "L"):
        return None
    pixels = cv2.imdecode(np.frombuffer(data, np.uint8), _JPEG_FLAGS[reduction])
    expected = sorted(-(-side // reduction) for side in image.size)
    if pixels is None or sorted(pixels.shape[:2]) != expected:
        return None
    decoded: np.ndarray = pixels
    return decoded


def looks_like_image(data: bytes) -> bool:
    """Whether `data` starts like one of the accepted image formats."""
    for offset, magic in _SIGNATURES:
        if data[offset:offset + len(magic)] == magic:
            return magic != b"WEBP" or data[:4] == b"RIFF"
    return False


def _allow_limit_in_pillow(limits: DecodeLimits) -> None:
    # Our own pixel check is the real limit. Pillow's guard must never be stricter than it
    # (else it would warn about or refuse images we accept), but should otherwise stay on.
    current = Image.MAX_IMAGE_PIXELS
    if current is not None and current < limits.max_pixels:
        Image.MAX_IMAGE_PIXELS = limits.max_pixels


def _open(data: bytes) -> Image.Image:
    try:
        return Image.open(io.BytesIO(data), formats=_FORMATS)
    except Image.DecompressionBombError as exc:
        raise InputError("too_many_pixels", _pixels_detail(exc)) from None
    except MemoryError:
        raise
    except Exception as exc:
        # The signature matched, so whatever Pillow raised means a damaged file; Pillow
        # uses OSError, SyntaxError, ValueError, struct.error… depending on the format.
        raise InputError("image_unreadable", _unreadable_detail(exc)) from None


def _check_size(size: tuple[int, int], limits: DecodeLimits) -> None:
    width, height = size
    if width * height > limits.max_pixels:
        raise InputError(
            "too_many_pixels",
            f"the image is {width}×{height} = {width * height} pixels; "
            f"the limit is {limits.max_pixels}",
        )
    if min(width, height) < limits.min_side:
        raise InputError(
            "image_too_small",
            f"the image is {width}×{height} pixels; each side must be at least "
            f"{limits.min_side}",
        )


def _load(image: Image.Image) -> None:
    try:
        image.load()
    except Image.DecompressionBombError as exc:
        raise InputError("too_many_pixels", _pixels_detail(exc)) from None
    except MemoryError:
        raise
    except Exception as exc:  # truncated or corrupt data, signalled per format
        raise InputError("image_unreadable", _unreadable_detail(exc)) from None


def _upright(image: Image.Image) -> Image.Image:
    try:
        turned = ImageOps.exif_transpose(image)
    except Exception:  # a broken EXIF block must not reject an otherwise readable image
        return image
    return turned if turned is not None else image


def _to_rgb(image: Image.Image) -> Image.Image:
    """Any Pillow mode to 8-bit RGB: alpha over white, palettes expanded, 16 bits scaled."""
    mode = image.mode
    if mode == "RGB":
        return image
    if mode.startswith("I;16") or mode in ("I", "F"):
        return _wide_grey_to_rgb(image)
    if mode == "P":
        palette_mode = image.palette.mode if image.palette is not None else "RGB"
        has_alpha = "transparency" in image.info or palette_mode == "RGBA"
        image = image.convert("RGBA" if has_alpha else "RGB")
        mode = image.mode
    if mode == "PA":
        image = image.convert("RGBA")
        mode = "RGBA"
    if mode in ("RGBA", "LA", "RGBa", "La"):
        return _over_white(image.convert("RGBA"))
    return image.convert("RGB")  # L, 1, CMYK, YCbCr, LAB, HSV


def _wide_grey_to_rgb(image: Image.Image) -> Image.Image:
    # 16-bit grey arrives as I;16 / I (0..65535) or F; scale to 0..255 without stretching
    # contrast, so a dark scan stays dark.
    values = np.asarray(image, dtype=np.float64)
    peak = 65535.0
    if image.mode == "F":  # float images come as 0..1 or 0..255 by convention
        peak = 1.0 if values.max(initial=0.0) <= 1.0 else 255.0
    grey = np.clip(np.rint(values * (255.0 / peak)), 0, 255).astype(np.uint8)
    return Image.fromarray(grey).convert("RGB")


def _over_white(rgba: Image.Image) -> Image.Image:
    background = Image.new("RGBA", rgba.size, (*_WHITE, 255))
    return Image.alpha_composite(background, rgba).convert("RGB")


def _pixels_detail(exc: Exception) -> str:
    return f"the image header declares too many pixels ({exc})"


def _unreadable_detail(exc: Exception) -> str:
    # Pillow's messages name the format problem ("image file is truncated", "broken PNG
    # file"); they never contain pixel data, so they are safe to pass on.
    reason = str(exc).strip() or type(exc).__name__
    return f"the image could not be decoded: {reason}"
