"""What the service knows about a card: fields, checks and warnings.

These Structs are the response contract's core; the API layer embeds them as they are.
"""

from __future__ import annotations

from typing import Literal

import msgspec

from idcard.text import Quad

Side = Literal["front", "back", "both"]
SideHint = Literal["auto", "front", "back"]
CheckStatus = Literal["pass", "fail", "absent"]

FRONT_FIELDS = ("name", "sex", "ethnicity", "birth_date", "address", "id_number")
BACK_FIELDS = ("issuing_authority", "valid_from", "valid_until")


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
    """Each check on the returned values: `pass`, `fail`, or `absent` (a field it needs is
    missing, or, for id_checksum, a 15-digit number has no check character).

    Checks never change values. When a value was repaired from a checksum-valid ID number
    the checks describe the repaired value and a warning (`*_repaired`, `*_from_id`) says
    so; the OCR reading stays in the field's `raw`.
    """

    id_checksum: CheckStatus = "absent"
    region_code_known: CheckStatus = "absent"
    birth_date_matches_id: CheckStatus = "absent"
    sex_matches_id: CheckStatus = "absent"
    birth_date_plausible: CheckStatus = "absent"
    ethnicity_known: CheckStatus = "absent"
    validity_period_plausible: CheckStatus = "absent"


class Notice(msgspec.Struct, frozen=True):
    """A warning for the caller: a stable `code` to branch on, a `message` for people.

    Messages never contain field values: they end up in client logs.
    """

    code: str
    message: str


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

