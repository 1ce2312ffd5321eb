"""A stamp printed as dark as the card's values (issue 11, "stamp text was read as values"),
on our own card (composed at test time from `fixtures/`, tests/scans.py): what it hides
must be flagged or missing, never stamp text, and clearing the stamp must never cost a
value the first look read right. The first test reproduced a failure (the birth date under
the stamp read 1962-01-08 for 1962-01-04) that was a strict xfail until the v6 small
re-check, which reads it right."""

from __future__ import annotations

import scans

from idcard.pipeline import CardReader, ReadOutcome

FRONT = "front_clean_000.jpg"
PRINT_TONE = 40  # the fixture's print, straightened and grey
STAMP_CHARACTERS = set("复印无效禁止仅限使用再次件")


def read_stamped(reader: CardReader, centre: tuple[float, float]) -> ReadOutcome:
    card = scans.stamp(scans.card(FRONT), "复印无效", centre, 56, grey=PRINT_TONE)
    return reader.read(scans.jpeg(scans.scanned(card)))


def expected(field: str) -> str:
    return str(scans.labels()[FRONT]["fields"][field])


def test_dark_stamp_across_the_middle_rows(reader: CardReader) -> None:
    # Across sex, ethnicity and the birth date: the date under its frame reads right; the
    # ethnicity, hidden under the stamp's words, is flagged or missing.
    outcome = read_stamped(reader, (470, 150))
    fields = outcome.reading.fields
    assert fields.birth_date is not None and fields.birth_date.value == expected("birth_date")
    assert fields.name is not None and fields.name.value == expected("name")
    if fields.ethnicity is not None and fields.ethnicity.value != expected("ethnicity"):
        assert fields.ethnicity.review
    for name in fields.__struct_fields__:
        found = getattr(fields, name)
        assert found is None or not set(str(found.value)) & (STAMP_CHARACTERS - set(
            expected(name) if name in scans.labels()[FRONT]["fields"] else "")), name


def test_clearing_a_dark_stamp_never_costs_a_value_read_right(reader: CardReader) -> None:
    # Across the address: lifting the stamp cannot tell its strokes from the print's; the
    # second reading is taken only where it is the better one.
    outcome = read_stamped(reader, (430, 215))
    fields = outcome.reading.fields
    for name in ("name", "sex", "birth_date", "address", "id_number"):
        found = getattr(fields, name)
        assert found is not None and found.value == expected(name), name
