"""The HTTP layer over a fake reader: parsing, problems, request ids, the OCR pool.

The fake decodes images with the real `decode_image` (so image errors are the real ones)
and returns a fixed reading. It stands in for OCR only where OCR is beside the point:
admission control, deadlines, error mapping. Reading real cards over HTTP is in
test_api_engine.py.
"""

from __future__ import annotations

import asyncio
import base64
import io
import json
import logging
import struct
import threading
import time
import zlib
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from fakes import BOX, FRONT, SECRET_NAME, FakeModel, FakeOutcome
from litestar import Litestar
from litestar.testing import TestClient
from PIL import Image

from idcard.api.app import create_app
from idcard.card import CardFields, CardReading, Field, SideHint
from idcard.config import Settings
from idcard.errors import ModelsMissingError
from idcard.imaging.decode import DecodeLimits, decode_image

SECRET_ID = "11010119900307123X"


class FakeReader:
    """Same interface as `CardReader`; optionally slow, gated, or failing."""

    calls = 0
    lock = threading.Lock()

    def __init__(self, settings: Settings, *, delay_s: float = 0.0,
                 gate: threading.Event | None = None) -> None:
        self.limits = DecodeLimits(max_pixels=settings.max_pixels, min_side=settings.min_side)
        self.delay_s = delay_s
        self.gate = gate
        self.model_info = FakeModel()

    def read(self, data: bytes, side: SideHint = "auto",
             crops: frozenset[str] = frozenset(), mask: frozenset[str] = frozenset(),
             mask_values: bool = False) -> FakeOutcome:
        with FakeReader.lock:
            FakeReader.calls += 1
        if self.gate is not None:
            self.gate.wait(10)
        time.sleep(self.delay_s)
        if data.startswith(b"BOOM"):
            raise RuntimeError(f"internal failure while reading {SECRET_NAME} {SECRET_ID}")
        decode_image(data, self.limits)
        card_side = "back" if side == "back" else "front"
        fields = CardFields(name=Field(value=SECRET_NAME, confidence=0.9, box=BOX,
                                       raw=SECRET_NAME)) if card_side == "front" else CardFields()
        images = {name: b"\xff\xd8fake-jpeg" for name in crops
                  if not (name == "portrait" and card_side == "back")}
        return FakeOutcome(reading=CardReading(side=card_side, fields=fields), model=FakeModel(),
                           timings_ms={"decode": 1.5, "total": 2.5, "internal": 9.0},
                           images=images)


def fake_app(**overrides: Any) -> tuple[Litestar, Settings]:
    delay_s = overrides.pop("delay_s", 0.0)
    gate = overrides.pop("gate", None)
    settings = Settings(**{"pool_size": 1, "queue_size": 4, **overrides})
    app = create_app(settings, reader_factory=lambda: FakeReader(settings, delay_s=delay_s,
                                                                 gate=gate))
    return app, settings


@pytest.fixture(scope="module")
def client() -> Iterator[TestClient[Litestar]]:
    app, _ = fake_app()
    with TestClient(app) as test_client:
        yield test_client


def upload(data: bytes, name: str = "card.jpg", mime: str = "image/jpeg") -> dict[str, Any]:
    return {"image": (name, data, mime)}


def assert_problem(response: Any, status: int, code: str) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    body: dict[str, Any] = response.json()
    assert body["code"] == code
    assert body["status"] == status
    assert body["type"] == f"urn:idcard:problem:{code}"
    assert body["title"] and body["detail"]
    assert body["request_id"] == response.headers["x-request-id"]
    return body


# -- happy paths --------------------------------------------------------------------------

def test_multipart_upload(client: TestClient[Litestar]) -> None:
    response = client.post("/v1/idcard", files=upload(FRONT))
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["side"] == "front"
    assert body["fields"]["name"]["value"] == SECRET_NAME
    assert body["fields"]["name"]["box"] == [list(p) for p in BOX]
    assert body["fields"]["id_number"] is None and body["fields"]["valid_until"] is None
    assert set(body["checks"]) == {"id_checksum", "region_code_known", "birth_date_matches_id",
                                   "sex_matches_id", "birth_date_plausible", "ethnicity_known",
                                   "validity_period_plausible", "not_expired"}
    assert body["model"] == {"det": "fake_det", "rec": "fake_rec", "runtime": "fake"}
    assert body["timings_ms"]["decode"] == 1.5 and body["timings_ms"]["locate"] == 0.0
    assert "internal" not in body["timings_ms"]
    assert "images" not in body
    assert body["request_id"] == response.headers["x-request-id"]


