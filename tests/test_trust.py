"""The review decision, masked card images and masked values, end to end where it counts
(HTTP status, JSON fields, the pixels of the masked card read back by our own OCR)."""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import cv2
import msgspec
import numpy as np
import pytest
from fakes import post_fixture
from litestar import Litestar
from litestar.testing import TestClient

from idcard.api.app import create_app
from idcard.card import CardFields, CardReading, Checks, Field, Quality, QualitySignal
from idcard.config import Settings, load_settings
from idcard.extract import load_rules
from idcard.extract.findings import form_unknown_notice, missing_notice, place_unknown_notice
from idcard.imaging.view import CardView
from idcard.masks import DEFAULT_MASK, parse_mask
from idcard.ocr import OcrEngine
from idcard.pipeline.masking import mask_reading, masked_span
from idcard.pipeline.one_view import CardRead
from idcard.pipeline.trust import decide_review, judge_quality
from idcard.validate import LONG_TERM

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
RULES = load_rules(Path(__file__).resolve().parents[1] / "rules")
LABELS: dict[str, dict[str, Any]] = {
    entry["file"]: entry
    for entry in json.loads((FIXTURES / "labels.json").read_text(encoding="utf-8"))
}
BOX = ((0.0, 0.0), (100.0, 0.0), (100.0, 20.0), (0.0, 20.0))


def field(value: str, confidence: float = 0.999) -> Field:
    return Field(value=value, confidence=confidence, box=BOX, raw=value)


def quiet(**raised: list[str]) -> Quality:
    signals = {name: QualitySignal(score=0.9 if name in raised else 0.0,
                                   raised=name in raised, fields=raised.get(name, []))
               for name in Quality.__struct_fields__}
    return Quality(**signals)


def front(**overrides: Field | None) -> CardFields:
    values: dict[str, Field | None] = {
        "name": field("欧阳娜娜"), "sex": field("女"), "ethnicity": field("汉"),
        "birth_date": field("1990-03-07"), "address": field("北京市东城区景山前街4号"),
        "id_number": field("11010119900307122X")}
    values.update(overrides)
    return CardFields(**values)


# -- review decision ----------------------------------------------------------------------


def test_a_sure_reading_with_passing_checks_needs_no_review() -> None:
    reading = decide_review(CardReading(side="front", fields=front()), quiet(), 0.98)
    assert not reading.review_needed and reading.review_reasons == []
    assert all(not getattr(reading.fields, n).review for n in ("name", "id_number"))


def test_a_failing_check_flags_the_fields_it_takes_part_in() -> None:
    reading = CardReading(side="front", fields=front(),
                          checks=Checks(id_checksum="fail", sex_matches_id="fail"))
    judged = decide_review(reading, quiet(), 0.98)
    assert judged.fields.id_number is not None and judged.fields.id_number.review
    assert judged.fields.sex is not None and judged.fields.sex.review
    assert judged.fields.name is not None and not judged.fields.name.review
    codes = {(r.code, r.field) for r in judged.review_reasons}
    assert {("check_failed", "id_number"), ("check_failed", "sex")} <= codes
    assert judged.review_needed


def test_low_confidence_missing_fields_and_suspect_images_are_reasons() -> None:
    reading = CardReading(side="front", fields=front(address=field("x", 0.7), ethnicity=None))
    judged = decide_review(reading, quiet(photocopy=[], occlusion=["name"]), 0.98)
    codes = {(r.code, r.field) for r in judged.review_reasons}
    assert ("low_confidence", "address") in codes
    assert ("field_missing", "ethnicity") in codes
    assert ("photocopy", None) in codes
    assert ("occlusion", "name") in codes
    assert judged.fields.name is not None and judged.fields.name.review
    assert [n.code for n in judged.warnings] == ["photocopy", "occlusion"]
    # Reasons never carry values.
    assert "x" not in json.dumps([r.code for r in judged.review_reasons])


