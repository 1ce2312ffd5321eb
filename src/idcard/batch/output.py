"""One record per input, to JSON Lines (`.jsonl`, or stdout) or CSV (`.csv`).

A record is `{"path": ..., "ok": true, ...the API's response body}` or
`{"path": ..., "ok": false, "error": {"code": ..., "detail": ...}}`. Records are written
as inputs finish (not in input order) and flushed one by one, so an interrupted batch
keeps what it read and `--resume` can go on from there.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable
from pathlib import Path
from typing import Any, Protocol, TextIO

# Errors that say nothing about the input: `--resume` reads those inputs again.
RETRIED_CODES = frozenset({"overloaded", "timeout", "rate_limited", "internal_error",
                           "service_unreachable"})
FIELDS = ("name", "sex", "ethnicity", "birth_date", "address", "id_number",
          "issuing_authority", "valid_from", "valid_until")
CSV_COLUMNS = ("path", "ok", "error_code", "error_detail", "side", "review_needed", "pages",
               *FIELDS, "warnings", "failed_checks")

Record = dict[str, Any]


class RecordWriter(Protocol):
    def write(self, record: Record) -> None: ...


class JsonLinesWriter:
    def __init__(self, stream: TextIO) -> None:
        self._stream = stream

    def write(self, record: Record) -> None:
        self._stream.write(json.dumps(record, ensure_ascii=False) + "\n")
        self._stream.flush()


class CsvWriter:
    def __init__(self, stream: TextIO, header: bool) -> None:
        self._stream = stream
        self._csv = csv.DictWriter(stream, fieldnames=CSV_COLUMNS)
        if header:
            self._csv.writeheader()

    def write(self, record: Record) -> None:
        self._csv.writerow(csv_row(record))
        self._stream.flush()


def csv_row(record: Record) -> dict[str, str]:
    error = record.get("error") or {}
    fields = record.get("fields") or {}
    checks = record.get("checks") or {}
    row = {
        "path": record["path"], "ok": "true" if record.get("ok") else "false",
        "error_code": error.get("code", ""), "error_detail": error.get("detail", ""),
        "side": record.get("side", ""),
        "review_needed": _flag(record.get("review_needed")),
        "pages": ";".join(f"{p['side']}:{p['page']}" for p in record.get("pages") or []),
        "warnings": ";".join(w["code"] for w in record.get("warnings") or []),
        "failed_checks": ";".join(name for name, status in checks.items() if status == "fail"),
    }
    for name in FIELDS:
        row[name] = (fields.get(name) or {}).get("value", "")
    return row


def _flag(value: object) -> str:
    return "" if value is None else ("true" if value else "false")


def is_csv(path: Path | None) -> bool:
    return path is not None and path.suffix.lower() == ".csv"


def finished_paths(path: Path) -> set[str]:
    """The inputs `--resume` skips: their last record is a reading or an error about the
    input itself (a busy or unreachable service is tried again)."""
    if not path.exists():
        return set()
    text = path.read_text(encoding="utf-8", errors="replace")
    last: dict[str, str | None] = {}  # path -> its last record's error code (None: read)
    for path_text, code in (_csv_entries(text) if is_csv(path) else _json_entries(text)):
        last[path_text] = code
    return {p for p, code in last.items() if code not in RETRIED_CODES}


def _json_entries(text: str) -> Iterable[tuple[str, str | None]]:
    for line in text.splitlines():
        try:
            record = json.loads(line)
        except ValueError:  # a line cut short when the batch was stopped
            continue
        if isinstance(record, dict) and isinstance(record.get("path"), str):
            yield record["path"], (record.get("error") or {}).get("code")


def _csv_entries(text: str) -> Iterable[tuple[str, str | None]]:
    for row in csv.DictReader(io.StringIO(text)):
        if row.get("path") and row.get("ok") in ("true", "false"):
            yield row["path"], (row.get("error_code") or None)


def needs_newline(path: Path) -> bool:
    """Whether the file ends in the middle of a line (a write cut short)."""
    if not path.exists() or path.stat().st_size == 0:
        return False
    with path.open("rb") as stream:
        stream.seek(-1, 2)
        return stream.read(1) != b"\n"
