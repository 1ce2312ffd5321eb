"""A Python client generated from the live app's OpenAPI document reads a card.

`openapi-python-client` (a dev dependency) generates the client from the running
service's `/schema/openapi.json` into a temporary folder; the test imports it and reads a
fixture card through it, as multipart and as JSON, against the real engine. The same
command is in the README.
"""

from __future__ import annotations

import base64
import importlib
import io
import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import httpx
import pytest
from live_server import live_server

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = ROOT / "fixtures"
LABELS = {e["file"]: e for e in json.loads((FIXTURES / "labels.json").read_text("utf-8"))}
FRONT = "front_clean_002.jpg"
BACK = "back_clean_002.jpg"
PACKAGE = "idcard_client"
CONFIG = "project_name_override: idcard-client\npackage_name_override: idcard_client\n" \
         "post_hooks: []\n"


@pytest.fixture(scope="module")
def server() -> Iterator[str]:
    with live_server() as base:
        yield base


def _generator() -> list[str]:
    script = Path(sys.executable).with_name("openapi-python-client")
    if not script.exists():
        pytest.fail("openapi-python-client is not installed: it is in the `dev` extra")
    return [str(script)]


@pytest.fixture(scope="module")
def client_package(server: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[ModuleType]:
    where = tmp_path_factory.mktemp("generated")
    spec = where / "openapi.json"
    spec.write_bytes(httpx.get(server + "/schema/openapi.json").content)
    config = where / "config.yaml"
    config.write_text(CONFIG, encoding="utf-8")
    result = subprocess.run(
        [*_generator(), "generate", "--path", str(spec), "--meta", "none",
         "--output-path", str(where / PACKAGE), "--config", str(config)],
        capture_output=True, text=True, timeout=300, check=False)
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    # A clean document generates without a single warning.
    assert "warning" not in output.lower(), output
    sys.path.insert(0, str(where))
    try:
        yield importlib.import_module(PACKAGE)
    finally:
        sys.path.remove(str(where))
        for name in [n for n in sys.modules if n == PACKAGE or n.startswith(PACKAGE + ".")]:
            del sys.modules[name]


def _module(package: ModuleType, name: str) -> Any:
    return importlib.import_module(f"{package.__name__}.{name}")


def _client(package: ModuleType, server: str) -> Any:
    return package.Client(base_url=server, timeout=httpx.Timeout(180.0),
                          raise_on_unexpected_status=True)


def test_generated_models_are_one_clean_type_per_concept(client_package: ModuleType) -> None:
    models = _module(client_package, "models")
    read_card = _module(client_package, "api.idcard.read_card")
    # `side` is one enum (no nullable union), with the documented default.
    assert {m.value for m in models.ReadCardSide} == {"auto", "front", "back"}
    assert read_card.sync.__kwdefaults__["side"] == models.ReadCardSide.AUTO
    # Warning and problem codes are enums.
    assert "card_incomplete" in {m.value for m in models.NoticeCode}
    assert "no_card_found" in {m.value for m in models.ProblemCode}


def test_generated_client_reads_a_card_as_multipart(client_package: ModuleType,
                                                    server: str) -> None:
    models = _module(client_package, "models")
    read_card = _module(client_package, "api.idcard.read_card")
    File = _module(client_package, "types").File
    data = (FIXTURES / FRONT).read_bytes()
    body = models.ReadCardFilesBody(
        image=File(payload=io.BytesIO(data), file_name=FRONT, mime_type="image/jpeg"))
    result = read_card.sync(client=_client(client_package, server), body=body, return_="card")
    assert isinstance(result, models.IdCardResponse), result
    expected = LABELS[FRONT]["fields"]
    assert result.side == models.IdCardResponseSide.FRONT
    assert result.fields.id_number.value == expected["id_number"]
    assert result.fields.name.value == expected["name"]
    assert result.checks.id_checksum == models.ChecksIdChecksum.PASS
    assert all(isinstance(w.code, models.NoticeCode) for w in result.warnings)
    assert base64.b64decode(result.images.card)[:2] == b"\xff\xd8"
    assert len(result.images.card_corners) == 4


def test_generated_client_reads_a_card_as_json(client_package: ModuleType,
                                               server: str) -> None:
    models = _module(client_package, "models")
    read_card = _module(client_package, "api.idcard.read_card")
    data = (FIXTURES / BACK).read_bytes()
    body = models.ReadCardJsonBody(image_base64=base64.b64encode(data).decode("ascii"),
                                   side=models.ReadCardJsonBodySide.BACK)
    result = read_card.sync(client=_client(client_package, server), body=body)
    assert isinstance(result, models.IdCardResponse), result
    assert result.side == models.IdCardResponseSide.BACK
    assert result.fields.valid_until.value == LABELS[BACK]["fields"]["valid_until"]


def test_generated_client_gets_a_typed_problem(client_package: ModuleType,
                                               server: str) -> None:
    models = _module(client_package, "models")
    read_card = _module(client_package, "api.idcard.read_card")
    body = models.ReadCardJsonBody(image_base64="not base64!")
    result = read_card.sync(client=_client(client_package, server), body=body)
    assert isinstance(result, models.Problem), result
    assert result.code == models.ProblemCode.INVALID_BASE64
    assert result.status == 400
