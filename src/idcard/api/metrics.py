"""Prometheus metrics (`prometheus-client`), served at `/metrics`.

Labels are bounded and never personal: route templates (not raw paths), methods,
statuses, problem codes, warning codes, stage names, sides, model names and API key
*names* (the operator's, from the key file). No field value, ID number, image detail or
key ever becomes a label.

One process: each app has its own registry (tests build many apps). Several uvicorn
processes: with `PROMETHEUS_MULTIPROC_DIR` set before start-up, prometheus-client keeps
the values in files in that folder and `/metrics` adds up all processes
(`MultiProcessCollector`); gauges say how (`livesum`: the sum over live processes).
"""

from __future__ import annotations

import os
from collections.abc import Iterable

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
)
from prometheus_client.multiprocess import MultiProcessCollector

from idcard.api.schemas import Timings

_MULTIPROCESS_ENV = "PROMETHEUS_MULTIPROC_DIR"
_STAGES = frozenset(Timings.__struct_fields__)
# A card takes 0.1-2 s on a few cores; a stage from well under a millisecond up.
_STAGE_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0,
                  10.0)
_REQUEST_BUCKETS = (0.001, 0.005, 0.025, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)

CONTENT_TYPE = CONTENT_TYPE_LATEST


def multiprocess_dir() -> str | None:
    return os.environ.get(_MULTIPROCESS_ENV) or None


class Metrics:
    def __init__(self) -> None:
        self.registry = CollectorRegistry(auto_describe=True)
        reg = self.registry
        self.requests = Counter(
            "idcard_http_requests", "HTTP requests answered, by route, status and problem "
            "code (\"\" when not a problem) and API key name (\"-\": none)",
            ["route", "method", "status", "code", "key"], registry=reg)
        self.request_seconds = Histogram(
            "idcard_http_request_duration_seconds", "time from request to response",
            ["route"], buckets=_REQUEST_BUCKETS, registry=reg)
        self.rejected = Counter(
            "idcard_rejected_requests", "requests refused with 503 because every OCR "
            "worker was busy and the queue full", registry=reg)
        self.stage_seconds = Histogram(
            "idcard_stage_duration_seconds", "time per pipeline stage of a card read "
            "(the keys of timings_ms)", ["stage"], buckets=_STAGE_BUCKETS, registry=reg)
        self.cards = Counter("idcard_cards_read", "cards read, by the side found",
                             ["side"], registry=reg)
        self.warnings = Counter("idcard_warnings", "warnings returned, by code", ["code"],
                                registry=reg)
        self.queue_depth = Gauge("idcard_queue_depth", "requests waiting for an OCR worker",
                                 registry=reg, multiprocess_mode="livesum")
        self.busy_workers = Gauge("idcard_busy_workers", "OCR workers reading a card",
                                  registry=reg, multiprocess_mode="livesum")
        self.workers = Gauge("idcard_workers", "OCR worker threads", registry=reg,
                             multiprocess_mode="livesum")
        self.queue_size = Gauge("idcard_queue_size", "requests that may wait for a worker",
                                registry=reg, multiprocess_mode="livesum")
        self.model = Gauge("idcard_model_info", "the model packs and runtime in use (1)",
                           ["det", "rec", "recheck", "runtime"], registry=reg,
                           multiprocess_mode="max")

    # -- updates ------------------------------------------------------------------------

    def observe_request(self, *, route: str, method: str, status: int, code: str,
                        key: str, seconds: float) -> None:
        self.requests.labels(route, method, str(status), code, key).inc()
        self.request_seconds.labels(route).observe(seconds)
        if code == "overloaded":
            self.rejected.inc()

    def observe_reading(self, side: str, warning_codes: Iterable[str],
                        timings_ms: dict[str, float]) -> None:
        self.cards.labels(side).inc()
        for code in warning_codes:
            self.warnings.labels(code).inc()
        for stage, ms in timings_ms.items():
            if stage in _STAGES:  # only the documented stages: a bounded label set
                self.stage_seconds.labels(stage).observe(ms / 1000.0)

    def observe_pool(self, waiting: int, running: int) -> None:
        self.queue_depth.set(waiting)
        self.busy_workers.set(running)

    def set_pool_size(self, workers: int, queue_size: int) -> None:
        self.workers.set(workers)
        self.queue_size.set(queue_size)

    def set_model(self, *, det: str, rec: str, recheck: str, runtime: str) -> None:
        self.model.labels(det, rec, recheck or "-", runtime).set(1)

    # -- exposition ---------------------------------------------------------------------

    def exposition(self) -> bytes:
        if multiprocess_dir() is None:
            return generate_latest(self.registry)
        merged = CollectorRegistry()
        MultiProcessCollector(merged)  # type: ignore[no-untyped-call]
        return generate_latest(merged)
