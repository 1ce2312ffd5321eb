"""Every error as an RFC 9457 `application/problem+json` body with a stable `code`.

Callers branch on `code` (and `status`); `detail` is for people. Details never contain
field values, and unexpected errors say nothing about their cause (the log has it).
"""

from __future__ import annotations

import logging
import sys
import traceback
from collections.abc import Mapping
from typing import Any

from litestar import Request, Response
from litestar.exceptions import HTTPException, ValidationException
from litestar.types import Scope

from idcard.api.context import note_problem, request_id_of
from idcard.api.schemas import Problem
from idcard.codes import ProblemCode
from idcard.errors import InputError

PROBLEM_MEDIA_TYPE = "application/problem+json"

# code -> (HTTP status, title); what each code means is in `idcard.codes`. Bad input is
# 4xx, always; 5xx means we failed.
PROBLEMS: Mapping[ProblemCode, tuple[int, str]] = {
    "image_missing": (400, "Image missing"),
    "invalid_base64": (400, "Invalid base64"),
    "invalid_parameter": (400, "Invalid parameter"),
    "unauthorized": (401, "Unauthorized"),
    "not_found": (404, "Not found"),
    "method_not_allowed": (405, "Method not allowed"),
    "payload_too_large": (413, "Payload too large"),
    "unsupported_media_type": (415, "Unsupported media type"),
    "image_unreadable": (422, "Image unreadable"),
    "image_too_small": (422, "Image too small"),
    "too_many_pixels": (422, "Too many pixels"),
    "unsupported_image": (422, "Unsupported image"),
    "no_card_found": (422, "No card found"),
    "pdf_encrypted": (422, "PDF encrypted"),
    "pdf_unreadable": (422, "PDF unreadable"),
    "pdf_too_many_pages": (422, "PDF has too many pages"),
    "pdf_page_too_large": (422, "PDF page too large"),
    "rate_limited": (429, "Rate limited"),
    "internal_error": (500, "Internal error"),
    "overloaded": (503, "Overloaded"),
    "timeout": (504, "Timeout"),
}
# Litestar's own HTTP errors (routing, body limit, query validation) by status.
_CODE_FOR_STATUS: Mapping[int, ProblemCode] = {
    400: "invalid_parameter", 404: "not_found", 405: "method_not_allowed",
    413: "payload_too_large", 415: "unsupported_media_type"}

log = logging.getLogger("idcard.api")


class ProblemError(Exception):
    """Raised by handlers for a problem that is not about the image itself."""

    def __init__(self, code: ProblemCode, detail: str, *,
                 retry_after_s: int | None = None) -> None:
        super().__init__(detail)
        self.code = code
        self.detail = detail
        self.retry_after_s = retry_after_s


def problem_response(request: Request[Any, Any, Any], code: ProblemCode, detail: str,
                     *, status: int | None = None,
                     headers: dict[str, str] | None = None) -> Response[Problem]:
    # An InputError whose code this table lacks (tests/test_codes.py catches that) is
    # still the caller's fault: 422 rather than a failure inside the error handler.
    known_status, title = PROBLEMS.get(code, (422, code.replace("_", " ").capitalize()))
    status = status or known_status
    note_problem(request.scope, code)
    body = Problem(type=f"urn:idcard:problem:{code}", title=title, status=status,
                   detail=detail, code=code, request_id=request_id_of(request.scope))
    return Response(body, status_code=status, media_type=PROBLEM_MEDIA_TYPE, headers=headers)


def on_input_error(request: Request[Any, Any, Any], exc: Exception) -> Response[Problem]:
    assert isinstance(exc, InputError)
    return problem_response(request, exc.code, exc.detail)


def on_problem(request: Request[Any, Any, Any], exc: Exception) -> Response[Problem]:
    assert isinstance(exc, ProblemError)
    headers = None
    if exc.retry_after_s is not None:
        headers = {"Retry-After": str(exc.retry_after_s)}
    return problem_response(request, exc.code, exc.detail, headers=headers)


def on_http_exception(request: Request[Any, Any, Any], exc: Exception) -> Response[Problem]:
    assert isinstance(exc, HTTPException)
    status = exc.status_code
    if status >= 500:
        return on_unexpected(request, exc)
    code = _CODE_FOR_STATUS.get(status, "invalid_parameter")
    detail = _http_detail(request, exc)
    headers = {k: v for k, v in (exc.headers or {}).items() if k.lower() == "allow"}
    return problem_response(request, code, detail, status=status, headers=headers or None)


def on_unexpected(request: Request[Any, Any, Any], exc: Exception) -> Response[Problem]:
    # The traceback was logged by Litestar's exception logging (see `log_unhandled`).
    return problem_response(
        request, "internal_error",
        "an unexpected error occurred; quote the request_id when reporting it")


def _http_detail(request: Request[Any, Any, Any], exc: HTTPException) -> str:
    if exc.status_code == 413:
        return f"the request body is larger than {_body_limit(request)} bytes"
    if isinstance(exc, ValidationException) and isinstance(exc.extra, list):
        # Litestar names the parameter and the reason; the rejected value itself stays out
        # of the message so a mistyped query never echoes personal data into client logs.
        names = [str(item.get("key")) for item in exc.extra if isinstance(item, dict)]
        if names:
            return f"invalid value for: {', '.join(names)}"
    return str(exc.detail)


def _body_limit(request: Request[Any, Any, Any]) -> str:
    try:
        return str(request.route_handler.resolve_request_max_body_size())
    except Exception:  # no route matched: the app-wide limit applies, name it generically
        return "the configured number of"


def log_unhandled(logger: Any, scope: Scope, tb: list[str]) -> None:
    """Log an unexpected error: where it happened, but not its message.

    Exception messages can quote the data being processed (a field value, an ID number);
    the frames and the exception type are enough to find the bug.
    """
    del logger, tb  # the formatted traceback includes the message; rebuild it without
    exc_type, _, exc_tb = sys.exc_info()
    frames = "".join(traceback.format_list(traceback.extract_tb(exc_tb)))
    log.error("unhandled error request_id=%s method=%s path=%s type=%s\n%s",
              request_id_of(scope), scope.get("method", "-"), scope.get("path", "-"),
              exc_type.__name__ if exc_type else "-", frames.rstrip())


def exception_handlers() -> dict[type[Exception] | int, Any]:
    return {
        InputError: on_input_error,
        ProblemError: on_problem,
        HTTPException: on_http_exception,
        Exception: on_unexpected,
    }