def test_a_field_its_checks_confirm_is_not_flagged_for_doubts_alone() -> None:
    # Sex and birth date read a little unsure under a stamp, both agreeing with the number.
    fields = front(sex=field("女", 0.95), birth_date=field("1990-03-07", 0.97),
                   address=field("北京市东城区景山前街4号", 0.999))
    agreeing = Checks(sex_matches_id="pass", birth_date_matches_id="pass", id_checksum="pass")
    covered = quiet(occlusion=["sex", "birth_date", "address"])
    judged = decide_review(CardReading(side="front", fields=fields, checks=agreeing), covered,
                           0.98)
    assert [(r.code, r.field) for r in judged.review_reasons] == [("occlusion", "address")]
    # Without the checks to confirm them, the same doubts flag them.
    unchecked = decide_review(CardReading(side="front", fields=fields), covered, 0.98)
    assert {("low_confidence", "sex"), ("occlusion", "sex"),
            ("low_confidence", "birth_date")} <= {
        (r.code, r.field) for r in unchecked.review_reasons}
    # Read below the doubtful bar, a confirmed field is still reviewed.
    doubtful = front(sex=field("女", 0.6))
    judged = decide_review(CardReading(side="front", fields=doubtful, checks=agreeing), quiet(),
                           0.98, doubtful_below=0.8)
    assert judged.fields.sex is not None and judged.fields.sex.review


def test_blur_and_glare_alone_flag_only_the_name() -> None:
    # The recogniser reads the softened strokes itself: an address it is sure of stays
    # unflagged, and the signal still names it in the warnings. Nothing vouches for a
    # name read sure under glare (no check, no list), so the name is flagged.
    blurred = quiet(blur=["address"], glare=["name", "sex"])
    judged = decide_review(CardReading(side="front", fields=front()), blurred, 0.98)
    assert [(r.code, r.field) for r in judged.review_reasons] == [("glare", "name")]
    assert judged.fields.address is not None and not judged.fields.address.review
    assert [n.code for n in judged.warnings] == ["blur", "glare"]
    assert "address" in judged.warnings[0].message and "sex" in judged.warnings[1].message
    # Read unsure under the blur, the address is flagged for its confidence.
    unsure = front(address=field("北京市东城区景山前街4号", 0.9))
    judged = decide_review(CardReading(side="front", fields=unsure), quiet(blur=["address"]),
                           0.98)
    assert [(r.code, r.field) for r in judged.review_reasons] == [
        ("low_confidence", "address")]


def test_motion_blur_flags_the_name_and_address_it_smears() -> None:
    # Smeared one way, a stroke's length along the smear is lost while the recogniser
    # stays sure (黄士村 for 黄土村 at 0.99): the address is flagged too, and nothing else.
    smeared = ["name", "sex", "address", "id_number"]
    judged = decide_review(CardReading(side="front", fields=front()),
                           quiet(blur=smeared, motion_blur=smeared), 0.98)
    assert [(r.code, r.field) for r in judged.review_reasons] == [
        ("blur", "name"), ("motion_blur", "name"), ("motion_blur", "address")]
    assert judged.fields.sex is not None and not judged.fields.sex.review
    assert [n.code for n in judged.warnings] == ["blur", "motion_blur"]
    # A field the smear does not reach is not flagged for it.
    judged = decide_review(CardReading(side="front", fields=front()),
                           quiet(blur=["id_number"], motion_blur=["id_number"]), 0.98)
    assert judged.review_reasons == []


def test_a_long_term_period_does_not_confirm_its_start() -> None:
    fields = front(name=None, sex=None, ethnicity=None, birth_date=None, address=None,
                   id_number=None)
    back = msgspec.structs.replace(fields, issuing_authority=field("北京市公安局东城分局"),
                                   valid_from=field("2015-03-12", 0.95),
                                   valid_until=field(LONG_TERM, 0.95))
    reading = CardReading(side="back", fields=back,
                          checks=Checks(validity_period_plausible="pass"))
    codes = {(r.code, r.field) for r in decide_review(reading, quiet(), 0.98).review_reasons}
    assert {("low_confidence", "valid_from"), ("low_confidence", "valid_until")} <= codes


