"""Log format: text lines (default) or one JSON object per line (`IDCARD_LOG_FORMAT=json`).

The JSON object has `ts`, `level`, `logger` and `message`; an access line adds its
fields (method, path, status, ms, request_id, side, code, key) as keys of their own, so a
log pipeline needs no parsing. An exception is logged by type and frames only: its
message may quote the data being read.

Stdlib only (no Litestar): `idcard serve` also hands these formatters to uvicorn.
"""

from __future__ import annotations

import json
import logging
import traceback
from datetime import UTC, datetime
from typing import Any

TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s %(message)s"


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "ts": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        access = getattr(record, "access", None)
        if isinstance(access, dict):
            entry.update(access)
        if record.exc_info and record.exc_info[0] is not None:
            entry["exc_type"] = record.exc_info[0].__name__
            entry["exc_frames"] = "".join(
                traceback.format_list(traceback.extract_tb(record.exc_info[2]))).rstrip()
        return json.dumps(entry, ensure_ascii=False, default=str)


def formatter_config(log_format: str) -> dict[str, Any]:
    """A `logging.config.dictConfig` formatter entry for the format."""
    if log_format == "json":
        return {"()": f"{__name__}.JsonFormatter"}
    return {"format": TEXT_FORMAT}


def uvicorn_log_config(log_format: str) -> dict[str, Any]:
    """uvicorn's own lines (start-up, errors) in the same format; its access log is off."""
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"default": formatter_config(log_format)},
        "handlers": {"default": {"class": "logging.StreamHandler", "formatter": "default",
                                 "stream": "ext://sys.stderr"}},
        "loggers": {"uvicorn": {"handlers": ["default"], "level": "INFO",
                                "propagate": False},
                    "uvicorn.error": {"level": "INFO"}},
    }
