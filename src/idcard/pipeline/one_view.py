"""How one view is read: OCR, turned over when it reads upside down, the value regions of
a straightened front, and a second look at the name."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from difflib import SequenceMatcher

import cv2
import msgspec
import numpy as np

from idcard.card import CardReading, Field, Notice, SideHint, fields_printed_on
from idcard.extract import (
    LABEL_FIELDS,
    RuleBook,
    fields_named,
    find_stamps,
    front_value_cells,
    interpret_lines,
    never_a_value,
    unlike_printed,
    with_row_missing,
)
from idcard.imaging.ink import print_under, red_dropped, row_under, without_stamps
from idcard.imaging.locate import CardOutline
from idcard.imaging.orient import (
    levelled_view,
    line_reads_backwards,
    reads_upside_down,
    skew_degrees,
    text_block_view,
)
from idcard.imaging.quality import descreened, shows_motion_blur, shows_screen
from idcard.imaging.smear import camera_smear, unsmeared
from idcard.imaging.view import CARD_WIDTH, CardView, Image, region_box, whole_image
from idcard.ocr import OcrEngine, WayUp, legible
from idcard.ocr.consensus import distrust_changes, keep_surer_common
from idcard.pipeline.address_rows import (
    address_bands,
    centre_in_any,
    fitted,
    reads_more_address,
    rows_under_label,
)
from idcard.pipeline.authority_row import authority_band
from idcard.pipeline.placed import (
    READ_EVERYTHING,
    ReadPlan,
    placed_line,
    plan_reads,
)
from idcard.pipeline.steps import (
    ADDRESS_ROWS,
    AUTHORITY_ROW,
    DESCREENED,
    END_UNDER_STAMP,
    FIRST_LOOK,
    LEVELLED,
    NAME_SECOND_LOOK,
    NUMBER_ROWS,
    STAMP_CLEARED,
    TURNED_OVER,
    UNSMEARED,
    VALUE_REGIONS,
    VOCABULARY,
    Step,
)
from idcard.pipeline.timing import Stopwatch
from idcard.pipeline.value_ends import end_band, goes_on, past_end
from idcard.text import Quad, TextLine, box_centre, centre_inside, share_inside

# Text rows tilted this much (degrees) across a straightened card put a value beside the
# wrong label's row: a label and its value sit ~230 px apart, and rows ~65 px.
_LEVEL_FROM_DEGREES = 2.5
# A reading from a card outline with fewer fields than this makes us try the text itself.
MIN_FIELDS_FROM_OUTLINE = 3
# A card prints at least this many lines.
MIN_LINES_OF_A_CARD = 4
# How far (in line heights) a name's box is lengthened for the second look.
_NAME_STRETCH = 1.0
# The name's second look lets the re-check's rare runner-up replace its common first
# choice (ocr.consensus.spell_rare).
NAME_RARE_CHARACTERS = True
# A line is a stamp when it is this much like a stamp phrase (difflib's ratio: 0.5 is
# half the characters in common) of at least this many characters; short phrases
# (使用) are too like ordinary text.
_STAMP_LIKENESS = 0.5
_MIN_STAMP_PHRASE = 4
# A stamp's frame lies about half a line height around its words.
_STAMP_FRAME = 0.5
# A value line's height on a straightened card (856 × 540 px): text this tall reads
# well; smaller text on a page is enlarged to it, by at most this factor.
_CARD_LINE_HEIGHT = 26.0
_MAX_ENLARGEMENT = 3.0
# Lines read with at least this median confidence were read the right way up.
_CLEAR_READING = 0.9
# A value region read with less confidence than this is noise (lower than for detected
# lines: the region is known to hold the value, and blur lowers every reading there).
_MIN_REGION_CONFIDENCE = 0.3

# Front fields whose row may be read in their own characters alone (`number_rows`).
ROW_FIELDS = ("id_number", "birth_date")
# A row that reads no whole field where the layout puts it is read at these vertical
# offsets as well (fractions of its cell's height, about 1.3 lines), the nearer first:
# a stamp or a template a little off the layout's rows moves the print by up to a line.
_ROW_OFFSETS = ((-0.5, 0.5), (-1.0, 1.0))
# A number read on its row shorter than this is not taken: some cards print 17 digits,
# and fewer is what a stamp across the row left.
_SHORTEST_NUMBER = 17

# Rows tilted at most this much (degrees) run inside a level band across an address's
# width (7 px of drift over 400 px, a quarter of a card's line).
_LEVEL_BANDS_DEGREES = 1.0

# Front fields that print one word of a closed list (read from it by `vocabulary`).
CLOSED_FIELDS = ("sex", "ethnicity")
READ_FROM_VOCABULARY = True

# A closed field's cell where no word passes on the row is scored at these vertical
# offsets as well (fractions of the cell's height, about a line's): a quarter line above
# and below it.
_CELL_OFFSETS = (-0.25, 0.25)

# A place on the card: left, top, right, bottom as fractions of its width and height.
Region = tuple[float, float, float, float]

CUT_OFF = Notice("card_incomplete", "the card touches the edge of the image and may be cut off")


@dataclass
class CardRead:
    """What one view of a card read, and where the view came from."""

    view: CardView
    lines: list[TextLine]
    reading: CardReading
    outline: CardOutline | None
    # Areas of stamp words read on the view (their frames included).
    stamps: list[Quad] = field(default_factory=list)
    # The skew of the lines the detector found on the view (degrees, `skew_degrees`): the
    # boxes of places re-read later (value regions, number rows) are drawn level by us
    # and say nothing of how the print runs.
    skew: float = 0.0

    @property
    def field_count(self) -> int:
        return filled(self.reading)


class ClearedViews:
    """The last card view made with its stamps lifted, by the view and the stamp areas it
    was made from. The thorough step reads the same view again and, where it finds the
    same stamps, gets the same cleared view back, whose detection the engine remembers.
    One worker's, shared by its fast and thorough view readers (as the engine's memo is)."""

    def __init__(self) -> None:
        self._last: tuple[Image, tuple[Quad, ...], CardView] | None = None

    def of(self, view: CardView, stamps: list[Quad]) -> CardView:
        areas = tuple(stamps)
        if self._last is not None and self._last[0] is view.image and self._last[1] == areas:
            return self._last[2]
        cleared = CardView(without_stamps(view.image, stamps), view.to_source)
        self._last = (view.image, areas, cleared)
        return cleared


class ViewReader:
    """Reads one view of a card with the engine and the rules."""

    def __init__(self, engine: OcrEngine, rules: RuleBook, card_det_side: int,
                 locate_cards: bool,
                 sure: Callable[[CardReading], bool] = lambda _reading: False,
                 cleared: ClearedViews | None = None) -> None:
        """`sure`: whether a reading needs no second look (a card read upside down and
        turned over by geometry alone is then kept; otherwise it is read again turned).
        `cleared`: where views with stamps lifted are kept (shared with the reader of
        the same views by another recogniser)."""
        self._engine = engine
        self._cleared = cleared or ClearedViews()
        self._sure = sure
        self._rules = rules
        self._card_det_side = card_det_side
        self._locate_cards = locate_cards
        # Placing labels by layout is off when the rules give no label places.
        self._place_labels = bool(rules.layout.front_words or rules.layout.back_words)
        # A placed word is a label (its printed text) or a printed word itself (中华人民共和国).
        self._label_words = {name: rule.text for name, rule in rules.labels.labels.items()}

    def read_view(self, view: CardView, outline: CardOutline | None, side: SideHint,
                  clock: Stopwatch) -> CardRead:
        """The view read by every step that applies to it, read again turned level when its
        lines run tilted; with fields still missing (or, smeared, unsure), read again
        through a copy made for reading where the camera saw the card badly
        (_copy_to_read), keeping the view's own pixels (quality, crops)."""
        read = self._read_levelled(self._read_view(view, outline, side, clock), side, clock)
        unsure = self._rules.thresholds.low_confidence
        with clock.stage("locate"):
            if not side_complete(read.reading):
                copy = _copy_to_read(view.image)
            elif _sure_fields(read.reading, unsure) < read.field_count:
                # Every field read, some unsure: a smear turns strokes into others'.
                copy = _unsmeared_copy(view.image)
            else:
                return read
        if copy is None:
            return read
        step, image = copy
        with clock.step(step):
            again = self._read_view(CardView(image, view.to_source), outline, side, clock)
        better = (again.field_count, _sure_fields(again.reading, unsure)) \
            > (read.field_count, _sure_fields(read.reading, unsure))
        return _in_pixels_of(again, view) if better else read

    def _read_levelled(self, read: CardRead, side: SideHint, clock: Stopwatch) -> CardRead:
        """A card view whose lines run tilted, read again turned level (kept unless it
        read fewer fields or is less sure). Only card outlines: a view of the text alone
        is levelled already."""
        if read.outline is None:
            return read
        angle = read.skew
        if abs(angle) < _LEVEL_FROM_DEGREES:
            return read
        with clock.step(LEVELLED):
            again = self._read_view(levelled_view(read.view, angle), read.outline, side, clock)
        # Tilted rows put one line's words beside another's label: the level reading is
        # the one to trust, unless levelling lost fields, or doubts a field where the
        # tilted reading doubted none (a row read again at an offset near the edge).
        if again.field_count != read.field_count:
            return again if again.field_count > read.field_count else read
        return read if self._sure(read.reading) and not self._sure(again.reading) else again

    def _read_view(self, view: CardView, outline: CardOutline | None, side: SideHint,
                   clock: Stopwatch) -> CardRead:
        # A straightened card's text is large: detection can look at a smaller copy.
        detect_side = self._card_det_side if outline is not None else None
        card = outline is not None
        lines, view, reading = self.read_right_way_up(view, side, clock, detect_side, card)
        skew = skew_degrees([line.box for line in lines])
        stamps = self._stamp_boxes(lines, view.size)
        if outline is not None and stamps:
            with clock.step(STAMP_CLEARED):
                lines, reading = self._read_without_stamps(view, lines, reading, stamps, side,
                                                           clock, detect_side)
        regions = missing_value_regions(reading, self._rules.layout.value_regions) \
            if outline is not None else {}
        if regions:
            with clock.step(VALUE_REGIONS):
                if self._look_where_values_belong(view, lines, regions, clock):
                    reading = self._interpret(lines, view, side, clock)
        rows = self._rows_to_read(reading) if outline is not None else []
        if rows:
            with clock.step(NUMBER_ROWS):
                lines, reading = self._read_rows(view, lines, reading, rows, side, clock)
        # A band is drawn level: on a view without an outline, rows must run level too.
        if (outline is not None or abs(skew) <= _LEVEL_BANDS_DEGREES) \
                and _address_short(reading):
            with clock.step(ADDRESS_ROWS):
                lines, reading = self._read_address_rows(view, lines, reading, side, clock)
        if (outline is not None or abs(skew) <= _LEVEL_BANDS_DEGREES) \
                and _authority_unread(reading):
            with clock.step(AUTHORITY_ROW):
                lines, reading = self._read_authority_row(view, lines, reading, side, clock)
        closed = self._closed_fields_to_read(reading) \
            if outline is not None and READ_FROM_VOCABULARY else []
        if closed:
            with clock.step(VOCABULARY):
                lines, reading = self._read_from_vocabulary(view, lines, reading, closed,
                                                            side, clock)
        if reading.fields.name is not None:
            with clock.step(NAME_SECOND_LOOK):
                if self._second_look_at_name(view, lines, reading, clock):
                    reading = self._interpret(lines, view, side, clock)
        reading = self._rows_left_unread(view, lines, reading, stamps)
        reading = self._ends_under_stamps(view, lines, reading, clock)
        if outline is None:
            self._note_no_outline(reading)
        elif outline.touches_edge:
            reading.warnings.append(CUT_OFF)
        return CardRead(view=view, lines=lines, reading=reading, outline=outline,
                        stamps=stamps, skew=skew)

    def _rows_left_unread(self, view: CardView, lines: list[TextLine],
                          reading: CardReading, stamps: list[Quad]) -> CardReading:
        """Flag a value printed on rows whose print goes on under the last row read: a
        stamp laid over its next row can keep the detector from finding it, and the rows
        read are a whole value to every other rule. A stamp read there is no such print,
        unless it covers most of the row (whatever it hides was not read)."""
        spacing = self._rules.spacing
        for name in spacing.row_fields:
            field: Field | None = getattr(reading.fields, name, None)
            rows = _rows_in(lines, field.box) if field is not None else []
            if not rows:
                continue
            hidden = max((share_inside(row_under(rows), s) for s in stamps), default=0.0)
            if hidden > spacing.max_stamp_under \
                    or print_under(view.image, rows, stamps) > spacing.max_print_under:
                reading = with_row_missing(reading, name, self._rules)
        return reading

    def _ends_under_stamps(self, view: CardView, lines: list[TextLine],
                           reading: CardReading, clock: Stopwatch) -> CardReading:
        """Flag a value whose last row runs into a stamp read right past its end, where
        the row read again as one band past the stamp's edge (through a red filter) goes
        on: a 2 × 2 seal's frame over 长乐分局 left 福州市公安局 read whole at 1.0. A
        stamp beside a value that ended there reads as paper or the stamp's own words."""
        stamps = self._stamp_areas(lines, view.size)
        floor = self._rules.thresholds.row_edge_min_confidence
        image: Image | None = None
        for name in self._rules.spacing.fields:
            field: Field | None = getattr(reading.fields, name, None)
            rows = _lines_in(lines, field.box) if field is not None else []
            if not rows:
                continue
            last = rows[-1]
            band = end_band(last.box, view.size)
            if band is None or not _under_any(past_end(last.box), stamps):
                continue
            image = red_dropped(view.image) if image is None else image
            with clock.step(END_UNDER_STAMP):
                result = self._engine.read_text_lines(image, [band], way_up="as_boxed")
                clock.add_all(result.timings_ms)
            again = _trimmed(result.lines[0], floor).text if result.lines else ""
            if goes_on(last.text, again, self._rules):
                reading = with_row_missing(reading, name, self._rules, past_end=True)
        return reading

    def _stamp_areas(self, lines: list[TextLine], size: tuple[int, int]) -> list[Quad]:
        """Where stamps lie: the stamp lines, and the stamp text the rules find in any
        other line (a 2 × 2 seal reads as 复禁 and 印止, each like no phrase), each
        widened for its frame."""
        phrases = self._rules.noise.phrases
        boxes = [box for line in lines
                 for box in ([line.box] if _stamp_like(line.text, phrases)
                             else [stamp.box for stamp in find_stamps(line, self._rules)])]
        return [_widened(box, size, _STAMP_FRAME) for box in boxes]

    def read_right_way_up(self, view: CardView, side: SideHint, clock: Stopwatch,
                          detect_side: int | None, card: bool = False,
                          ) -> tuple[list[TextLine], CardView, CardReading]:
        """`card`: the view is a card straightened from its outline (its label words
        may be placed by layout instead of read, see `_read_card`)."""
        with clock.step(FIRST_LOOK):
            lines, reading = self._read(view, side, clock, detect_side, card)
        backwards = reads_upside_down(lines)
        if not backwards and (filled(reading) >= MIN_FIELDS_FROM_OUTLINE
                              or _read_clearly(lines)):
            return lines, view, reading
        if backwards and reading.side != "both":
            # One card upside down: the line classifier turned each line to read it, so
            # turning the geometry alone gives a reading. Kept when sure; else the card is
            # read again the right way up, where detection and label places do better
            # on hard print (measured: data/cards hard and both tiers lost 3 fields).
            with clock.step(TURNED_OVER):
                turned_lines, turned = _turned_over(lines, view)
                turned_reading = self._interpret(turned_lines, turned, side, clock)
            if self._sure(turned_reading):
                return turned_lines, turned, turned_reading
        with clock.step(TURNED_OVER):
            # Most text had to be turned over to be read: the view is upside down (or it
            # holds two cards one each way, a photocopy page, which may read as both sides
            # only as it is). Or too little was read to trust the line classifier's sense
            # of up (blur, glare; text read clearly was the right way up, just not a
            # card's): then keep whichever way gives more fields.
            turned = view.rotated(2)
            turned_lines, turned_reading = self._read(turned, side, clock, detect_side, card)
        if backwards:
            better = reading.side != "both" or turned_reading.side == "both"
        else:
            better = filled(turned_reading) > filled(reading)
        return (turned_lines, turned, turned_reading) if better else (lines, view, reading)

    def _read(self, view: CardView, side: SideHint, clock: Stopwatch,
              detect_side: int | None, card: bool) -> tuple[list[TextLine], CardReading]:
        if card and self._place_labels:
            return self._read_card(view, side, clock, detect_side)
        lines = self._ocr(view, clock, detect_side)
        return lines, self._interpret(lines, view, side, clock)

    def _read_card(self, view: CardView, side: SideHint, clock: Stopwatch,
                   detect_side: int | None) -> tuple[list[TextLine], CardReading]:
        """A straightened card read without recognising the label words found in their
        places (pipeline.placed). When the reading then disagrees with what the places
        said (another side, upside down, too few fields), those boxes are recognised
        after all, and the card is read as if nothing had been placed."""
        text = self._card_text(view, clock, detect_side)
        lines = text.lines(self._label_words)
        reading = self._interpret(lines, view, side, clock)
        if text.plan.placed and not _placing_held(text.plan, lines, reading):
            # Every box is read again in one call, not just the placed ones: recognition
            # batches lines of like widths, so the lines read with others than before
            # could read differently; this way the card reads exactly as without placing.
            every = list(range(len(text.boxes)))
            text = _CardText(text.boxes, READ_EVERYTHING,
                             self._recognised(view, text.boxes, every, clock))
            lines = text.lines(self._label_words)
            reading = self._interpret(lines, view, side, clock)
        return lines, reading

    def _card_text(self, view: CardView, clock: Stopwatch,
                   detect_side: int | None) -> _CardText:
        """A straightened card's detected boxes, recognised except its placed labels."""
        with clock.stage("detect"):
            boxes = [b.quad for b in self._engine.detect_text_lines(view.image, detect_side)]
        plan = plan_reads(boxes, view.size, self._rules.layout)
        wanted = [i for i in range(len(boxes)) if i not in plan.placed]
        return _CardText(boxes, plan, self._recognised(view, boxes, wanted, clock))

    def _recognised(self, view: CardView, boxes: list[Quad], indices: list[int],
                    clock: Stopwatch, way_up: WayUp = "all_alike") -> dict[int, TextLine]:
        if not indices:
            return {}
        result = self._engine.read_text_lines(view.image, [boxes[i] for i in indices],
                                              settled=self._never_a_value, way_up=way_up)
        clock.add_all(result.timings_ms)
        return dict(zip(indices, result.lines, strict=True))

    def read_lines_as_card(self, image: Image, boxes: list[Quad], side: SideHint,
                           clock: Stopwatch, region: Quad | None = None) -> CardRead:
        """One card's text on a page (its line boxes in source pixels): a levelled crop
        around it, enlarged until its lines are as tall as on a straightened card, read
        once; turned over when most lines were read upside down (the line classifier
        already turned each one to read it: only the geometry is turned, nothing is read
        again). `region`, the print around the lines, widens the crop to the lines a glance
        missed."""
        with clock.step(FIRST_LOOK):
            view = text_block_view(whole_image(image), boxes, () if region is None else
                                   (region,))
            view = view.scaled(_legible_scale(boxes, region))
            # Enlarged to a straightened card's line height, its text is found on a copy
            # as small as a straightened card's. It is read through a red filter: a red
            # seal stamped on the copy across a value joins the value's line into one box
            # the recogniser misreads, and no card prints its text in red.
            lifted = CardView(red_dropped(view.image), view.to_source)
            lines = self._read_one_way(lifted, self._ocr(lifted, clock, self._card_det_side),
                                       clock)
            if reads_upside_down(lines):
                lines, view = _turned_over(lines, view)
            reading = self._interpret(lines, view, side, clock)
        # No stamp_cleared here: on the generated both-sides pages it recovered nothing
        # (120/180 fields with and without) and costs a second read of each card; run
        # only on cards left incomplete, it recovered nothing either on three stamped
        # backs cut out by their print regions.
        rows = self._rows_to_read(reading)
        if rows:
            with clock.step(NUMBER_ROWS):
                lines, reading = self._read_rows(view, lines, reading, rows, side, clock,
                                                 offsets=())
        if _authority_unread(reading):
            with clock.step(AUTHORITY_ROW):
                lines, reading = self._read_authority_row(view, lines, reading, side, clock)
        if reading.fields.name is not None:
            with clock.step(NAME_SECOND_LOOK):
                if self._second_look_at_name(view, lines, reading, clock):
                    reading = self._interpret(lines, view, side, clock)
        stamps = self._stamp_boxes(lines, view.size)
        reading = self._rows_left_unread(view, lines, reading, stamps)
        reading = self._ends_under_stamps(view, lines, reading, clock)
        self._note_no_outline(reading)
        return CardRead(view=view, lines=lines, reading=reading, outline=None,
                        stamps=stamps)

    def _read_one_way(self, view: CardView, lines: list[TextLine],
                      clock: Stopwatch) -> list[TextLine]:
        """One card's lines, those the line classifier turned against most of its print
        read again the way most were read. One card's print all reads one way: a short
        line turned alone was read upside down (898号 as 868 at 1.0), and dropped as
        such it leaves a value short without a sign. Label and stamp words are kept as
        read: a stamp prints at any angle, and its words name it either way."""
        backwards = reads_upside_down(lines)
        against = [i for i, line in enumerate(lines)
                   if line_reads_backwards(line) != backwards
                   and not self._never_a_value(line.text)]
        again = self._recognised(view, [_reversed(line.box) for line in lines], against,
                                 clock, "as_boxed")
        return [again.get(i, line) for i, line in enumerate(lines)
                if i not in again or again[i].text.strip()]

    def _note_no_outline(self, reading: CardReading) -> None:
        if self._locate_cards:
            reading.warnings.append(Notice(
                "card_outline_not_found",
                "no card edge was found; fields were read from the text alone"))

    def _interpret(self, lines: list[TextLine], view: CardView, side: SideHint,
                   clock: Stopwatch) -> CardReading:
        with clock.stage("extract"):
            return interpret_lines(lines, image_size=view.size, side=side, rules=self._rules)

    def _stamp_boxes(self, lines: list[TextLine], size: tuple[int, int]) -> list[Quad]:
        """The areas of stamps read among the lines (their words, fuzzily: a stamp breaks
        its own strokes too), widened by half a line height for the frame around them."""
        return [_widened(line.box, size, _STAMP_FRAME) for line in lines
                if _stamp_like(line.text, self._rules.noise.phrases)]

    def _read_without_stamps(self, view: CardView, lines: list[TextLine],
                             reading: CardReading, stamps: list[Quad], side: SideHint,
                             clock: Stopwatch, detect_side: int | None,
                             ) -> tuple[list[TextLine], CardReading]:
        """Read the card again with the stamps' strokes lifted (imaging.ink), and take
        the lines that lie under a stamp from that reading; kept when no field is lost."""
        cleared = self._cleared.of(view, stamps)
        # Labels are placed on the cleared card only where they were on the first look:
        # the merged reading is kept only when it loses no field, so a wrong place is
        # caught there too.
        placing = self._place_labels and any(line.placed for line in lines)
        again = self._lines_under(cleared, stamps, placing, clock, detect_side)
        merged = [line for line in lines if not _under_any(line.box, stamps)]
        # A line beside a stamp may be found clear of it on one look and touching it on
        # the other: it is taken once, from the first look.
        merged += [line for line in again if _under_any(line.box, stamps)
                   and not any(_overlaps(line.box, kept.box) for kept in merged)]
        merged_reading = self._interpret(merged, view, side, clock)
        if filled(merged_reading) >= filled(reading):
            return merged, merged_reading
        return lines, reading

    def _lines_under(self, view: CardView, areas: list[Quad], placing: bool,
                     clock: Stopwatch, detect_side: int | None) -> list[TextLine]:
        """The legible lines detected on the view that lie under any of `areas`, with
        labels placed by layout when `placing` (else each line classified on its own, as
        a card read without placing is). Only those lines are recognised: no other line
        of this view is taken, and recognising them all was about 40 % of the step."""
        with clock.stage("detect"):
            boxes = [b.quad for b in self._engine.detect_text_lines(view.image, detect_side)]
        plan = plan_reads(boxes, view.size, self._rules.layout) if placing else READ_EVERYTHING
        wanted = [i for i, box in enumerate(boxes)
                  if i not in plan.placed and _under_any(box, areas)]
        way_up: WayUp = "all_alike" if placing else "each_line"
        text = _CardText(boxes, plan, self._recognised(view, boxes, wanted, clock, way_up))
        return [line for line in text.lines(self._label_words) if _under_any(line.box, areas)]

    def _look_where_values_belong(self, view: CardView, lines: list[TextLine],
                                  regions: Mapping[str, Region], clock: Stopwatch) -> bool:
        """Read each field's region of a straightened card on its own; adds what is read
        to `lines`. A field whose every printed value holds a word (rules'
        `value_holds`: 公安局) keeps its region's reading only when it holds one: read
        whole, a place under a stamp reads the stamp's strokes as characters."""
        boxes = [region_box(view.size, *region) for region in regions.values()]
        result = self._engine.read_text_lines(view.image, boxes, second_opinion=True)
        clock.add_all(result.timings_ms)
        found = [line for name, line in zip(regions, result.lines, strict=True)
                 if line.text.strip() and line.confidence >= _MIN_REGION_CONFIDENCE
                 and not unlike_printed(name, line.text, self._rules)]
        lines.extend(found)
        return bool(found)

    def _rows_to_read(self, reading: CardReading) -> list[str]:
        """A front's fields to read on their row in their own characters: the birth date
        when it was not read on the card (missing, or only taken from the number), the
        number when it was not read whole (missing, or failing its check digit)."""
        if reading.side != "front":
            return []
        wanted = [name for name in ROW_FIELDS if name in self._rules.values.field_alphabets]
        return [name for name in wanted
                if _printed(reading, name) is None
                or (name == "id_number" and reading.checks.id_checksum != "pass")]

    def _read_rows(self, view: CardView, lines: list[TextLine], reading: CardReading,
                   names: list[str], side: SideHint, clock: Stopwatch,
                   offsets: tuple[tuple[float, ...], ...] = _ROW_OFFSETS,
                   ) -> tuple[list[TextLine], CardReading]:
        """Read each field's row (its cell, lengthened leftwards by a line: a number may
        start before the layout's column) in the field's alphabet, with both recognisers;
        where that gives the field neither whole nor as already read, a little above and
        below as well. A reading is kept as a line read for that field (TextLine.read_as)
        when it gives the field better than before (where there was none, or whole where
        it was not) and no other field is lost."""
        cells = front_value_cells(lines, names, image_size=view.size, rules=self._rules)
        pending = [name for name in names if name in cells]
        for shifts in ((0.0,), *offsets):
            tries = [(name, _lengthened(_shifted(cells[name], shift)))
                     for name in pending for shift in shifts]
            if not tries:
                break
            rows = self._rows_read(view, tries, clock)
            for name in list(pending):
                mine = [row for (field_name, _), row in zip(tries, rows, strict=True)
                        if field_name == name]
                found = self._best_row(lines, reading, name, mine, view, side, clock)
                if found is not None:
                    lines, reading, whole = found
                    if whole:
                        pending.remove(name)
                elif _reads_as_before(reading, name, mine):
                    pending.remove(name)
        return lines, reading

    def _rows_read(self, view: CardView, tries: list[tuple[str, Quad]],
                   clock: Stopwatch) -> list[TextLine]:
        """Each (field, box) read in the field's alphabet, in one call per alphabet, ends
        read below the rules' edge minimum trimmed away."""
        floor = self._rules.thresholds.row_edge_min_confidence
        rows: dict[int, TextLine] = {}
        for alphabet in sorted({self._rules.values.field_alphabets[name] for name, _ in tries}):
            indices = [i for i, (name, _) in enumerate(tries)
                       if self._rules.values.field_alphabets[name] == alphabet]
            result = self._engine.read_text_lines(view.image, [tries[i][1] for i in indices],
                                                  second_opinion=True, alphabet=alphabet)
            clock.add_all(result.timings_ms)
            rows |= {i: _trimmed(row, floor)
                     for i, row in zip(indices, result.lines, strict=True)}
        return [rows[i] for i in range(len(tries))]

    def _best_row(self, lines: list[TextLine], reading: CardReading, name: str,
                  rows: list[TextLine], view: CardView, side: SideHint, clock: Stopwatch,
                  ) -> tuple[list[TextLine], CardReading, bool] | None:
        """The lines and reading with the row that gives the field best, and whether it
        gave it whole (a number whose check digit holds, a date): None when no row gives
        it better than `reading` does."""
        best: tuple[tuple[bool, float], list[TextLine], CardReading] | None = None
        day_marks = self._rules.dates.day_marks
        current = _row_rank(reading, name, day_marks)
        for row in rows:
            if not _may_give(name, row.text, day_marks):
                continue
            again = [*lines, msgspec.structs.replace(row, read_as=name)]
            new = self._interpret(again, view, side, clock)
            rank = _row_rank(new, name, day_marks)
            if rank is None or _lost_any(reading, new) \
                    or (current is not None and (current[0] or not rank[0])):
                continue
            if best is None or rank > best[0]:
                best = (rank, again, new)
        if best is None:
            return None
        return best[1], best[2], best[0][0]

    def _read_address_rows(self, view: CardView, lines: list[TextLine],
                           reading: CardReading, side: SideHint, clock: Stopwatch,
                           ) -> tuple[list[TextLine], CardReading]:
        """Read the address's rows again, each across the width it is printed over
        (pipeline.address_rows), in place of the lines read there; kept when that gives
        more of the address and loses no field. An address not read at all is looked for
        from its label's row down: a stamp across its first row can hide that row from
        the detector, and the rows under it, read, do not start where an address does."""
        address = reading.fields.address
        cell = front_value_cells(lines, ["address"], image_size=view.size,
                                 rules=self._rules).get("address")
        if cell is None:
            return lines, reading
        spans = _rows_in(lines, address.box) if address is not None else rows_under_label(
            cell, lines, self._rules.layout.max_address_lines)
        again, new = self._read_as_bands(view, view.image, lines, address_bands(cell, spans),
                                         side, clock)
        starts = self._rules.values.value_starts.get("address", ())
        if _lost_any(reading, new) or not reads_more_address(reading, new, starts):
            return lines, reading
        return again, new

    def _read_authority_row(self, view: CardView, lines: list[TextLine],
                            reading: CardReading, side: SideHint, clock: Stopwatch,
                            ) -> tuple[list[TextLine], CardReading]:
        """Read a back's authority row, found above its period's (pipeline.authority_row),
        as one band through a red filter (no card prints its text in red; a red seal over
        it does), in place of the lines read there; kept when it gives the authority,
        holding what every printed one holds (公安局), and loses no field."""
        period = reading.fields.valid_from or reading.fields.valid_until
        image = red_dropped(view.image)
        band = authority_band(image, period.box) if period is not None else None
        if band is None:
            return lines, reading
        again, new = self._read_as_bands(view, image, lines, [band], side, clock)
        authority = new.fields.issuing_authority
        if authority is None or unlike_printed("issuing_authority", authority.value,
                                               self._rules) or _lost_any(reading, new):
            return lines, reading
        return again, new

    def _read_as_bands(self, view: CardView, image: Image, lines: list[TextLine],
                       bands: list[Quad], side: SideHint, clock: Stopwatch,
                       ) -> tuple[list[TextLine], CardReading]:
        """The view's lines with those whose centres lie in `bands` replaced by the bands
        read on `image` (the view's pixels, or a filtered copy) as boxed, with both
        recognisers, their unsure ends trimmed and boxes fitted to their characters; and
        those lines interpreted."""
        result = self._engine.read_text_lines(image, bands, second_opinion=True,
                                              way_up="as_boxed")
        clock.add_all(result.timings_ms)
        floor = self._rules.thresholds.row_edge_min_confidence
        rows = [fitted(row) for line in result.lines if (row := _trimmed(line, floor)).text]
        again = [line for line in lines if line.placed or not centre_in_any(line.box, bands)]
        again += rows
        return again, self._interpret(again, view, side, clock)

    def _vocabulary(self, name: str) -> tuple[str, ...]:
        """The words a card may print as the field's value (empty: not a closed field)."""
        if name == "sex":
            return self._rules.values.sex_values
        if name == "ethnicity":
            return self._rules.printed_ethnicity_names
        return ()

    def _closed_fields_to_read(self, reading: CardReading) -> list[str]:
        """A front's closed-vocabulary fields that were not read on the card (missing, or
        only taken from the number: `sex_from_id`), or read unsure. (A value read surely
        that is no word of the list stays as printed: cards print names the list lacks.)"""
        if reading.side != "front":
            return []
        below = self._rules.thresholds.vocabulary_unsure_below
        return [name for name in CLOSED_FIELDS
                if (found := _printed(reading, name)) is None or found.confidence < below]

    def _read_from_vocabulary(self, view: CardView, lines: list[TextLine],
                              reading: CardReading, names: list[str], side: SideHint,
                              clock: Stopwatch) -> tuple[list[TextLine], CardReading]:
        """Score each field's words over its cell (where the labels say the value is
        printed) and read the likeliest word there when its probability, and its share of
        all the words' probability, reach the rules' minimums: as a line of its own in
        the cell, read as the field's value (TextLine.read_as) whatever else was read
        there, its confidence that probability. Kept when no other field is lost."""
        cells = front_value_cells(lines, names, image_size=view.size, rules=self._rules)
        names = [name for name in names if name in cells]
        if not names:
            return lines, reading
        thresholds = self._rules.thresholds
        # Each cell is scored where the layout puts it; where no word passes there, a
        # little above and below as well: a stamp across the row pulls the recogniser to
        # its own words, and a crop centred on the value's glyphs reads them more surely.
        best = self._score_cells(view, cells, names, (0.0,), clock)
        weak = [name for name, (_, probability, share) in best.items()
                if probability < thresholds.vocabulary_min_probability
                or share < thresholds.vocabulary_min_share]
        if weak:
            moved = self._score_cells(view, cells, weak, _CELL_OFFSETS, clock)
            best |= {name: found for name, found in moved.items() if found[1] > best[name][1]}
        for name, (word, probability, share) in best.items():
            if probability < thresholds.vocabulary_min_probability \
                    or share < thresholds.vocabulary_min_share \
                    or not self._outweighs(_printed(reading, name), name, word,
                                           probability):
                continue
            again = [*lines, word_line(name, word, probability, cells[name])]
            new = self._interpret(again, view, side, clock)
            if filled(new) >= filled(reading):
                lines, reading = again, new
        return lines, reading

    def _score_cells(self, view: CardView, cells: Mapping[str, Quad], names: list[str],
                     offsets: tuple[float, ...],
                     clock: Stopwatch) -> dict[str, tuple[str, float, float]]:
        """Per field, its likeliest word over its cell moved by each of `offsets` (of
        the cell's height): the word, its probability and its share of all the words'
        probability, at the offset where the word is likeliest."""
        tries = [(name, _shifted(cells[name], offset)) for name in names for offset in offsets]
        result = self._engine.score_words(view.image, [box for _, box in tries],
                                          [self._vocabulary(name) for name, _ in tries])
        clock.add_all(result.timings_ms)
        best: dict[str, tuple[str, float, float]] = {}
        for (name, _), scores in zip(tries, result.scores, strict=True):
            word, probability = max(scores.items(), key=lambda item: item[1],
                                    default=("", 0.0))
            share = probability / max(sum(scores.values()), 1e-12)
            if probability > best.get(name, ("", -1.0, 0.0))[1]:
                best[name] = (word, probability, share)
        return best

    def _outweighs(self, found: Field | None, name: str, word: str,
                   probability: float) -> bool:
        """Whether a word read from the vocabulary replaces the field's (unsure) reading:
        where nothing, or no word of the vocabulary, was read, or another word less
        surely."""
        if found is None or found.value not in self._vocabulary(name):
            return True
        return found.value != word and probability > found.confidence

    def _second_look_at_name(self, view: CardView, lines: list[TextLine],
                             reading: CardReading, clock: Stopwatch) -> bool:
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
        # Boxes of lines read before start where their text starts: none needs turning.
        result = self._engine.read_text_lines(view.image, boxes, second_opinion=True,
                                              rare_characters=NAME_RARE_CHARACTERS,
                                              way_up="as_boxed")
        clock.add_all(result.timings_ms)
        changed = False
        for index, again in zip(chosen, result.lines, strict=True):
            if again.text and again.text != lines[index].text:
                # The two readings disagree: neither is as sure as it says.
                merged = distrust_changes(lines[index], keep_surer_common(lines[index], again))
                lines[index] = msgspec.structs.replace(
                    merged, doubt=min(merged.doubt, again.doubt))
                changed = True
            elif again.text and _doubts_more(again, lines[index]):
                # Read alike, but this look saw a rare look-alike behind a character.
                least_sure = tuple(min(a, b) for a, b in zip(
                    lines[index].char_confidences, again.char_confidences, strict=True))
                lines[index] = msgspec.structs.replace(
                    lines[index], char_confidences=least_sure,
                    confidence=sum(least_sure) / len(least_sure),
                    doubt=min(lines[index].doubt, again.doubt))
                changed = True
        return changed

    def _ocr(self, view: CardView, clock: Stopwatch,
             detect_side: int | None = None) -> list[TextLine]:
        result = self._engine.read_text_lines(view.image, detect_side=detect_side,
                                              settled=self._never_a_value)
        clock.add_all(result.timings_ms)
        return result.lines

    def _never_a_value(self, text: str) -> bool:
        return never_a_value(text, self._rules)