def pinned_back(confidence: float) -> CardReading:
    fields = front(name=None, sex=None, ethnicity=None, birth_date=None, address=None,
                   id_number=None)
    back = msgspec.structs.replace(fields, issuing_authority=field("北京市公安局东城分局"),
                                   valid_from=field("2016-01-03", confidence),
                                   valid_until=field("2026-01-03", confidence))
    return CardReading(side="back", fields=back,
                       checks=Checks(validity_period_plausible="pass"))


@pytest.mark.parametrize("signal", ["blur", "motion_blur", "screen_recapture"])
def test_a_period_pinning_itself_confirms_nothing_where_glyphs_are_misread_alike(
        signal: str) -> None:
    # 2018.01.03-2028.01.03 on a photographed screen read 2016.01.03-2026.01.03 at 0.87:
    # the same 8 misread as 6 at both ends keeps the ten years between them.
    codes = {(r.code, r.field)
             for r in decide_review(pinned_back(0.87), quiet(**{signal: []}),
                                    0.98).review_reasons}
    assert {("low_confidence", "valid_from"), ("low_confidence", "valid_until")} <= codes
    # Where nothing softens the print, the pin confirms an unsure reading of both ends.
    assert decide_review(pinned_back(0.87), quiet(), 0.98).review_reasons == []


def test_a_field_with_room_for_a_dropped_character_is_flagged() -> None:
    # The rule layer names the field (extract/spacing.py); the review says why.
    notice = missing_notice("name")
    judged = decide_review(CardReading(side="front", fields=front(), warnings=[notice]),
                           quiet(), 0.98)
    assert judged.fields.name is not None and judged.fields.name.review
    assert judged.fields.address is not None and not judged.fields.address.review
    assert [(r.code, r.field) for r in judged.review_reasons] == [("characters_missing", "name")]



def test_an_address_naming_no_county_of_its_province_is_flagged() -> None:
    # The rule layer warns (validate/address.py); the review names the address.
    judged = decide_review(CardReading(side="front", fields=front(),
                                       warnings=[place_unknown_notice()]), quiet(), 0.98)
    assert judged.fields.address is not None and judged.fields.address.review
    assert judged.fields.name is not None and not judged.fields.name.review
    assert [(r.code, r.field) for r in judged.review_reasons] == [
        ("address_place_unknown", "address")]

def test_an_ethnicity_chosen_from_the_list_is_not_confirmed_by_being_on_it() -> None:
    # Read as printed, a known ethnicity is confirmed by ethnicity_known down to 0.80.
    printed = front(ethnicity=field("汉", confidence=0.975))
    judged = decide_review(CardReading(side="front", fields=printed,
                                       checks=Checks(ethnicity_known="pass")), quiet(), 0.98)
    assert judged.fields.ethnicity is not None and not judged.fields.ethnicity.review
    # Chosen from the list where the cell read 仅 (a stamp's character): the check passes
    # by construction and confirms nothing.
    chosen = front(ethnicity=Field(value="汉", confidence=0.975, box=BOX, raw="仅"))
    judged = decide_review(CardReading(side="front", fields=chosen,
                                       checks=Checks(ethnicity_known="pass")), quiet(), 0.98)
    assert judged.fields.ethnicity is not None and judged.fields.ethnicity.review
    assert ("low_confidence", "ethnicity") in [(r.code, r.field)
                                               for r in judged.review_reasons]


def test_a_value_unlike_any_printed_one_is_flagged() -> None:
    fields = CardFields(issuing_authority=field("七台河市公安展新兴分局"),
                        valid_from=field("2015-01-07"), valid_until=field("2035-01-07"))
    judged = decide_review(CardReading(side="back", fields=fields,
                                       warnings=[form_unknown_notice("issuing_authority")]),
                           quiet(), 0.98)
    assert judged.fields.issuing_authority is not None
    assert judged.fields.issuing_authority.review
    assert [(r.code, r.field) for r in judged.review_reasons] == [
        ("value_form_unknown", "issuing_authority")]


