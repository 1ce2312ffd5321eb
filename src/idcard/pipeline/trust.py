"""The review decision and the image-quality signals of a reading.

Each card view read is judged once by `imaging.quality`, with the boxes of the fields
read on it (or, for a field not read, where the layout says it is printed). A field needs
review when its confidence is below the threshold, a check it takes part in failed, its
value was repaired, characters that are printed were not read, or something covers it
(occlusion; neither occlusion nor a confidence above the doubtful bar flags a field its
checks confirm); the response needs review when any field does, a field is missing, or
the image is suspect. Blur and glare are reported on every field they lie on (warnings,
`quality`) but flag only the name (`FLAGGED_BY`).
"""

from __future__ import annotations

from collections.abc import Iterable

import msgspec

from idcard.card import (
    CardReading,
    Field,
    Notice,
    Quality,
    QualitySignal,
    ReviewReason,
    fields_printed_on,
)
from idcard.codes import WarningCode
from idcard.extract import RuleBook
from idcard.extract.findings import fields_named
from idcard.extract.interpret import CHECK_FIELDS
from idcard.imaging.quality import SIGNALS, QualityReport, Signal, assess
from idcard.imaging.view import region_box
from idcard.pipeline.one_view import CardRead, side_complete
from idcard.text import Quad
from idcard.validate import LONG_TERM

# The signals that concern the fields they name (the others concern the whole image), and
# which of those fields each flags. Occlusion flags every field it lies on: a stamp or a
# finger hides strokes and leaves what remains readable with confidence (on data/cards
# one field read wrong under it was caught by nothing else). Blur and glare soften the
# strokes the recogniser reads, so its confidence speaks for them, except on a name:
# nothing else vouches for it (no check, no closed list, no place table), and a blurred
# 淼 reads 森 at 0.996. Measured on data/calib (hard tier) and data/cards: every other
# field read wrong under blur or glare was read below the review threshold too, while
# 7 and 14 of them read right were flagged for blur or glare alone. Motion blur is the
# exception: smeared one way, a stroke's length along the smear is lost while the
# recogniser stays sure, and an address read 黄士村 for 黄土村 at 0.99 under 9 px of
# sideways blur (bench/robustness.py, motion-blur) was wrong without a flag.
FLAGGED_BY: dict[str, frozenset[str] | None] = {
    "occlusion": None,  # every field
    "blur": frozenset({"name"}),
    "motion_blur": frozenset({"name", "address"}),
    "glare": frozenset({"name"}),
}
# Whole-image signals that make the response need review.
SUSPECT_SIGNALS = ("photocopy", "screen_recapture", "card_incomplete", "too_dark",
                   "overexposed")
# Warnings about the image as a whole that make the response need review.
_IMAGE_CODES = ("multiple_cards",)
# The warning each raised signal adds (card_incomplete is warned where it is found).
_MESSAGES: dict[WarningCode, str] = {
    "blur": "the print is blurred",
    "motion_blur": "the camera moved: the print is smeared one way",
    "glare": "a bright glare spot washes out part of the card",
    "too_dark": "the image is too dark",
    "overexposed": "the image is overexposed",
    "photocopy": "the card looks like a greyscale or black-and-white copy, not the card",
    "screen_recapture": "the card looks like a photo of a screen",
    "occlusion": "something covers part of the card",
}


def regions_of(read: CardRead, rules: RuleBook) -> dict[str, Quad]:
    """Each field's box on this view, or its layout region when it was not read."""
    names = fields_printed_on(read.reading.side)
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
    names = fields_printed_on(read.reading.side)
    return {name: region_box(read.view.size, *rules.layout.field_regions[name])
            for name in names if name in rules.layout.field_regions}


# Values printed on one line with their label right before them on the row, and how far
# left of a value its label reaches (公民身份号码 is six characters), in value heights.
_LABELLED_VALUES = ("name", "sex", "birth_date", "id_number", "issuing_authority",
                    "valid_from")