def missing_value_regions(reading: CardReading,
                          regions: Mapping[str, Region]) -> dict[str, Region]:
    """Where the missing values of the side read are printed (`regions`: rules'
    `value_regions`, fractions of the card's width and height), by field."""
    if reading.side == "both":
        return {}  # two cards in one view: neither lies where one card's layout says
    side_fields = fields_printed_on(reading.side)
    return {name: region for name, region in regions.items()
            if name in side_fields and getattr(reading.fields, name) is None}


@dataclass
class _CardText:
    """A straightened card's detected boxes, which of them are labels placed by layout,
    and the recognised lines of the others (by box index)."""

    boxes: list[Quad]
    plan: ReadPlan
    read: dict[int, TextLine]

    def lines(self, words: Mapping[str, str]) -> list[TextLine]:
        """In reading order: placed labels, and the legible recognised lines."""
        lines: list[TextLine] = []
        for index, box in enumerate(self.boxes):
            label = self.plan.placed.get(index)
            if label is not None:
                lines.append(placed_line(box, words.get(label, label)))
            elif (line := self.read.get(index)) is not None and legible(line):
                lines.append(line)
        return lines


def _rows_in(lines: list[TextLine], box: Quad) -> list[Quad]:
    """The boxes of the lines whose centres lie in `box` (a value's), top to bottom."""
    return [line.box for line in _lines_in(lines, box)]


