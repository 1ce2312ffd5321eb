"""From image bytes to a checked card reading: decode → views → read each → combine.

One `CardReader` owns one OCR engine; it is not shared between threads (the service
gives each worker thread its own).
"""

from __future__ import annotations

import time

import cv2
import msgspec
import numpy as np

from idcard.card import CardReading, SideHint
from idcard.config import Settings
from idcard.errors import InputError
from idcard.extract import RuleBook, load_rules
from idcard.imaging.decode import DecodeLimits, decode_image
from idcard.imaging.view import Image
from idcard.ocr import OcrEngine
from idcard.pipeline.combine import combine, in_source_pixels, text_at_border
from idcard.pipeline.crops import encode_crops
from idcard.pipeline.masking import DEFAULT_MASK, mask_reading
from idcard.pipeline.one_view import CUT_OFF, MIN_FIELDS_FROM_OUTLINE, CardRead, ViewReader
from idcard.pipeline.timing import Stopwatch
from idcard.pipeline.trust import decide_review, judge_quality, merged_quality
from idcard.pipeline.views import card_views, text_beside, text_view
from idcard.text import TextLine


class ModelInfo(msgspec.Struct, frozen=True):
    det: str
    rec: str
    runtime: str


class ReadOutcome(msgspec.Struct, kw_only=True):
    reading: CardReading
    model: ModelInfo
    timings_ms: dict[str, float]
    images: dict[str, bytes] = msgspec.field(default_factory=dict)


class CardReader:
    def __init__(self, settings: Settings, engine: OcrEngine, rules: RuleBook) -> None:
        self._engine = engine
        self._limits = DecodeLimits(max_pixels=settings.max_pixels, min_side=settings.min_side)
        self._card_det_side = settings.card_det_side
        self._locate_cards = settings.locate_cards
        self._rules = rules
        self._review_below = settings.review_below
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
        """The OCR lines of the first card (or of the text), the right way up."""
        image = decode_image(data, self._limits)
        clock = Stopwatch()
        views = card_views(image, self._locate_cards)
        if views:
            view, detect_side = views[0][0], self._card_det_side
        else:
            view, detect_side = text_view(self._engine, image, clock), None
        lines, _, _ = self._views.read_right_way_up(view, "auto", clock, detect_side)
        return lines

    def read(self, data: bytes, side: SideHint = "auto",
             crops: frozenset[str] = frozenset(),
             mask: frozenset[str] = DEFAULT_MASK, mask_values: bool = False) -> ReadOutcome:
        """`crops`: images to return (card, portrait, masked); `mask`: the parts the
        masked image covers, and with `mask_values` the JSON values too."""
        clock = Stopwatch()
        started = time.perf_counter()
        with clock.stage("decode"):
            image = decode_image(data, self._limits)
        reads = self._read_cards(image, side, clock)
        reading = combine(reads, side)
        with clock.stage("quality"):
            quality = merged_quality(judge_quality(reads, self._rules))
            reading = decide_review(reading, quality, self._review_below)
        with clock.stage("extract"):
            reading = in_source_pixels(reading, reads)
        images = encode_crops(reads, crops, self._rules, mask)
        if mask_values:
            reading = mask_reading(reading, mask, self._rules)
        clock.add("total", (time.perf_counter() - started) * 1000.0)
        return ReadOutcome(reading=reading, model=self.model_info, timings_ms=clock.ms,
                           images=images)

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