def test_json_base64_with_and_without_data_url(client: TestClient[Litestar]) -> None:
    encoded = base64.b64encode(FRONT).decode()
    for payload in (encoded, "data:image/jpeg;base64," + encoded,
                    "\n".join(encoded[i:i + 76] for i in range(0, len(encoded), 76)),
                    base64.urlsafe_b64encode(FRONT).decode().rstrip("=")):
        response = client.post("/v1/idcard", json={"image_base64": payload})
        assert response.status_code == 200, response.text
        assert response.json()["fields"]["name"]["value"] == SECRET_NAME


@pytest.mark.parametrize("where", ["query", "form", "json"])
def test_side_and_return_from_query_or_body(client: TestClient[Litestar], where: str) -> None:
    params = {"side": "back", "return": "card,portrait"}
    if where == "query":
        response = client.post("/v1/idcard", params=params, files=upload(FRONT))
    elif where == "form":
        response = client.post("/v1/idcard", data=params, files=upload(FRONT))
    else:
        response = client.post("/v1/idcard", json={
            "image_base64": base64.b64encode(FRONT).decode(), **params})
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["side"] == "back"
    assert body["images"] == {"card": base64.b64encode(b"\xff\xd8fake-jpeg").decode(),
                              "portrait": None, "masked": None}


def test_query_and_body_must_agree(client: TestClient[Litestar]) -> None:
    response = client.post("/v1/idcard", params={"side": "front"}, data={"side": "back"},
                           files=upload(FRONT))
    assert_problem(response, 400, "invalid_parameter")


@pytest.mark.parametrize(("query", "body"), [("auto", "back"), ("back", "auto")])
def test_side_auto_yields_to_a_named_side(client: TestClient[Litestar], query: str,
                                          body: str) -> None:
    # Generated clients send the documented default (auto) wherever `side` may go.
    response = client.post("/v1/idcard", params={"side": query}, data={"side": body},
                           files=upload(FRONT))
    assert response.status_code == 200, response.text
    assert response.json()["side"] == "back"


# -- bad input ----------------------------------------------------------------------------

def png_bomb(width: int = 30000, height: int = 30000) -> bytes:
    def chunk(kind: bytes, body: bytes) -> bytes:
        return (struct.pack(">I", len(body)) + kind + body
                + struct.pack(">I", zlib.crc32(kind + body) & 0xFFFFFFFF))

    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr)
            + chunk(b"IDAT", zlib.compress(b"\0" * 4096)) + chunk(b"IEND", b""))


def small_png() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (40, 30), (200, 200, 200)).save(out, format="PNG")
    return out.getvalue()


