"""Request and response bodies of the HTTP API (the contract KYC back ends code against).

The card's own Structs (`CardFields`, `Checks`, `Notice`) are embedded as they are; the
Structs here add the envelope and the OpenAPI descriptions and examples.
"""

from __future__ import annotations

from typing import Annotated, Literal

import msgspec
from msgspec import UNSET, Meta, UnsetType

from idcard.card import (
    CardFields,
    Checks,
    Notice,
    Quality,
    ReviewReason,
    Side,
    SideHint,
    SourcePage,
)
from idcard.codes import PROBLEM_CODES, ProblemCode, describe
from idcard.pipeline.steps import STEPS
from idcard.text import Quad

CropName = Literal["card", "portrait", "masked"]
CROP_NAMES: frozenset[str] = frozenset({"card", "portrait", "masked"})

EXAMPLE_FIELDS = {
    "name": {"value": "张伟明", "confidence": 0.99,
             "box": [[212.0, 96.0], [356.0, 97.0], [356.0, 131.0], [212.0, 130.0]],
             "raw": "姓名张伟明", "review": False},
    "sex": {"value": "男", "confidence": 0.99,
            "box": [[214.0, 160.0], [246.0, 160.0], [246.0, 192.0], [214.0, 192.0]],
            "raw": "性别男", "review": False},
    "ethnicity": {"value": "汉", "confidence": 0.98,
                  "box": [[378.0, 160.0], [410.0, 160.0], [410.0, 192.0], [378.0, 192.0]],
                  "raw": "民族汉", "review": False},
    "birth_date": {"value": "1990-03-07", "confidence": 0.97,
                   "box": [[214.0, 222.0], [470.0, 222.0], [470.0, 254.0], [214.0, 254.0]],
                   "raw": "出生1990年3月7日", "review": False},
    "address": {"value": "北京市东城区景山前街4号", "confidence": 0.95,
                "box": [[214.0, 286.0], [560.0, 286.0], [560.0, 352.0], [214.0, 352.0]],
                "raw": "住址北京市东城区景山前街4号",
                "review": True},
    "id_number": {"value": "11010119900307123X", "confidence": 0.99,
                  "box": [[330.0, 450.0], [800.0, 450.0], [800.0, 486.0], [330.0, 486.0]],
                  "raw": "公民身份号码11010119900307123X",
                  "review": False},
    "issuing_authority": None,
    "valid_from": None,
    "valid_until": None,
}
EXAMPLE_CHECKS = {
    "id_checksum": "pass", "region_code_known": "pass", "birth_date_matches_id": "pass",
    "sex_matches_id": "pass", "birth_date_plausible": "pass", "ethnicity_known": "pass",
    "validity_period_plausible": "absent", "not_expired": "absent",
}
EXAMPLE_QUALITY = {
    "blur": {"score": 0.12, "raised": False, "fields": []},
    "motion_blur": {"score": 0.03, "raised": False, "fields": []},
    "glare": {"score": 0.81, "raised": True, "fields": ["address"]},
    "too_dark": {"score": 0.0, "raised": False, "fields": []},
    "overexposed": {"score": 0.02, "raised": False, "fields": []},
    "photocopy": {"score": 0.0, "raised": False, "fields": []},
    "screen_recapture": {"score": 0.0, "raised": False, "fields": []},
    "occlusion": {"score": 0.05, "raised": False, "fields": []},
    "card_incomplete": {"score": 0.0, "raised": False, "fields": []},
}
EXAMPLE_REVIEW_REASONS = [{"code": "low_confidence", "field": "address"},
                          {"code": "occlusion", "field": "address"}]
EXAMPLE_TIMINGS = {"decode": 3.1, "locate": 12.4, "detect": 88.0, "classify": 6.2,
                   "recognize": 140.5, "extract": 1.2, "total": 262.0,
                   "steps": {"first_look": 230.0, "name_second_look": 25.4}}
MASK_DESCRIPTION = (
    "what `return=masked` (and `mask_values`) covers: a preset, `default` (id_birth, "
    "given_name, address_detail, portrait_eyes) or `strict` (default + id_tail, "
    "birth_date, issuing_authority), or a comma-separated list of parts: id_birth (ID "
    "characters 7-14), id_tail (7-18), given_name, address_detail (after the county or "
    "district), birth_date, portrait_eyes, issuing_authority. The validity period is "
    "never masked.")
EXAMPLE_REQUEST_ID = "6f1c2f0e8a9b4c3d9e8f7a6b5c4d3e2f"


