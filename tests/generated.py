"""Cards drawn at test time by the generator (tools/make_cards.py), for pipeline tests
on our own images: the generator's module, a mark that skips without its fonts, and a
reader whose first recogniser is another pack (the default reader is conftest.py's
`reader` fixture)."""

from __future__ import annotations

import sys
from pathlib import Path

import msgspec
import pytest

from idcard.card import CardReading, Field
from idcard.config import load_settings
from idcard.pipeline import CardReader

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "tools"))
import make_cards  # noqa: E402
import make_conditions  # noqa: E402
from cardgen.fonts import check_fonts  # noqa: E402

needs_fonts = pytest.mark.skipif(bool(check_fonts()), reason="CJK/DejaVu fonts not installed")

__all__ = ["REPO", "assert_right_or_flagged", "assert_wrong_and_passed", "drawn", "load_reader",
           "make_cards", "make_conditions", "needs_fonts"]


def load_reader(rec_pack: str) -> CardReader:
    """A reader whose first recogniser is `rec_pack` (`ppocrv4`, the thorough pack, then
    reads alone: the thorough step never runs)."""
    return CardReader.load(msgspec.structs.replace(load_settings(), rec_pack=rec_pack))


def drawn(file: str, out: Path, seed: int, tiers: list[tuple[str, int]],
          **options: bool | int) -> tuple[bytes, dict[str, str]]:
    """One image of a generated set (as `tools/make_cards.py --seed SEED --tiers ...`
    would draw it, with its flags as `options`: `typefaces`, `dark_stamps`), drawn into
    `out`: its bytes and its printed fields."""
    job = next(j for j in make_cards.plan_jobs(seed, tiers, **options) if j.file == file)
    label = make_cards.make_one(job, out)
    fields = label["fields"]
    assert isinstance(fields, dict)
    return (out / file).read_bytes(), {k: str(v) for k, v in fields.items()}


def _read_field(reading: CardReading, name: str) -> Field:
    field: Field | None = getattr(reading.fields, name)
    assert field is not None
    return field


def assert_right_or_flagged(reading: CardReading, truth: dict[str, str], name: str,
                            code: str) -> None:
    """The field reads as printed, or is flagged for review with `code` among its reasons."""
    field = _read_field(reading, name)
    assert field.value == truth[name] or (
        field.review and code in [r.code for r in reading.review_reasons if r.field == name])


def assert_wrong_and_passed(reading: CardReading, truth: dict[str, str], name: str) -> None:
    """The field reads wrong and is not flagged: what a mechanism's twin test shows."""
    field = _read_field(reading, name)
    assert field.value != truth[name] and not field.review
