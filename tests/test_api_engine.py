"""The service end to end over the real OCR engine, on the synthetic fixture cards.

One app (real `CardReader`s in the pool) is built per session. The tests skip only when
the model packs are not installed locally (CI installs them: `idcard models pull`).
"""

from __future__ import annotations

import base64
import io
import json
import logging
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from fakes import post_fixture
from litestar import Litestar
from litestar.testing import TestClient
from PIL import Image, ImageOps

from idcard.api.app import create_app
from idcard.config import Settings, load_settings
from idcard.errors import ModelsMissingError

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
LABELS: dict[str, dict[str, Any]] = {
    entry["file"]: entry
    for entry in json.loads((FIXTURES / "labels.json").read_text(encoding="utf-8"))
}
FRONTS = ["front_clean_000.jpg", "front_clean_002.jpg", "front_clean_004.jpg"]
# back_photo_000 ended in 2023: an expired card.
BACKS = ["back_clean_002.jpg", "back_clean_003.jpg", "back_photo_000.jpg"]
FRONT_FIELDS = ("name", "sex", "ethnicity", "birth_date", "address", "id_number")
BACK_FIELDS = ("issuing_authority", "valid_from", "valid_until")


def _models_missing(exc: BaseException) -> bool:
    errors = getattr(exc, "exceptions", [exc])
    return any(isinstance(e, ModelsMissingError) or _models_missing(e)
               for e in errors if e is not exc)


@pytest.fixture(scope="session")
def engine_client() -> Iterator[TestClient[Litestar]]:
    base = load_settings()  # honours IDCARD_MODELS_DIR and the configured packs
    # Room for the concurrency test's 20 requests in the queue, and time for them on
    # two cores: the deadline and overload behaviour are tested with a fake reader.
    settings = Settings(**{**{n: getattr(base, n) for n in base.__struct_fields__},
                           "queue_size": 32, "timeout_s": 300.0})
    client = TestClient(create_app(settings))
    try:
        client.__enter__()
    except BaseException as exc:
        if isinstance(exc, ModelsMissingError) or _models_missing(exc):
            pytest.fail(f"OCR model packs not installed ({exc!r}); "
                        "scripts/install.sh dev pulls them")
        raise
    try:
        yield client
    finally:
        client.__exit__(None, None, None)


def value(body: dict[str, Any], field: str) -> str | None:
    entry = body["fields"][field]
    return None if entry is None else str(entry["value"])


def reading_of(body: dict[str, Any]) -> dict[str, Any]:
    """What must not depend on timing or concurrency: everything but ids and timings."""
    return {k: v for k, v in body.items() if k not in ("request_id", "timings_ms")}


# -- fields and checks ----------------------------------------------------------------------

@pytest.mark.parametrize("name", FRONTS)
def test_front_fields_and_checks(engine_client: TestClient[Litestar], name: str) -> None:
    body = post_fixture(engine_client, name)
    expected = LABELS[name]["fields"]
    assert body["side"] == "front"
    assert value(body, "id_number") == expected["id_number"]
    assert value(body, "birth_date") == expected["birth_date"]
    assert value(body, "sex") == expected["sex"]
    assert value(body, "name") == expected["name"]
    for field in BACK_FIELDS:
        assert body["fields"][field] is None
    assert body["checks"]["id_checksum"] == "pass"
    # A field not read on the card is taken from the number: then there is nothing printed
    # for its check to judge.
    codes = {w["code"] for w in body["warnings"]}
    for field in ("birth_date", "sex"):
        wanted = "absent" if f"{field}_from_id" in codes else "pass"
        assert body["checks"][f"{field}_matches_id"] == wanted, field
    entry = body["fields"]["id_number"]
    assert 0.0 < entry["confidence"] <= 1.0
    assert len(entry["box"]) == 4 and all(len(point) == 2 for point in entry["box"])
    assert body["model"]["runtime"] and body["model"]["det"] and body["model"]["rec"]
    assert body["timings_ms"]["total"] > 0


