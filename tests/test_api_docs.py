"""The OpenAPI document and the Swagger UI, which must work offline."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from litestar import Litestar
from litestar.testing import TestClient

from idcard.api.app import create_app
from idcard.config import Settings


@pytest.fixture(scope="module")
def client() -> Iterator[TestClient[Litestar]]:
    # The document does not depend on the reader; the docs must not need models.
    app = create_app(Settings(pool_size=1), reader_factory=lambda: None)  # type: ignore[arg-type,return-value]
    with TestClient(app) as test_client:
        yield test_client


@pytest.fixture(scope="module")
def document(client: TestClient[Litestar]) -> dict[str, Any]:
    response = client.get("/schema/openapi.json")
    assert response.status_code == 200
    body: dict[str, Any] = response.json()
    return body


def test_document_is_valid_openapi(document: dict[str, Any], tmp_path: Path) -> None:
    assert document["openapi"].startswith("3.1")
    assert set(document["paths"]) == {"/v1/idcard", "/healthz", "/readyz", "/metrics"}
    for path, item in document["paths"].items():
        for method, operation in item.items():
            assert operation["responses"], (path, method)
            for status in operation["responses"]:
                assert re.fullmatch(r"[1-5]\d\d", status), (path, method, status)
    refs = set(re.findall(r'"#/components/schemas/([^"]+)"', json.dumps(document)))
    assert refs <= set(document["components"]["schemas"]), refs
    try:
        from openapi_spec_validator import validate
    except ImportError:
        validator = shutil.which("openapi-spec-validator")
        if validator is None:
            return  # structural checks above only
        spec = tmp_path / "openapi.json"
        spec.write_text(json.dumps(document), encoding="utf-8")
        result = subprocess.run([validator, str(spec)], capture_output=True, text=True,
                                timeout=60, check=False)
        assert result.returncode == 0, result.stdout + result.stderr
    else:
        validate(document)


def test_read_card_operation_documents_both_bodies(document: dict[str, Any]) -> None:
    operation = document["paths"]["/v1/idcard"]["post"]
    content = operation["requestBody"]["content"]
    assert content["multipart/form-data"]["schema"]["required"] == ["image"]
    assert content["multipart/form-data"]["schema"]["properties"]["image"]["format"] == "binary"
    assert content["application/json"]["schema"]["required"] == ["image_base64"]
    assert {p["name"] for p in operation["parameters"]} == {"side", "return", "mask",
                                                             "mask_values"}
    for status, code in [("400", "invalid_base64"), ("413", "payload_too_large"),
                         ("415", "unsupported_media_type"), ("422", "too_many_pixels"),
                         ("503", "overloaded"), ("504", "timeout"), ("500", "internal_error")]:
        problem = operation["responses"][status]["content"]["application/problem+json"]
        assert problem["schema"] == {"$ref": "#/components/schemas/Problem"}
        assert code in {e["value"]["code"] for e in problem["examples"].values()}


def test_response_schema_types_every_field_with_examples(document: dict[str, Any]) -> None:
    schemas = document["components"]["schemas"]
    ok = document["paths"]["/v1/idcard"]["post"]["responses"]["200"]
    assert ok["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/IdCardResponse"}
    response = schemas["IdCardResponse"]
    assert set(response["required"]) == {"request_id", "side", "fields", "checks", "warnings",
                                         "review_needed", "review_reasons", "quality",
                                         "model", "timings_ms"}
    assert set(response["properties"]) == set(response["required"]) | {"images", "pages"}
    assert response["properties"]["pages"].get("examples")
    assert "page" in response["properties"]["pages"]["description"]
    for name in ("request_id", "side", "fields", "checks", "warnings", "timings_ms",
                 "review_needed", "review_reasons", "quality"):
        assert response["properties"][name].get("examples"), name
    assert response["properties"]["side"]["enum"] == ["front", "back", "both"]
    fields = schemas["CardFields"]["properties"]
    assert set(fields) == {"name", "sex", "ethnicity", "birth_date", "address", "id_number",
                           "issuing_authority", "valid_from", "valid_until"}
    field = schemas["Field"]
    assert set(field["properties"]) == {"value", "confidence", "box", "raw", "review"}
    quality = response["properties"]["quality"]
    signals = ("blur", "motion_blur", "glare", "too_dark", "overexposed", "photocopy",
               "screen_recapture", "occlusion", "card_incomplete")
    assert set(quality["examples"][0]) == set(signals)
    for code in (*signals, "low_confidence", "check_failed", "repaired", "field_missing"):
        assert code in response["properties"]["review_reasons"]["description"] \
            or code in quality["description"], code
    for check in schemas["Checks"]["properties"].values():
        assert check["enum"] == ["pass", "fail", "absent"]
    for name in ("det", "rec", "runtime"):
        assert schemas["ModelUsed"]["properties"][name]["examples"]
    for name, timing in schemas["Timings"]["properties"].items():
        if name == "steps":  # the strategy's named steps, each a number of ms
            assert timing["type"] == "object", name
            assert timing["additionalProperties"]["type"] == "number"
            assert timing["description"] and timing["examples"]
        else:
            assert timing["type"] == "number", name
    problem = schemas["Problem"]
    assert set(problem["required"]) == {"type", "title", "status", "detail", "code",
                                        "request_id"}


def test_docs_page_uses_only_local_assets(client: TestClient[Litestar]) -> None:
    for page in ("/docs", "/schema", "/schema/swagger"):
        response = client.get(page)
        assert response.status_code == 200, page
        html = response.text
        assert "SwaggerUIBundle" in html
        urls = re.findall(r"""(?:src|href)=["']([^"']+)["']""", html)
        assert urls, page
        for url in urls:
            assert url.startswith("/"), (page, url)
            assert not url.startswith("//"), (page, url)
        assert "http://" not in html.split("<body>")[0]
        assert "https://" not in html.split("<body>")[0]
        assert "cdn" not in html.lower()


def test_swagger_assets_are_served(client: TestClient[Litestar]) -> None:
    html = client.get("/docs").text
    for url in re.findall(r"""(?:src|href)=["']([^"']+)["']""", html):
        response = client.get(url)
        assert response.status_code == 200, url
        assert len(response.content) > 100, url
    script = client.get("/static/swagger-ui/swagger-ui-bundle.js")
    assert "javascript" in script.headers["content-type"]
    assert client.get("/static/swagger-ui/swagger-ui.css").headers["content-type"].startswith(
        "text/css")
    assert client.get("/static/swagger-ui/../../etc/passwd").status_code in (400, 404)
