"""The card's frame where the labels found give no scale: the rows of the values found by
their own shape (birth date, number) give it, so the name, sex and address rows are
looked for where the card prints them."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from pathlib import Path

from lines.cardlines import Identity, Transform, Variation, Word, front_words, layout

from idcard.card import CardReading
from idcard.extract import interpret_lines, load_rules
from idcard.extract.layout import Frame, rescaled_by_rows
from idcard.text import TextLine

ROOT = Path(__file__).resolve().parent.parent
RULES = load_rules(ROOT / "rules")
PERSON = Identity()
GROUPS = frozenset(front_words(PERSON))


def _swollen(factor: float) -> dict[str, list[Word]]:
    """The front's words with every value's box `factor` times as tall (blur, glare)."""
    return {name: [label, *(replace(word, size=word.size * factor) for word in values)]
            for name, (label, *values) in front_words(PERSON).items()}


def _read(lines: list[TextLine], size: tuple[int, int]) -> CardReading:
    return interpret_lines(lines, image_size=size, side="front", rules=RULES,
                           today=date(2026, 1, 1))


def test_lines_swollen_by_blur_do_not_scale_the_card() -> None:
    # Line boxes a third taller than print and one label read: the line height alone
    # puts the card a third too large and the name row off the name.
    lines = layout(_swollen(1.35), Variation(drop_labels=GROUPS - {"id_number"}))
    fields = _read(lines, (856, 540)).fields
    assert fields.name is not None and fields.name.value == PERSON.name
    assert fields.sex is not None and fields.sex.value == PERSON.sex
    assert fields.ethnicity is not None and fields.ethnicity.value == PERSON.ethnicity


def test_a_margin_around_the_card_keeps_the_address_whole() -> None:
    # A scan 384 px high holding a card 340 px high below a margin, one label read, the
    # lines swollen: neither the line height nor the image's height puts the address row
    # on its first line.
    lines = layout(_swollen(1.35), Variation(drop_labels=GROUPS - {"ethnicity"},
                                             transform=Transform(340 / 540, 20.0, 30.0)))
    address = _read(lines, (527, 384)).fields.address
    assert address is not None and address.value == PERSON.address


def test_rows_far_apart_give_the_scale() -> None:
    guess = Frame(0.0, 0.0, 1000.0, 630.0)
    spans = rescaled_by_rows(guess, [(0.365, 200.0), (0.865, 470.0)], [], 1.585)
    assert spans.scaled and abs(spans.height - 540.0) < 1e-6
    assert abs(spans.y0 - (200.0 - 0.365 * 540.0)) < 1e-6


def test_rows_close_together_or_a_scaled_frame_are_left_alone() -> None:
    guess = Frame(0.0, 0.0, 1000.0, 630.0)
    assert rescaled_by_rows(guess, [(0.365, 200.0), (0.485, 260.0)], [], 1.585) == guess
    scaled = Frame(0.0, 0.0, 1000.0, 630.0, scaled=True)
    assert rescaled_by_rows(scaled, [(0.365, 200.0), (0.865, 470.0)], [], 1.585) == scaled
    # A scale wildly off the guess means a value was found on the wrong row.
    assert rescaled_by_rows(guess, [(0.365, 200.0), (0.865, 240.0)], [], 1.585) == guess


def _rows_lowered(by: float) -> dict[str, list[Word]]:
    """The front's words with every row above the number's `by` of the height lower, as
    cards from another printer place them (a caption line above the name)."""
    return {name: [replace(word, y=word.y + (0.0 if name == "id_number" else by * 540))
                   for word in words]
            for name, words in front_words(PERSON).items()}


def test_a_row_is_looked_for_beside_the_nearest_row_found() -> None:
    # Only 住址 and 公民身份号码 read, the rows above the number 8 % of the height lower
    # than the layout's: a frame fitted to those two labels places the name's row half a
    # row above the name; one layout step above the sex row found finds it.
    lines = layout(_rows_lowered(0.08), Variation(drop_labels=GROUPS - {"address",
                                                                        "id_number"}))
    fields = _read(lines, (856, 540)).fields
    assert fields.name is not None and fields.name.value == PERSON.name
    assert fields.sex is not None and fields.sex.value == PERSON.sex
    assert fields.address is not None and fields.address.value == PERSON.address
