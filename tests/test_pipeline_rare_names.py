"""A rare name character through the whole pipeline (real engine), on a card the generator
draws at test time (tools/make_cards.py, as for `--fronts-only --rare-every 1`).

The default primary recogniser (v4) cannot spell 湉 and reads its look-alike 活; the
re-check (v6 small) can, but ranks 活 first and 湉 a close second on this photo. The name's second
look lets such a second choice win (ocr.consensus.spell_rare), and the name is then flagged
for review rather than returned as a sure reading.
"""

from __future__ import annotations

import pytest
from generated import make_cards, needs_fonts

from idcard.ocr import engine
from idcard.pipeline import CardReader, one_view

pytestmark = needs_fonts


@pytest.fixture(scope="module")
def rare_card(tmp_path_factory: pytest.TempPathFactory) -> tuple[bytes, str]:
    """The 24th photo front of `--tiers clean:50,photo:50 --fronts-only --rare-every 1
    --seed 21`: 付湉."""
    jobs = make_cards.plan_jobs(21, [("clean", 50), ("photo", 50)], rare_every=1,
                                fronts_only=True)
    job = next(j for j in jobs if j.file == "front_photo_023.jpg")
    out = tmp_path_factory.mktemp("rare")
    label = make_cards.make_one(job, out)
    fields = label["fields"]
    assert isinstance(fields, dict)
    name = str(fields["name"])
    assert job.rare_char == "湉" and "湉" in name
    return (out / job.file).read_bytes(), name


def test_a_rare_name_character_is_spelled_and_flagged(
        reader: CardReader, rare_card: tuple[bytes, str]) -> None:
    data, name = rare_card
    read = reader.read(data, side="auto").reading.fields.name
    assert read is not None
    assert read.value == name
    assert read.review  # read from a second choice: not sure enough to pass unseen


def test_without_the_rule_the_look_alike_is_read(
        reader: CardReader, rare_card: tuple[bytes, str],
        monkeypatch: pytest.MonkeyPatch) -> None:
    """The card really needs the rule (the test above would pass without it otherwise)."""
    monkeypatch.setattr(one_view, "NAME_RARE_CHARACTERS", False)
    data, name = rare_card
    read = reader.read(data, side="auto").reading.fields.name
    assert read is not None
    assert read.value == name.replace("湉", "活")


@pytest.fixture(scope="module")
def doubted_card(tmp_path_factory: pytest.TempPathFactory) -> tuple[bytes, str]:
    """The seventh photo front of `--tiers clean:60,photo:80,hard:60,both:20 --seed 7`
    (data/cards): 余奭桂, whose 奭 the re-check ranks second to 爽 at under 5 % of it.
    (data/rarenames-eval's 夏艳奭, this test's card until the v6 recognisers padded short
    lines less, now reads right.)"""
    jobs = make_cards.plan_jobs(7, [("clean", 60), ("photo", 80), ("hard", 60), ("both", 20)])
    job = next(j for j in jobs if j.file == "front_photo_006.jpg")
    out = tmp_path_factory.mktemp("doubted")
    label = make_cards.make_one(job, out)
    fields = label["fields"]
    assert isinstance(fields, dict)
    assert job.rare_char == "奭"
    return (out / job.file).read_bytes(), str(fields["name"])


def test_a_look_alike_with_a_rare_second_choice_is_flagged(
        reader: CardReader, doubted_card: tuple[bytes, str]) -> None:
    data, name = doubted_card
    read = reader.read(data, side="auto").reading.fields.name
    assert read is not None
    # Read right, or read as the look-alike and flagged: never the look-alike unflagged.
    assert read.value == name or read.review
    assert read.value == name or read.value == name.replace("奭", "爽")


def test_without_the_doubt_the_look_alike_passes(
        reader: CardReader, doubted_card: tuple[bytes, str],
        monkeypatch: pytest.MonkeyPatch) -> None:
    """The card really needs the doubt band (the test above would pass without it)."""
    monkeypatch.setattr(engine, "rare_doubts", lambda reading: ())
    data, name = doubted_card
    read = reader.read(data, side="auto").reading.fields.name
    assert read is not None
    assert read.value == name.replace("奭", "爽") and not read.review