def _lines_in(lines: list[TextLine], box: Quad) -> list[TextLine]:
    """The lines whose centres lie in `box` (a value's), top to bottom."""
    inside = [line for line in lines if centre_inside(line.box, box)]
    return sorted(inside, key=lambda line: min(y for _, y in line.box))


def _turned_over(lines: list[TextLine], view: CardView) -> tuple[list[TextLine], CardView]:
    """The view turned 180° and its lines' boxes with it, their text as read: lines the
    classifier turned to read them need no second reading."""
    turned = view.rotated(2)
    return [msgspec.structs.replace(line, box=turned.box_from_source(view.map_box(line.box)))
            for line in lines], turned


def _reversed(box: Quad) -> Quad:
    """The box read from its other end: the same corners, starting at the third."""
    return (box[2], box[3], box[0], box[1])


def _printed(reading: CardReading, name: str) -> Field | None:
    """The field as read on the card: None when it was not read, or taken from another
    field (`<name>_from_id`: the number's parity is no reading of the print), wholly or
    in part (`<name>_completed_from_id`)."""
    taken = (f"{name}_from_id", f"{name}_completed_from_id")
    if any(notice.code in taken for notice in reading.warnings):
        return None
    found: Field | None = getattr(reading.fields, name)
    return found


def word_line(name: str, word: str, probability: float, cell: Quad) -> TextLine:
    """A word read from the field's closed vocabulary in its cell: every character as
    sure as the word's probability, spread evenly across the cell."""
    count = len(word)
    return TextLine(text=word, confidence=probability, box=cell,
                    char_confidences=(probability,) * count,
                    char_positions=tuple((i + 0.5) / count for i in range(count)),
                    read_as=name)


