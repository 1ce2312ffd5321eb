"""What the service knows about a card: fields, checks and warnings.

These Structs are the response contract's core; the API layer embeds them as they are.
"""

from __future__ import annotations

from typing import Annotated, Literal

import msgspec

from idcard.codes import WARNING_CODES, WarningCode, describe
from idcard.text import Quad

Side = Literal["front", "back", "both"]
SideHint = Literal["auto", "front", "back"]
CheckStatus = Literal["pass", "fail", "absent"]

FRONT_FIELDS = ("name", "sex", "ethnicity", "birth_date", "address", "id_number")
BACK_FIELDS = ("issuing_authority", "valid_from", "valid_until")


def fields_printed_on(side: Side) -> tuple[str, ...]:
    """The fields the side read prints: both sides' for `both`."""
    return {"front": FRONT_FIELDS, "back": BACK_FIELDS}.get(side, FRONT_FIELDS + BACK_FIELDS)


class Field(msgspec.Struct, kw_only=True):
    """One field's value, how sure we are, where it was read, and what OCR literally said."""

    value: str
    confidence: float
    box: Quad
    raw: str
    # A person should look at this field: its confidence is below the review threshold,
    # a check it takes part in failed, it was repaired, or the image is poor where it is.
    review: bool = False


class CardFields(msgspec.Struct, kw_only=True):
    name: Field | None = None
    sex: Field | None = None
    ethnicity: Field | None = None
    birth_date: Field | None = None
    address: Field | None = None
    id_number: Field | None = None
    issuing_authority: Field | None = None
    valid_from: Field | None = None
    valid_until: Field | None = None


class Checks(msgspec.Struct, kw_only=True):
    """Checks on the printed card: each `pass`, `fail`, or `absent` (a field it needs was
    not read; for id_checksum, a 15-digit number has no check character; for the two
    comparisons, a number of other than 15, 17 or 18 characters states no sex or date).

    Checks judge what was read on the card, never a repaired value. A field's reading is
    its value as the field rules interpret the OCR text (labels and stamp text removed,
    look-alikes folded: O→0 in numbers, 另→男, 低→佤) before any repair from another
    field. It is the field's `value` unless a `*_repaired` warning names the field; then
    it is what `raw` reads as, and the value is the repair. A field taken from the number
    because nothing was read (`sex_from_id`, `birth_date_from_id`) has no reading: the
    checks that need it are `absent`. The number is judged as read too, so after
    `id_number_repaired` the checks on it fail as the reading does.

    So `sex_matches_id` compares the sex as read with the sequence digit of the number as
    read, and `birth_date_matches_id` the birth date as read with the number's date: a
    card whose printed sex or birth date disagrees with its number fails, with a
    `sex_mismatch` / `birth_date_mismatch` warning naming both fields. A 17-digit number
    is judged as an 18-character number's body (region, date, sequence), and fails
    `id_checksum`. A failing check halves the confidence of the fields it names.

    `not_expired` is the one check on the card's standing rather than its reading: `fail`
    when the printed end of the validity period lies before today (a card is valid
    through its last day), with a `card_expired` warning; `pass` for a later end or
    长期. It casts no doubt on any field: an expired card is read as well as a valid one.
    """

    id_checksum: CheckStatus = "absent"
    region_code_known: CheckStatus = "absent"
    birth_date_matches_id: CheckStatus = "absent"
    sex_matches_id: CheckStatus = "absent"
    birth_date_plausible: CheckStatus = "absent"
    ethnicity_known: CheckStatus = "absent"
    validity_period_plausible: CheckStatus = "absent"
    not_expired: CheckStatus = "absent"


class Notice(msgspec.Struct, frozen=True):
    """A warning for the caller: a stable `code` to branch on, a `message` for people.

    Messages never contain field values: they end up in client logs.
    """

    code: Annotated[WarningCode, msgspec.Meta(description=describe(
        WARNING_CODES, "A stable code to branch on (new codes may be added in later "
                       "versions: treat an unknown one as a warning):"))]
    message: Annotated[str, msgspec.Meta(description="what happened, for people")]


class ReviewReason(msgspec.Struct, frozen=True):
    """Why a response needs a person's review: a stable `code` and the field it concerns
    (null for the whole image). Never a value."""

    code: str
    field: str | None = None


class QualitySignal(msgspec.Struct, kw_only=True, frozen=True):
    """One image-quality or authenticity signal: a score in [0, 1], raised at 0.5."""

    score: float
    raised: bool
    fields: list[str] = msgspec.field(default_factory=list)


class Quality(msgspec.Struct, kw_only=True):
    """The image's quality and authenticity signals (see the README for each measure)."""

    blur: QualitySignal
    motion_blur: QualitySignal
    glare: QualitySignal
    too_dark: QualitySignal
    overexposed: QualitySignal
    photocopy: QualitySignal
    screen_recapture: QualitySignal
    occlusion: QualitySignal
    card_incomplete: QualitySignal


class CardReading(msgspec.Struct, kw_only=True):
    """The rule layer's verdict on one card (or one image holding both sides)."""

    side: Side
    fields: CardFields = msgspec.field(default_factory=CardFields)
    checks: Checks = msgspec.field(default_factory=Checks)
    warnings: list[Notice] = msgspec.field(default_factory=list)
    review_needed: bool = False
    review_reasons: list[ReviewReason] = msgspec.field(default_factory=list)
    quality: Quality | None = None


class SourcePage(msgspec.Struct, frozen=True, kw_only=True):
    """Where in a PDF a side was read: the page, and the resolution it was rendered at.

    The boxes of the fields of that side are in the pixels of that page rendered at `dpi`
    (divide by dpi / 72 for PDF points)."""

    page: Annotated[int, msgspec.Meta(ge=1, description="1-based page number")]
    side: Annotated[Side, msgspec.Meta(description="the side(s) read on this page")]
    dpi: Annotated[float, msgspec.Meta(gt=0, description="the resolution the page was "
                                                          "rendered at")]
