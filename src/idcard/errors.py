"""Errors a caller can cause, each with a stable code. The HTTP layer maps codes to statuses."""

from __future__ import annotations

from idcard.codes import ProblemCode


class InputError(Exception):
    """The request's image or parameters cannot be processed as sent."""

    def __init__(self, code: ProblemCode, detail: str) -> None:
        super().__init__(detail)
        self.code = code
        self.detail = detail


class ModelsMissingError(RuntimeError):
    """A model pack the configuration asks for is not installed (or fails its checksum)."""
