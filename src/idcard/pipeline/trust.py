"""The review decision and the image-quality signals of a reading.

Each card view read is judged once by `imaging.quality`, with the boxes of the fields
read on it (or, for a field not read, where the layout says it is printed). A field needs
review when its confidence is below the threshold, a check it takes part in failed, its
value was repaired, or blur, glare or occlusion lies on it; the response needs review
when any field does, a field is missing, or the image is suspect.
"""

from __future__ import annotations

import math
from collections.abc import Iterable

import msgspec

from idcard.card import (
    BACK_FIELDS,
    FRONT_FIELDS,
    CardReading,
    Field,
    Notice,
    Quality,
    QualitySignal,
    ReviewReason,
)
from idcard.codes import WarningCode
from idcard.extract import RuleBook
from idcard.extract.interpret import CHECK_FIELDS
from idcard.imaging.quality import SIGNALS, QualityReport, Signal, assess
from idcard.imaging.view import region_box
from idcard.pipeline.one_view import CardRead
from idcard.text import Quad

# Fields printed in Chinese characters on one line: each character is about as wide as
# the line is tall (0.7-1.1 line heights with the card's spacing), so a box with much
# more room than its characters had one dropped by both recognisers, read with full
# confidence in the rest.
_ONE_LINE_CJK = ("name", "issuing_authority")
_MAX_PITCH = 1.3  # line heights per character
# Signals that concern the fields they name; the others concern the whole image.
FIELD_SIGNALS = ("blur", "glare", "occlusion")
# Whole-image signals that make the response need review.
SUSPECT_SIGNALS = ("photocopy", "screen_recapture", "card_incomplete", "too_dark",
                   "overexposed")
# The warning each raised signal adds (card_incomplete is warned where it is found).
_MESSAGES: dict[WarningCode, str] = {
    "blur": "the print is blurred",
    "glare": "a bright glare spot washes out part of the card",
    "too_dark": "the image is too dark",
    "overexposed": "the image is overexposed",
    "photocopy": "the card looks like a greyscale or black-and-white copy, not the card",
    "screen_recapture": "the card looks like a photo of a screen",
    "occlusion": "something covers part of the card",
}


def regions_of(read: CardRead, rules: RuleBook) -> dict[str, Quad]:
    """Each field's box on this view, or its layout region when it was not read."""
    names = {"front": FRONT_FIELDS, "back": BACK_FIELDS}.get(read.reading.side,
                                                              FRONT_FIELDS + BACK_FIELDS)
    regions: dict[str, Quad] = {}
    for name in names:
        field: Field | None = getattr(read.reading.fields, name)
        if field is not None:
            regions[name] = field.box
        elif read.outline is not None and name in rules.layout.field_regions:
            regions[name] = region_box(read.view.size, *rules.layout.field_regions[name])
    return regions


def layout_of(read: CardRead, rules: RuleBook) -> dict[str, Quad]:
    """Where a straightened card prints each field of its side (none on other views)."""
    if read.outline is None:
        return {}
    names = {"front": FRONT_FIELDS, "back": BACK_FIELDS}.get(read.reading.side,
                                                              FRONT_FIELDS + BACK_FIELDS)
    return {name: region_box(read.view.size, *rules.layout.field_regions[name])
            for name in names if name in rules.layout.field_regions}


def judge_quality(reads: list[CardRead], rules: RuleBook) -> tuple[QualityReport, ...]:
    """The signals of each card view read (boxes in the view's own pixels)."""
    return tuple(
        assess(read.view.image, regions_of(read, rules),
               card_incomplete=any(n.code == "card_incomplete" for n in read.reading.warnings),
               straightened=read.outline is not None, layout=layout_of(read, rules),
               stamps=read.stamps, text=[line.box for line in read.lines])
        for read in reads)


def merged_quality(reports: Iterable[QualityReport]) -> Quality:
    """One `Quality` for the response: per signal the worst view, fields of every view."""
    best: dict[str, Signal] = {}
    fields: dict[str, list[str]] = {name: [] for name in SIGNALS}
    for report in reports:
        for name in SIGNALS:
            signal = report.signals[name]
            if name not in best or signal.score > best[name].score:
                best[name] = signal
            fields[name] += [f for f in signal.fields if f not in fields[name]]
    return Quality(**{
        name: QualitySignal(score=round(best[name].score if name in best else 0.0, 3),
                            raised=name in best and best[name].raised,
                            fields=fields[name])
        for name in SIGNALS})


def decide_review(reading: CardReading, quality: Quality, review_below: float) -> CardReading:
    """`review` on each field, `review_needed` and `review_reasons` on the reading, and a
    warning for each raised quality signal (`card_incomplete` is already one)."""
    reasons: list[ReviewReason] = []
    failed = {name for check, names in CHECK_FIELDS.items()
              if getattr(reading.checks, check) == "fail" for name in names}
    repaired = {n.code.removesuffix("_repaired") for n in reading.warnings
                if n.code.endswith("_repaired")}
    covered = {name: getattr(quality, name).fields for name in FIELD_SIGNALS
               if getattr(quality, name).raised}
    updates: dict[str, Field | None] = {}
    for name in reading.fields.__struct_fields__:
        field: Field | None = getattr(reading.fields, name)
        if field is None:
            continue
        why = [code for code, hit in (
            ("low_confidence", field.confidence < review_below),
            ("check_failed", name in failed),
            ("repaired", name in repaired),
            ("characters_missing", name in _ONE_LINE_CJK and _roomy(field)),
        ) if hit]
        why += [signal for signal, names in covered.items() if name in names]
        reasons += [ReviewReason(code, name) for code in why]
        updates[name] = msgspec.structs.replace(field, review=bool(why))
    sides = {"front": FRONT_FIELDS, "back": BACK_FIELDS}
    expected = sides.get(reading.side, FRONT_FIELDS + BACK_FIELDS)
    reasons += [ReviewReason("field_missing", name) for name in expected
                if getattr(reading.fields, name) is None]
    suspect = [name for name in SUSPECT_SIGNALS if getattr(quality, name).raised]
    reasons += [ReviewReason(name) for name in suspect]
    warnings = list(reading.warnings)
    for code, message in _MESSAGES.items():
        signal: QualitySignal = getattr(quality, code)
        if signal.raised:
            where = f" ({', '.join(signal.fields)})" if signal.fields else ""
            warnings.append(Notice(code, message + where))
    return msgspec.structs.replace(
        reading, fields=msgspec.structs.replace(reading.fields, **updates),
        warnings=warnings, quality=quality, review_needed=bool(reasons),
        review_reasons=reasons)



def _roomy(field: Field) -> bool:
    """Whether the box leaves much more room than its characters fill."""
    (x0, y0), (x1, y1), (x2, y2), (x3, y3) = field.box
    length = (math.hypot(x1 - x0, y1 - y0) + math.hypot(x2 - x3, y2 - y3)) / 2.0
    height = (math.hypot(x3 - x0, y3 - y0) + math.hypot(x2 - x1, y2 - y1)) / 2.0
    if not field.value or height <= 0:
        return False
    return length / (height * len(field.value)) >= _MAX_PITCH
