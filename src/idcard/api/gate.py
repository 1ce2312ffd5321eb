"""Admission at the ASGI level, before Litestar reads or parses a body.

In order, cheapest refusal first:
1. the queue: a card upload while every OCR worker is busy and the queue is full gets
   503 at once (the pool decides again when the job is submitted; this check only spares
   an overloaded service the cost of receiving and parsing uploads it would refuse);
2. the API key (when a key file is configured): missing or unknown gets 401;
3. the key's quota: over it gets 429 with `Retry-After` and `RateLimit-*` headers.

Each refusal is a small pre-encoded problem+json response: no routing, no body parsing,
no exception machinery. Probes and metrics are always open; docs when configured so.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import msgspec
from litestar.enums import ScopeType
from litestar.types import (
    ASGIApp,
    HTTPResponseBodyEvent,
    HTTPResponseStartEvent,
    Message,
    Receive,
    Scope,
    Send,
)

from idcard.api.context import note_key, note_problem, request_id_of
from idcard.api.keys import KeyRing, Quota, ReloadingKeyRing
from idcard.api.pool import ReaderPool
from idcard.api.problems import PROBLEM_MEDIA_TYPE, PROBLEMS
from idcard.api.quota import Decision, QuotaKeeper
from idcard.api.schemas import Problem
from idcard.codes import ProblemCode

READ_PATH = "/v1/idcard"
_ALWAYS_OPEN = frozenset({"/healthz", "/readyz", "/metrics"})
# The docs and the demo page hold no data (the page asks for a key to call the API); a
# browser cannot send a key when it opens them, so they are open unless configured not to be.
_DOCS_PREFIXES = ("/docs", "/schema", "/static/swagger-ui", "/static/web", "/demo")
_DOCS_PAGES = frozenset({"/"})
_BEARER = "bearer "

PoolGetter = Callable[[], "ReaderPool[Any] | None"]


class Gate:
    """ASGI middleware: queue check, API key, quota — before the body is touched."""

    def __init__(self, app: ASGIApp, *, pool: PoolGetter, keys: ReloadingKeyRing | None,
                 quotas: QuotaKeeper, default_quota: Quota, docs_public: bool) -> None:
        self.app = app
        self._pool = pool
        self._keys = keys
        self._quotas = quotas
        self._default_quota = default_quota
        self._docs_public = docs_public

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != ScopeType.HTTP:
            await self.app(scope, receive, send)
            return
        path = _path_of(scope)
        if path == READ_PATH:
            # Named before routing, so a refusal is logged and counted under its route.
            scope["path_template"] = READ_PATH
        if path == READ_PATH and scope.get("method") == "POST":
            pool = self._pool()
            if pool is not None and pool.full:
                await send_problem(scope, send, "overloaded",
                                   "all OCR workers are busy and the queue is full",
                                   [(b"retry-after", str(pool.retry_after_s()).encode())])
                return
        if self._keys is None or self._is_open(path):
            await self.app(scope, receive, send)
            return
        keys = self._keys.current()
        name = self._caller(scope, keys)
        if name is None:
            await send_problem(scope, send, "unauthorized",
                               "send a valid API key in `Authorization: Bearer …` or "
                               "`X-API-Key`", [(b"www-authenticate", b'Bearer realm="idcard"')])
            return
        note_key(scope, name)
        decision = await self._quotas.check(name, keys.quota_for(name, self._default_quota))
        headers = _rate_headers(decision)
        if not decision.allowed:
            await send_problem(scope, send, "rate_limited",
                               f"over this key's quota of {decision.limit} requests per "
                               f"window; retry after {decision.reset_s} s",
                               [(b"retry-after", str(decision.reset_s).encode()), *headers])
            return
        await self.app(scope, receive, _adding_headers(send, headers))

    def _is_open(self, path: str) -> bool:
        return path in _ALWAYS_OPEN or (self._docs_public and (
            path in _DOCS_PAGES or path.startswith(_DOCS_PREFIXES)))

    @staticmethod
    def _caller(scope: Scope, keys: KeyRing) -> str | None:
        for header, value in scope.get("headers", ()):
            if header == b"authorization":
                text = value.decode("latin-1")
                if text[:len(_BEARER)].lower() == _BEARER:
                    return keys.identify(text[len(_BEARER):].strip())
            elif header == b"x-api-key":
                return keys.identify(value.decode("latin-1").strip())
        return None


def _path_of(scope: Scope) -> str:
    path: str = scope.get("path", "")
    root: str = scope.get("root_path", "")
    if root and path.startswith(root):
        path = path[len(root):]
    return path.rstrip("/") or "/"


def _rate_headers(decision: Decision) -> list[tuple[bytes, bytes]]:
    return [(b"ratelimit-limit", str(decision.limit).encode()),
            (b"ratelimit-remaining", str(decision.remaining).encode()),
            (b"ratelimit-reset", str(decision.reset_s).encode())]


def _adding_headers(send: Send, extra: list[tuple[bytes, bytes]]) -> Send:
    async def wrapped(message: Message) -> None:
        if message["type"] == "http.response.start":
            message["headers"] = [*message.get("headers", ()), *extra]
        await send(message)

    return wrapped


async def send_problem(scope: Scope, send: Send, code: ProblemCode, detail: str,
                       headers: list[tuple[bytes, bytes]]) -> None:
    """A problem+json response sent straight to the server (same body as the handlers')."""
    status, title = PROBLEMS[code]
    note_problem(scope, code)
    body = msgspec.json.encode(Problem(
        type=f"urn:idcard:problem:{code}", title=title, status=status, detail=detail,
        code=code, request_id=request_id_of(scope)))
    start: HTTPResponseStartEvent = {
        "type": "http.response.start", "status": status,
        "headers": [(b"content-type", PROBLEM_MEDIA_TYPE.encode()),
                    (b"content-length", str(len(body)).encode()), *headers]}
    await send(start)
    end: HTTPResponseBodyEvent = {"type": "http.response.body", "body": body,
                                  "more_body": False}
    await send(end)
