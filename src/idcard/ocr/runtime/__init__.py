"""The one interface every inference runtime offers: run a float32 batch, get the output.

Which runtime backs a network is decided here and nowhere else. Paddle is imported only
when a Paddle pack is opened, so the base install never imports it.

Each runtime also adds the wall time of its raw `run` calls to a per-thread counter
(`network_time_ms`), which lets the benchmark compare the whole pipeline against the
time spent inside the networks themselves.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Protocol

import numpy as np
import numpy.typing as npt

FloatArray = npt.NDArray[np.float32]

ONNX_RUNTIME = "onnxruntime"
PADDLE_RUNTIME = "paddle"
RUNTIMES = (ONNX_RUNTIME, PADDLE_RUNTIME)


class Network(Protocol):
    """One loaded model. `run` must be safe to call from several threads at once."""

    def run(self, batch: FloatArray) -> FloatArray: ...


_clock = threading.local()


def network_time_ms() -> float:
    """Milliseconds this thread has spent inside runtime `run` calls so far."""
    total: float = getattr(_clock, "ms", 0.0)
    return total


@contextmanager
def timed_run() -> Iterator[None]:
    """Add the duration of the enclosed raw runtime call to this thread's counter."""
    start = time.perf_counter()
    try:
        yield
    finally:
        _clock.ms = network_time_ms() + (time.perf_counter() - start) * 1000.0


def open_network(runtime: str, pack_dir: Path, role: str, threads: int) -> Network:
    """Load the `role` model ("det", "rec" or "cls") of an installed pack."""
    if runtime == ONNX_RUNTIME:
        from idcard.ocr.runtime.onnx import OnnxNetwork

        return OnnxNetwork(pack_dir / f"{role}.onnx", threads)
    if runtime == PADDLE_RUNTIME:
        from idcard.ocr.runtime.paddle import PaddleNetwork

        return PaddleNetwork(pack_dir / f"{role}.pdmodel", pack_dir / f"{role}.pdiparams",
                             threads)
    raise ValueError(f"unknown runtime {runtime!r}")
