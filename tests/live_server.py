"""The real app (real OCR engine) served by uvicorn in a thread, for tests that need a
real HTTP server: a browser, or a generated client."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import uvicorn

from idcard.api.app import create_app
from idcard.config import Settings, load_settings

PORTS = range(8400, 8450)
START_TIMEOUT_S = 180.0  # model loading on two shared cores


def free_port(ports: range = PORTS) -> int:
    """A free port, preferring `ports` (8400-8449 by default: the range kept for these
    tests on shared hosts)."""
    for port in ports:
        with socket.socket() as probe:
            try:
                probe.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    with socket.socket() as probe:  # all taken: any port the system offers
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextmanager
def live_server(ports: range = PORTS, **overrides: Any) -> Iterator[str]:
    """Serve the app with the configured model packs (and any settings overridden) on a
    free port of `ports`; yields its base URL."""
    base = load_settings()  # honours IDCARD_MODELS_DIR and the configured packs
    settings = Settings(**{**{n: getattr(base, n) for n in base.__struct_fields__},
                           **overrides})
    port = free_port(ports)
    config = uvicorn.Config(create_app(settings), host="127.0.0.1", port=port,
                            log_level="warning", lifespan="on")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + START_TIMEOUT_S
    while not server.started:
        if not thread.is_alive():
            raise RuntimeError("the app did not start (are the model packs installed? "
                               "scripts/install.sh dev pulls them)")
        if time.monotonic() > deadline:
            raise RuntimeError("the app did not start in time")
        time.sleep(0.1)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=30)
