"""Untrusted PDF bytes to page images (BGR uint8), within limits, or a typed `InputError`.

A PDF is told by content: `%PDF-` in its first 1024 bytes (where readers accept the
header), never by file name or media type. Pages are rendered by PDFium (`pypdfium2`), in
process: no Ghostscript or poppler.

Safety, in the order it happens:
1. An encrypted document is refused (`pdf_encrypted`), whether or not it needs a password.
2. More pages than `max_pages` is refused (`pdf_too_many_pages`), before any page is loaded.
3. Each page's size in points is read before rendering. A page that would exceed
   `max_pixels` even at 72 dpi (a tiny file declaring a huge page) is refused
   (`pdf_page_too_large`); a smaller page is rendered at `dpi`, lowered when needed so
   that it stays within `max_pixels`.
4. Forms are never initialised, so no JavaScript runs; attachments are never read.

PDFium is not thread-safe (not even across documents): every call holds one lock.
"""

from __future__ import annotations

import math
import re
import threading
from dataclasses import dataclass

import cv2
import numpy as np
import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_c

from idcard.errors import InputError
from idcard.imaging.view import Image

_HEADER = b"%PDF-"
_HEADER_WINDOW = 1024
_POINTS_PER_INCH = 72.0
# At 72 dpi one point is one pixel: a photo saved as a PDF page at its pixel size is at
# full resolution there, so no useful page needs less.
_LOWEST_DPI = 72.0
_LOCK = threading.Lock()
_PDFIUM_REASON = re.compile(r"PDFium: ([^)]*)")


@dataclass(frozen=True, slots=True)
class PdfLimits:
    """How many pages may be read, at what resolution, within what pixel budget per page."""

    max_pages: int = 2
    dpi: float = 200.0
    max_pixels: int = 40_000_000
    min_side: int = 64


@dataclass(frozen=True, slots=True)
class RenderedPage:
    number: int  # 1-based, as a PDF viewer counts
    dpi: float  # the resolution its pixels (and a reading's boxes) are at
    image: Image


def looks_like_pdf(data: bytes) -> bool:
    return _HEADER in data[:_HEADER_WINDOW]


def render_pdf(data: bytes, limits: PdfLimits) -> list[RenderedPage]:
    """The document's pages as images, after every limit has been checked."""
    with _LOCK:
        document = _open(data)
        try:
            sizes = _page_sizes(document, limits)
            dpis = [_render_dpi(number, size, limits) for number, size in enumerate(sizes, 1)]
            return [RenderedPage(number, dpi, _render(document, number, dpi))
                    for number, dpi in enumerate(dpis, 1)]
        finally:
            document.close()


def _open(data: bytes) -> pdfium.PdfDocument:
    try:
        document = pdfium.PdfDocument(data)
    except pdfium.PdfiumError as exc:
        if exc.err_code == pdfium_c.FPDF_ERR_PASSWORD:
            raise InputError("pdf_encrypted", "the PDF is password-protected; send it "
                             "without encryption") from None
        raise InputError("pdf_unreadable", f"the PDF could not be opened: {_reason(exc)}"
                         ) from None
    if pdfium_c.FPDF_GetSecurityHandlerRevision(document) != -1:
        document.close()
        raise InputError("pdf_encrypted", "the PDF is encrypted (permissions or password); "
                         "send it without encryption")
    return document


def _reason(exc: pdfium.PdfiumError) -> str:
    # PDFium's messages name the error class ("Data format error"), never content.
    found = _PDFIUM_REASON.search(str(exc))
    return found.group(1).strip().lower() if found else "damaged file"


def _page_sizes(document: pdfium.PdfDocument, limits: PdfLimits) -> list[tuple[float, float]]:
    count = len(document)
    if count == 0:
        raise InputError("pdf_unreadable", "the PDF has no pages")
    if count > limits.max_pages:
        raise InputError("pdf_too_many_pages", f"the PDF has {count} pages; at most "
                         f"{limits.max_pages} are read (IDCARD_MAX_PDF_PAGES)")
    sizes = []
    for index in range(count):
        try:
            width, height = document.get_page_size(index)
        except pdfium.PdfiumError:
            raise InputError("pdf_unreadable", f"page {index + 1} of the PDF could not be "
                             "read") from None
        if not (math.isfinite(width) and math.isfinite(height)) or min(width, height) <= 0:
            raise InputError("pdf_unreadable", f"page {index + 1} of the PDF has no size")
        sizes.append((width, height))
    return sizes


def _render_dpi(number: int, size: tuple[float, float], limits: PdfLimits) -> float:
    width, height = size
    points = width * height
    lowest = points * (_LOWEST_DPI / _POINTS_PER_INCH) ** 2
    if lowest > limits.max_pixels:
        raise InputError(
            "pdf_page_too_large",
            f"page {number} is {width:.0f}×{height:.0f} points: over "
            f"{limits.max_pixels} pixels (IDCARD_MAX_PIXELS) even at {_LOWEST_DPI:.0f} dpi")
    # PDFium rounds a bitmap's sides up: keep a little room below the budget.
    fitting = _POINTS_PER_INCH * math.sqrt(limits.max_pixels / points) * 0.998
    dpi = min(limits.dpi, fitting)
    if min(width, height) * dpi / _POINTS_PER_INCH < limits.min_side:
        raise InputError(
            "image_too_small",
            f"page {number} is {width:.0f}×{height:.0f} points; at {dpi:.0f} dpi a side "
            f"would be under {limits.min_side} pixels")
    return dpi


def _render(document: pdfium.PdfDocument, number: int, dpi: float) -> Image:
    page = document[number - 1]
    try:
        # No form environment is initialised: widgets are not drawn and no script runs.
        bitmap = page.render(scale=dpi / _POINTS_PER_INCH, may_draw_forms=False)
        pixels = np.array(bitmap.to_numpy(), copy=True)  # the bitmap's buffer dies with it
        mode = bitmap.mode
        bitmap.close()
    except pdfium.PdfiumError:
        raise InputError("pdf_unreadable", f"page {number} of the PDF could not be rendered"
                         ) from None
    finally:
        page.close()
    return _to_bgr(pixels, mode)


def _to_bgr(pixels: np.ndarray, mode: str) -> Image:
    if pixels.ndim == 2:  # "L"
        return cv2.cvtColor(pixels, cv2.COLOR_GRAY2BGR)
    if mode in ("BGRA", "BGRX"):
        return np.ascontiguousarray(pixels[:, :, :3])
    if mode in ("RGBA", "RGBX"):
        return cv2.cvtColor(pixels, cv2.COLOR_RGBA2BGR)
    if mode == "RGB":
        return cv2.cvtColor(pixels, cv2.COLOR_RGB2BGR)
    return pixels  # BGR
