"""From image bytes to a checked card reading: decode → locate → OCR → rules → checks.

One `CardReader` owns one OCR engine; it is not shared between threads (the service
gives each worker thread its own).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import cv2
import msgspec
import numpy as np

from idcard.card import FRONT_FIELDS, CardFields, CardReading, Field, Notice, SideHint
from idcard.config import Settings
from idcard.errors import InputError
from idcard.extract import RuleBook, interpret_lines, load_rules, merge_sides
from idcard.imaging.decode import DecodeLimits, decode_image
from idcard.imaging.locate import CardOutline, find_card_outlines
from idcard.imaging.orient import needs_quarter_turn, reads_upside_down, text_block_view
from idcard.imaging.view import CardView, Image, crop_fraction, rectify_card, whole_image
from idcard.ocr import OcrEngine
from idcard.text import Quad, TextLine

CROP_NAMES = frozenset({"card", "portrait"})
# Where the portrait sits on the front of an upright card (fractions of width/height).
_PORTRAIT_REGION = (0.60, 0.08, 0.95, 0.80)
# A reading from a card outline with fewer fields than this makes us try the text itself.
_MIN_FIELDS_FROM_OUTLINE = 3
# How far (in line heights) a name's box is lengthened for the second look.
_NAME_STRETCH = 1.0
# An outline smaller than this share of the image may have another card beside it
# (a photocopy page), which is worth a look when at least this many lines lie outside it.
_LONE_CARD_MIN_AREA = 0.3
_MIN_LINES_OF_A_CARD = 4
# Lines outside the outline are counted on a copy this size: at 640 px the faint text of
# a photocopied card (upside down beside the one found) was too small to detect.
_GLANCE_SIDE = 960
# A second outline at least this large (relative to the first) is a second card.
_SECOND_CARD_AREA_RATIO = 0.25
# Lines read with at least this median confidence were read the right way up.
_CLEAR_READING = 0.9
# A value region read with less confidence than this is noise (lower than for detected
# lines: the region is known to hold the value, and blur lowers every reading there).
_MIN_REGION_CONFIDENCE = 0.3
# Text this close to the image border (share of the longer side) is likely cut off.
_BORDER_MARGIN = 0.01


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


@dataclass
class _CardRead:
    view: CardView
    lines: list[TextLine]
    reading: CardReading
    outline: CardOutline | None

    @property
    def field_count(self) -> int:
        return _filled(self.reading)


class _Stopwatch:
    def __init__(self) -> None:
        self.ms: dict[str, float] = {}

    @contextmanager
    def stage(self, name: str) -> Iterator[None]:
        start = time.perf_counter()
        try:
            yield
        finally:
            self.add(name, (time.perf_counter() - start) * 1000.0)

    def add(self, name: str, ms: float) -> None:
        self.ms[name] = round(self.ms.get(name, 0.0) + ms, 2)

    def add_all(self, timings_ms: dict[str, float]) -> None:
        for name, ms in timings_ms.items():
            self.add(name, ms)


class CardReader:
    def __init__(self, settings: Settings, engine: OcrEngine, rules: RuleBook) -> None:
        self._engine = engine
        self._rules = rules
        self._limits = DecodeLimits(max_pixels=settings.max_pixels, min_side=settings.min_side)
        self._card_det_side = settings.card_det_side
        self._locate_cards = settings.locate_cards
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
        clock = _Stopwatch()
        views = self._card_views(image, clock)
        if views:
            view, detect_side = views[0][0], self._card_det_side
        else:
            view, detect_side = self._text_view(image, clock), None
        lines, _, _ = self._read_right_way_up(view, "auto", clock, detect_side)
        return lines

    def read(self, data: bytes, side: SideHint = "auto",
             crops: frozenset[str] = frozenset()) -> ReadOutcome:
        clock = _Stopwatch()
        started = time.perf_counter()
        with clock.stage("decode"):
            image = decode_image(data, self._limits)
        reads = self._read_cards(image, side, clock)
        reading = self._combine(reads, side)
        with clock.stage("extract"):
            reading = _in_source_pixels(reading, reads)
        images = _crops(reads, crops)
        clock.add("total", (time.perf_counter() - started) * 1000.0)
        corners = reads[0].view.source_corners() if "card" in images else None
        return ReadOutcome(reading=reading, model=self.model_info, timings_ms=clock.ms,
                           images=images, card_corners=corners)

    # -- locating the card(s) -------------------------------------------------------------

    def _read_cards(self, image: Image, side: SideHint, clock: _Stopwatch) -> list[_CardRead]:
        with clock.stage("locate"):
            views = self._card_views(image, clock)
        # With two cards in view the hint picks between them instead of forcing both.
        card_side: SideHint = side if len(views) == 1 else "auto"
        reads = [self._read_view(view, outline, card_side, clock) for view, outline in views]
        text: _CardRead | None = None  # the text read where it lies, side "auto"
        if len(views) == 1 and self._text_beside(image, views[0][1], clock):
            # A second card the outline search missed (a faint photocopy): read them both.
            text = self._read_view(self._text_view(image, clock), None, "auto", clock)
            if {text.reading.side, reads[0].reading.side} == {"front", "back"}:
                reads = [reads[0], text]  # each side as read where it was found
            elif text.reading.side == "both" or text.field_count > reads[0].field_count:
                reads = [text]
        if not reads or max(r.field_count for r in reads) < _MIN_FIELDS_FROM_OUTLINE:
            fallback = text if text is not None and side == "auto" else \
                self._read_view(self._text_view(image, clock), None, side, clock)
            if not reads or fallback.field_count > max(r.field_count for r in reads):
                reads = [fallback]
        if max(r.field_count for r in reads) == 0:
            raise InputError("no_card_found", "no identity card text was found in the image")
        for read in reads:
            if read.outline is None and _text_at_border(read, image.shape):
                read.reading.warnings.append(_CUT_OFF)
        return reads

    def _card_views(self, image: Image,
                    clock: _Stopwatch) -> list[tuple[CardView, CardOutline | None]]:
        outlines = find_card_outlines(image) if self._locate_cards else []
        if not outlines:
            return []
        chosen = [outlines[0]]
        chosen += [o for o in outlines[1:2]
                   if o.area_fraction >= _SECOND_CARD_AREA_RATIO * outlines[0].area_fraction]
        return [(rectify_card(image, o.corners), o) for o in chosen]

    def _text_beside(self, image: Image, outline: CardOutline | None,
                     clock: _Stopwatch) -> bool:
        """Whether a card's worth of text lies outside a small card outline."""
        if outline is None or outline.area_fraction >= _LONE_CARD_MIN_AREA:
            return False
        # Counting lines needs no detail: a small copy keeps this check cheap.
        scale = min(1.0, _GLANCE_SIDE / max(image.shape[:2]))
        small = cv2.resize(image, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA)
        with clock.stage("detect"):
            boxes = self._engine.detect_text_lines(small)
        corners = outline.corners * scale
        outside = sum(
            1 for box in boxes
            if cv2.pointPolygonTest(corners, _centre(box.quad), False) < 0)
        return outside >= _MIN_LINES_OF_A_CARD

    def _text_view(self, image: Image, clock: _Stopwatch) -> CardView:
        """No card outline: level and crop the image around its text instead."""
        view = whole_image(image)
        with clock.stage("detect"):
            boxes = [b.quad for b in self._engine.detect_text_lines(image)]
        if not boxes:
            raise InputError("no_card_found", "no text was found in the image")
        with clock.stage("locate"):
            if needs_quarter_turn(boxes):
                view = view.rotated(1)
                boxes = [b.quad for b in self._engine.detect_text_lines(view.image)]
            return text_block_view(view, boxes) if boxes else view

    # -- reading one card ---------------------------------------------------------------

    def _read_view(self, view: CardView, outline: CardOutline | None, side: SideHint,
                   clock: _Stopwatch) -> _CardRead:
        # A straightened card's text is large: detection can look at a smaller copy.
        detect_side = self._card_det_side if outline is not None else None
        lines, view, reading = self._read_right_way_up(view, side, clock, detect_side)
        if outline is not None and self._look_where_values_belong(view, lines, reading, clock):
            reading = self._interpret(lines, view, side, clock)
        if self._second_look_at_name(view, lines, reading, clock):
            reading = self._interpret(lines, view, side, clock)
        if outline is None:
            if self._locate_cards:
                reading.warnings.append(Notice(
                    "card_outline_not_found",
                    "no card edge was found; fields were read from the text alone"))
        elif outline.touches_edge:
            reading.warnings.append(_CUT_OFF)
        return _CardRead(view=view, lines=lines, reading=reading, outline=outline)

    def _read_right_way_up(self, view: CardView, side: SideHint, clock: _Stopwatch,
                           detect_side: int | None,
                           ) -> tuple[list[TextLine], CardView, CardReading]:
        lines = self._ocr(view, clock, detect_side)
        reading = self._interpret(lines, view, side, clock)
        backwards = reads_upside_down(lines)
        if not backwards and (_filled(reading) >= _MIN_FIELDS_FROM_OUTLINE
                              or _read_clearly(lines)):
            return lines, view, reading
        # Most text had to be turned over to be read: the view is upside down (or it holds
        # two cards one each way, a photocopy page, which may read as both sides only as
        # it is). Or too little was read to trust the line classifier's sense of up (blur,
        # glare; text read clearly was the right way up, just not a card's): then keep
        # whichever way gives more fields.
        turned = view.rotated(2)
        turned_lines = self._ocr(turned, clock, detect_side)
        turned_reading = self._interpret(turned_lines, turned, side, clock)
        if backwards:
            better = reading.side != "both" or turned_reading.side == "both"
        else:
            better = _filled(turned_reading) > _filled(reading)
        return (turned_lines, turned, turned_reading) if better else (lines, view, reading)

    def _interpret(self, lines: list[TextLine], view: CardView, side: SideHint,
                   clock: _Stopwatch) -> CardReading:
        with clock.stage("extract"):
            return interpret_lines(lines, image_size=view.size, side=side, rules=self._rules)

    def _look_where_values_belong(self, view: CardView, lines: list[TextLine],
                                  reading: CardReading, clock: _Stopwatch) -> bool:
        """Read the printed place of each missing front value of a straightened card on its
        own (rules' `value_regions`); adds what is read to `lines`."""
        if reading.side != "front":
            return False
        width, height = view.size
        boxes: list[Quad] = []
        for name, (x0, y0, x1, y1) in self._rules.layout.value_regions.items():
            if getattr(reading.fields, name) is None:
                left, top, right, bottom = x0 * width, y0 * height, x1 * width, y1 * height
                boxes.append(((left, top), (right, top), (right, bottom), (left, bottom)))
        if not boxes:
            return False
        result = self._engine.read_text_lines(view.image, boxes, second_opinion=True)
        clock.add_all(result.timings_ms)
        found = [line for line in result.lines
                 if line.text.strip() and line.confidence >= _MIN_REGION_CONFIDENCE]
        lines.extend(found)
        return bool(found)

    def _second_look_at_name(self, view: CardView, lines: list[TextLine],
                             reading: CardReading, clock: _Stopwatch) -> bool:
        """Read the name's lines again with every model the engine has: names carry the
        rare characters a single model drops or swaps for a look-alike. Updates `lines`."""
        name = reading.fields.name
        if name is None:
            return False
        chosen = [i for i, line in enumerate(lines) if _overlaps(line.box, name.box)]
        if not chosen:
            return False
        # The box is stretched by about one character: a detector may stop short of a
        # last character drawn in a rarer glyph.
        boxes = [_stretched(lines[i].box, view.size) for i in chosen]
        result = self._engine.read_text_lines(view.image, boxes, second_opinion=True)
        clock.add_all(result.timings_ms)
        changed = False
        for index, again in zip(chosen, result.lines, strict=True):
            if again.text and again.text != lines[index].text:
                lines[index] = again
                changed = True
        return changed

    def _ocr(self, view: CardView, clock: _Stopwatch,
             detect_side: int | None = None) -> list[TextLine]:
        result = self._engine.read_text_lines(view.image, detect_side=detect_side)
        clock.add_all(result.timings_ms)
        return result.lines

    # -- putting cards together ---------------------------------------------------------

    def _combine(self, reads: list[_CardRead], side: SideHint) -> CardReading:
        if len(reads) == 1:
            return reads[0].reading
        first, second = reads[0].reading, reads[1].reading
        if {first.side, second.side} == {"front", "back"}:
            if side == "auto":
                front, back = (first, second) if first.side == "front" else (second, first)
                return merge_sides(front, back)
            reads.sort(key=lambda r: r.reading.side != side)
            del reads[1:]
            return reads[0].reading
        del reads[1:]
        first.warnings.append(Notice(
            "multiple_cards", "more than one card was found; the largest one was read"))
        return first


