"""From image bytes to a checked card reading: decode → views → read each → combine.

A PDF's pages (`imaging.pdf`) are read as images each, then combined (`pages.py`).

One `CardReader` owns one OCR engine; it is not shared between threads (the service
gives each worker thread its own).
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import cv2
import msgspec
import numpy as np

from idcard.card import CardReading, SideHint, SourcePage
from idcard.config import Settings
from idcard.errors import InputError
from idcard.extract import RuleBook, load_rules
from idcard.imaging.decode import DecodeLimits, decode_image, looks_like_image
from idcard.imaging.pdf import PdfLimits, RenderedPage, looks_like_pdf, render_pdf
from idcard.imaging.view import Image
from idcard.ocr import OcrEngine
from idcard.pipeline.combine import combine, in_source_pixels, text_at_border
from idcard.pipeline.crops import encode_crops
from idcard.pipeline.one_view import CUT_OFF, MIN_FIELDS_FROM_OUTLINE, CardRead, ViewReader
from idcard.pipeline.pages import PageRead, combine_pages
from idcard.pipeline.timing import Stopwatch
from idcard.pipeline.views import card_views, text_beside, text_view
from idcard.text import Quad, TextLine


class ModelInfo(msgspec.Struct, frozen=True):
    det: str
    rec: str
    runtime: str


class ReadOutcome(msgspec.Struct, kw_only=True):
    reading: CardReading
    model: ModelInfo
    timings_ms: dict[str, float]
    images: dict[str, bytes] = msgspec.field(default_factory=dict)
    # The `card` crop's corners in the source image's pixels (None when no crop was made).
    card_corners: Quad | None = None
    # For a PDF: the page each side was read on; empty for an image.
    pages: list[SourcePage] = msgspec.field(default_factory=list)


@dataclass(frozen=True, slots=True)
class _ImagePage:
    """An image input, read like a PDF of one page that has no number."""

    image: Image
    number: None = None
    dpi: None = None


class CardReader:
    def __init__(self, settings: Settings, engine: OcrEngine, rules: RuleBook) -> None:
        self._engine = engine
        self._limits = DecodeLimits(max_pixels=settings.max_pixels, min_side=settings.min_side)
        self._pdf_limits = PdfLimits(max_pages=settings.max_pdf_pages, dpi=settings.pdf_dpi,
                                     max_pixels=settings.max_pixels, min_side=settings.min_side)
        self._card_det_side = settings.card_det_side
        self._locate_cards = settings.locate_cards
        self._views = ViewReader(engine, rules, settings.card_det_side, settings.locate_cards)
        info = engine.model_info
        self.model_info = ModelInfo(det=info.det, rec=info.rec, runtime=info.runtime)

    @classmethod
    def load(cls, settings: Settings) -> CardReader:
        """Load the models and rules and warm the engine (a few hundred ms)."""
        reader = cls(settings, OcrEngine.load(settings), load_rules(settings.rules_dir))
        reader.warm_up()
        return reader

    def warm_up(self) -> None:
        sample = np.full((540, 856, 3), 235, dtype=np.uint8)
        for row, text in enumerate(("NAME 1990 3 7", "ID 42011119900307123X")):
            cv2.putText(sample, text, (60, 150 + 200 * row), cv2.FONT_HERSHEY_SIMPLEX, 1.6,
                        (20, 20, 20), 3)
        self._engine.read_text_lines(sample)

    def read_lines(self, data: bytes) -> list[TextLine]:
        """The OCR lines of the first card (or of the text; of a PDF's first page), the
        right way up."""
        image = self._decode(data)[0].image
        clock = Stopwatch()
        views = card_views(image, self._locate_cards)
        if views:
            view, detect_side = views[0][0], self._card_det_side
        else:
            view, detect_side = text_view(self._engine, image, clock), None
        lines, _, _ = self._views.read_right_way_up(view, "auto", clock, detect_side)
        return lines

    def read(self, data: bytes, side: SideHint = "auto",
             crops: frozenset[str] = frozenset()) -> ReadOutcome:
        clock = Stopwatch()
        started = time.perf_counter()
        with clock.stage("decode"):
            pages = self._decode(data)
        combined = combine_pages(self._read_pages(pages, side, clock), side)
        reads = combined.reads
        images = encode_crops(reads, crops)
        clock.add("total", (time.perf_counter() - started) * 1000.0)
        corners = reads[0].view.source_corners() if "card" in images else None
        return ReadOutcome(reading=combined.reading, model=self.model_info,
                           timings_ms=clock.ms, images=images, card_corners=corners,
                           pages=combined.sources)

    def _decode(self, data: bytes) -> list[RenderedPage] | list[_ImagePage]:
        if looks_like_pdf(data) and not looks_like_image(data):
            return render_pdf(data, self._pdf_limits)
        return [_ImagePage(decode_image(data, self._limits))]

    def _read_pages(self, pages: list[RenderedPage] | list[_ImagePage], side: SideHint,
                    clock: Stopwatch) -> list[PageRead]:
        """Each page read as an image; pages without a card are left out (when no page has
        one, the first page's error is raised)."""
        read: list[PageRead] = []
        first_error: InputError | None = None
        for page in pages:
            try:
                reading, reads = self._read_image(page.image, side, clock)
            except InputError as exc:
                if exc.code != "no_card_found":
                    raise
                first_error = first_error or exc
                continue
            read.append(PageRead(reading, reads, page.number, page.dpi))
        if not read:
            assert first_error is not None
            raise first_error
        return read

    def _read_image(self, image: Image, side: SideHint,
                    clock: Stopwatch) -> tuple[CardReading, list[CardRead]]:
        """One image's reading, boxes in its pixels, and the card views it came from."""
        reads = self._read_cards(image, side, clock)
        reading = combine(reads, side)
        with clock.stage("extract"):
            reading = in_source_pixels(reading, reads)
        return reading, reads

    def _read_cards(self, image: Image, side: SideHint, clock: Stopwatch) -> list[CardRead]:
        with clock.stage("locate"):
            views = card_views(image, self._locate_cards)
        # With two cards in view the hint picks between them instead of forcing both.
        card_side: SideHint = side if len(views) == 1 else "auto"
        reads = [self._views.read_view(view, outline, card_side, clock)
                 for view, outline in views]
        text: CardRead | None = None  # the text read where it lies, side "auto"
        if len(views) == 1 and text_beside(self._engine, image, views[0][1], clock):
            # A second card the outline search missed (a faint photocopy): read them both.
            text = self._views.read_view(text_view(self._engine, image, clock), None, "auto",
                                         clock)
            if {text.reading.side, reads[0].reading.side} == {"front", "back"}:
                reads = [reads[0], text]  # each side as read where it was found
            elif text.reading.side == "both" or text.field_count > reads[0].field_count:
                reads = [text]
        if not reads or max(r.field_count for r in reads) < MIN_FIELDS_FROM_OUTLINE:
            fallback = text if text is not None and side == "auto" else \
                self._views.read_view(text_view(self._engine, image, clock), None, side, clock)
            if not reads or fallback.field_count > max(r.field_count for r in reads):
                reads = [fallback]
        if max(r.field_count for r in reads) == 0:
            raise InputError("no_card_found", "no identity card text was found in the image")
        for read in reads:
            if read.outline is None and text_at_border(read, image.shape):
                read.reading.warnings.append(CUT_OFF)
        return reads
