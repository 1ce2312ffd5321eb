"""The stable codes callers branch on: warning codes and problem (error) codes.

This module is the one registry of both. The `Literal` types are what the code uses to
create a `Notice` or raise an `InputError`/`ProblemError` (mypy rejects a code that is not
listed), the description tables are what the OpenAPI document publishes for each code, and
`tests/test_codes.py` checks that every code the source can emit is listed and described.

To add a code: add it to the `Literal` and give it a description in the table below it.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Literal, TypeVar, get_args

WarningCode = Literal[
    "extraction_failed",
    "no_card_text",
    "side_mismatch",
    "multiple_cards",
    "card_choice_unsure",
    "field_missing",
    "legacy_15_digit_number",
    "id_number_repaired",
    "birth_date_repaired",
    "birth_date_from_id",
    "birth_date_completed_from_id",
    "sex_repaired",
    "address_repaired",
    "issuing_authority_repaired",
    "sex_from_id",
    "card_outline_not_found",
    "card_incomplete",
    "sex_mismatch",
    "birth_date_mismatch",
    "id_number_cut_off",
    "id_number_too_short",
    "stamp_over_field",
    "characters_missing",
    "address_place_unknown",
    "authority_place_misread",
    "value_form_unknown",
    "readings_disagree",
    "ethnicity_former_name",
    "card_expired",
    "blur",
    "motion_blur",
    "glare",
    "too_dark",
    "overexposed",
    "photocopy",
    "screen_recapture",
    "occlusion",
]

WARNING_CODES: Mapping[WarningCode, str] = {
    "extraction_failed": "the text could not be interpreted; no fields were read",
    "no_card_text": "no identity card text was found in the text that was read",
    "side_mismatch": "the text looks like the other side than the `side` asked for; fields "
                     "were read as asked",
    "multiple_cards": "the image holds more than one card; only one was read",
    "card_choice_unsure": "the labels read do not all sit where a card prints them, or the "
                          "image repeats them outside the card (a form, a second card), so "
                          "which text is the card is unsure: every field is flagged for "
                          "review",
    "field_missing": "a field of the side that was read was not found (the message names it)",
    "legacy_15_digit_number": "the ID number is a first-generation 15-digit number, which has "
                              "no check character",
    "id_number_repaired": "the ID number failed its check character; the one or two characters "
                          "read unsure were replaced by the only ones that pass it and agree "
                          "with the card (`raw` keeps the reading; the checks judge the reading)",
    "birth_date_repaired": "the birth date was read unsure (below the confidence threshold, or a "
                           "look-alike) wherever it disagrees with a valid ID number; the value "
                           "is the one the number states, `raw` keeps the reading",
    "birth_date_from_id": "the birth date was not read on the card; it is taken from the ID "
                          "number",
    "birth_date_completed_from_id": "the birth date was read only in part on the card (a "
                                    "stamp over its month or day); the part read agrees "
                                    "with the ID number, whose check character does not "
                                    "prove it (it fails, or 17 digits are printed), and "
                                    "the rest is taken from the number. `raw` keeps the "
                                    "part read; the field is flagged for review",
    "sex_repaired": "the sex was read unsure (below the confidence threshold, or a look-alike) "
                    "and disagrees with a valid ID number; the value is the one the number "
                    "states, `raw` keeps the reading. A sex read confidently is never replaced",
    "address_repaired": "a place the address names (its province, prefecture or county) "
                        "was read one character off a division of GB/T 2260, that "
                        "character unsure (below the confidence threshold), and exactly "
                        "one division fits: the value names that division, `raw` keeps "
                        "the reading; the field is flagged for review",
    "issuing_authority_repaired": "a place the issuing authority names (its bureau's "
                                  "prefecture or county, or its branch's district) was "
                                  "read one character off a division of GB/T 2260, that "
                                  "character unsure, and exactly one division fits: the "
                                  "value names that division, `raw` keeps the reading; "
                                  "the field is flagged for review",
    "sex_from_id": "the sex was not read on the card; it is taken from the ID number",
    "card_outline_not_found": "no card edge was found; fields were read from the text alone",
    "card_incomplete": "the card touches the edge of the image and may be cut off",
    "sex_mismatch": "the sex printed on the card disagrees with the ID number's sequence digit "
                    "(both as read; `sex_matches_id` fails): what a tampered card looks like",
    "birth_date_mismatch": "the birth date printed on the card disagrees with the date in the "
                           "ID number (both as read; the message names the parts that differ)",
    "id_number_cut_off": "the ID number runs into the edge of the image; the characters beyond "
                         "it were not read",
    "id_number_too_short": "the ID number is printed with fewer than 18 characters, so its "
                           "check character cannot be verified (`id_checksum` fails)",
    "stamp_over_field": "a stamp (复印无效, 复禁印止, 仅限…使用) is printed over the field; "
                        "characters under it may be missing or misread",
    "characters_missing": "the field was read without characters that are printed: its line "
                          "leaves room for one (a gap between neighbouring characters, or a "
                          "box running past the last one, much wider than the print's pitch), "
                          "or an address does not begin with a province-level division or "
                          "ends in a digit, or an authority does not end with 局 or names no "
                          "place before its 公安局, or a name "
                          "has one character, or a validity period was read with one date "
                          "(`valid_from` holds it, and it may be either end) or with its end "
                          "alone (`valid_until`), or the value's last row runs into a stamp "
                          "and print goes on past it; the message names the field",
    "address_place_unknown": "the address begins with a province but does not go on with "
                             "one of its prefectures and a county, or a county (GB/T 2260, "
                             "as python-stdnum ships it, former names included): a division "
                             "was probably misread, or it is a zone the table does not "
                             "list; the address is flagged for review",
    "authority_place_misread": "a place the issuing authority names (its bureau's prefecture "
                               "or county, or its branch's district) is not in GB/T 2260 but "
                               "one character off a division that is (颖东 for 颍东 of "
                               "阜阳市): it was probably misread; the authority is flagged "
                               "for review",
    "value_form_unknown": "the field holds none of the words every printed value of it holds "
                          "(rules/values.toml `value_holds`: an issuing authority names its "
                          "公安局): it was probably misread; the message names the field, "
                          "which is flagged for review",
    "readings_disagree": "the card was hard to read, so it was read by both recognisers "
                         "(the `thorough` step), and they read this field differently: the "
                         "value is the better reading's, flagged for review; the message "
                         "names the field",
    "ethnicity_former_name": "the ethnicity is printed under a former official name (such as "
                             "崩龙); returned as printed, and `ethnicity_known` fails",
    "card_expired": "the validity period printed on the back ended before today: the card "
                    "is no longer valid (`not_expired` fails). The fields are read as "
                    "usual and are not flagged for it",
    "blur": "the print is too soft to trust (`quality.blur`; the message names the fields "
            "affected)",
    "motion_blur": "the camera moved while the photo was taken: the print is smeared one "
                   "way (`quality.motion_blur`). A stroke's length along the smear is lost "
                   "while the recogniser stays sure (土 and 士), so the name and address it "
                   "names are flagged for review; ask for a photo held still",
    "glare": "a bright, washed-out spot covers part of the card (`quality.glare`; the message "
             "names the fields under it)",
    "too_dark": "the image is too dark (`quality.too_dark`)",
    "overexposed": "the image is overexposed (`quality.overexposed`)",
    "photocopy": "the card looks like a greyscale or black-and-white copy or scan, not the "
                 "colour card itself (`quality.photocopy`)",
    "screen_recapture": "the card looks like a photo of a screen showing it "
                        "(`quality.screen_recapture`)",
    "occlusion": "a stamp, finger or sticker covers a field's text (`quality.occlusion`; the "
                 "message names the fields)",
}

ProblemCode = Literal[
    "image_missing",
    "invalid_base64",
    "invalid_parameter",
    "unauthorized",
    "not_found",
    "method_not_allowed",
    "payload_too_large",
    "unsupported_media_type",
    "image_unreadable",
    "image_too_small",
    "too_many_pixels",
    "unsupported_image",
    "no_card_found",
    "pdf_encrypted",
    "pdf_unreadable",
    "pdf_too_many_pages",
    "pdf_page_too_large",
    "rate_limited",
    "internal_error",
    "overloaded",
    "timeout",
]

PROBLEM_CODES: Mapping[ProblemCode, str] = {
    "image_missing": "no image in the request, or an empty one",
    "invalid_base64": "`image_base64` is not valid base64",
    "invalid_parameter": "a parameter or the JSON body is invalid (the detail names it)",
    "unauthorized": "no API key, or a key that is not in the key file (IDCARD_API_KEYS_FILE)",
    "not_found": "no such path",
    "method_not_allowed": "the path does not accept this HTTP method",
    "payload_too_large": "the request body is over IDCARD_MAX_BODY_BYTES",
    "unsupported_media_type": "the body is not multipart/form-data or JSON, or the data is not "
                              "a JPEG, PNG, WebP, BMP or TIFF image or a PDF",
    "image_unreadable": "the image could not be decoded (truncated or corrupt)",
    "image_too_small": "the image is too small to hold a readable card",
    "too_many_pixels": "the image has more pixels than the service accepts",
    "unsupported_image": "the decoded pixels are of a kind the reader cannot use",
    "no_card_found": "no identity card text was found in the image (or on any page of the PDF); "
                     "the detail says when a card-shaped outline was found but could not be read",
    "pdf_encrypted": "the PDF is encrypted (with a password or permissions only); it is not "
                     "opened",
    "pdf_unreadable": "the PDF is damaged, has no pages, or a page could not be rendered",
    "pdf_too_many_pages": "the PDF has more pages than IDCARD_MAX_PDF_PAGES; none is read",
    "pdf_page_too_large": "a page of the PDF is so large that even at 72 dpi it would exceed "
                          "IDCARD_MAX_PIXELS (a PDF bomb, or a poster)",
    "rate_limited": "the key's requests-per-second quota is used up; retry after Retry-After "
                    "(RateLimit-* headers say the quota)",
    "internal_error": "an unexpected error; the server log has it under the request id",
    "overloaded": "every OCR worker is busy and the queue is full; retry after Retry-After",
    "timeout": "no result within IDCARD_TIMEOUT_S",
}


BatchCode = Literal[
    "file_unreadable",
    "not_a_file",
    "outside_paths",
    "service_unreachable",
    "http_error",
]

# `idcard extract PATH...` records these for an input that never reached a reader; an
# input that did gets the problem code above (`unsupported_media_type`, `pdf_encrypted`…).
BATCH_CODES: Mapping[BatchCode, str] = {
    "file_unreadable": "the path does not exist (or no longer: removed during the batch), "
                       "cannot be opened, or is a broken symlink or a symlink loop",
    "not_a_file": "neither a regular file nor a folder (a FIFO, a socket, a device)",
    "outside_paths": "a symlink inside a given folder that points outside it; not followed",
    "service_unreachable": "no service given with --url answered for this input",
    "http_error": "a service answered with an HTTP error that is not a problem document",
}


def warning_codes() -> tuple[str, ...]:
    return get_args(WarningCode)


def problem_codes() -> tuple[str, ...]:
    return get_args(ProblemCode)


_Code = TypeVar("_Code", bound=str)


def describe(table: Mapping[_Code, str], intro: str) -> str:
    """A Markdown list of the codes and what each means, for a schema description."""
    lines = [intro, ""] + [f"- `{code}`: {text}" for code, text in table.items()]
    return "\n".join(lines)