def _doubts_more(again: TextLine, before: TextLine) -> bool:
    """Whether a second reading of the same text is less sure of some character than the
    first reading was (the re-check found a rare look-alike behind it)."""
    return (len(again.char_confidences) == len(before.char_confidences) == len(before.text)
            and any(a < b for a, b in zip(again.char_confidences, before.char_confidences,
                                          strict=True)))


def _row_rank(reading: CardReading, name: str,
              day_marks: tuple[str, ...]) -> tuple[bool, float] | None:
    """How well a reading gives a field read on its row: whether whole (a number whose
    check digit holds), then how surely. None: not read on the card, or too little of it
    to be the print (a date without its day mark may have lost the day's last digit; a
    number shorter than the 17 digits some cards print is what a stamp left of it)."""
    found = _printed(reading, name)
    if found is None:
        return None
    if name == "birth_date":
        return (True, found.confidence) if found.raw[-1:] in day_marks else None
    if reading.checks.id_checksum == "pass":
        return True, found.confidence
    return (False, found.confidence) if len(found.value) >= _SHORTEST_NUMBER else None


def _may_give(name: str, text: str, day_marks: tuple[str, ...]) -> bool:
    """Whether a row's text could give the field `_row_rank` takes (no need to read the
    card with it otherwise): a number's characters, or a date's day mark."""
    if name == "birth_date":
        return any(mark in text for mark in day_marks)
    return len(text) >= _SHORTEST_NUMBER


