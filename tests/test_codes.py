"""One registry of warning and problem codes (`idcard.codes`), and the source keeps to it.

The source is read as Python syntax: every `Notice(...)`, `InputError(...)`,
`ProblemError(...)` and `problem_response(...)` whose code is written as a literal must
name a registered code. A branch that adds a code without registering it fails here
at merge time (mypy catches the same through the `Literal` types).
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from litestar import Litestar
from litestar.testing import TestClient

from idcard.api.app import create_app
from idcard.api.problems import PROBLEMS
from idcard.codes import PROBLEM_CODES, WARNING_CODES, problem_codes, warning_codes
from idcard.config import Settings

SRC = Path(__file__).resolve().parents[1] / "src" / "idcard"
WARNING_MAKERS = {"Notice"}
PROBLEM_MAKERS = {"InputError", "ProblemError", "problem_response"}


def _called_name(call: ast.Call) -> str | None:
    if isinstance(call.func, ast.Name):
        return call.func.id
    if isinstance(call.func, ast.Attribute):
        return call.func.attr
    return None


def _literal_code(call: ast.Call, position: int) -> str | None:
    candidates = [kw.value for kw in call.keywords if kw.arg == "code"]
    if len(call.args) > position:
        candidates.append(call.args[position])
    for node in candidates:
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            return node.value
    return None


def emitted_codes(makers: set[str]) -> Iterator[tuple[str, str]]:
    """(code, where) for every literal code passed to one of `makers` in the source."""
    for path in sorted(SRC.rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        for node in ast.walk(tree):
            if isinstance(node, ast.Call) and _called_name(node) in makers:
                # problem_response(request, code, ...): the code is the second argument.
                position = 1 if _called_name(node) == "problem_response" else 0
                code = _literal_code(node, position)
                if code is not None:
                    yield code, f"{path.relative_to(SRC)}:{node.lineno}"


def test_the_source_is_scanned() -> None:
    warnings = {code for code, _ in emitted_codes(WARNING_MAKERS)}
    problems = {code for code, _ in emitted_codes(PROBLEM_MAKERS)}
    # The scan itself must find what is known to be there, or it proves nothing.
    assert {"side_mismatch", "card_incomplete", "field_missing"} <= warnings
    assert {"image_unreadable", "no_card_found", "overloaded"} <= problems


def test_every_warning_the_source_emits_is_registered() -> None:
    unknown = [(code, where) for code, where in emitted_codes(WARNING_MAKERS)
               if code not in WARNING_CODES]
    assert not unknown, f"add these to idcard/codes.py WarningCode and WARNING_CODES: {unknown}"


def test_every_problem_the_source_raises_is_registered() -> None:
    unknown = [(code, where) for code, where in emitted_codes(PROBLEM_MAKERS)
               if code not in PROBLEM_CODES]
    assert not unknown, f"add these to idcard/codes.py ProblemCode and PROBLEM_CODES: {unknown}"


@pytest.mark.parametrize(("literal", "table"), [
    (warning_codes(), WARNING_CODES), (problem_codes(), PROBLEM_CODES)],
    ids=["warnings", "problems"])
def test_every_code_is_described_once(literal: tuple[str, ...], table: dict[str, str]) -> None:
    assert len(set(literal)) == len(literal)
    assert list(table) == list(literal)
    for code, text in table.items():
        assert code.isidentifier() and code == code.lower(), code
        assert len(text) > 10, code


def test_every_problem_has_a_status_and_title() -> None:
    assert set(PROBLEMS) == set(problem_codes())
    for code, (status, title) in PROBLEMS.items():
        assert 400 <= status < 600 and title, code


@pytest.fixture(scope="module")
def document() -> Iterator[dict[str, Any]]:
    app: Litestar = create_app(Settings(pool_size=1), reader_factory=lambda: None)  # type: ignore[arg-type,return-value]
    with TestClient(app) as client:
        yield client.get("/schema/openapi.json").json()


def test_openapi_publishes_the_registry_as_documented_enums(document: dict[str, Any]) -> None:
    schemas = document["components"]["schemas"]
    for schema, table in [(schemas["Notice"]["properties"]["code"], WARNING_CODES),
                          (schemas["Problem"]["properties"]["code"], PROBLEM_CODES)]:
        assert schema["type"] == "string"
        assert schema["enum"] == list(table)
        for code, text in table.items():
            assert f"`{code}`: {text}" in schema["description"], code


def test_no_enum_in_the_document_holds_null(document: dict[str, Any]) -> None:
    def enums(node: Any) -> Iterator[list[Any]]:
        if isinstance(node, dict):
            if "enum" in node:
                yield node["enum"]
            for child in node.values():
                yield from enums(child)
        elif isinstance(node, list):
            for child in node:
                yield from enums(child)

    found = list(enums(document))
    assert found
    for values in found:
        assert None not in values, values
    # `side` is a plain, non-nullable enum with a default, wherever it is accepted.
    operation = document["paths"]["/v1/idcard"]["post"]
    side = next(p for p in operation["parameters"] if p["name"] == "side")
    schemas = [side["schema"]] + [body["schema"]["properties"]["side"]
                                  for body in operation["requestBody"]["content"].values()]
    for schema in schemas:
        assert (schema["type"], schema["enum"], schema["default"]) == (
            "string", ["auto", "front", "back"], "auto")