BAD_INPUTS: list[tuple[str, Callable[[TestClient[Litestar]], Any], int, str]] = [
    ("missing part", lambda c: c.post("/v1/idcard", files={"photo": ("a.jpg", FRONT)}),
     400, "image_missing"),
    ("text field instead of file", lambda c: c.post("/v1/idcard", data={"image": "abc"},
                                                    files={"other": ("x", b"x")}),
     400, "image_missing"),
    ("empty file", lambda c: c.post("/v1/idcard", files=upload(b"")), 400, "image_missing"),
    ("text file named .jpg", lambda c: c.post("/v1/idcard", files=upload(b"just text\n" * 50)),
     415, "unsupported_media_type"),
    ("truncated JPEG", lambda c: c.post("/v1/idcard", files=upload(FRONT[: len(FRONT) // 2])),
     422, "image_unreadable"),
    ("PNG bomb header", lambda c: c.post("/v1/idcard", files=upload(png_bomb(), "b.png")),
     422, "too_many_pixels"),
    ("too small", lambda c: c.post("/v1/idcard", files=upload(small_png(), "s.png")),
     422, "image_too_small"),
    ("bad base64", lambda c: c.post("/v1/idcard", json={"image_base64": "not*base64!"}),
     400, "invalid_base64"),
    ("impossible base64 length", lambda c: c.post("/v1/idcard", json={"image_base64": "QUJDR"}),
     400, "invalid_base64"),
    ("JSON without image", lambda c: c.post("/v1/idcard", json={"side": "front"}),
     400, "image_missing"),
    ("JSON with empty image", lambda c: c.post("/v1/idcard", json={"image_base64": ""}),
     400, "image_missing"),
    ("malformed JSON", lambda c: c.post("/v1/idcard", content=b"{not json",
                                        headers={"content-type": "application/json"}),
     400, "invalid_parameter"),
    ("JSON of the wrong shape", lambda c: c.post("/v1/idcard", json=["a"]),
     400, "invalid_parameter"),
    ("unknown side in query", lambda c: c.post("/v1/idcard?side=sideways", files=upload(FRONT)),
     400, "invalid_parameter"),
    ("unknown side in form", lambda c: c.post("/v1/idcard", data={"side": "top"},
                                              files=upload(FRONT)),
     400, "invalid_parameter"),
    ("unknown side in JSON", lambda c: c.post("/v1/idcard", json={
        "image_base64": base64.b64encode(FRONT).decode(), "side": "sideways"}),
     400, "invalid_parameter"),
    ("unknown crop", lambda c: c.post("/v1/idcard?return=card,signature", files=upload(FRONT)),
     400, "invalid_parameter"),
    ("raw body", lambda c: c.post("/v1/idcard", content=FRONT,
                                  headers={"content-type": "image/jpeg"}),
     415, "unsupported_media_type"),
    ("11 MiB multipart", lambda c: c.post("/v1/idcard", files=upload(b"\xff" * (11 << 20))),
     413, "payload_too_large"),
    ("11 MiB JSON", lambda c: c.post("/v1/idcard", json={"image_base64": "A" * (11 << 20)}),
     413, "payload_too_large"),
    ("11 MiB chunked, no content-length",
     lambda c: c.post("/v1/idcard", content=iter([b"{\"image_base64\": \""] + [
         b"A" * (1 << 20)] * 11 + [b"\"}"]), headers={"content-type": "application/json"}),
     413, "payload_too_large"),
    ("unknown route", lambda c: c.get("/v1/passport"), 404, "not_found"),
    ("wrong method", lambda c: c.get("/v1/idcard"), 405, "method_not_allowed"),
]


@pytest.mark.parametrize(("send", "status", "code"), [case[1:] for case in BAD_INPUTS],
                         ids=[case[0] for case in BAD_INPUTS])
def test_bad_input_is_a_4xx_problem(client: TestClient[Litestar],
                                    send: Callable[[TestClient[Litestar]], Any],
                                    status: int, code: str) -> None:
    assert_problem(send(client), status, code)


def test_chunked_upload_really_has_no_content_length(client: TestClient[Litestar]) -> None:
    response = client.post("/v1/idcard", content=iter([b"{}"]),
                           headers={"content-type": "application/json"})
    assert "content-length" not in response.request.headers
    assert_problem(response, 400, "image_missing")


def test_oversized_body_is_refused_before_it_is_read() -> None:
    """A declared Content-Length over the limit is answered without reading the body."""
    app, settings = fake_app()
    received: list[str] = []
    sent: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:
        received.append("body")
        return {"type": "http.request", "body": b"x" * 1024, "more_body": True}

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    scope = {"type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1",
             "method": "POST", "scheme": "http", "path": "/v1/idcard", "raw_path": b"/v1/idcard",
             "query_string": b"", "root_path": "", "server": ("test", 80),
             "client": ("127.0.0.1", 1), "headers": [
                 (b"content-type", b"application/json"),
                 (b"content-length", str(settings.max_body_bytes + 1).encode())]}
    asyncio.run(app(scope, receive, send))  # type: ignore[arg-type]
    assert sent[0]["status"] == 413
    assert received == []


# -- request ids --------------------------------------------------------------------------

def test_valid_request_id_is_echoed(client: TestClient[Litestar]) -> None:
    rid = "kyc-2024.05_abc"
    response = client.post("/v1/idcard", files=upload(FRONT), headers={"X-Request-ID": rid})
    assert response.headers["x-request-id"] == rid
    assert response.json()["request_id"] == rid
    problem = client.post("/v1/idcard", files=upload(b""), headers={"X-Request-ID": rid})
    assert problem.json()["request_id"] == rid


@pytest.mark.parametrize("bad", ["a" * 65, "has space", "semi;colon", "名字", ""])
def test_invalid_request_id_is_replaced(client: TestClient[Litestar], bad: str) -> None:
    headers = {"X-Request-ID": bad.encode("utf-8")}
    response = client.get("/healthz", headers=headers)
    rid = response.headers["x-request-id"]
    assert rid != bad and len(rid) == 32 and int(rid, 16) >= 0


def test_generated_ids_differ(client: TestClient[Litestar]) -> None:
    ids = {client.get("/healthz").headers["x-request-id"] for _ in range(5)}
    assert len(ids) == 5


# -- unexpected errors ----------------------------------------------------------------------

def test_unexpected_error_is_a_500_problem_without_details(
        client: TestClient[Litestar], caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    response = client.post("/v1/idcard", files=upload(b"BOOM" + FRONT),
                           headers={"X-Request-ID": "boom-1"})
    body = assert_problem(response, 500, "internal_error")
    assert SECRET_NAME not in response.text and SECRET_ID not in response.text
    assert "Traceback" not in response.text and "RuntimeError" not in response.text
    assert body["request_id"] == "boom-1"
    logged = "\n".join(record.getMessage() for record in caplog.records)
    assert "unhandled error request_id=boom-1" in logged
    assert "RuntimeError" in logged  # where it happened is logged …
    assert SECRET_NAME not in logged and SECRET_ID not in logged  # … what it said is not


# -- probes -------------------------------------------------------------------------------

def test_healthz_and_readyz(client: TestClient[Litestar]) -> None:
    assert client.get("/healthz").json() == {"status": "ok"}
    ready = client.get("/readyz")
    assert ready.status_code == 200
    assert ready.json()["status"] == "ready" and ready.json()["workers"] == 1


def test_readyz_is_503_before_start_up() -> None:
    app, _ = fake_app()
    test_client = TestClient(app)  # no `with`: the lifespan (model loading) never ran
    response = test_client.get("/readyz")
    assert response.status_code == 503
    assert response.json()["status"] == "not_ready"
    assert test_client.get("/healthz").status_code == 200


def test_missing_models_stop_start_up() -> None:
    def no_models() -> FakeReader:
        raise ModelsMissingError("pack not installed")

    app = create_app(Settings(pool_size=2), reader_factory=no_models)  # type: ignore[arg-type]
    with pytest.raises(BaseException) as caught, TestClient(app):
        pass
    errors = getattr(caught.value, "exceptions", [caught.value])
    assert any(isinstance(e, ModelsMissingError) for e in errors)


# -- the pool -----------------------------------------------------------------------------

def post_concurrently(test_client: TestClient[Litestar], count: int,
                      **kwargs: Any) -> list[Any]:
    with ThreadPoolExecutor(count) as executor:
        futures = [executor.submit(test_client.post, "/v1/idcard", files=upload(FRONT),
                                   **kwargs) for _ in range(count)]
        return [f.result() for f in futures]


def wait_until(condition: Callable[[], bool], timeout_s: float = 5.0) -> None:
    deadline = time.monotonic() + timeout_s
    while not condition():
        assert time.monotonic() < deadline, "condition not reached"
        time.sleep(0.01)


def test_overload_gives_503_with_retry_after_and_no_5xx_otherwise() -> None:
    gate = threading.Event()
    app, _ = fake_app(pool_size=1, queue_size=1, gate=gate)
    with TestClient(app) as test_client, ThreadPoolExecutor(6) as executor:
        pool = app.state.service.pool
        futures = [executor.submit(test_client.post, "/v1/idcard", files=upload(FRONT))
                   for _ in range(6)]
        # One runs (held at the gate), one waits; the other four are refused at once.
        wait_until(lambda: sum(f.done() for f in futures) == 4)
        assert pool.busy == 2
        gate.set()
        responses = [f.result() for f in futures]
    statuses = sorted(r.status_code for r in responses)
    assert statuses == [200, 200, 503, 503, 503, 503]
    for response in responses:
        if response.status_code == 503:
            assert_problem(response, 503, "overloaded")
            assert int(response.headers["retry-after"]) >= 1


def test_deadline_gives_504_and_cancels_the_waiting_job() -> None:
    app, _ = fake_app(pool_size=1, queue_size=2, timeout_s=0.3, delay_s=1.0)
    FakeReader.calls = 0
    with TestClient(app) as test_client:
        responses = post_concurrently(test_client, 2)
        for response in responses:
            assert_problem(response, 504, "timeout")
        pool = app.state.service.pool
        wait_until(lambda: pool.busy == 0)
        time.sleep(0.2)
        assert FakeReader.calls == 1  # the job that never started was cancelled
        # The worker is free again and serves the next request.
        assert test_client.post("/v1/idcard", files=upload(FRONT)).status_code in (200, 504)


def test_healthz_answers_while_the_pool_is_busy() -> None:
    # Every worker is held on the gate: /healthz answers before any of them is let go, so
    # it does not wait for the pool (a liveness bound, not a speed target).
    gate = threading.Event()
    app, _ = fake_app(pool_size=1, queue_size=4, gate=gate)
    with TestClient(app) as test_client, ThreadPoolExecutor(4) as executor:
        busy = [executor.submit(test_client.post, "/v1/idcard", files=upload(FRONT))
                for _ in range(3)]
        wait_until(lambda: app.state.service.pool.busy == 3)
        try:
            for _ in range(10):
                health = executor.submit(test_client.get, "/healthz")
                assert health.result(timeout=10).status_code == 200
                assert not gate.is_set() and app.state.service.pool.busy == 3
        finally:
            gate.set()
        assert all(f.result().status_code == 200 for f in busy)


def test_each_worker_builds_its_own_reader() -> None:
    built: list[int] = []
    lock = threading.Lock()
    settings = Settings(pool_size=2, queue_size=2)

    def factory() -> FakeReader:
        with lock:
            built.append(threading.get_ident())
        return FakeReader(settings)

    app = create_app(settings, reader_factory=factory)  # type: ignore[arg-type]
    with TestClient(app) as test_client:
        assert test_client.get("/readyz").json()["workers"] == 2
    assert len(set(built)) == 2 and threading.get_ident() not in built


def test_access_log_has_one_line_per_request_without_values(
        caplog: pytest.LogCaptureFixture) -> None:
    app, _ = fake_app()
    with TestClient(app) as test_client:
        caplog.set_level(logging.DEBUG)
        caplog.set_level(logging.DEBUG, logger="idcard")
        caplog.clear()
        test_client.post("/v1/idcard?side=front", files=upload(FRONT),
                         headers={"X-Request-ID": "log-1"})
        test_client.get(f"/v1/idcard/{SECRET_ID}")
    lines = [r.getMessage() for r in caplog.records if r.name == "idcard.access"]
    assert len(lines) == 2
    assert lines[0].startswith("method=POST path=/v1/idcard status=200 ms=")
    assert lines[0].endswith("request_id=log-1 side=front code=- key=-")
    assert "path=(unmatched) status=404" in lines[1]
    # The test client (httpx) logs the URLs it requests; that is the caller's log, not ours.
    everything = "\n".join(r.getMessage() for r in caplog.records
                           if not r.name.startswith(("httpx", "httpcore")))
    assert SECRET_ID not in everything and SECRET_NAME not in everything
    json.dumps(lines)  # plain text, one line each
    assert all("\n" not in line for line in lines)


def test_large_base64_decodes_across_slices() -> None:
    from idcard.api.upload import decode_base64

    raw = bytes(range(256)) * 12_000  # ~3 MB: several decoding slices
    text = base64.b64encode(raw).decode()
    wrapped = "\r\n".join(text[i:i + 76] for i in range(0, len(text), 76))
    assert decode_base64(wrapped) == raw
    assert decode_base64("data:image/png;base64," + text) == raw
    assert decode_base64(base64.urlsafe_b64encode(raw).decode().rstrip("=")) == raw