class ModelUsed(msgspec.Struct, kw_only=True):
    """The OCR models and runtime that produced this reading."""

    det: Annotated[str, Meta(description="text detection model",
                             examples=["PP-OCRv3_det"])]
    rec: Annotated[str, Meta(description="text recognition models: the fast one, the "
                                         "re-check after `+`, and the one that reads hard "
                                         "cards again (the `thorough` step)",
                             examples=["PP-OCRv6_tiny_rec+PP-OCRv6_small_rec "
                                       "(thorough: PP-OCRv4_rec)"])]
    runtime: Annotated[str, Meta(description="inference runtime", examples=["onnxruntime"])]


_MS = Meta(ge=0.0, description="milliseconds", examples=[12.5])


class Timings(msgspec.Struct, kw_only=True):
    """Where the time went, in milliseconds (stages that did not run are 0)."""

    decode: Annotated[float, _MS] = 0.0
    locate: Annotated[float, _MS] = 0.0
    detect: Annotated[float, _MS] = 0.0
    classify: Annotated[float, _MS] = 0.0
    recognize: Annotated[float, _MS] = 0.0
    extract: Annotated[float, _MS] = 0.0
    quality: Annotated[float, _MS] = 0.0
    total: Annotated[float, _MS] = 0.0
    steps: Annotated[dict[str, float], Meta(
        description="milliseconds of each named step of the reading strategy that ran "
                    f"({', '.join(step.name for step in STEPS)}); a step's time includes "
                    "the stages above spent inside it, and a step run inside another counts "
                    "in both",
        examples=[{"first_look": 230.0, "name_second_look": 25.4}])] = msgspec.field(
        default_factory=dict)


class CropImages(msgspec.Struct, kw_only=True):
    """Requested crops as base64 JPEG; null when asked for but not available (e.g. the
    portrait of a back side)."""

    card: Annotated[str | None, Meta(
        description="the card, straightened, as base64 JPEG",
        examples=["/9j/4AAQSkZJRgABAQAAAQABAAD..."])] = None
    portrait: Annotated[str | None, Meta(
        description="the portrait area of the front, as base64 JPEG",
        examples=["/9j/4AAQSkZJRgABAQAAAQABAAD..."])] = None
    card_corners: Annotated[Quad | UnsetType, Meta(
        description="where the `card` crop's corner pixels lie in the image you sent: "
                    "top-left, top-right, bottom-right, bottom-left. The perspective "
                    "transform from these four points to the crop's corners maps a field's "
                    "`box` onto the crop (fields of a second card fall outside it)",
        examples=[[[102.4, 80.0], [921.7, 95.3], [910.2, 611.8], [88.9, 596.1]]])] = UNSET
    masked: Annotated[str | None, Meta(
        description="the card, straightened, with the parts named by `mask` covered, as "
                    "base64 JPEG",
        examples=["/9j/4AAQSkZJRgABAQAAAQABAAD..."])] = None