_CUT_OFF = Notice("card_incomplete", "the card touches the edge of the image and may be cut off")


def _text_at_border(read: _CardRead, shape: tuple[int, ...]) -> bool:
    """Whether any line read without a card outline runs into the image's border."""
    height, width = shape[:2]
    margin = _BORDER_MARGIN * max(height, width)
    for line in read.lines:
        points = np.array(read.view.map_box(line.box))
        (left, top), (right, bottom) = points.min(axis=0), points.max(axis=0)
        if min(left, top) <= margin or right >= width - 1 - margin \
                or bottom >= height - 1 - margin:
            return True
    return False


def _stretched(box: Quad, size: tuple[int, int]) -> Quad:
    """The box lengthened in its reading direction by one line height, inside the image."""
    points = np.array(box, dtype=np.float64)
    along = points[1] - points[0]
    length = float(np.hypot(*along))
    height = float(np.hypot(*(points[3] - points[0])))
    if length <= 0:
        return box
    step = along / length * height * _NAME_STRETCH
    points[1] += step
    points[2] += step
    points[:, 0] = points[:, 0].clip(0, size[0] - 1)
    points[:, 1] = points[:, 1].clip(0, size[1] - 1)
    a, b, c, d = ((float(x), float(y)) for x, y in points)
    return (a, b, c, d)