@pytest.mark.parametrize("name", BACKS)
def test_back_fields(engine_client: TestClient[Litestar], name: str) -> None:
    body = post_fixture(engine_client, name)
    expected = LABELS[name]["fields"]
    assert body["side"] == "back"
    assert value(body, "valid_from") == expected["valid_from"]
    assert value(body, "valid_until") == expected["valid_until"]
    for field in FRONT_FIELDS:
        assert body["fields"][field] is None
    # A card past its printed end is reported as expired, and its fields are not flagged
    # for that (they are read as well as a valid card's).
    until = expected["valid_until"]
    expired = until != "long-term" and date.fromisoformat(until) < date.today()
    assert body["checks"]["not_expired"] == ("fail" if expired else "pass")
    assert ("card_expired" in [w["code"] for w in body["warnings"]]) == expired
    assert ("card_expired" not in [r["code"] for r in body["review_reasons"]])


def test_box_lies_inside_the_image(engine_client: TestClient[Litestar]) -> None:
    name = FRONTS[0]
    with Image.open(FIXTURES / name) as image:
        width, height = image.size
    body = post_fixture(engine_client, name)
    for field in FRONT_FIELDS:
        entry = body["fields"][field]
        if entry is not None:
            for x, y in entry["box"]:
                assert -2 <= x <= width + 2 and -2 <= y <= height + 2, (field, x, y)


def test_json_and_multipart_read_the_same(engine_client: TestClient[Litestar]) -> None:
    name = FRONTS[1]
    data = (FIXTURES / name).read_bytes()
    multipart = post_fixture(engine_client, name)
    response = engine_client.post("/v1/idcard", json={
        "image_base64": "data:image/jpeg;base64," + base64.b64encode(data).decode()})
    assert response.status_code == 200, response.text
    assert reading_of(response.json()) == reading_of(multipart)


def test_exif_tagged_photo_reads_as_its_upright_pixels(
        engine_client: TestClient[Litestar]) -> None:
    name = next(f for f, e in LABELS.items() if e["exif_orientation"] != 1 and e["side"] == "front")
    data = (FIXTURES / name).read_bytes()
    with Image.open(io.BytesIO(data)) as tagged:
        upright = ImageOps.exif_transpose(tagged).convert("RGB")
    out = io.BytesIO()
    upright.save(out, format="PNG")
    as_tagged = post_fixture(engine_client, name)
    response = engine_client.post("/v1/idcard", files={"image": ("u.png", out.getvalue())})
    assert response.status_code == 200, response.text
    assert reading_of(response.json()) == reading_of(as_tagged)
    assert as_tagged["side"] == "front"


def test_crops_come_back_as_jpeg(engine_client: TestClient[Litestar]) -> None:
    body = post_fixture(engine_client, FRONTS[0], **{"return": "card,portrait"})
    for crop in ("card", "portrait"):
        data = base64.b64decode(body["images"][crop])
        with Image.open(io.BytesIO(data)) as image:
            assert image.format == "JPEG" and min(image.size) > 32
    assert "images" not in post_fixture(engine_client, FRONTS[0])


def test_side_hint_is_honoured(engine_client: TestClient[Litestar]) -> None:
    body = post_fixture(engine_client, FRONTS[0], side="front")
    assert body["side"] == "front"
    assert value(body, "id_number") == LABELS[FRONTS[0]]["fields"]["id_number"]


# -- bad input over the real pipeline -------------------------------------------------------

def blank_photo() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (800, 500), (236, 236, 236)).save(out, format="JPEG")
    return out.getvalue()


@pytest.mark.parametrize(("data", "status", "code"), [
    (b"this is a text file called card.jpg\n" * 20, 415, "unsupported_media_type"),
    ((FIXTURES / FRONTS[0]).read_bytes()[:40000], 422, "image_unreadable"),
    (b"", 400, "image_missing"),
], ids=["text as jpg", "truncated jpeg", "empty"])
def test_bad_images_over_the_real_engine(engine_client: TestClient[Litestar], data: bytes,
                                         status: int, code: str) -> None:
    response = engine_client.post("/v1/idcard", files={"image": ("card.jpg", data)})
    assert response.status_code == status, response.text
    assert response.json()["code"] == code


