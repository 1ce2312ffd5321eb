"""Production features over HTTP: API keys, quotas (memory and a real Redis), /metrics,
JSON logs, and admission before the body is read.

OCR is beside the point here, so a fake reader stands in for it (as in
test_api_service.py); reading a real card without leaking it into the logs is tested in
test_api_privacy.py.
"""

from __future__ import annotations

import asyncio
import io
import json
import logging
import os
import shutil
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from fakes import BOX, FRONT, SECRET_NAME, FakeModel, FakeOutcome
from litestar import Litestar
from litestar.testing import TestClient
from live_server import free_port

from idcard.api.app import create_app
from idcard.api.keys import KeyFileError, add_key, hash_key, key_names, load_key_ring
from idcard.card import CardFields, CardReading, Field, Notice, SideHint
from idcard.cli import main as cli_main
from idcard.config import Settings
from idcard.imaging.decode import DecodeLimits, decode_image


class FakeReader:
    """Decodes the image for real, then returns a fixed front reading with one warning."""

    def __init__(self, settings: Settings, gate: threading.Event | None = None) -> None:
        self.limits = DecodeLimits(max_pixels=settings.max_pixels, min_side=settings.min_side)
        self.model_info = FakeModel()
        self.gate = gate

    def read(self, data: bytes, side: SideHint = "auto",
             crops: frozenset[str] = frozenset(), mask: frozenset[str] = frozenset(),
             mask_values: bool = False) -> FakeOutcome:
        if self.gate is not None:
            self.gate.wait(10)
        decode_image(data, self.limits)
        reading = CardReading(
            side="front", fields=CardFields(name=Field(value=SECRET_NAME, confidence=0.9,
                                                    box=BOX, raw=SECRET_NAME)),
            warnings=[Notice(code="low_confidence", message="a field was read unsurely")])
        return FakeOutcome(reading=reading, model=FakeModel(),
                           timings_ms={"decode": 1.5, "detect": 20.0, "total": 30.0,
                                       "internal": 9.0}, images={})


def fake_app(gate: threading.Event | None = None, **overrides: Any) -> Litestar:
    settings = Settings(**{"pool_size": 1, "queue_size": 4, **overrides})
    return create_app(settings, reader_factory=lambda: FakeReader(settings, gate))


def post_raw(app: Litestar, headers: list[tuple[bytes, bytes]],
             ) -> tuple[list[dict[str, Any]], list[str]]:
    """POST a card straight to the ASGI app: the messages it sent, and whether it asked
    for the body ("body" once per read)."""
    received: list[str] = []
    sent: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:
        received.append("body")
        return {"type": "http.request", "body": FRONT, "more_body": False}

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    scope = {"type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1",
             "method": "POST", "scheme": "http", "path": "/v1/idcard",
             "raw_path": b"/v1/idcard", "query_string": b"", "root_path": "",
             "server": ("test", 80), "client": ("127.0.0.1", 1), "headers": headers}
    asyncio.run(app(scope, receive, send))  # type: ignore[arg-type]
    return sent, received


def upload() -> dict[str, Any]:
    return {"image": ("card.jpg", FRONT, "image/jpeg")}


def assert_problem(response: Any, status: int, code: str) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    body: dict[str, Any] = response.json()
    assert body["code"] == code and body["status"] == status
    assert body["type"] == f"urn:idcard:problem:{code}"
    assert body["request_id"] == response.headers["x-request-id"]
    return body


def write_keys(path: Path, entries: dict[str, dict[str, Any]]) -> None:
    """A key file as an operator would write it: [keys.NAME] with sha256 and overrides."""
    lines = []
    for name, entry in entries.items():
        lines.append(f'[keys."{name}"]')
        lines.extend(f"{k} = {json.dumps(v)}" for k, v in entry.items())
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    path.chmod(0o600)