def _reads_as_before(reading: CardReading, name: str, rows: list[TextLine]) -> bool:
    """Whether a row reads exactly the field's value as already read (then reading it
    elsewhere has nothing to add: a card printing 17 digits reads 17 digits)."""
    found = _printed(reading, name)
    return found is not None and any(row.text == found.raw for row in rows)


def _trimmed(row: TextLine, floor: float) -> TextLine:
    """The row without the characters at either end read below `floor`."""
    sure = [i for i, confidence in enumerate(row.char_confidences) if confidence >= floor]
    if not sure:
        return msgspec.structs.replace(row, text="", char_confidences=(), char_positions=())
    start, end = sure[0], sure[-1] + 1
    if (start, end) == (0, len(row.text)):
        return row
    kept = row.char_confidences[start:end]
    return msgspec.structs.replace(row, text=row.text[start:end], char_confidences=kept,
                                   char_positions=row.char_positions[start:end],
                                   confidence=sum(kept) / len(kept))


def _address_short(reading: CardReading) -> bool:
    """Whether a front's address was not read, or read with room for characters not
    read."""
    return reading.side == "front" and (
        reading.fields.address is None
        or "address" in fields_named(reading.warnings, "characters_missing"))


def _authority_unread(reading: CardReading) -> bool:
    """Whether a back's authority was not read while its period was: the period's row
    places the authority's."""
    fields = reading.fields
    return reading.side == "back" and fields.issuing_authority is None \
        and (fields.valid_from is not None or fields.valid_until is not None)