# -- masking rules ------------------------------------------------------------------------


def test_mask_parameter() -> None:
    assert parse_mask(None) == DEFAULT_MASK
    assert parse_mask("default") == DEFAULT_MASK
    assert parse_mask("id_birth,given_name") == {"id_birth", "given_name"}
    assert parse_mask("strict") is not None and "issuing_authority" in parse_mask("strict")
    assert parse_mask("valid_period") is None  # the validity period is never masked


@pytest.mark.parametrize(("name", "masked"), [("欧阳娜娜", "欧阳**"), ("王伟", "王*"),
                                              ("上官兰", "上官*")])
def test_compound_family_names_stay(name: str, masked: str) -> None:
    reading = CardReading(side="front", fields=front(name=field(name)))
    result = mask_reading(reading, frozenset({"given_name"}), RULES).fields.name
    assert result is not None and result.value == masked


def test_mask_values_covers_the_same_parts() -> None:
    masked = mask_reading(CardReading(side="front", fields=front()), DEFAULT_MASK, RULES)
    fields = masked.fields
    assert fields.id_number is not None and fields.id_number.value == "110101********122X"
    assert fields.address is not None and fields.address.value.startswith("北京市东城区")
    assert "景山" not in fields.address.value and "景山" not in fields.address.raw
    assert fields.birth_date is not None and fields.birth_date.value == "1990-03-07"
    assert masked_span("id_birth", "11010119900307122X", RULES) == (6, 14)


# -- end to end ---------------------------------------------------------------------------


@pytest.fixture(scope="module")
def client() -> Iterator[TestClient[Litestar]]:
    base = load_settings()
    settings = Settings(**{**{n: getattr(base, n) for n in base.__struct_fields__},
                           "timeout_s": 300.0})
    with TestClient(create_app(settings)) as test_client:
        yield test_client


@pytest.fixture(scope="module")
def engine() -> OcrEngine:
    return OcrEngine.load(load_settings())


def jpeg(body: dict[str, Any], name: str) -> np.ndarray:
    data = base64.b64decode(body["images"][name])
    image = cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_COLOR)
    assert image is not None
    return image


def read_back(engine: OcrEngine, body: dict[str, Any], name: str) -> str:
    """What our own OCR reads on a returned image, its lines joined."""
    return "".join(line.text for line in engine.read_text_lines(jpeg(body, name)).lines)


def test_response_carries_review_and_quality(client: TestClient[Litestar]) -> None:
    body = post_fixture(client, "front_clean_002.jpg")
    assert isinstance(body["review_needed"], bool)
    assert isinstance(body["review_reasons"], list)
    assert set(body["quality"]) >= {"blur", "glare", "too_dark", "overexposed", "photocopy",
                                    "screen_recapture", "occlusion", "card_incomplete"}
    for signal in body["quality"].values():
        assert 0.0 <= signal["score"] <= 1.0 and isinstance(signal["raised"], bool)
    assert all(isinstance(f["review"], bool) for f in body["fields"].values() if f)


def test_a_smeared_photo_says_motion_blur_and_flags_the_address(
        client: TestClient[Litestar]) -> None:
    image = cv2.imread(str(FIXTURES / "front_clean_002.jpg"))
    smear = np.full((1, 11), 1 / 11, np.float32)  # the camera moving sideways
    ok, data = cv2.imencode(".jpg", cv2.filter2D(image, -1, smear))
    assert ok
    response = client.post("/v1/idcard", files={"image": ("smeared.jpg", data.tobytes())})
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["quality"]["motion_blur"]["raised"]
    assert "motion_blur" in [w["code"] for w in body["warnings"]]
    address = body["fields"]["address"]
    assert address is not None and address["review"]
    assert {"code": "motion_blur", "field": "address"} in body["review_reasons"]
    sharp = post_fixture(client, "front_clean_002.jpg")
    assert not sharp["quality"]["motion_blur"]["raised"]