class IdCardResponse(msgspec.Struct, kw_only=True):
    """The card's fields, the checks run on them, and warnings for the caller."""

    request_id: Annotated[str, Meta(description="echoes X-Request-ID, or generated",
                                    examples=[EXAMPLE_REQUEST_ID])]
    side: Annotated[Side, Meta(description="which side(s) of the card the image shows",
                               examples=["front"])]
    fields: Annotated[CardFields, Meta(
        description="one entry per field; null when not found or on the other side",
        examples=[EXAMPLE_FIELDS])]
    checks: Annotated[Checks, Meta(
        description="consistency checks on the fields: pass, fail, or absent (not "
                    "checkable because a field is missing)",
        examples=[EXAMPLE_CHECKS])]
    warnings: Annotated[list[Notice], Meta(
        description="things the caller should know, with stable codes; never contain "
                    "field values",
        examples=[[{"code": "birth_date_repaired",
                    "message": "the birth date was repaired from the ID number"}]])]
    review_needed: Annotated[bool, Meta(
        description="a person should review this reading: a field has `review: true`, a "
                    "field of the side read is missing, or the image is suspect "
                    "(photocopy, screen_recapture, card_incomplete, too_dark, overexposed, "
                    "multiple_cards)",
        examples=[True])]
    review_reasons: Annotated[list[ReviewReason], Meta(
        description="why review is needed: `code` is one of low_confidence (confidence "
                    "below IDCARD_REVIEW_BELOW), check_failed (a check the field takes part "
                    "in failed), repaired (the value was corrected from evidence), "
                    "characters_missing (the field's line leaves room for a character "
                    "that was not read: a gap or a box end much wider than the print's "
                    "pitch; print under an address's last row read; or an address not "
                    "beginning with its province, an authority "
                    "not ending with 局 or naming no place before its 公安局, an "
                    "address ending in a digit, a name of one "
                    "character, a validity period read with one date), "
                    "address_place_unknown (the address names no "
                    "county-level division of its province), authority_place_misread (a "
                    "place the issuing authority names is one character off a division of "
                    "GB/T 2260), value_form_unknown (the value holds none of the words "
                    "every printed value of the field holds: an authority without 公安局), "
                    "readings_disagree (a card hard to read was read by both recognisers, "
                    "which read the field differently), "
                    "card_choice_unsure (the image "
                    "repeats the card's labels elsewhere and which text is the card is "
                    "unsure), blur, glare (on the name only: they are reported in "
                    "`quality` and the warnings for every field they lie on), motion_blur "
                    "(on the name and address), occlusion "
                    "(on that field), field_missing; or, with `field` "
                    "null, photocopy, screen_recapture, card_incomplete, too_dark, "
                    "overexposed, multiple_cards (two cards of one side in view: the "
                    "largest was read). Never values.",
        examples=[EXAMPLE_REVIEW_REASONS])]
    quality: Annotated[Quality, Meta(
        description="image-quality and authenticity signals: each a score in [0, 1], "
                    "`raised` at 0.5 (also a warning with the same code), and the fields "
                    "it lies on (blur, motion_blur, glare, occlusion). blur: edge width of the "
                    "print; motion_blur: blurred print much softer one way than the other "
                    "(a camera that moved); "
                    "glare: washed-out spot; too_dark / overexposed: exposure; photocopy: "
                    "no colour in the card's print (grey or black-and-white copy); "
                    "screen_recapture: the periodic sub-pixel pattern of a photographed "
                    "screen; occlusion: something over a field's text; card_incomplete: "
                    "the card runs into the image edge",
        examples=[EXAMPLE_QUALITY])]
    model: ModelUsed
    timings_ms: Annotated[Timings, Meta(examples=[EXAMPLE_TIMINGS])]
    images: Annotated[CropImages | UnsetType, Meta(
        description="only present when `return` asked for crops")] = UNSET
    pages: Annotated[list[SourcePage] | UnsetType, Meta(
        description="only present for a PDF: the page each side was read on (1-based) and "
                    "the dpi it was rendered at; the boxes of that side's fields (and "
                    "`card_corners`) are in that page's pixels at that dpi",
        examples=[[{"page": 1, "side": "front", "dpi": 200.0},
                   {"page": 2, "side": "back", "dpi": 200.0}]])] = UNSET


class ImageJsonRequest(msgspec.Struct, kw_only=True):
    """The image as base64 in a JSON body (a `data:image/...;base64,` prefix is allowed)."""

    image_base64: Annotated[str | None, Meta(
        description="the image file (JPEG, PNG, WebP, BMP or TIFF) or a PDF, as base64",
        examples=["data:image/jpeg;base64,/9j/4AAQSkZJRgABAQAAAQABAAD..."])] = None
    side: Annotated[SideHint | None, Meta(
        description="which side the image shows; auto detects it", examples=["auto"])] = None
    return_: Annotated[str | None, Meta(
        description="comma-separated crops to return: card, portrait, masked",
        examples=["card,portrait"])] = msgspec.field(default=None, name="return")
    mask: Annotated[str | None, Meta(
        description=MASK_DESCRIPTION, examples=["default"])] = None
    mask_values: Annotated[bool | None, Meta(
        description="mask the same parts in the JSON values (and raw)",
        examples=[False])] = None


class Problem(msgspec.Struct, kw_only=True):
    """An RFC 9457 problem: `code` is stable and meant for programs, `detail` for people."""

    type: Annotated[str, Meta(description="URI naming the problem type",
                              examples=["urn:idcard:problem:image_unreadable"])]
    title: Annotated[str, Meta(examples=["Image unreadable"])]
    status: Annotated[int, Meta(examples=[422])]
    detail: Annotated[str, Meta(examples=["the image could not be decoded: image file is "
                                          "truncated"])]
    code: Annotated[ProblemCode, Meta(
        examples=["image_unreadable"],
        description=describe(PROBLEM_CODES, "A stable code to branch on (new codes may be "
                                            "added in later versions):"))]
    request_id: Annotated[str, Meta(examples=[EXAMPLE_REQUEST_ID])]


class Health(msgspec.Struct, kw_only=True):
    status: Annotated[str, Meta(examples=["ok"])]


class Readiness(msgspec.Struct, kw_only=True):
    status: Annotated[Literal["ready", "not_ready"], Meta(examples=["ready"])]
    workers: Annotated[int, Meta(description="OCR worker threads with loaded models",
                                 examples=[1])]
    queue_size: Annotated[int, Meta(description="requests that may wait for a worker",
                                    examples=[8])]
    model: ModelUsed | None = None