def _lost_any(before: CardReading, after: CardReading) -> bool:
    """Whether a field read before is not read after."""
    return any(getattr(before.fields, name) is not None and getattr(after.fields, name) is None
               for name in before.fields.__struct_fields__)


def _lengthened(cell: Quad) -> Quad:
    """The cell begun a line height (its own) further left."""
    (left, top), _, (right, bottom), _ = cell
    left = max(0.0, left - (bottom - top))
    return ((left, top), (right, top), (right, bottom), (left, bottom))


def _shifted(cell: Quad, offset: float) -> Quad:
    """The cell moved down by `offset` of its height (up when negative)."""
    (left, top), _, (right, bottom), _ = cell
    step = offset * (bottom - top)
    top, bottom = top + step, bottom + step
    return ((left, top), (right, top), (right, bottom), (left, bottom))


def _placing_held(plan: ReadPlan, lines: list[TextLine], reading: CardReading) -> bool:
    """Whether the reading agrees with the label places: the same side, the recognised
    lines read the right way up, and the field of every placed label found."""
    recognised = [line for line in lines if not line.placed]
    return (reading.side == plan.side and not reads_upside_down(recognised)
            and all(getattr(reading.fields, LABEL_FIELDS[word]) is not None
                    for word in plan.placed.values() if word in LABEL_FIELDS))


