"""No personal data in any log line, at any level, over the real OCR engine.

Fixture cards go through the service (multipart and base64 JSON, a good and a damaged
image) with every logger at DEBUG, captured twice: by pytest's caplog and by the JSON
log format the service writes (`IDCARD_LOG_FORMAT=json`). No field value of the cards'
labels, no ID number and none of its parts may appear in either.
"""

from __future__ import annotations

import base64
import io
import json
import logging
import re
import time
from pathlib import Path
from typing import Any

import pytest
from litestar.testing import TestClient

from idcard.api.app import create_app
from idcard.api.logs import JsonFormatter
from idcard.config import Settings, load_settings

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
LABELS: dict[str, dict[str, Any]] = {
    entry["file"]: entry
    for entry in json.loads((FIXTURES / "labels.json").read_text(encoding="utf-8"))
}
CARDS = ["front_clean_000.jpg", "back_clean_002.jpg"]
# Numbers that are not personal data and may by chance contain an ID's digits.
_TIMINGS = re.compile(r"\b(ms|cold_start_s)=\d+(\.\d+)?")


def secrets_of(labels: dict[str, str]) -> set[str]:
    """Every label value, and the ID number, its parts and its dates in other spellings."""
    found = {value for value in labels.values() if value}
    for value in list(found):
        if re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
            found |= {value.replace("-", ""), value.replace("-", "."),
                      value.replace("-", "/")}
    id_number = labels.get("id_number")
    if id_number:
        found |= {id_number, id_number.lower(), id_number[:6], id_number[6:14],
                  id_number[14:17], id_number[14:], id_number[:14]}
    return found


def _swap_streams(logger_name: str, stream: io.StringIO) -> None:
    for handler in logging.getLogger(logger_name).handlers:
        for inner in getattr(getattr(handler, "listener", None), "handlers", ()):
            if isinstance(inner, logging.StreamHandler):
                inner.setStream(stream)


def test_no_field_value_or_id_part_in_any_log_line(caplog: pytest.LogCaptureFixture) -> None:
    base = load_settings()
    settings = Settings(**{**{n: getattr(base, n) for n in base.__struct_fields__},
                           "pool_size": 1, "timeout_s": 300.0, "log_format": "json"})
    service_stream, json_stream = io.StringIO(), io.StringIO()
    json_handler = logging.StreamHandler(json_stream)
    json_handler.setFormatter(JsonFormatter())
    json_handler.setLevel(logging.DEBUG)
    app = create_app(settings)
    _swap_streams("idcard", service_stream)
    loggers = [logging.getLogger(name) for name in ("", "idcard", "litestar", "uvicorn")]
    levels = [logger.level for logger in loggers]
    for logger in loggers:
        logger.setLevel(logging.DEBUG)
        logger.addHandler(json_handler)
    caplog.set_level(logging.DEBUG)
    bodies: dict[str, str] = {}
    try:
        with TestClient(app) as client:
            for name in CARDS:
                data = (FIXTURES / name).read_bytes()
                ok = client.post("/v1/idcard", files={"image": (name, data)},
                                 headers={"X-Request-ID": "privacy-1"})
                assert ok.status_code == 200, ok.text
                as_json = client.post("/v1/idcard", headers={"X-Request-ID": "privacy-2"},
                                      json={"image_base64": base64.b64encode(data).decode(),
                                            "return": "card"})
                assert as_json.status_code == 200, as_json.text
                broken = client.post("/v1/idcard", headers={"X-Request-ID": "privacy-3"},
                                     files={"image": (name, data[: len(data) // 2])})
                assert broken.status_code == 422
                bodies[name] = ok.text + as_json.text
        deadline = time.monotonic() + 5
        while "privacy-3" not in service_stream.getvalue() and time.monotonic() < deadline:
            time.sleep(0.02)  # the service's queue listener writes from its own thread
    finally:
        _swap_streams("idcard", io.StringIO())
        for logger, level in zip(loggers, levels, strict=True):
            logger.setLevel(level)
            logger.removeHandler(json_handler)
    # The values really went through the service (read back in the responses), or the
    # test would prove nothing.
    for name in CARDS:
        read_back = [v for v in LABELS[name]["fields"].values() if v and v in bodies[name]]
        assert len(read_back) >= 2, (name, read_back)
    records = caplog.records
    assert any(r.name == "idcard.access" for r in records)
    texts = [_TIMINGS.sub("", r.getMessage()) for r in records]
    texts += [_TIMINGS.sub("", str(r.__dict__.get("access", ""))) for r in records]
    for stream in (service_stream, json_stream):
        lines = [line for line in stream.getvalue().splitlines() if line.strip()]
        assert lines
        for line in lines:
            entry = json.loads(line)  # one JSON object per line
            entry.pop("ts", None)
            entry.pop("ms", None)
            texts.append(_TIMINGS.sub("", json.dumps(entry, ensure_ascii=False)))
    everything = "\n".join(texts)
    assert "privacy-1" in everything and "privacy-3" in everything
    for name in CARDS:
        for secret in secrets_of(LABELS[name]["fields"]):
            assert secret not in everything, (name, secret)
