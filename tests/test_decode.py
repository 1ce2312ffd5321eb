"""Untrusted bytes to BGR: formats by content, EXIF, colour modes, limits, damaged files."""

from __future__ import annotations

import io
import struct
import tracemalloc
import zlib
from pathlib import Path

import cv2
import numpy as np
import pytest
from PIL import Image, ImageFile, ImageOps

from idcard.errors import InputError
from idcard.imaging.decode import DecodeLimits, decode_for_reading, decode_image

LIMITS = DecodeLimits(max_pixels=40_000_000, min_side=64)
FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
# An orange-ish colour whose channels all differ, so a swapped channel order shows.
RGB = (230, 120, 30)


def encode(image: Image.Image, fmt: str, **options: object) -> bytes:
    out = io.BytesIO()
    image.save(out, format=fmt, **options)
    return out.getvalue()


def solid(mode: str = "RGB", size: tuple[int, int] = (120, 80),
          colour: object = RGB) -> Image.Image:
    return Image.new(mode, size, colour)  # type: ignore[arg-type]


def code_of(data: bytes, limits: DecodeLimits = LIMITS) -> str:
    with pytest.raises(InputError) as caught:
        decode_image(data, limits)
    return caught.value.code


def assert_bgr(image: np.ndarray, rgb: tuple[int, int, int], tolerance: int = 3) -> None:
    assert image.dtype == np.uint8 and image.ndim == 3 and image.shape[2] == 3
    centre = image[image.shape[0] // 2, image.shape[1] // 2].astype(int)
    expected = np.array(rgb[::-1])
    assert np.abs(centre - expected).max() <= tolerance, (centre, expected)


# -- formats ----------------------------------------------------------------------------

@pytest.mark.parametrize("fmt", ["JPEG", "PNG", "WEBP", "BMP", "TIFF"])
def test_each_accepted_format_decodes_to_bgr(fmt: str) -> None:
    options = {"quality": 95} if fmt in ("JPEG", "WEBP") else {}
    image = decode_image(encode(solid(), fmt, **options), LIMITS)
    assert image.shape == (80, 120, 3)
    assert_bgr(image, RGB, tolerance=6)


def test_format_is_told_by_content_not_by_a_label() -> None:
    # The same bytes decode whatever the client called them; there is no name to pass.
    png = encode(solid(), "PNG")
    assert decode_image(png, LIMITS).shape == (80, 120, 3)


@pytest.mark.parametrize("data", [
    b"hello, this is a text file named photo.jpg\n" * 10,
    b"%PDF-1.7\n" + b"\0" * 200,
    b"GIF89a" + b"\0" * 200,
    b"\0" * 300,
])
def test_not_an_accepted_image_is_unsupported(data: bytes) -> None:
    assert code_of(data) == "unsupported_media_type"


def test_gif_is_an_image_but_not_accepted() -> None:
    assert code_of(encode(solid(), "GIF")) == "unsupported_media_type"


def test_empty_data_is_missing() -> None:
    assert code_of(b"") == "image_missing"


# -- damaged files ----------------------------------------------------------------------

def test_truncated_jpeg_is_unreadable_not_half_grey() -> None:
    data = (FIXTURES / "front_clean_000.jpg").read_bytes()
    assert ImageFile.LOAD_TRUNCATED_IMAGES is False
    for cut in (len(data) // 2, len(data) - 200):
        assert code_of(data[:cut]) == "image_unreadable"


def test_truncated_png_is_unreadable() -> None:
    noise = np.random.default_rng(1).integers(0, 255, (200, 300, 3), dtype=np.uint8)
    data = encode(Image.fromarray(noise), "PNG")
    assert code_of(data[: len(data) // 2]) == "image_unreadable"


@pytest.mark.parametrize("magic", [b"\xff\xd8\xff\xe0", b"\x89PNG\r\n\x1a\n", b"BM",
                                   b"II*\x00", b"RIFF\0\0\0\0WEBPVP8 "])
def test_right_signature_with_garbage_after_is_unreadable(magic: bytes) -> None:
    assert code_of(magic + bytes(range(256)) * 4) == "image_unreadable"


# -- limits -----------------------------------------------------------------------------

def png_header_only(width: int, height: int) -> bytes:
    """A PNG whose IHDR claims width×height, with a tiny IDAT: a decompression-bomb header."""

    def chunk(kind: bytes, body: bytes) -> bytes:
        crc = zlib.crc32(kind + body) & 0xFFFFFFFF
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", crc)

    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)  # 8-bit RGB
    idat = zlib.compress(b"\0" * 1024)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", idat) + chunk(
        b"IEND", b"")


@pytest.mark.parametrize("size", [(30000, 30000), (7000, 7000), (100000, 1000)])
def test_pixel_bomb_header_is_refused_before_allocating(size: tuple[int, int]) -> None:
    # 30000² passes Pillow's own guard (error), 7000² only ours (49 MP > 40 MP).
    tracemalloc.start()
    try:
        assert code_of(png_header_only(*size)) == "too_many_pixels"
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 50_000_000  # nothing was decoded: the smallest would take 3 GB


def test_pixel_limit_is_configurable() -> None:
    data = encode(solid(size=(300, 200)), "PNG")
    assert code_of(data, DecodeLimits(max_pixels=50_000, min_side=64)) == "too_many_pixels"
    assert decode_image(data, DecodeLimits(max_pixels=60_000, min_side=64)).shape == (
        200, 300, 3)


@pytest.mark.parametrize("size", [(63, 400), (400, 63), (10, 10)])
def test_too_small_is_refused(size: tuple[int, int]) -> None:
    assert code_of(encode(solid(size=size), "PNG")) == "image_too_small"


def test_smallest_allowed_size_decodes() -> None:
    assert decode_image(encode(solid(size=(64, 64)), "PNG"), LIMITS).shape == (64, 64, 3)


# -- orientation ------------------------------------------------------------------------

def marked_upright() -> Image.Image:
    """A landscape image, white with a black block in its top-left corner."""
    image = Image.new("RGB", (200, 100), (255, 255, 255))
    image.paste((0, 0, 0), (0, 0, 40, 30))
    return image


@pytest.mark.parametrize(("orientation", "stored_turn"), [
    (3, Image.Transpose.ROTATE_180),
    (6, Image.Transpose.ROTATE_90),   # stored turned 90° counter-clockwise
    (8, Image.Transpose.ROTATE_270),
])
def test_exif_orientation_is_applied(orientation: int, stored_turn: Image.Transpose) -> None:
    stored = marked_upright().transpose(stored_turn)
    exif = Image.Exif()
    exif[0x0112] = orientation
    data = encode(stored, "JPEG", quality=95, exif=exif.tobytes())
    image = decode_image(data, LIMITS)
    assert image.shape == (100, 200, 3)
    assert image[10, 10].max() < 60  # the black block is back in the top-left corner
    assert image[90, 190].min() > 200


def test_exif_rotated_fixture_decodes_upright() -> None:
    import json

    labels = json.loads((FIXTURES / "labels.json").read_text(encoding="utf-8"))
    turned = [entry for entry in labels if entry["exif_orientation"] in (6, 8)]
    if not turned:
        pytest.skip("no fixture with EXIF orientation 6/8")
    entry = turned[0]
    data = (FIXTURES / entry["file"]).read_bytes()
    with Image.open(io.BytesIO(data)) as raw:
        stored_w, stored_h = raw.size
    image = decode_image(data, LIMITS)
    assert image.shape[:2] == (stored_w, stored_h)  # sides swapped: turned upright


def pillow_bgr(data: bytes) -> np.ndarray:
    """What Pillow alone decodes: upright, RGB, turned to BGR."""
    with Image.open(io.BytesIO(data)) as image:
        upright = ImageOps.exif_transpose(image) or image
        return cv2.cvtColor(np.asarray(upright.convert("RGB")), cv2.COLOR_RGB2BGR)


@pytest.mark.parametrize("orientation", range(1, 9))
@pytest.mark.parametrize("mode", ["RGB", "L"])
def test_jpeg_pixels_are_pillows_in_every_orientation(orientation: int, mode: str) -> None:
    """JPEGs are decoded by OpenCV for speed: pixel for pixel what Pillow decodes."""
    rng = np.random.default_rng(orientation)
    noise = rng.integers(0, 256, (90, 160, 3), dtype=np.uint8)
    stored = Image.fromarray(cv2.GaussianBlur(noise, (5, 5), 0)).convert(mode)
    exif = Image.Exif()
    exif[0x0112] = orientation
    data = encode(stored, "JPEG", quality=90, exif=exif.tobytes())
    assert np.array_equal(decode_image(data, LIMITS), pillow_bgr(data))


def test_fixture_jpegs_decode_as_pillow_decodes_them() -> None:
    files = sorted(FIXTURES.glob("*.jpg"))[::4]
    assert files
    for path in files:
        data = path.read_bytes()
        assert np.array_equal(decode_image(data, LIMITS), pillow_bgr(data)), path.name


def test_broken_exif_does_not_reject_the_image() -> None:
    data = encode(solid(), "JPEG", quality=95, exif=b"Exif\0\0garbage-not-tiff")
    assert decode_image(data, LIMITS).shape == (80, 120, 3)


# -- colour modes -----------------------------------------------------------------------

def test_grey_and_bilevel() -> None:
    grey = decode_image(encode(solid("L", colour=90), "PNG"), LIMITS)
    assert_bgr(grey, (90, 90, 90), tolerance=0)
    bilevel = decode_image(encode(solid("1", colour=1), "PNG"), LIMITS)
    assert_bgr(bilevel, (255, 255, 255), tolerance=0)


def test_palette_with_and_without_transparency() -> None:
    palette = solid().quantize(colors=4)
    assert_bgr(decode_image(encode(palette, "PNG"), LIMITS), RGB, tolerance=8)
    transparent = palette.copy()
    transparent.info["transparency"] = transparent.getpixel((0, 0))
    assert_bgr(decode_image(encode(transparent, "PNG", transparency=transparent.info[
        "transparency"]), LIMITS), (255, 255, 255), tolerance=0)


def test_alpha_is_composited_on_white() -> None:
    clear = decode_image(encode(solid("RGBA", colour=(*RGB, 0)), "PNG"), LIMITS)
    assert_bgr(clear, (255, 255, 255), tolerance=0)
    half = decode_image(encode(solid("RGBA", colour=(0, 0, 0, 128)), "PNG"), LIMITS)
    assert_bgr(half, (127, 127, 127), tolerance=2)
    opaque = decode_image(encode(solid("RGBA", colour=(*RGB, 255)), "WEBP", lossless=True),
                          LIMITS)
    assert_bgr(opaque, RGB, tolerance=0)
    grey_alpha = decode_image(encode(solid("LA", colour=(0, 0)), "PNG"), LIMITS)
    assert_bgr(grey_alpha, (255, 255, 255), tolerance=0)


def test_cmyk_jpeg_and_tiff() -> None:
    cmyk = solid().convert("CMYK")
    for fmt in ("JPEG", "TIFF"):
        assert_bgr(decode_image(encode(cmyk, fmt), LIMITS), RGB, tolerance=10)


def test_sixteen_bit_is_scaled_to_eight() -> None:
    grey16 = np.full((80, 120), 40000, dtype=np.uint16)  # 40000 / 257 ≈ 156
    for ext in (".png", ".tiff"):
        ok, data = cv2.imencode(ext, grey16)
        assert ok
        assert_bgr(decode_image(data.tobytes(), LIMITS), (156, 156, 156), tolerance=1)
    bgr16 = np.zeros((80, 120, 3), dtype=np.uint16)
    bgr16[:] = (30 * 257, 120 * 257, 230 * 257)  # B, G, R
    ok, data = cv2.imencode(".png", bgr16)
    assert ok
    assert_bgr(decode_image(data.tobytes(), LIMITS), RGB, tolerance=1)


def test_result_is_contiguous_uint8_bgr() -> None:
    image = decode_image(encode(solid(), "PNG"), LIMITS)
    assert image.flags["C_CONTIGUOUS"]
    assert image.dtype == np.uint8


@pytest.mark.parametrize("orientation", [1, 3, 6, 8])
@pytest.mark.parametrize(("size", "reduction"), [((3200, 1800), 1), ((4000, 3000), 2),
                                                 ((6400, 6200), 4)])
def test_a_large_jpeg_is_decoded_smaller_and_upright(orientation: int, size: tuple[int, int],
                                                     reduction: int) -> None:
    """A phone's 12-megapixel photo is decoded at half size (libjpeg scales as it decodes,
    several times faster), its short side kept at 1500 px or more; the pixels are the
    full decode's, shrunk, turned upright by EXIF as before."""
    rng = np.random.default_rng(orientation)
    small = cv2.GaussianBlur(rng.integers(0, 256, (size[1] // 40, size[0] // 40, 3),
                                          dtype=np.uint8), (3, 3), 0)
    stored = Image.fromarray(cv2.resize(small, size, interpolation=cv2.INTER_CUBIC))
    exif = Image.Exif()
    exif[0x0112] = orientation
    data = encode(stored, "JPEG", quality=90, exif=exif.tobytes())
    decoded = decode_for_reading(data, DecodeLimits(max_pixels=50_000_000))
    assert decoded.reduction == reduction
    full = pillow_bgr(data)
    assert decoded.pixels.shape[:2] == tuple(-(-side // reduction) for side in full.shape[:2])
    shrunk = cv2.resize(full, decoded.pixels.shape[1::-1], interpolation=cv2.INTER_AREA)
    assert np.abs(shrunk.astype(int) - decoded.pixels).mean() < 2.0


def test_only_jpegs_are_decoded_smaller() -> None:
    stored = Image.fromarray(np.full((3200, 4200, 3), 128, np.uint8))
    decoded = decode_for_reading(encode(stored, "PNG"), DecodeLimits(max_pixels=50_000_000))
    assert decoded.reduction == 1 and decoded.pixels.shape == (3200, 4200, 3)