def filled(reading: CardReading) -> int:
    return sum(1 for name in reading.fields.__struct_fields__
               if getattr(reading.fields, name) is not None)


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


def _copy_to_read(image: Image) -> tuple[Step, Image] | None:
    """A copy of a view that reads better where the camera saw the card badly, with the
    step that reads it: a photographed screen smoothed in one tone, or a card smeared by
    the camera's movement with the smear taken back out; None for neither."""
    if shows_screen(image):
        return DESCREENED, descreened(image)
    return _unsmeared_copy(image)


def _unsmeared_copy(image: Image) -> tuple[Step, Image] | None:
    smear = camera_smear(image) if shows_motion_blur(image) else None
    return (UNSMEARED, unsmeared(image, smear)) if smear is not None else None


def _sure_fields(reading: CardReading, unsure_below: float) -> int:
    return sum(field.confidence >= unsure_below for name in reading.fields.__struct_fields__
               if (field := getattr(reading.fields, name)) is not None)


def _in_pixels_of(read: CardRead, view: CardView) -> CardRead:
    """A read of a copy of `view` (perhaps turned over) with `view`'s pixels put back."""
    for turns in range(4):
        same = view.rotated(turns)
        if np.allclose(same.to_source, read.view.to_source):
            return dataclasses.replace(read, view=same)
    return read


