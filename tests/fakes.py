"""What the API tests with fake readers share: a fixture upload, a value that must never
reach a log, and the outcome a fake reader returns in place of the pipeline's."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import msgspec

from idcard.card import CardReading

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
FRONT = (FIXTURES / "front_clean_000.jpg").read_bytes()
SECRET_NAME = "测试秘密名"
BOX = ((1.0, 2.0), (3.0, 2.0), (3.0, 4.0), (1.0, 4.0))


class FakeModel(msgspec.Struct):
    det: str = "fake_det"
    rec: str = "fake_rec"
    runtime: str = "fake"


class FakeOutcome(msgspec.Struct):
    """The fields of the pipeline's `ReadOutcome` that the API reads."""

    reading: CardReading
    model: FakeModel
    timings_ms: dict[str, float]
    images: dict[str, bytes]
    card_corners: tuple[tuple[float, float], ...] | None = None
    pages: list[Any] = msgspec.field(default_factory=list)  # a PDF's pages; none here
