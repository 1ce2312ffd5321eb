"""A card copied onto a form that repeats its labels with another person's particulars
(tools/make_cards.py tier `textpage`, made at test time): only the card is read, and a
field the reader cannot tell from the form's is flagged, never silently the form's."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from generated import make_cards, needs_fonts

from idcard.pipeline import CardReader, ReadOutcome

pytestmark = needs_fonts


def text_page(tmp: Path, seed: int, side: str = "front") -> tuple[dict[str, Any], bytes]:
    job = make_cards.Job(seed, "textpage", 0, side, f"{side}_textpage_000.jpg", None, None)
    label = make_cards.make_one(job, tmp)
    return label, (tmp / job.file).read_bytes()


def silently_wrong(outcome: ReadOutcome, label: dict[str, Any]) -> list[str]:
    """Labelled fields answered with another value and not flagged for review."""
    wrong = []
    for name, printed in label["fields"].items():
        field = getattr(outcome.reading.fields, name)
        if field is not None and field.value != str(printed) and not field.review:
            wrong.append(name)
    return wrong


def test_a_front_on_a_form_reads_the_card(reader: CardReader, tmp_path: Path) -> None:
    """Seed 1: no card edge is seen and the form's lines run beside the card's; the
    reader used to answer the form's name, birth date, address and number unflagged."""
    label, image = text_page(tmp_path, seed=1)
    outcome = reader.read(image)
    assert outcome.reading.side == "front"
    assert silently_wrong(outcome, label) == []
    number = outcome.reading.fields.id_number
    assert number is not None and number.value == label["fields"]["id_number"]
    assert "multiple_cards" not in [n.code for n in outcome.reading.warnings]


def test_a_form_whose_card_labels_are_unread_is_flagged(reader: CardReader,
                                                        tmp_path: Path) -> None:
    """Seed 6: the card's labels print too faint to read, so only the form's labels
    are found, one under another at the page margin: the reading is flagged whole."""
    label, image = text_page(tmp_path, seed=6)
    outcome = reader.read(image)
    assert silently_wrong(outcome, label) == []
    assert outcome.reading.review_needed