@pytest.fixture
def key_file(tmp_path: Path) -> tuple[Path, dict[str, str]]:
    """Three keys: `portal` on the default quota, `batch` at 1/s burst 2, `ops` big."""
    keys = {"portal": "idk_portal-" + "a" * 40, "batch": "idk_batch-" + "b" * 40,
            "ops": "idk_ops-" + "c" * 40}
    path = tmp_path / "keys.toml"
    write_keys(path, {"portal": {"sha256": hash_key(keys["portal"])},
                      "batch": {"sha256": hash_key(keys["batch"]), "rate": 1.0, "burst": 2},
                      "ops": {"sha256": hash_key(keys["ops"]), "rate": 100.0, "burst": 100}})
    return path, keys


def bearer(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


# -- API keys -----------------------------------------------------------------------------

def test_keys_are_required_in_either_header(
        key_file: tuple[Path, dict[str, str]], caplog: pytest.LogCaptureFixture) -> None:
    path, keys = key_file
    with TestClient(fake_app(api_keys_file=path)) as client:
        caplog.set_level(logging.INFO, logger="idcard")
        missing = client.post("/v1/idcard", files=upload())
        assert_problem(missing, 401, "unauthorized")
        assert missing.headers["www-authenticate"].startswith("Bearer")
        assert_problem(client.post("/v1/idcard", files=upload(), headers=bearer("idk_nope")),
                       401, "unauthorized")
        assert_problem(client.post("/v1/idcard", files=upload(),
                                   headers={"X-API-Key": keys["portal"] + "x"}),
                       401, "unauthorized")
        assert_problem(client.post("/v1/idcard", files=upload(),
                                   headers={"Authorization": f"Basic {keys['portal']}"}),
                       401, "unauthorized")
        by_bearer = client.post("/v1/idcard", files=upload(), headers=bearer(keys["portal"]))
        assert by_bearer.status_code == 200, by_bearer.text
        by_header = client.post("/v1/idcard", files=upload(),
                                headers={"X-API-Key": keys["portal"]})
        assert by_header.status_code == 200, by_header.text
        assert client.get("/v1/passport").status_code == 401  # no route hints without a key
    access = [r for r in caplog.records if r.name == "idcard.access"]
    assert [getattr(r, "access", {}).get("key") for r in access][-3:-1] == ["portal", "portal"]
    assert "key=portal" in access[-2].getMessage()
    logged = "\n".join(r.getMessage() for r in caplog.records)
    assert keys["portal"] not in logged and "idk_nope" not in logged


def test_probes_and_metrics_stay_open_docs_as_configured(
        key_file: tuple[Path, dict[str, str]]) -> None:
    path, keys = key_file
    with TestClient(fake_app(api_keys_file=path)) as client:
        for open_path in ("/healthz", "/readyz", "/metrics", "/docs",
                          "/schema/openapi.json", "/", "/demo", "/static/web/app.js"):
            assert client.get(open_path).status_code == 200, open_path
    with TestClient(fake_app(api_keys_file=path, docs_public=False)) as client:
        assert client.get("/healthz").status_code == 200
        assert client.get("/metrics").status_code == 200
        assert_problem(client.get("/docs"), 401, "unauthorized")
        assert_problem(client.get("/"), 401, "unauthorized")
        assert_problem(client.get("/schema/openapi.json"), 401, "unauthorized")
        assert_problem(client.get("/"), 401, "unauthorized")
        assert client.get("/docs", headers=bearer(keys["ops"])).status_code == 200


def test_the_openapi_document_names_both_key_headers() -> None:
    with TestClient(fake_app()) as client:
        document = client.get("/schema/openapi.json").json()
    schemes = document["components"]["securitySchemes"]
    assert schemes["bearerKey"] == {"type": "http", "scheme": "bearer",
                                    "description": schemes["bearerKey"]["description"]}
    assert schemes["apiKeyHeader"]["in"] == "header"
    assert schemes["apiKeyHeader"]["name"] == "X-API-Key"
    assert document["paths"]["/v1/idcard"]["post"]["security"] == [
        {"bearerKey": []}, {"apiKeyHeader": []}, {}]
    assert "security" not in document["paths"]["/healthz"]["get"]


def test_without_a_key_file_the_service_is_open_and_says_so(
        caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger="idcard")
    with TestClient(fake_app()) as client:
        assert client.post("/v1/idcard", files=upload()).status_code == 200
    said = [r.getMessage() for r in caplog.records if "open to anyone" in r.getMessage()]
    assert len(said) == 1 and "IDCARD_API_KEYS_FILE" in said[0]


def test_a_thousand_wrong_keys_get_401_and_never_reach_the_logs(
        key_file: tuple[Path, dict[str, str]], caplog: pytest.LogCaptureFixture) -> None:
    path, _ = key_file
    wrong = [f"idk_wrong{i:04d}-{os.urandom(8).hex()}" for i in range(1000)]
    with TestClient(fake_app(api_keys_file=path)) as client:
        caplog.set_level(logging.DEBUG)
        caplog.set_level(logging.DEBUG, logger="idcard")
        statuses = [client.post("/v1/idcard", content=b"{}",
                                headers={**bearer(key), "content-type": "application/json"}
                                if i % 2 else {"X-API-Key": key,
                                               "content-type": "application/json"}
                                ).status_code for i, key in enumerate(wrong)]
        metrics = client.get("/metrics").text
    assert statuses == [401] * 1000
    assert ('idcard_http_requests_total{code="unauthorized",key="-",method="POST",'
            'route="/v1/idcard",status="401"} 1000.0') in metrics
    logged = "\n".join(r.getMessage() + json.dumps(r.__dict__.get("access", {}))
                       for r in caplog.records)
    assert not any(key in logged for key in wrong)
    assert not any(key in metrics for key in wrong)


# -- key file -----------------------------------------------------------------------------

def run_cli(*argv: str) -> int:
    return cli_main(list(argv))


def test_keys_cli_add_list_revoke(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "secrets" / "keys.toml"
    assert run_cli("keys", "--file", str(path), "add", "kyc-portal") == 0
    key = capsys.readouterr().out.strip()
    assert key.startswith("idk_") and len(key) > 40
    assert path.stat().st_mode & 0o777 == 0o600
    text = path.read_text(encoding="utf-8")
    assert key not in text and hash_key(key) in text
    assert load_key_ring(path).identify(key) == "kyc-portal"
    assert run_cli("keys", "--file", str(path), "add", "batch.jobs") == 0
    second = capsys.readouterr().out.strip()
    assert second != key
    assert run_cli("keys", "--file", str(path), "list") == 0
    assert capsys.readouterr().out.split() == ["batch.jobs", "kyc-portal"]
    assert run_cli("keys", "--file", str(path), "add", "kyc-portal") == 1  # exists
    assert "kyc-portal" in capsys.readouterr().err
    assert run_cli("keys", "--file", str(path), "revoke", "kyc-portal") == 0
    assert key_names(path) == ["batch.jobs"]
    assert load_key_ring(path).identify(key) is None
    assert load_key_ring(path).identify(second) == "batch.jobs"
    assert run_cli("keys", "--file", str(path), "revoke", "nobody") == 1
    assert path.stat().st_mode & 0o777 == 0o600


def test_keys_cli_loads_no_web_stack(tmp_path: Path) -> None:
    path = tmp_path / "keys.toml"
    add_key(path, "x")
    code = ("import sys; from idcard.cli import main; main(['keys', '--file', sys.argv[1], "
            "'list']); assert not [m for m in sys.modules if m.startswith('litestar')]")
    done = subprocess.run([sys.executable, "-c", code, str(path)], capture_output=True,
                          text=True, timeout=60, check=False,
                          env={**os.environ, "PYTHONPATH": str(Path(__file__).parents[1]
                                                               / "src")})
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["x"]


def _unreadable(path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path.write_text("[keys]\n", encoding="utf-8")
    path.chmod(0o000)
    if os.geteuid() == 0:  # root reads any file: make the read fail as EACCES would
        real = Path.read_text

        def denied(self: Path, *args: Any, **kwargs: Any) -> str:
            if self == path:
                raise PermissionError(13, "Permission denied", str(self))
            return real(self, *args, **kwargs)

        monkeypatch.setattr(Path, "read_text", denied)


BAD_KEY_FILES: list[tuple[str, Callable[[Path, pytest.MonkeyPatch], None], str]] = [
    ("malformed TOML", lambda p, _: p.write_text("[keys.a\nsha256 = 1", encoding="utf-8"),
     "not valid TOML"),
    ("wrong shape", lambda p, _: p.write_text('[keys.a]\nsha = "x"\n', encoding="utf-8"),
     "unexpected shape"),
    ("hash not hex", lambda p, _: p.write_text('[keys.a]\nsha256 = "secret"\n',
                                               encoding="utf-8"), "sha256"),
    ("world-writable", lambda p, _: (p.write_text("", encoding="utf-8"), p.chmod(0o666)),
     "world-writable"),
    ("unreadable", _unreadable, "cannot be read"),
    ("missing", lambda p, _: None, "does not exist"),
    ("a folder", lambda p, _: p.mkdir(), "not a regular file"),
]


@pytest.mark.parametrize(("make", "reason"), [c[1:] for c in BAD_KEY_FILES],
                         ids=[c[0] for c in BAD_KEY_FILES])
def test_a_bad_key_file_stops_start_up_with_one_line_naming_it(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
        make: Callable[[Path, pytest.MonkeyPatch], None], reason: str) -> None:
    path = tmp_path / "keys.toml"
    make(path, monkeypatch)
    with pytest.raises(KeyFileError, match=reason):
        fake_app(api_keys_file=path)
    monkeypatch.setenv("IDCARD_API_KEYS_FILE", str(path))
    assert run_cli("serve", "--port", "8101") == 1  # stops before loading models or binding
    err = capsys.readouterr().err
    assert len(err.strip().splitlines()) == 1, err
    assert str(path) in err and reason in err


def test_a_changed_key_file_is_re_read_and_a_broken_one_keeps_the_old_keys(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        caplog: pytest.LogCaptureFixture) -> None:
    import idcard.api.keys

    monkeypatch.setattr(idcard.api.keys, "RELOAD_CHECK_S", 0.0)  # look at every request
    path = tmp_path / "keys.toml"
    first = add_key(path, "first")
    with TestClient(fake_app(api_keys_file=path)) as client:
        caplog.set_level(logging.INFO, logger="idcard")
        assert client.post("/v1/idcard", files=upload(), headers=bearer(first)).status_code == 200
        second = add_key(path, "second")
        run_cli("keys", "--file", str(path), "revoke", "first")
        assert_problem(client.post("/v1/idcard", files=upload(), headers=bearer(first)),
                       401, "unauthorized")
        assert client.post("/v1/idcard", files=upload(),
                           headers=bearer(second)).status_code == 200
        path.write_text("[keys.second\n", encoding="utf-8")  # an editor's half-saved file
        statuses = [client.post("/v1/idcard", files=upload(),
                                headers=bearer(second)).status_code for _ in range(3)]
    assert statuses == [200, 200, 200]
    errors = [r.getMessage() for r in caplog.records if r.levelno == logging.ERROR]
    assert len(errors) == 1 and str(path) in errors[0] and "keeping the 1 key(s)" in errors[0]
    logged = "\n".join(r.getMessage() for r in caplog.records)
    assert first not in logged and second not in logged


# -- quotas -------------------------------------------------------------------------------

def test_over_quota_is_429_with_retry_after_and_ratelimit_headers(
        key_file: tuple[Path, dict[str, str]]) -> None:
    path, keys = key_file
    with TestClient(fake_app(api_keys_file=path, rate_limit_rps=10.0,
                             rate_limit_burst=20)) as client:
        # `batch` has its own quota in the key file: 1/s, burst 2.
        first, second, third = (client.post("/v1/idcard", files=upload(),
                                            headers=bearer(keys["batch"])) for _ in range(3))
        assert first.status_code == second.status_code == 200
        assert first.headers["ratelimit-limit"] == "2"
        assert first.headers["ratelimit-remaining"] == "1"
        assert second.headers["ratelimit-remaining"] == "0"
        assert_problem(third, 429, "rate_limited")
        assert int(third.headers["retry-after"]) >= 1
        assert third.headers["ratelimit-limit"] == "2"
        assert third.headers["ratelimit-remaining"] == "0"
        assert 1 <= int(third.headers["ratelimit-reset"]) <= 2
        # Other keys have their own quota: `portal` uses the default of burst 20.
        for _ in range(5):
            ok = client.post("/v1/idcard", files=upload(), headers=bearer(keys["portal"]))
            assert ok.status_code == 200
        assert ok.headers["ratelimit-limit"] == "20"
        assert ok.headers["ratelimit-remaining"] == "15"


def test_default_quota_comes_from_the_settings(key_file: tuple[Path, dict[str, str]]) -> None:
    path, keys = key_file
    with TestClient(fake_app(api_keys_file=path, rate_limit_rps=1.0,
                             rate_limit_burst=3)) as client:
        statuses = [client.post("/v1/idcard", files=upload(),
                                headers=bearer(keys["portal"])).status_code
                    for _ in range(4)]
        docs = client.get("/docs", headers=bearer(keys["portal"]))
    assert statuses == [200, 200, 200, 429]
    assert docs.status_code == 200  # open docs are not counted against the quota


# -- Redis --------------------------------------------------------------------------------

class RedisServer:
    def __init__(self, folder: Path) -> None:
        binary = shutil.which("redis-server")
        if binary is None:
            pytest.skip("redis-server not installed (Debian package redis-server; "
                        ".ci/run installs it)")
        self.port = free_port(range(6390, 6400))  # any free port will do
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.process = subprocess.Popen(
            [binary, "--port", str(self.port), "--bind", "127.0.0.1", "--dir", str(folder),
             "--save", "", "--appendonly", "no"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 10
        while True:
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=0.2).close()
                return
            except OSError:
                if time.monotonic() > deadline or self.process.poll() is not None:
                    self.stop()
                    raise RuntimeError("redis-server did not start") from None
                time.sleep(0.05)

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            self.process.wait(10)


@pytest.fixture
def redis_server(tmp_path: Path) -> Iterator[RedisServer]:
    server = RedisServer(tmp_path)
    try:
        yield server
    finally:
        server.stop()


def test_replicas_share_a_quota_through_redis(
        key_file: tuple[Path, dict[str, str]], redis_server: RedisServer) -> None:
    path, keys = key_file
    write_keys(path, {"shared": {"sha256": hash_key(keys["portal"]), "rate": 0.1,
                                 "burst": 3}})
    one = fake_app(api_keys_file=path, redis_url=redis_server.url)
    two = fake_app(api_keys_file=path, redis_url=redis_server.url)
    with TestClient(one) as first, TestClient(two) as second:
        statuses = [first.post("/v1/idcard", files=upload(),
                               headers=bearer(keys["portal"])).status_code,
                    second.post("/v1/idcard", files=upload(),
                                headers=bearer(keys["portal"])).status_code,
                    first.post("/v1/idcard", files=upload(),
                               headers=bearer(keys["portal"])).status_code]
        refused = second.post("/v1/idcard", files=upload(), headers=bearer(keys["portal"]))
    assert statuses == [200, 200, 200]
    assert_problem(refused, 429, "rate_limited")  # replica two saw replica one's requests
    assert refused.headers["ratelimit-remaining"] == "0"


def test_redis_going_away_falls_back_to_local_quotas_and_logs_once(
        key_file: tuple[Path, dict[str, str]], redis_server: RedisServer,
        caplog: pytest.LogCaptureFixture) -> None:
    path, keys = key_file
    with TestClient(fake_app(api_keys_file=path, redis_url=redis_server.url)) as client:
        caplog.set_level(logging.INFO, logger="idcard")
        assert client.post("/v1/idcard", files=upload(),
                           headers=bearer(keys["ops"])).status_code == 200
        redis_server.stop()
        statuses = [client.post("/v1/idcard", files=upload(),
                                headers=bearer(keys["ops"])).status_code for _ in range(6)]
        batch = [client.post("/v1/idcard", files=upload(),
                             headers=bearer(keys["batch"])).status_code for _ in range(3)]
    assert statuses == [200] * 6
    assert batch == [200, 200, 429]  # the local limiter still holds the quota
    warnings = [r.getMessage() for r in caplog.records if "unreachable" in r.getMessage()]
    assert len(warnings) == 1 and "per replica" in warnings[0]
    assert "127.0.0.1" in warnings[0]


# -- metrics ------------------------------------------------------------------------------

def test_metrics_after_a_read(key_file: tuple[Path, dict[str, str]]) -> None:
    path, keys = key_file
    with TestClient(fake_app(api_keys_file=path)) as client:
        assert client.post("/v1/idcard", files=upload(),
                           headers=bearer(keys["ops"])).status_code == 200
        client.post("/v1/idcard", files=upload(), headers=bearer("idk_wrong"))
        scrape = client.get("/metrics")
    assert scrape.status_code == 200
    assert scrape.headers["content-type"].startswith("text/plain")
    text = scrape.text
    for line in (
        'idcard_http_requests_total{code="",key="ops",method="POST",route="/v1/idcard",'
        'status="200"} 1.0',
        'idcard_http_requests_total{code="unauthorized",key="-",method="POST",'
        'route="/v1/idcard",status="401"} 1.0',
        'idcard_cards_read_total{side="front"} 1.0',
        'idcard_warnings_total{code="low_confidence"} 1.0',
        'idcard_stage_duration_seconds_bucket{le="0.025",stage="detect"} 1.0',
        'idcard_stage_duration_seconds_count{stage="decode"} 1.0',
        'idcard_model_info{det="fake_det",rec="fake_rec",recheck="ppocrv6-small",'
        'runtime="fake"} 1.0',
        "idcard_queue_depth 0.0",
        "idcard_busy_workers 0.0",
        "idcard_workers 1.0",
        "idcard_rejected_requests_total 0.0",
    ):
        assert line in text, line
    assert 'stage="internal"' not in text  # only the documented stages become labels
    assert SECRET_NAME not in text and keys["ops"] not in text


def test_overload_is_refused_before_the_body_is_read_and_counted() -> None:
    gate = threading.Event()
    app = fake_app(gate=gate, queue_size=0)
    with TestClient(app) as client:
        busy = threading.Thread(target=client.post, args=("/v1/idcard",),
                                kwargs={"files": upload()})
        busy.start()
        pool = app.state.service.pool
        deadline = time.monotonic() + 5
        while pool.busy < 1:
            assert time.monotonic() < deadline
            time.sleep(0.01)
        depth = client.get("/metrics").text
        assert "idcard_busy_workers 1.0" in depth
        sent, received = post_raw(app, [
            (b"content-type", b"multipart/form-data; boundary=x"),
            (b"content-length", str(len(FRONT)).encode())])
        refused = client.post("/v1/idcard", files=upload())
        gate.set()
        busy.join(10)
        scrape = client.get("/metrics").text
    assert sent[0]["status"] == 503 and received == []
    assert int(dict(sent[0]["headers"])[b"retry-after"]) >= 1
    assert_problem(refused, 503, "overloaded")
    assert "idcard_rejected_requests_total 2.0" in scrape
    assert ('idcard_http_requests_total{code="overloaded",key="-",method="POST",'
            'route="/v1/idcard",status="503"} 2.0') in scrape


def test_missing_key_is_refused_before_the_body_is_read(
        key_file: tuple[Path, dict[str, str]]) -> None:
    path, _ = key_file
    app = fake_app(api_keys_file=path)
    sent, received = post_raw(app, [(b"content-type", b"application/json")])
    assert sent[0]["status"] == 401 and received == []


# -- JSON logs ----------------------------------------------------------------------------

def _swap_streams(logger_name: str, stream: io.StringIO) -> None:
    """Point the app's log handlers (behind Litestar's queue listener) at `stream`."""
    for handler in logging.getLogger(logger_name).handlers:
        listener = getattr(handler, "listener", None)
        for inner in getattr(listener, "handlers", ()):
            if isinstance(inner, logging.StreamHandler):
                inner.setStream(stream)


def test_json_logs_are_one_object_per_line_with_the_key_name(
        key_file: tuple[Path, dict[str, str]]) -> None:
    path, keys = key_file
    stream = io.StringIO()
    app = fake_app(api_keys_file=path, log_format="json")
    _swap_streams("idcard", stream)
    try:
        with TestClient(app) as client:
            client.post("/v1/idcard?side=front", files=upload(),
                        headers={**bearer(keys["portal"]), "X-Request-ID": "json-1"})
            client.post("/v1/idcard", files=upload(), headers=bearer("idk_wrong"))
        deadline = time.monotonic() + 5
        while stream.getvalue().count("\n") < 4 and time.monotonic() < deadline:
            time.sleep(0.02)  # the queue listener writes from its own thread
    finally:
        _swap_streams("idcard", io.StringIO())
    lines = [line for line in stream.getvalue().splitlines() if line.strip()]
    records = [json.loads(line) for line in lines]  # every line is one JSON object
    access = [r for r in records if r["logger"] == "idcard.access"]
    assert access[0] | {"ms": 0, "ts": ""} == {
        "ts": "", "level": "INFO", "logger": "idcard.access",
        "message": access[0]["message"], "method": "POST", "path": "/v1/idcard",
        "status": 200, "ms": 0, "request_id": "json-1", "side": "front", "code": "-",
        "key": "portal"}
    assert access[1]["status"] == 401 and access[1]["code"] == "unauthorized"
    assert access[1]["key"] == "-"
    assert any("loading OCR models" in r["message"] for r in records)
    assert keys["portal"] not in stream.getvalue() and SECRET_NAME not in stream.getvalue()


# -- several processes --------------------------------------------------------------------

_MULTIPROCESS_SCRIPT = """
import sys
sys.path.insert(0, sys.argv[1])
from litestar.testing import TestClient
from test_api_production import FRONT, fake_app
with TestClient(fake_app()) as client:
    assert client.post("/v1/idcard", files={"image": ("a.jpg", FRONT)}).status_code == 200
    print(client.get("/metrics").text)
"""


def test_metrics_add_up_processes_in_multiprocess_mode(tmp_path: Path) -> None:
    """With PROMETHEUS_MULTIPROC_DIR, /metrics sums what every process recorded."""
    folder = tmp_path / "metrics"
    folder.mkdir()
    env = {**os.environ, "PROMETHEUS_MULTIPROC_DIR": str(folder),
           "PYTHONPATH": os.pathsep.join([str(Path(__file__).parents[1] / "src"),
                                          os.environ.get("PYTHONPATH", "")])}
    scrapes = []
    for _ in range(2):  # two processes, one after the other, sharing the folder
        done = subprocess.run([sys.executable, "-c", _MULTIPROCESS_SCRIPT,
                               str(Path(__file__).parent)], capture_output=True, text=True,
                              timeout=120, check=False, env=env)
        assert done.returncode == 0, done.stderr[-2000:]
        scrapes.append(done.stdout)
    assert any(path.suffix == ".db" for path in folder.iterdir())
    assert ('idcard_http_requests_total{code="",key="-",method="POST",route="/v1/idcard",'
            'status="200"} 2.0') in scrapes[1]
    assert 'idcard_cards_read_total{side="front"} 2.0' in scrapes[1]


def test_a_redis_url_without_its_scheme_is_refused_naming_the_setting() -> None:
    from idcard.config import load_settings

    assert load_settings({"IDCARD_REDIS_URL": "rediss://cache:6380/1"}).redis_url
    with pytest.raises(SystemExit, match="redis_url"):
        load_settings({"IDCARD_REDIS_URL": "localhost:6379"})
