"""The one interface every inference runtime offers: run a float32 batch, get the output.

Which runtime backs a network is decided here and nowhere else. Paddle and OpenVINO are
imported only when they are asked for, so the base install never imports them.

Each runtime also adds the wall time of its raw `run` calls to a per-thread counter
(`network_time_ms`), which lets the benchmark compare the whole pipeline against the
time spent inside the networks themselves.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import sys
import threading
import time
from collections.abc import Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path
from typing import Protocol

import numpy as np
import numpy.typing as npt

FloatArray = npt.NDArray[np.float32]

ONNX_RUNTIME = "onnxruntime"
PADDLE_RUNTIME = "paddle"
OPENVINO_RUNTIME = "openvino"  # runs the ONNX packs
RUNTIMES = (ONNX_RUNTIME, PADDLE_RUNTIME, OPENVINO_RUNTIME)
# The pip extra that installs each optional runtime.
RUNTIME_EXTRAS = {PADDLE_RUNTIME: "paddle", OPENVINO_RUNTIME: "openvino"}


class Network(Protocol):
    """One loaded model. `run` must be safe to call from several threads at once."""

    def run(self, batch: FloatArray) -> FloatArray: ...


class Lanes:
    """One-thread copies of a network that run batches side by side, each on a thread of
    its own (the runtimes release the GIL while they run). Safe to share between
    threads: runs wait for a free lane."""

    def __init__(self, networks: Sequence[Network]) -> None:
        self._networks = list(networks)
        self._pool = ThreadPoolExecutor(len(self._networks), thread_name_prefix="idcard-lane")

    @property
    def count(self) -> int:
        return len(self._networks)

    def run_all(self, work: Sequence[Sequence[FloatArray]]) -> list[list[FloatArray]]:
        """Each lane's batches run in turn on its network, the lanes at once; outputs in
        the same shape as `work`."""
        with timed_run():
            futures = [self._pool.submit(_run_in_turn, network, batches)
                       for network, batches in zip(self._networks, work, strict=False)]
            return [future.result() for future in futures]


def _run_in_turn(network: Network, batches: Sequence[FloatArray]) -> list[FloatArray]:
    return [network.run(batch) for batch in batches]


_clock = threading.local()


def network_time_ms() -> float:
    """Milliseconds this thread has spent inside runtime `run` calls so far."""
    total: float = getattr(_clock, "ms", 0.0)
    return total


def line_reads() -> tuple[int, int]:
    """Lines this thread has recognised so far, and how many of those were read again by
    the re-check recogniser (for the benchmark's reads-per-card count)."""
    return getattr(_clock, "lines", 0), getattr(_clock, "rereads", 0)


def count_line_reads(lines: int, rereads: int) -> None:
    read, reread = line_reads()
    _clock.lines, _clock.rereads = read + lines, reread + rereads


@contextmanager
def timed_run() -> Iterator[None]:
    """Add the duration of the enclosed raw runtime call to this thread's counter."""
    start = time.perf_counter()
    try:
        yield
    finally:
        _clock.ms = network_time_ms() + (time.perf_counter() - start) * 1000.0


# glibc mallopt parameters and the values we give them (see `tune_allocator`).
_M_TRIM_THRESHOLD, _M_MMAP_THRESHOLD, _M_ARENA_MAX = -1, -3, -8
_MMAP_ABOVE_BYTES = 256 << 20
_TRIM_ABOVE_BYTES = 512 << 20
_ARENAS = 1
_malloc_tuned = False


def tune_allocator() -> None:
    """Let freed multi-megabyte tensors stay in the heap for the next run, in one arena.

    Without an allocator arena (disabled: input shapes vary per image), every network
    run allocates its activations with malloc. glibc serves those sizes with fresh mmap
    pages and unmaps them on free, so each run page-faults its whole working set again:
    that measured +40% on PP-OCR detection. Raising the mmap and trim thresholds keeps the
    pages mapped and reusable across runs and models, bounded by the largest run.

    Each thread that allocates would get an arena of its own (up to 8 per core), each
    keeping the freed blocks of its own largest run: with recognition lanes (`Lanes`) that
    measured 498 against 405 MiB peak for one arena, at the same speed. The blocks are
    tensors allocated a few hundred times a card, so threads seldom wait for the lock.

    Called when a network is opened, and by a service before it starts its threads: a
    thread that allocated before this ran keeps an arena of its own, with its own freed
    blocks (a server whose OCR worker thread started first peaked at 549 against 426
    MiB with one arena from the start, at the same speed).
    """
    global _malloc_tuned
    if _malloc_tuned or not sys.platform.startswith("linux"):
        return
    _malloc_tuned = True
    name = ctypes.util.find_library("c")
    try:
        libc = ctypes.CDLL(name or "libc.so.6")
        libc.mallopt(_M_MMAP_THRESHOLD, _MMAP_ABOVE_BYTES)
        libc.mallopt(_M_TRIM_THRESHOLD, _TRIM_ABOVE_BYTES)
        libc.mallopt(_M_ARENA_MAX, _ARENAS)
    except (OSError, AttributeError):  # not glibc (e.g. musl): nothing to tune
        pass


def open_network(runtime: str, pack_dir: Path, role: str, threads: int) -> Network:
    """Load the `role` model ("det", "rec" or "cls") of an installed pack."""
    tune_allocator()
    if runtime == ONNX_RUNTIME:
        from idcard.ocr.runtime.onnx import OnnxNetwork

        return OnnxNetwork(pack_dir / f"{role}.onnx", threads)
    if runtime == OPENVINO_RUNTIME:
        from idcard.ocr.runtime.openvino import OpenVinoNetwork

        return OpenVinoNetwork(pack_dir / f"{role}.onnx", threads)
    if runtime == PADDLE_RUNTIME:
        from idcard.ocr.runtime.paddle import PaddleNetwork

        return PaddleNetwork(pack_dir / f"{role}.pdmodel", pack_dir / f"{role}.pdiparams",
                             threads)
    raise ValueError(f"unknown runtime {runtime!r}")
