"""The stopwatch that fills `timings_ms`: named stages and steps, summed when repeated."""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager

from idcard.pipeline.steps import Step


class Stopwatch:
    def __init__(self) -> None:
        self.ms: dict[str, float] = {}

    @contextmanager
    def stage(self, name: str) -> Iterator[None]:
        start = time.perf_counter()
        try:
            yield
        finally:
            self.add(name, (time.perf_counter() - start) * 1000.0)

    def step(self, step: Step) -> AbstractContextManager[None]:
        return self.stage(step.timer)

    def add(self, name: str, ms: float) -> None:
        self.ms[name] = round(self.ms.get(name, 0.0) + ms, 2)

    def add_all(self, timings_ms: dict[str, float]) -> None:
        for name, ms in timings_ms.items():
            self.add(name, ms)
