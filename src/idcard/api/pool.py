"""A fixed set of OCR worker threads behind a bounded queue, awaited from the event loop.

- Each worker thread builds its own reader with the factory (model sessions are per
  thread) and keeps it for its life; nothing else ever calls a reader.
- Admission: at most `workers` jobs run and `queue_size` wait. A job beyond that is refused
  at once (`Overloaded`), so a burst costs callers a fast 503 instead of a slow timeout.
- Deadline: `run` gives up after `timeout_s` (`DeadlineExceeded`). A job still waiting is
  cancelled and frees its place at once; a running job cannot be interrupted, so it
  finishes in the background and its worker stays counted as busy until then.
- The event loop only awaits futures; it never runs OCR, so `/healthz` stays fast.

No Litestar in here: the pool is plain threads and asyncio.
"""

from __future__ import annotations

import asyncio
import logging
import math
import queue
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future
from typing import Any, Generic, TypeVar

ReaderT = TypeVar("ReaderT")
ResultT = TypeVar("ResultT")

log = logging.getLogger("idcard.pool")

# Weight of the newest job in the running average used for Retry-After.
_AVERAGE_WEIGHT = 0.2


class Overloaded(Exception):
    """Every worker is busy and the queue is full."""

    def __init__(self, retry_after_s: int) -> None:
        super().__init__(f"all workers busy and queue full; retry after {retry_after_s} s")
        self.retry_after_s = retry_after_s


class DeadlineExceeded(Exception):
    """The job did not finish within its deadline."""


class _Job(Generic[ReaderT]):
    __slots__ = ("future", "work")

    def __init__(self, work: Callable[[ReaderT], Any]) -> None:
        self.work = work
        self.future: Future[Any] = Future()


class ReaderPool(Generic[ReaderT]):
    def __init__(self, reader_factory: Callable[[], ReaderT], *, workers: int,
                 queue_size: int, name: str = "ocr",
                 on_change: Callable[[int, int], None] | None = None) -> None:
        """`on_change(waiting, running)` is called whenever either count changes (for
        metrics); it must be quick and must not call back into the pool."""
        if workers < 1 or queue_size < 0:
            raise ValueError("need at least one worker and a non-negative queue size")
        self.workers = workers
        self.queue_size = queue_size
        self._factory = reader_factory
        self._name = name
        self._jobs: queue.SimpleQueue[_Job[ReaderT] | None] = queue.SimpleQueue()
        self._lock = threading.Lock()
        self._admitted = 0  # jobs waiting or running
        self._running = 0
        self._on_change = on_change
        self._average_job_s = 1.0
        self._threads: list[threading.Thread] = []
        self._readers: list[ReaderT] = []
        self._start_errors: list[BaseException] = []
        self._started = threading.Barrier(workers + 1)
        self._accepting = False

    # -- life cycle -------------------------------------------------------------------

    def start(self) -> float:
        """Start the workers and wait until each has built its reader; return seconds.

        Raises the first reader's error (e.g. models missing) after stopping the others.
        """
        began = time.perf_counter()
        for index in range(self.workers):
            thread = threading.Thread(target=self._work, name=f"{self._name}-{index}",
                                      daemon=True)
            self._threads.append(thread)
            thread.start()
        self._started.wait()
        if self._start_errors:
            self.close()
            raise self._start_errors[0]
        self._accepting = True
        return time.perf_counter() - began

    def close(self, wait_s: float = 30.0) -> None:
        """Refuse new jobs, cancel waiting ones, let running ones finish, stop the threads."""
        self._accepting = False
        for _ in self._threads:
            self._jobs.put(None)
        deadline = time.monotonic() + wait_s
        for thread in self._threads:
            thread.join(max(0.0, deadline - time.monotonic()))

    @property
    def ready(self) -> bool:
        return self._accepting and all(t.is_alive() for t in self._threads)

    @property
    def readers(self) -> list[ReaderT]:
        return list(self._readers)

    @property
    def busy(self) -> int:
        """Jobs waiting or running."""
        with self._lock:
            return self._admitted

    @property
    def full(self) -> bool:
        """No room for another job: a new one would be refused (read without the lock;
        `submit` decides again under it)."""
        return not self._accepting or self._admitted >= self.workers + self.queue_size

    # -- running jobs -----------------------------------------------------------------

    async def run(self, work: Callable[[ReaderT], ResultT], timeout_s: float) -> ResultT:
        """Run `work(reader)` on a worker thread and await its result."""
        job = self.submit(work)
        try:
            result: ResultT = await asyncio.wait_for(asyncio.wrap_future(job.future),
                                                     timeout_s)
        except TimeoutError:
            job.future.cancel()  # frees the place if it never started
            raise DeadlineExceeded(f"no result within {timeout_s:g} s") from None
        return result

    def submit(self, work: Callable[[ReaderT], Any]) -> _Job[ReaderT]:
        with self._lock:
            if self.full:
                raise Overloaded(self.retry_after_s())
            self._admitted += 1
            self._changed()
        job: _Job[ReaderT] = _Job(work)
        # Runs on completion and on cancellation alike: the place is free again.
        job.future.add_done_callback(self._release)
        self._jobs.put(job)
        return job

    def _release(self, _: Future[Any]) -> None:
        with self._lock:
            self._admitted -= 1
            self._changed()

    def _changed(self) -> None:
        # Called with the lock held, so the listener sees the changes in order.
        if self._on_change is not None:
            self._on_change(max(0, self._admitted - self._running), self._running)

    def retry_after_s(self) -> int:
        # Roughly how long until the queue has drained by one worker's worth of jobs.
        waiting_rounds = (self.workers + self.queue_size) / self.workers
        return max(1, math.ceil(self._average_job_s * waiting_rounds))

    # -- worker thread ----------------------------------------------------------------

    def _work(self) -> None:
        reader = self._build_reader()
        if reader is None:
            return
        while (job := self._jobs.get()) is not None:
            if not job.future.set_running_or_notify_cancel():
                continue  # timed out or abandoned while waiting
            began = time.perf_counter()
            self._count_running(+1)
            try:
                result = job.work(reader)
            except BaseException as exc:  # handed to the awaiting request, not lost
                self._count_running(-1)
                job.future.set_exception(exc)
            else:
                self._count_running(-1)
                job.future.set_result(result)
            self._note_duration(time.perf_counter() - began)

    def _build_reader(self) -> ReaderT | None:
        try:
            reader = self._factory()
        except BaseException as exc:
            log.error("OCR worker %s could not build its reader: %s: %s",
                      threading.current_thread().name, type(exc).__name__, exc)
            self._start_errors.append(exc)
            self._started.wait()
            return None
        with self._lock:
            self._readers.append(reader)
        self._started.wait()
        return reader

    def _count_running(self, change: int) -> None:
        with self._lock:
            self._running += change
            self._changed()

    def _note_duration(self, seconds: float) -> None:
        with self._lock:
            self._average_job_s += _AVERAGE_WEIGHT * (seconds - self._average_job_s)
