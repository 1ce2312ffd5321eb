"""What the API tests share: a fixture upload and its POST, a value that must never reach
a log, and the outcome a fake reader returns in place of the pipeline's."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import msgspec
from litestar import Litestar
from litestar.testing import TestClient

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


def post_fixture(client: TestClient[Litestar], name: str, **params: str) -> dict[str, Any]:
    """A fixture POSTed as multipart `image` to /v1/idcard; its JSON, asserting 200."""
    data = (FIXTURES / name).read_bytes()
    response = client.post("/v1/idcard", params=params, files={"image": (name, data)})
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body