def _read_clearly(lines: list[TextLine]) -> bool:
    confidences = [line.confidence for line in lines]
    return (len(confidences) >= _MIN_LINES_OF_A_CARD
            and float(np.median(confidences)) >= _CLEAR_READING)


def _filled(reading: CardReading) -> int:
    return sum(1 for name in reading.fields.__struct_fields__
               if getattr(reading.fields, name) is not None)


def _centre(box: Quad) -> tuple[float, float]:
    return (sum(x for x, _ in box) / 4.0, sum(y for _, y in box) / 4.0)


def _overlaps(a: Quad, b: Quad) -> bool:
    """Either box's centre lies inside the other."""
    return any(
        cv2.pointPolygonTest(np.array(poly, dtype=np.float32), _centre(other), False) >= 0
        for poly, other in ((a, b), (b, a))
    )


def _in_source_pixels(reading: CardReading, reads: list[_CardRead]) -> CardReading:
    """Field boxes from each card's straightened view, mapped to the client's pixels."""
    updates: dict[str, Field | None] = {}
    for name in CardFields.__struct_fields__:
        field: Field | None = getattr(reading.fields, name)
        if field is None:
            continue
        read = _read_for_field(name, reads)
        updates[name] = msgspec.structs.replace(field, box=read.view.map_box(field.box))
    fields = msgspec.structs.replace(reading.fields, **updates)
    return msgspec.structs.replace(reading, fields=fields)


def _read_for_field(name: str, reads: list[_CardRead]) -> _CardRead:
    if len(reads) == 1:
        return reads[0]
    wanted = "front" if name in FRONT_FIELDS else "back"
    return next((r for r in reads if r.reading.side == wanted), reads[0])


def _crops(reads: list[_CardRead], wanted: frozenset[str]) -> dict[str, bytes]:
    makers: dict[str, Callable[[], Image | None]] = {
        "card": lambda: reads[0].view.image,
        "portrait": lambda: _portrait(reads),
    }
    out: dict[str, bytes] = {}
    for name in sorted(wanted & CROP_NAMES):
        crop = makers[name]()
        if crop is not None and crop.size:
            ok, encoded = cv2.imencode(".jpg", crop, [cv2.IMWRITE_JPEG_QUALITY, 90])
            if ok:
                out[name] = encoded.tobytes()
    return out


def _portrait(reads: list[_CardRead]) -> Image | None:
    front = next((r for r in reads if r.reading.side == "front" and r.outline is not None), None)
    return crop_fraction(front.view, *_PORTRAIT_REGION) if front else None