_LABEL_REACH = 5.0
_LABEL_GAP = 0.3
# Of the view's width: a straightened card's edge, where its rounded corners show the table.
_CARD_MARGIN = 0.05


def label_boxes(read: CardRead, rules: RuleBook) -> list[Quad]:
    """Where the card's labels are printed: the lines read as a label word alone (as
    printed or as misread), and the stretch of each one-line value's row before it (a
    label too faint or washed out to be detected is still there)."""
    boxes = [line.box for line in read.lines if line.text.strip() in rules.label_words]
    margin = _CARD_MARGIN * read.view.size[0]
    for name in _LABELLED_VALUES:
        field: Field | None = getattr(read.reading.fields, name, None)
        if field is not None:
            boxes.append(_before(field.box, margin))
    return boxes


def _before(box: Quad, margin: float) -> Quad:
    left = min(x for x, _ in box)
    top, bottom = min(y for _, y in box), max(y for _, y in box)
    height = bottom - top
    x0 = max(margin, left - _LABEL_REACH * height)
    x1 = max(x0, left - _LABEL_GAP * height)
    return ((x0, top), (x1, top), (x1, bottom), (x0, bottom))


def value_boxes(read: CardRead) -> list[Quad]:
    fields = read.reading.fields
    return [field.box for name in fields.__struct_fields__
            if (field := getattr(fields, name)) is not None]


