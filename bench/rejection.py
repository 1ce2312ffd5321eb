"""CPU cost of refusing a request inside the app (no HTTP server, no network).

    python bench/rejection.py [--requests N] [--body-kib K]

Builds the service with one OCR worker held busy and no queue, so every card upload is
refused with 503, and calls the ASGI app directly N times with a K KiB multipart body
that it never needs to read. Then, for comparison, the same with a key file and a wrong
key (401), and with a key over its quota (429). CPU time (`time.process_time`, so the
figure does not depend on how loaded the machine is) per refusal, in microseconds:

    rejection cpu-us 503 <us> 401 <us> 429 <us> body-read 0

(`body-read` counts receive() calls the app made for the refused requests: 0 means the
admission was decided before the body was touched.) The HTTP server's own share
(parsing the request, receiving the body the client sends anyway) is on top; the
goodput mode of bench/latency.py measures the whole.
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import logging
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

from idcard.api.app import create_app
from idcard.config import Settings


class _HeldReader:
    """Stands in for OCR: blocks until released, so the single worker stays busy."""

    model_info = None

    def __init__(self, release: threading.Event) -> None:
        self.release = release

    def read(self, data: bytes, side: str = "auto", crops: frozenset[str] = frozenset()) -> Any:
        self.release.wait(600)
        raise RuntimeError("released")


def _scope(headers: list[tuple[bytes, bytes]], body_len: int) -> dict[str, Any]:
    return {"type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1",
            "method": "POST", "scheme": "http", "path": "/v1/idcard",
            "raw_path": b"/v1/idcard", "query_string": b"", "root_path": "",
            "server": ("127.0.0.1", 8000), "client": ("127.0.0.1", 1),
            "headers": [(b"content-type", b"multipart/form-data; boundary=x"),
                        (b"content-length", str(body_len).encode()), *headers]}


async def _refuse(app: Any, count: int, headers: list[tuple[bytes, bytes]], body: bytes,
                  expect: int) -> tuple[float, int]:
    reads = 0
    statuses: list[int] = []

    async def receive() -> dict[str, Any]:
        nonlocal reads
        reads += 1
        return {"type": "http.request", "body": body, "more_body": False}

    async def send(message: dict[str, Any]) -> None:
        if message["type"] == "http.response.start":
            statuses.append(message["status"])

    started = time.process_time()
    for _ in range(count):
        await app(_scope(headers, len(body)), receive, send)
    spent = time.process_time() - started
    if set(statuses) != {expect}:
        raise SystemExit(f"expected only {expect}, got {sorted(set(statuses))}")
    return spent / count * 1e6, reads


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=5000)
    parser.add_argument("--body-kib", type=int, default=200)
    args = parser.parse_args(argv)
    logging.getLogger("idcard").setLevel(logging.INFO)
    body = b"x" * (args.body_kib * 1024)
    results: dict[int, float] = {}
    reads_total = 0
    with tempfile.TemporaryDirectory(prefix="idcard-rejection-") as tmp:
        keys = Path(tmp) / "keys.toml"
        good, wrong = "idk_bench-good-key-000000000000000000", "idk_bench-wrong-key-0000000"
        digest = hashlib.sha256(good.encode()).hexdigest()
        keys.write_text(f'[keys.bench]\nsha256 = "{digest}"\nrate = 0.001\nburst = 1\n',
                        encoding="utf-8")
        keys.chmod(0o600)
        cases = [(503, Settings(pool_size=1, queue_size=0), []),
                 (401, Settings(pool_size=1, queue_size=8, api_keys_file=keys),
                  [(b"x-api-key", wrong.encode())]),
                 (429, Settings(pool_size=1, queue_size=8, api_keys_file=keys),
                  [(b"x-api-key", good.encode())])]
        for status, settings, headers in cases:
            spent, reads = _run_case(settings, status, headers, body, args.requests)
            results[status] = spent
            reads_total += reads
    print(f"rejection cpu-us 503 {results[503]:.1f} 401 {results[401]:.1f} "
          f"429 {results[429]:.1f} body-read {reads_total}")
    return 0


def _run_case(settings: Settings, status: int, headers: list[tuple[bytes, bytes]],
              body: bytes, count: int) -> tuple[float, int]:
    from litestar.testing import TestClient

    release = threading.Event()
    app = create_app(settings, reader_factory=lambda: _HeldReader(release))  # type: ignore[arg-type,return-value]
    with TestClient(app) as client:  # runs the lifespan: the pool starts
        holder = None
        if status == 503:
            holder = threading.Thread(target=client.post, args=("/v1/idcard",),
                                      kwargs={"files": {"image": ("a.jpg", b"x")}})
            holder.start()
            while app.state.service.pool.busy < 1:
                time.sleep(0.01)
        if status == 429:  # spend the key's one request of the window
            client.post("/v1/idcard", headers={"X-API-Key": headers[0][1].decode()},
                        files={"image": ("a.jpg", b"x")})
        result = asyncio.run(_refuse(app, count, headers, body, status))
        release.set()
        if holder is not None:
            holder.join(30)
    return result


if __name__ == "__main__":
    sys.exit(main())
