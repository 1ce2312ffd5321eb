"""From image bytes to a checked card reading: decode → views → read each → combine.

A PDF's pages (`imaging.pdf`) are read as images each, then combined (`pages.py`).

One `CardReader` owns one OCR engine; it is not shared between threads (the service
gives each worker thread its own).
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial

import cv2
import msgspec
import numpy as np

from idcard.card import CardReading, SideHint, SourcePage
from idcard.config import Settings
from idcard.errors import InputError
from idcard.extract import (
    RuleBook,
    card_print_in_place,
    interpret_lines,
    labels_in_place,
    load_rules,
    told_by_values,
)
from idcard.imaging.decode import DecodeLimits, decode_for_reading, looks_like_image
from idcard.imaging.locate import CardOutline, Corners, print_regions
from idcard.imaging.orient import needs_quarter_turn, tilt_from_edges
from idcard.imaging.pdf import PdfLimits, RenderedPage, looks_like_pdf, render_pdf
from idcard.imaging.quality import assess
from idcard.imaging.view import CardView, Image, region_box
from idcard.ocr import OcrEngine
from idcard.pipeline.combine import combine, in_source_pixels, text_at_border
from idcard.pipeline.crops import encode_crops
from idcard.pipeline.masking import DEFAULT_MASK, mask_reading
from idcard.pipeline.one_view import (
    CUT_OFF,
    MIN_FIELDS_FROM_OUTLINE,
    MIN_LINES_OF_A_CARD,
    CardRead,
    ClearedViews,
    ViewReader,
    filled,
    side_complete,
)
from idcard.pipeline.pages import PageRead, combine_pages
from idcard.pipeline.steps import CROP_ASKEW, PAGE_CARDS, TEXT_ALONE
from idcard.pipeline.thorough import SurestViews
from idcard.pipeline.timing import Stopwatch
from idcard.pipeline.trust import decide_review, judge_quality, merged_quality, reads_surely
from idcard.pipeline.views import (
    MIN_LINES_IN_REGION,
    PageCard,
    card_views,
    cards_in_print,
    glance,
    inside,
    page_cards,
    point_inside,
    print_beside,
    small_outline,
    text_beside,
    text_view,
)
from idcard.text import Quad, TextLine, box_centre
from idcard.validate import warm_up_place_tables

# A card cropped to its edges prints its lines along them: a scan cut this many degrees
# askew still reads as one (levelled), but a card turned further cannot fill a frame of
# its own shape without losing its corners.
_TILTED_CROP_DEGREES = 5.0
# A page is searched for at most this many cards (the largest groups of text).
_MAX_CARDS = 3
# Text that gives fewer fields than this is not a card: a back prints three, and a stamp
# may hide one of them.
_MIN_FIELDS_OF_A_CARD = 2


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

    def as_builtins(self) -> dict[str, object]:
        """The reading as plain data, with `pages` for a PDF: what the CLI prints and a
        batch record holds."""
        printed: dict[str, object] = msgspec.to_builtins(self.reading)
        if self.pages:
            printed["pages"] = msgspec.to_builtins(self.pages)
        return printed


@dataclass(frozen=True, slots=True)
class _ImagePage:
    """An image input, read like a PDF of one page that has no number."""

    image: Image
    # How many of the file's pixels each of `image`'s spans along a side (a large JPEG is
    # decoded smaller): boxes are mapped back to the file's pixels.
    reduction: int = 1
    number: None = None
    dpi: None = None


class CardReader:
    def __init__(self, settings: Settings, engine: OcrEngine, rules: RuleBook,
                 thorough: OcrEngine | None = None) -> None:
        self._engine = engine
        self._thorough = thorough
        self._limits = DecodeLimits(max_pixels=settings.max_pixels, min_side=settings.min_side)
        self._pdf_limits = PdfLimits(max_pages=settings.max_pdf_pages, dpi=settings.pdf_dpi,
                                     max_pixels=settings.max_pixels, min_side=settings.min_side)
        self._card_det_side = settings.card_det_side
        self._locate_cards = settings.locate_cards
        self._rules = rules
        self._review_below = settings.review_below
        sure = partial(reads_surely, review_below=settings.review_below,
                       doubtful_below=rules.thresholds.low_confidence)
        cleared = ClearedViews()
        self._views = ViewReader(engine, rules, settings.card_det_side, settings.locate_cards,
                                 sure, cleared)
        self._card_views = SurestViews(
            self._views, None if thorough is None else ViewReader(
                thorough, rules, settings.card_det_side, settings.locate_cards, sure, cleared),
            rules, settings.review_below)
        info = engine.model_info
        rec = info.rec if thorough is None else \
            f"{info.rec} (thorough: {thorough.recogniser_model})"
        self.model_info = ModelInfo(det=info.det, rec=rec, runtime=info.runtime)

    @classmethod
    def load(cls, settings: Settings) -> CardReader:
        """Load the models and rules and warm the engine (a few hundred ms)."""
        engine = OcrEngine.load(settings)
        reader = cls(settings, engine, load_rules(settings.rules_dir), engine.thorough(settings))
        reader.warm_up()
        return reader

    def warm_up(self) -> None:
        sample = np.full((540, 856, 3), 235, dtype=np.uint8)
        for row, text in enumerate(("NAME 1990 3 7", "ID 42011119900307123X")):
            cv2.putText(sample, text, (60, 150 + 200 * row), cv2.FONT_HERSHEY_SIMPLEX, 1.6,
                        (20, 20, 20), 3)
        for engine in (self._engine, self._thorough):
            if engine is not None:
                engine.read_text_lines(sample)
        # The quality signals' first run sets up OpenCV's colour tables and numpy's FFT:
        # 150-200 ms that would otherwise fall on the first card read.
        assess(sample, {"name": region_box((856, 540), 0.05, 0.2, 0.6, 0.35)})
        warm_up_place_tables()

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
             crops: frozenset[str] = frozenset(),
             mask: frozenset[str] = DEFAULT_MASK, mask_values: bool = False) -> ReadOutcome:
        """`crops`: images to return (card, portrait, masked); `mask`: the parts the
        masked image covers, and with `mask_values` the JSON values too."""
        clock = Stopwatch()
        started = time.perf_counter()
        with clock.stage("decode"):
            pages = self._decode(data)
        combined = combine_pages(self._read_pages(pages, side, clock), side)
        reads, reading = combined.reads, combined.reading
        with clock.stage("quality"):
            quality = merged_quality(judge_quality(reads, self._rules))
            reading = decide_review(reading, quality, self._review_below,
                                    self._rules.thresholds.low_confidence)
        with clock.stage("extract"):
            # Each field's box from its own card view (and page) to that page's pixels.
            reading = in_source_pixels(reading, reads)
        images = encode_crops(reads, crops, self._rules, mask)
        if mask_values:
            reading = mask_reading(reading, mask, self._rules)
        clock.add("total", (time.perf_counter() - started) * 1000.0)
        corners = reads[0].view.source_corners() if "card" in images else None
        return ReadOutcome(reading=reading, model=self.model_info, timings_ms=clock.ms,
                           images=images, card_corners=corners, pages=combined.sources)

    def _decode(self, data: bytes) -> list[RenderedPage] | list[_ImagePage]:
        if looks_like_pdf(data) and not looks_like_image(data):
            return render_pdf(data, self._pdf_limits)
        decoded = decode_for_reading(data, self._limits)
        return [_ImagePage(decoded.pixels, decoded.reduction)]

    def _read_pages(self, pages: list[RenderedPage] | list[_ImagePage], side: SideHint,
                    clock: Stopwatch) -> list[PageRead]:
        """Each page read as an image; pages without a card are left out (when no page has
        one, the first page's error is raised)."""
        read: list[PageRead] = []
        first_error: InputError | None = None
        for page in pages:
            try:
                reading, reads = self._read_image(page.image, side, clock)
                if isinstance(page, _ImagePage) and page.reduction != 1:
                    reads = [_in_file_pixels(read, page.reduction) for read in reads]
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
        """One image's reading (boxes in its card views) and the views it came from."""
        reads = self._read_cards(image, side, clock)
        return combine(reads, side), reads

    def _read_cards(self, image: Image, side: SideHint, clock: Stopwatch) -> list[CardRead]:
        """The strategy, in order. Each card outline (or the image, when it is a card
        cropped tight) is read: first look, turned over, value regions, the name again
        (one_view.py). When no outline, or only a small one with print beside it, was
        found (and not two that read as cards), the page's text is glanced at: the cards
        it holds beside any outline, each in its print region, are read where they lie
        (page_cards). When all that gave too few fields (one card without an edge, or a
        wrong outline), the text is read alone, levelled where it lies (text_alone). A
        side's own print in place with no value read is a card whose values are all
        hidden; without any, the image holds no card."""
        with clock.stage("locate"):
            views = card_views(image, self._locate_cards)
        # With two cards in view the hint picks between them instead of forcing both.
        card_side: SideHint = side if len(views) == 1 else "auto"
        # The whole image taken as a card cropped to its edges, whose print runs tilted
        # across it, is no such crop (a tilted card cut off by the frame): its text is
        # read alone first (below), and the crop only where that misses a field.
        askew_lines = self._lines_of_askew_crop(views, clock)
        askew = askew_lines is not None
        reads = [] if askew else [self._card_views.read_view(view, outline, card_side, clock)
                                  for view, outline in views]
        # A card prints its lines along its long side: an outline across which the text
        # runs is no card's (a shadow's edge cut the card in two). Without it, the image
        # is read as if no outline had been found there.
        if not askew:
            views, reads = _along_the_print(views, reads)
        # The page's text-line boxes, once glanced at (an askew crop's were, to judge it).
        page: list[Quad] | None = askew_lines
        # Two outlines that each read as a card leave no room for another card's text.
        two_cards = len(reads) >= 2 and all(r.field_count >= _MIN_FIELDS_OF_A_CARD
                                            for r in reads)
        if not askew and not two_cards and (not views or small_outline(views[0][1])):
            with clock.stage("locate"):
                # Beside a card's outline the image is a page, where specks (dust, a
                # speckled paper) bridge into one region of the whole page that says
                # nothing of another card (an A4 scan's back was lost so); without
                # one it may be a card cropped tight, whose own print they bridge.
                regions = print_regions(image, specks=not views)
            placed = cards_in_print(image.shape, regions) if not views else []
            placed_reads = None
            if len(placed) >= 2:
                # Two or more cards placed by their print: no glance is needed.
                with clock.step(PAGE_CARDS):
                    placed_reads = self._read_placed_cards(image, placed, clock)
            if placed_reads is not None:
                reads += placed_reads
            elif not views or print_beside(regions, views[0][1]):
                # The glance's lines are grouped by card in their print regions; with one
                # card on its own, text_alone reads it levelled by the same lines.
                page = glance(self._engine, image, clock)
                # An outline on which nothing was read is no card (a shadow's edge across
                # one), nor is one whose sides cut through the print (a stamp's frame
                # taken for an edge): its text is not set apart from the page's, and the
                # card read in its print region takes its place.
                cut = [_print_past_outline(read) for read in reads]
                found = [view for view, read, cut_by in zip(views, reads, cut, strict=True)
                         if read.field_count > 0 and not cut_by]
                with clock.step(PAGE_CARDS):
                    beside = self._cards_beside(image, page, regions, found, clock)
                reads = [read for read, cut_by in zip(reads, cut, strict=True) if not cut_by
                         or not any(_lies_over(other, read) for other in beside)] + beside
        # A tilted crop's text read alone is preferred unless it gives fewer fields (the
        # lines of a crop read askew may still be tilted, though its detection was not).
        tilted = askew or _tilted_crop(reads)
        alone: list[CardRead] = []  # the text read alone, when it was
        # One outline whose sides cut through the print is no card's edge (a shadow's or
        # the paper's beside it): the text read alone is taken where it gives more fields
        # (not beside two cards read, whose text alone reads both at once).
        # Nor is the whole image a card cropped to its edges when its print fills a small
        # part of it: a small card on a card-shaped page (a scan), its faint edges unseen.
        if not reads or max(r.field_count for r in reads) < MIN_FIELDS_FROM_OUTLINE \
                or tilted or (len(reads) == 1 and (_print_past_outline(reads[0])
                                                   or _print_small_in_crop(reads[0]))):
            with clock.step(TEXT_ALONE):
                fallback = self._card_views.read_view(
                    text_view(self._engine, image, clock, page), None, side, clock)
            alone.append(fallback)
            if askew and not (side_complete(fallback.reading) and self._card_shaped(fallback)):
                with clock.step(CROP_ASKEW):
                    reads = [self._card_views.read_view(view, outline, card_side, clock)
                             for view, outline in views]
            most = max((r.field_count for r in reads), default=0)
            if not reads or ((fallback.field_count > most
                              or (tilted and fallback.field_count == most))
                             and self._card_shaped(fallback)):
                reads = [fallback]
        if max(r.field_count for r in reads) == 0:
            # A side's own print in place (its labels, the back's title), in a card's
            # outline or read alone, is a card whose values are all hidden (a stamp across
            # them): answered with every field missing and flagged, not as no card. The
            # text read alone counts too: cut from the page, it may place labels an
            # outline's view lost under the stamps.
            looked = reads + [r for r in alone if all(r is not other for other in reads)]
            printed = [r for r in looked if self._side_printed(r)] or self._fronts_by_values(
                reads, clock)
            if not printed:
                raise _no_card_text(reads)
            reads = printed
        reads = self._sides_apart(_cards_only(reads, self._side_printed), clock)
        for read in reads:
            if _judged_by_text(read) and text_at_border(read, image.shape):
                read.reading.warnings.append(CUT_OFF)
        return reads

    def _fronts_by_values(self, reads: list[CardRead], clock: Stopwatch) -> list[CardRead]:
        """Where no word or number said a card was read, the reads whose lines, read as a
        front, hold a front's values where it prints them (extract.told_by_values); the
        one with most fields."""
        fronts: list[CardRead] = []
        for read in reads:
            reading = self._read_as(read, "front", clock)
            if told_by_values(reading, self._rules):
                fronts.append(dataclasses.replace(read, reading=reading))
        return sorted(fronts, key=lambda read: -read.field_count)[:1]

    def _read_as(self, read: CardRead, side: SideHint, clock: Stopwatch) -> CardReading:
        """The read's lines interpreted again as `side`."""
        with clock.stage("extract"):
            return interpret_lines(read.lines, image_size=read.view.size, side=side,
                                   rules=self._rules)

    def _sides_apart(self, reads: list[CardRead], clock: Stopwatch) -> list[CardRead]:
        """Where one card was read on its own and a page's print, read as one block, held
        both sides (the block took in the first card too: the outline found for it was
        a wrong one), the block's lines read again as the other side alone, so that the
        two cards pair up. The card read on its own gives its side's fields: the block's
        copy of them is read where it lies, askew and unstraightened."""
        sides = {read.reading.side for read in reads}
        if "both" not in sides or len(sides & {"front", "back"}) != 1:
            return reads
        other: SideHint = "back" if "front" in sides else "front"
        apart: list[CardRead] = []
        for read in reads:
            if read.reading.side == "both":
                reading = self._read_as(read, other, clock)
                if reading.side == other and filled(reading) > 0:
                    read = dataclasses.replace(read, reading=reading)
            apart.append(read)
        return apart

    def _lines_of_askew_crop(self, views: list[tuple[CardView, CardOutline | None]],
                             clock: Stopwatch) -> list[Quad] | None:
        """When the one view is the whole image taken as a tight crop and its lines (as
        the detector finds them, in the image) run at least `_TILTED_CROP_DEGREES` off its
        edges, those lines in the image's pixels; else None. The detection is remembered
        for the crop's own read."""
        if len(views) != 1 or not _tight_crop(views[0][1]):
            return None
        view = views[0][0]
        with clock.stage("detect"):
            found = self._engine.detect_text_lines(view.image, self._card_det_side)
        lines = [view.map_box(box.quad) for box in found]
        return lines if _askew_in_image(lines) else None

    def _cards_beside(self, image: Image, page: list[Quad], regions: list[Corners],
                      views: list[tuple[CardView, CardOutline | None]],
                      clock: Stopwatch) -> list[CardRead]:
        """The cards whose text lies outside every outline found (all of the page's text
        when none was), each read once where it lies; those that read as a card."""
        outlines = [outline for _, outline in views if outline is not None]
        if outlines and not text_beside(page, outlines[0]):
            return []
        beside = [box for box in page if not any(inside(box, o) for o in outlines)]
        groups = page_cards(beside, regions)
        if not outlines and len(groups) < 2:
            return []  # one card without an edge: its text is read alone (text_alone)
        return self._read_page_cards(image, groups, clock)

    def _read_placed_cards(self, image: Image, placed: list[PageCard],
                           clock: Stopwatch) -> list[CardRead] | None:
        """Cards placed by their print, each read where it lies; None when a region reads
        as fewer lines than a card shows: the print of one card at an angle (its number
        row's region apart from its other lines'), whose page is glanced at instead."""
        found = self._read_where_they_lie(image, placed, clock)
        if any(len(read.lines) < MIN_LINES_IN_REGION for read in found):
            return None
        return self._those_read_as_cards(found)

    def _read_page_cards(self, image: Image, cards: list[PageCard],
                         clock: Stopwatch) -> list[CardRead]:
        """Each card on a page read once where it lies; those that read as a card."""
        return self._those_read_as_cards(self._read_where_they_lie(image, cards, clock))

    def _read_where_they_lie(self, image: Image, cards: list[PageCard],
                             clock: Stopwatch) -> list[CardRead]:
        return [self._views.read_lines_as_card(image, card.lines, "auto", clock, card.region)
                for card in cards[:_MAX_CARDS]]

    def _those_read_as_cards(self, found: list[CardRead]) -> list[CardRead]:
        """Those that read as a card: by values where a card prints them, or, with no
        value read, by the side's own print in place (a back whose values all lie under
        stamps beside a front: answered as both sides, its fields missing and flagged,
        not as the front alone)."""
        return [read for read in found
                if (read.field_count > 0 and self._card_shaped(read))
                or (read.field_count == 0 and self._side_printed(read))]

    def _side_printed(self, read: CardRead) -> bool:
        """Whether the read's lines hold its side's labels (and a back's title) where a
        card prints them."""
        side = read.reading.side
        return side != "both" and card_print_in_place(
            read.lines, image_size=read.view.size, side=side, rules=self._rules)

    def _card_shaped(self, read: CardRead) -> bool:
        """Whether text read outside any outline is a card's by its label geometry, not
        a page that repeats a card's labels around it (a form asking for them)."""
        side = read.reading.side
        return side == "both" or labels_in_place(read.lines, image_size=read.view.size,
                                                 side=side, rules=self._rules)


def _along_the_print(views: list[tuple[CardView, CardOutline | None]], reads: list[CardRead],
                     ) -> tuple[list[tuple[CardView, CardOutline | None]], list[CardRead]]:
    """The views (and their reads) whose lines run along the card, as a card's print does;
    a view with too few lines to tell is kept."""
    kept = [(view, read) for view, read in zip(views, reads, strict=True)
            if read.outline is None or len(read.lines) < MIN_LINES_OF_A_CARD
            or not needs_quarter_turn([line.box for line in read.lines])]
    return [view for view, _ in kept], [read for _, read in kept]


def _in_file_pixels(read: CardRead, reduction: int) -> CardRead:
    """A read of an image decoded `reduction` times smaller, its view mapping to the
    file's own pixels."""
    enlarge = np.diag([float(reduction), float(reduction), 1.0])
    view = CardView(read.view.image, enlarge @ read.view.to_source)
    return dataclasses.replace(read, view=view)


def _tilted_crop(reads: list[CardRead]) -> bool:
    """Whether the one card read is the whole image taken as a tight crop, with its lines
    (as they lie in the image) running at least `_TILTED_CROP_DEGREES` off its edges."""
    if len(reads) != 1 or not _tight_crop(reads[0].outline):
        return False
    read = reads[0]
    return _askew_in_image([read.view.map_box(line.box) for line in read.lines])


def _print_past_outline(read: CardRead) -> bool:
    """Whether lines run into the left or right side of a card straightened from an
    outline: a card prints its columns well inside its edges (labels from 7 % of its
    width, the number to about 90 %), so print reaching the side was cut by the outline.
    A tight crop (the image is the card) is left alone."""
    if read.outline is None or read.outline.tight_crop:
        return False
    width = read.view.size[0]
    margin = _SIDE_MARGIN * width
    touching = [line for line in read.lines
                if min(x for x, _ in line.box) <= margin
                or max(x for x, _ in line.box) >= width - margin]
    return len(touching) >= _LINES_PAST_OUTLINE


def _print_small_in_crop(read: CardRead) -> bool:
    """Whether the image taken as a card cropped tight holds its print within less than
    `_SMALL_PRINT` of its width and of its height: a card's print spans most of both
    (labels from 7 % of the width, the number past 80 %; the name's row near the top, the
    number's near the foot), so the card is a small one on a larger page."""
    if read.outline is None or not read.outline.tight_crop or not read.lines:
        return False
    xs = [x for line in read.lines for x, _ in line.box]
    ys = [y for line in read.lines for _, y in line.box]
    width, height = read.view.size
    return (max(xs) - min(xs) < _SMALL_PRINT * width
            and max(ys) - min(ys) < _SMALL_PRINT * height)


def _lies_over(card: CardRead, cut: CardRead) -> bool:
    """Whether a card read where it lies has its print's centre inside the outline read
    as `cut` (both in the image's pixels): the same card."""
    if cut.outline is None or not card.lines:
        return False
    centres = [box_centre(card.view.map_box(line.box)) for line in card.lines]
    centre = (sum(x for x, _ in centres) / len(centres),
              sum(y for _, y in centres) / len(centres))
    return point_inside(centre, cut.outline)


def _tight_crop(outline: CardOutline | None) -> bool:
    return outline is not None and outline.tight_crop


def _askew_in_image(lines: list[Quad]) -> bool:
    """Whether lines (boxes in the image's pixels) run `_TILTED_CROP_DEGREES` or more off
    the image's edges."""
    return abs(tilt_from_edges(lines)) >= _TILTED_CROP_DEGREES


# Print this close to a straightened card's side (share of its width) reaches the side, and
# this many lines reaching it say the outline cut the print (one may be a stamp's).
_SIDE_MARGIN = 0.01
_LINES_PAST_OUTLINE = 2
# Print spanning less than this share of a card-shaped image's width and height lies on a
# card smaller than the image (a whole card's spans about 0.75 of both).
_SMALL_PRINT = 0.5


def _cards_only(reads: list[CardRead], printed: Callable[[CardRead], bool]) -> list[CardRead]:
    """The reads that found a card: those with a card's worth of fields, and any that
    reads as the other side of them by a field (a back mostly hidden by a stamp) or, with
    none, by its side's own print in place (`printed`: every value hidden). An outline
    around something else (a stamp's frame) or a page's other print is dropped."""
    cards = [r for r in reads if r.field_count >= _MIN_FIELDS_OF_A_CARD]
    sides = {r.reading.side for r in cards}
    other = [r for r in reads if r.field_count < _MIN_FIELDS_OF_A_CARD
             and r.reading.side in {"front", "back"} - sides and sides <= {"front", "back"}
             and (r.field_count > 0 or printed(r))]
    other.sort(key=lambda r: r.field_count == 0)  # a field read is the surer sign
    return cards + other[:1] if cards else reads


def _no_card_text(reads: list[CardRead]) -> InputError:
    """`no_card_found`; where a card's outline was found but nothing on it could be read
    (too small or too blurred), saying so, so that the caller can ask for a closer,
    sharper photo rather than for another document."""
    sides = [r.outline.longest_side for r in reads
             if r.outline is not None and not r.outline.tight_crop]
    if not sides:
        return InputError("no_card_found", "no identity card text was found in the image")
    return InputError(
        "no_card_found",
        f"a card-shaped outline {max(sides):.0f} px long was found, but no identity card "
        "text could be read on it: if it is a card, photograph it closer, in focus and "
        "evenly lit")


def _judged_by_text(read: CardRead) -> bool:
    """Whether only the text can tell that a card runs off the image: no outline was
    seen, or the image is the card cropped tight yet some of its side's fields are
    missing (a whole card read completely is not cut off, whatever touches the border)."""
    if read.outline is None:
        return True
    return read.outline.tight_crop and not side_complete(read.reading)