def test_masked_card_hides_the_birth_digits_from_our_own_ocr(
        client: TestClient[Litestar], engine: OcrEngine) -> None:
    name = "front_clean_002.jpg"
    number = LABELS[name]["fields"]["id_number"]
    body = post_fixture(client, name, **{"return": "card,masked"})
    card_text = read_back(engine, body, "card")
    masked_text = read_back(engine, body, "masked")
    assert number in card_text.replace(" ", "")  # the unmasked card reads it
    assert number[6:14] not in masked_text.replace(" ", "")
    assert number[:6] in masked_text.replace(" ", "")  # the region code stays
    assert LABELS[name]["fields"]["name"][1:] not in masked_text


def test_mask_values_in_the_response(client: TestClient[Litestar]) -> None:
    name = "front_clean_002.jpg"
    body = post_fixture(client, name, mask_values="true")
    number = body["fields"]["id_number"]
    assert number["value"][6:14] == "*" * 8 and number["raw"][6:14] == "*" * 8
    assert body["fields"]["name"]["value"][1:] == "*" * (len(body["fields"]["name"]["value"]) - 1)


def test_a_masked_back_keeps_its_authority_and_period_unless_asked(
        client: TestClient[Litestar], engine: OcrEngine) -> None:
    name = "back_clean_002.jpg"
    authority = LABELS[name]["fields"]["issuing_authority"]
    body = post_fixture(client, name, **{"return": "masked"})
    text = read_back(engine, body, "masked")
    assert authority in text
    asked = post_fixture(client, name, **{"return": "masked", "mask": "issuing_authority"})
    text = read_back(engine, asked, "masked")
    assert authority not in text
    assert LABELS[name]["fields"]["valid_from"][:4] in text  # the period is never masked


def test_bad_mask_parameter_is_a_400(client: TestClient[Litestar]) -> None:
    data = (FIXTURES / "front_clean_002.jpg").read_bytes()
    response = client.post("/v1/idcard", params={"mask": "valid_period", "return": "masked"},
                           files={"image": ("a.jpg", data)})
    assert response.status_code == 400 and response.json()["code"] == "invalid_parameter"


@pytest.mark.parametrize("size", [1, 200])
def test_tiny_and_black_images_are_422(client: TestClient[Litestar], size: int) -> None:
    _, png = cv2.imencode(".png", np.zeros((size, size, 3), np.uint8))
    response = client.post("/v1/idcard", files={"image": ("black.png", png.tobytes())})
    assert response.status_code == 422
    assert response.json()["code"] in ("image_too_small", "no_card_found")



def test_the_stamps_read_on_a_view_reach_its_occlusion_signal() -> None:
    """A grey stamp's words are ink like the print: the stamp the pipeline read (its box,
    carried on the CardRead) is what says which value lies under it."""
    image = cv2.imread(str(FIXTURES / "front_clean_002.jpg"))
    assert image is not None
    grey = cv2.cvtColor(cv2.cvtColor(image, cv2.COLOR_BGR2GRAY), cv2.COLOR_GRAY2BGR)
    height, width = grey.shape[:2]
    rows = {"name": 0.1, "sex": 0.2, "ethnicity": 0.2, "birth_date": 0.33,
            "address": 0.5, "id_number": 0.85}
    fields = front(**{name: Field(value="x", confidence=0.999, raw="x",
                                  box=((0.2 * width, top * height), (0.5 * width, top * height),
                                       (0.5 * width, (top + 0.06) * height),
                                       (0.2 * width, (top + 0.06) * height)))
                      for name, top in rows.items()})
    view = CardView(grey, np.eye(3))
    stamp = fields.birth_date.box if fields.birth_date else BOX
    reading = CardReading(side="front", fields=fields)
    stamped = CardRead(view=view, lines=[], reading=reading, outline=None, stamps=[stamp])
    plain = CardRead(view=view, lines=[], reading=reading, outline=None)
    assert judge_quality([stamped], RULES)[0].signals["occlusion"].fields == ("birth_date",)
    assert not judge_quality([plain], RULES)[0].signals["occlusion"].raised