def _stamp_like(text: str, phrases: tuple[str, ...]) -> bool:
    """Whether a line reads as one of the stamp phrases, allowing for about half of its
    characters broken or misread (a stamp's words are printed across other strokes)."""
    text = text.strip()
    return any(len(phrase) >= _MIN_STAMP_PHRASE and len(text) <= len(phrase) + 2
               and SequenceMatcher(None, text, phrase).ratio() >= _STAMP_LIKENESS
               for phrase in phrases)


def _widened(box: Quad, size: tuple[int, int], share: float) -> Quad:
    """The box's bounding rectangle, grown by `share` of its height on every side."""
    xs, ys = [x for x, _ in box], [y for _, y in box]
    grow = share * (max(ys) - min(ys))
    left, top = max(0.0, min(xs) - grow), max(0.0, min(ys) - grow)
    right, bottom = min(size[0] - 1.0, max(xs) + grow), min(size[1] - 1.0, max(ys) + grow)
    return ((left, top), (right, top), (right, bottom), (left, bottom))


def _under_any(box: Quad, stamps: list[Quad]) -> bool:
    """Whether the box's bounding rectangle meets any stamp's."""
    xs, ys = [x for x, _ in box], [y for _, y in box]
    for stamp in stamps:
        (left, top), _, (right, bottom), _ = stamp
        if min(xs) < right and max(xs) > left and min(ys) < bottom and max(ys) > top:
            return True
    return False


def _legible_scale(boxes: list[Quad], region: Quad | None = None) -> float:
    """How much to enlarge text whose lines have these boxes to a straightened card's
    line height; or, when the card's print `region` is known, the region to a
    straightened card's width (the lines seen may be only its large title). Never shrunk,
    at most `_MAX_ENLARGEMENT` times."""
    heights = [max(y for _, y in box) - min(y for _, y in box) for box in boxes]
    height = float(np.median(heights)) if heights else _CARD_LINE_HEIGHT
    scale = _CARD_LINE_HEIGHT / max(height, 1.0)
    if region is not None:
        xs, ys = [x for x, _ in region], [y for _, y in region]
        scale = max(scale, CARD_WIDTH / max(max(xs) - min(xs), max(ys) - min(ys), 1.0))
    return float(np.clip(scale, 1.0, _MAX_ENLARGEMENT))


def _read_clearly(lines: list[TextLine]) -> bool:
    confidences = [line.confidence for line in lines]
    return (len(confidences) >= MIN_LINES_OF_A_CARD
            and float(np.median(confidences)) >= _CLEAR_READING)


def _overlaps(a: Quad, b: Quad) -> bool:
    """Either box's centre lies inside the other."""
    return any(
        cv2.pointPolygonTest(np.array(poly, dtype=np.float32), box_centre(other), False) >= 0
        for poly, other in ((a, b), (b, a))
    )


def side_complete(reading: CardReading) -> bool:
    """Whether every field printed on the side(s) read was found."""
    return all(getattr(reading.fields, name) is not None
               for name in fields_printed_on(reading.side))