def judge_quality(reads: list[CardRead], rules: RuleBook) -> tuple[QualityReport, ...]:
    """The signals of each card view read (boxes in the view's own pixels)."""
    return tuple(
        assess(read.view.image, regions_of(read, rules),
               card_incomplete=any(n.code == "card_incomplete" for n in read.reading.warnings),
               straightened=read.outline is not None, layout=layout_of(read, rules),
               stamps=read.stamps, text=[line.box for line in read.lines],
               labels=label_boxes(read, rules), values=value_boxes(read))
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


# No quality signal raised: the review decision on a reading alone.
_NO_SIGNALS = merged_quality(())


# The checks that confirm a field's reading against other print: its check character, or
# another field printed apart from it. (birth_date_plausible and region_code_known only
# doubt a reading; a validity period ending 长期 does not pin its start.)
CONFIRMING: dict[str, tuple[str, ...]] = {
    "id_number": ("id_checksum",),
    "birth_date": ("birth_date_matches_id",),
    "sex": ("sex_matches_id",),
    "ethnicity": ("ethnicity_known",),
    "valid_from": ("validity_period_plausible",),
    "valid_until": ("validity_period_plausible",),
}


# Signals under which one glyph is misread alike wherever it is printed (strokes softened
# or broken into a screen's grid): a validity period's two ends, read in one line, share
# their month, day and (for 10 and 20 years) the year's last digit, so 2018.01.03-
# 2028.01.03 read 2016.01.03-2026.01.03 still pins itself. There its pin confirms nothing.
_GLYPHS_MISREAD_ALIKE = ("blur", "motion_blur", "screen_recapture")
_PINNED = frozenset({"valid_from", "valid_until"})


# A field whose confirming check asks only whether its value is one of a closed list: a
# value chosen from that list (by the vocabulary step, or a look-alike mapped onto a name)
# passes it by construction, so only a value read as printed is confirmed by it.
_MEMBERSHIP_CHECKED = frozenset({"ethnicity"})


def confirmed(reading: CardReading) -> set[str]:
    """Fields whose confirming checks pass and none of whose checks fail."""
    long_term = reading.fields.valid_until is not None and \
        reading.fields.valid_until.value == LONG_TERM
    sure: set[str] = set()
    for name, checks in CONFIRMING.items():
        field: Field | None = getattr(reading.fields, name)
        if name in _MEMBERSHIP_CHECKED and field is not None and field.raw != field.value:
            continue
        mine = [check for check, names in CHECK_FIELDS.items() if name in names]
        if any(getattr(reading.checks, check) == "fail" for check in mine):
            continue
        if name.startswith("valid_") and long_term:
            continue
        if all(getattr(reading.checks, check) == "pass" for check in checks):
            sure.add(name)
    return sure


def decide_review(reading: CardReading, quality: Quality, review_below: float,
                  doubtful_below: float = 0.80) -> CardReading:
    """`review` on each field, `review_needed` and `review_reasons` on the reading, and a
    warning for each raised quality signal (`card_incomplete` is already one).

    A field that its checks confirm (`confirmed`) is not flagged for low confidence down
    to `doubtful_below`, nor for occlusion on it: the check is independent evidence that
    the reading is right where those are only reasons to doubt it."""
    reasons: list[ReviewReason] = []
    failed = {name for check, names in CHECK_FIELDS.items()
              if getattr(reading.checks, check) == "fail" for name in names}
    sure = confirmed(reading)
    if any(getattr(quality, signal).raised for signal in _GLYPHS_MISREAD_ALIKE):
        sure -= _PINNED
    # A value completed from a number its check character does not prove is as unsure
    # as a repaired one.
    repaired = {n.code.removesuffix("_repaired").removesuffix("_completed_from_id")
                for n in reading.warnings
                if n.code.endswith(("_repaired", "_completed_from_id"))}
    missing = fields_named(reading.warnings, "characters_missing")
    unknown_place = fields_named(reading.warnings, "address_place_unknown")
    misread_place = fields_named(reading.warnings, "authority_place_misread")
    unlike_printed = fields_named(reading.warnings, "value_form_unknown")
    disagreed = fields_named(reading.warnings, "readings_disagree")
    covered = {signal: [name for name in getattr(quality, signal).fields
                        if fields is None or name in fields]
               for signal, fields in FLAGGED_BY.items() if getattr(quality, signal).raised}
    unsure_card = any(n.code == "card_choice_unsure" for n in reading.warnings)
    updates: dict[str, Field | None] = {}
    for name in reading.fields.__struct_fields__:
        field: Field | None = getattr(reading.fields, name)
        if field is None:
            continue
        low = field.confidence < (doubtful_below if name in sure else review_below)
        why = [code for code, hit in (
            ("card_choice_unsure", unsure_card),
            ("low_confidence", low),
            ("check_failed", name in failed),
            ("repaired", name in repaired),
            ("characters_missing", name in missing),
            ("address_place_unknown", name in unknown_place),
            ("authority_place_misread", name in misread_place),
            ("value_form_unknown", name in unlike_printed),
            ("readings_disagree", name in disagreed),
        ) if hit]
        why += [signal for signal, names in covered.items()
                if name in names and name not in sure]
        reasons += [ReviewReason(code, name) for code in why]
        updates[name] = msgspec.structs.replace(field, review=bool(why))
    reasons += [ReviewReason("field_missing", name) for name in fields_printed_on(reading.side)
                if getattr(reading.fields, name) is None]
    suspect = [name for name in SUSPECT_SIGNALS if getattr(quality, name).raised]
    reasons += [ReviewReason(name) for name in suspect]
    # Two cards of one side in view: which is the applicant's is a person's call.
    reasons += [ReviewReason(code) for code in _IMAGE_CODES
                if any(n.code == code for n in reading.warnings)]
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


def reviewed_before_quality(reading: CardReading, review_below: float,
                            doubtful_below: float) -> CardReading:
    """The review decision on what the reading itself doubts, before the image's quality
    signals are known (a view still being read)."""
    return decide_review(reading, _NO_SIGNALS, review_below, doubtful_below)


def reads_surely(reading: CardReading, review_below: float, doubtful_below: float) -> bool:
    """Whether a reading has every field of its side and flags none, before the image's
    quality signals are known."""
    return side_complete(reading) and not reviewed_before_quality(
        reading, review_below, doubtful_below).review_needed

