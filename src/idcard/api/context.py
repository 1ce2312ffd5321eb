"""Per-request context: the request id, and one access-log line per request.

`AccessLog` wraps the whole Litestar ASGI handler (outside its exception handling), so
every response — routed, 404, 413, 500 — gets an `X-Request-ID` header and a log line.
Litestar's LoggingMiddleware is not used: it logs request bodies, i.e. ID card images and
personal data. The line written here holds method, path, status, time, request id, the
`side` hint, the problem code and the API key's *name* — never a field value, a raw URL,
a key, a header other than the request id, or a body. With `IDCARD_LOG_FORMAT=json` the
same fields are the JSON object's (see `logs.py`). It also counts the request in the
Prometheus metrics.
"""

from __future__ import annotations

import logging
import re
import time
import uuid
from typing import TYPE_CHECKING, Any

from litestar.enums import ScopeType
from litestar.types import ASGIApp, Message, Receive, Scope, Send

if TYPE_CHECKING:
    from idcard.api.metrics import Metrics

REQUEST_ID_HEADER = "x-request-id"
_STATE_REQUEST_ID = "idcard_request_id"
_STATE_SIDE = "idcard_side"
_STATE_KEY = "idcard_key"
_STATE_PROBLEM = "idcard_problem"
NO_KEY = "-"
_VALID_REQUEST_ID = re.compile(r"[A-Za-z0-9._-]{1,64}")

access_log = logging.getLogger("idcard.access")


def request_id_of(scope: Scope | Any) -> str:
    """The request's id: the client's valid X-Request-ID, else a new uuid4 (hex).

    Decided once per request and kept in the scope's state, so the header, the body and
    the log line agree.
    """
    state: dict[str, Any] = scope.setdefault("state", {})
    rid = state.get(_STATE_REQUEST_ID)
    if rid is None:
        rid = _client_request_id(scope) or uuid.uuid4().hex
        state[_STATE_REQUEST_ID] = rid
    return str(rid)


def note_side(scope: Scope | Any, side: str) -> None:
    """Record the side hint for the access log (a parameter, not a field value)."""
    scope.setdefault("state", {})[_STATE_SIDE] = side


def note_key(scope: Scope | Any, name: str) -> None:
    """Record the caller's API key name (never the key) for the log and the metrics."""
    scope.setdefault("state", {})[_STATE_KEY] = name


def note_problem(scope: Scope | Any, code: str) -> None:
    """Record the problem code the response carries."""
    scope.setdefault("state", {})[_STATE_PROBLEM] = code


def _client_request_id(scope: Scope) -> str | None:
    for name, value in scope.get("headers", ()):
        if name == REQUEST_ID_HEADER.encode():
            text = value.decode("latin-1")
            return text if _VALID_REQUEST_ID.fullmatch(text) else None
    return None


def _route_of(scope: Scope) -> str:
    # The matched route's template, not the raw path: a client could put an ID number in
    # a URL, and the log must not carry it.
    template = scope.get("path_template")
    return str(template) if template else "(unmatched)"


class AccessLog:
    """ASGI middleware: request id header on every response, one log line per request."""

    def __init__(self, app: ASGIApp, metrics: Metrics | None = None) -> None:
        self.app = app
        self.metrics = metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != ScopeType.HTTP:
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        rid = request_id_of(scope)
        status = 500  # if the app dies before starting a response, the server sends 500

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                headers = [h for h in message.get("headers", ())
                           if h[0].lower() != REQUEST_ID_HEADER.encode()]
                headers.append((REQUEST_ID_HEADER.encode(), rid.encode()))
                message["headers"] = headers
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        finally:
            self._record(scope, status, time.perf_counter() - started, rid)

    def _record(self, scope: Scope, status: int, seconds: float, rid: str) -> None:
        state = scope.get("state", {})
        fields = {"method": scope.get("method", "-"), "path": _route_of(scope),
                  "status": status, "ms": round(seconds * 1000.0, 1), "request_id": rid,
                  "side": state.get(_STATE_SIDE, "-"), "code": state.get(_STATE_PROBLEM, "-"),
                  "key": state.get(_STATE_KEY, NO_KEY)}
        access_log.info(
            "method=%s path=%s status=%d ms=%.1f request_id=%s side=%s code=%s key=%s",
            *fields.values(), extra={"access": fields})
        if self.metrics is not None:
            self.metrics.observe_request(
                route=str(fields["path"]), method=str(fields["method"]), status=status,
                code="" if fields["code"] == "-" else str(fields["code"]),
                key=str(fields["key"]), seconds=seconds)