def test_image_without_a_card(engine_client: TestClient[Litestar]) -> None:
    response = engine_client.post("/v1/idcard", files={"image": ("b.jpg", blank_photo())})
    assert response.status_code == 422, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    assert response.json()["code"] == "no_card_found"


# -- concurrency ----------------------------------------------------------------------------

def test_twenty_concurrent_requests_match_serial_results(
        engine_client: TestClient[Litestar]) -> None:
    names = [FRONTS[0], FRONTS[1], BACKS[0], FRONTS[2]]
    serial = {name: reading_of(post_fixture(engine_client, name)) for name in names}
    batch = [names[i % len(names)] for i in range(20)]
    with ThreadPoolExecutor(20) as executor:
        pending = [executor.submit(post_fixture, engine_client, n) for n in batch]
        # While OCR keeps both cores busy, liveness answers without waiting for it.
        answered_while_busy = 0
        for _ in range(10):
            assert engine_client.get("/healthz").status_code == 200
            answered_while_busy += not all(f.done() for f in pending)
            time.sleep(0.05)
        bodies = [f.result() for f in pending]
    assert answered_while_busy > 0
    for name, body in zip(batch, bodies, strict=True):
        assert reading_of(body) == serial[name], name
    assert len({b["request_id"] for b in bodies}) == 20


# -- personal data stays out of the logs ------------------------------------------------------

class _Everything(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        text = record.getMessage()
        if record.exc_info:
            text += "\n" + logging.Formatter().formatException(record.exc_info)
        self.lines.append(f"{record.name} {text}")


def test_logs_hold_no_personal_data(engine_client: TestClient[Litestar],
                                    caplog: pytest.LogCaptureFixture) -> None:
    capture = _Everything()
    watched = [logging.getLogger(n) for n in ("", "idcard", "litestar", "uvicorn")]
    levels = [lg.level for lg in watched]
    for lg in watched:
        lg.setLevel(logging.DEBUG)
    logging.getLogger().addHandler(capture)
    logging.getLogger("litestar").addHandler(capture)  # it does not propagate
    caplog.set_level(logging.DEBUG)
    try:
        bodies = [post_fixture(engine_client, FRONTS[0], **{"return": "card"}),
                  post_fixture(engine_client, BACKS[0])]
        json_body = engine_client.post("/v1/idcard", json={
            "image_base64": base64.b64encode((FIXTURES / FRONTS[1]).read_bytes()).decode()})
        bodies.append(json_body.json())
    finally:
        logging.getLogger().removeHandler(capture)
        logging.getLogger("litestar").removeHandler(capture)
        for lg, level in zip(watched, levels, strict=True):
            lg.setLevel(level)
    server_lines = [line for line in capture.lines + [
        f"{r.name} {r.getMessage()}" for r in caplog.records]
        if not line.startswith(("httpx", "httpcore"))]  # the test client's own log
    assert any(line.startswith("idcard.access ") for line in server_lines)
    secrets = set()
    for name in (FRONTS[0], BACKS[0], FRONTS[1]):
        secrets |= {str(v) for v in LABELS[name]["fields"].values()}
    for body in bodies:
        for entry in body["fields"].values():
            if entry is not None:
                secrets |= {entry["value"], entry["raw"]}
    secrets = {s for s in secrets if len(s) >= 2 and s != "long-term"}
    logged = "\n".join(server_lines)
    leaked = sorted(s for s in secrets if s in logged)
    assert not leaked, f"personal data in logs: {len(leaked)} value(s)"
    assert base64.b64encode((FIXTURES / FRONTS[0]).read_bytes()[:30]).decode()[:24] not in logged
