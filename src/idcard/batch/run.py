"""Running a batch: N worker threads, each with its own `CardReader` (in process) or its
own HTTP client (`--url`, requests spread round-robin over the services); records written
as they finish; progress on stderr (a bar on a terminal, plain lines otherwise); a summary.

Threads, not processes: the OCR runtime and OpenCV release the GIL, so threads share the
cores; each reader is given cores / N threads for its model sessions (as the service's
pool does).
"""

from __future__ import annotations

import os
import stat
import sys
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor, as_completed
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TextIO

import msgspec

from idcard.batch.inputs import Input, expand
from idcard.batch.output import (
    CsvWriter,
    JsonLinesWriter,
    Record,
    RecordWriter,
    finished_paths,
    is_csv,
    needs_newline,
)
from idcard.card import SideHint
from idcard.codes import BatchCode
from idcard.config import Settings, available_cores
from idcard.errors import InputError

_PLAIN_EVERY_S = 10.0
_ATTEMPTS = 3  # per input against services: a busy one is waited for, a dead one skipped
_MAX_WAIT_S = 30.0
_HTTP_TIMEOUT_S = 120.0
API_KEY_ENV = "IDCARD_API_KEY"


@dataclass(frozen=True, slots=True)
class BatchOptions:
    paths: list[str]
    jobs: int = 0  # 0: in process, the service's default pool size; with URLs 2 per URL
    out: Path | None = None
    urls: list[str] = field(default_factory=list)
    resume: bool = False
    side: SideHint = "auto"
    mask: str = "default"
    mask_values: bool = False


class CannotRunError(Exception):
    """The batch could not start: no service answered, the output cannot be written…"""


class ItemError(Exception):
    """An input the batch cannot send to a reader (a code of `idcard.codes.BATCH_CODES`)."""

    def __init__(self, code: BatchCode, detail: str) -> None:
        super().__init__(detail)
        self.code = code
        self.detail = detail


def run_batch(options: BatchOptions, settings: Settings) -> int:
    started = time.perf_counter()
    inputs = expand(options.paths)
    skipped = finished_paths(options.out) if options.resume and options.out else set()
    todo = [item for item in inputs if item.path not in skipped]
    jobs = options.jobs or (2 * len(options.urls) if options.urls
                            else settings.effective_pool_size())
    read = _remote_reader(options, settings) if options.urls else \
        _local_reader(options, settings, jobs)
    summary = Summary(skipped=len(inputs) - len(todo), jobs=jobs,
                      where=f"{len(options.urls)} service(s)" if options.urls else "in process")
    with _output(options) as writer, _progress(len(todo)) as advance:
        try:
            _run(todo, read, jobs, writer, summary, advance)
        except KeyboardInterrupt:
            summary.interrupted = True
    summary.seconds = time.perf_counter() - started
    summary.print(sys.stderr, options.out)
    return 130 if summary.interrupted else 0


def _run(todo: list[Input], read: Callable[[int, Input], Record], jobs: int,
         writer: RecordWriter, summary: Summary, advance: Callable[[Record], None]) -> None:
    with ThreadPoolExecutor(max_workers=jobs, thread_name_prefix="idcard-batch") as pool:
        futures: list[Future[Record]] = [pool.submit(read, index, item)
                                         for index, item in enumerate(todo)]
        try:
            for future in as_completed(futures):
                record = future.result()
                writer.write(record)
                summary.add(record)
                advance(record)
        except KeyboardInterrupt:
            pool.shutdown(wait=True, cancel_futures=True)
            raise


# -- reading one input ----------------------------------------------------------------------

def read_input(path: str, limit: int) -> bytes:
    """The file's bytes; refused unless a regular file of at most `limit` bytes. Opened
    without blocking, so a FIFO put in a file's place cannot stall a worker."""
    descriptor = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
    with os.fdopen(descriptor, "rb") as stream:
        if not stat.S_ISREG(os.fstat(stream.fileno()).st_mode):
            raise ItemError("not_a_file", "not a regular file")
        data = stream.read(limit + 1)
    if len(data) > limit:
        raise InputError("payload_too_large",
                         f"the file is over {limit} bytes (IDCARD_MAX_BODY_BYTES)")
    if not data:
        raise InputError("image_missing", "the file is empty")
    return data


def failed(path: str, code: str, detail: str) -> Record:
    return {"path": path, "ok": False, "error": {"code": code, "detail": detail}}


def _guarded(path: str, work: Callable[[], Record]) -> Record:
    try:
        return work()
    except (InputError, ItemError) as exc:
        return failed(path, exc.code, exc.detail)
    except FileNotFoundError:
        return failed(path, "file_unreadable", "the file is gone (removed during the batch?)")
    except OSError as exc:
        return failed(path, "file_unreadable", exc.strerror or type(exc).__name__)
    except Exception as exc:  # one bad input must not end the batch; no values are shown
        return failed(path, "internal_error", f"unexpected {type(exc).__name__}")


def _local_reader(options: BatchOptions, settings: Settings,
                  jobs: int) -> Callable[[int, Input], Record]:
    from idcard.masks import parse_mask
    from idcard.ocr import require_packs
    from idcard.pipeline import CardReader

    mask = parse_mask(options.mask)
    if mask is None:
        raise CannotRunError(f"--mask {options.mask!r} is not a mask")
    per_reader = msgspec.structs.replace(
        settings, pool_size=jobs,
        ocr_threads=settings.ocr_threads or max(1, available_cores() // jobs))
    local = threading.local()
    require_packs(per_reader)  # a missing model pack stops the batch here, once

    def read(_: int, item: Input) -> Record:
        if item.error is not None:
            return failed(item.path, *item.error)

        def work() -> Record:
            if not hasattr(local, "reader"):
                local.reader = CardReader.load(per_reader)
            data = read_input(item.path, settings.max_body_bytes)
            outcome = local.reader.read(data, side=options.side, mask=mask,
                                        mask_values=options.mask_values)
            record: Record = {"path": item.path, "ok": True, **outcome.as_builtins()}
            record["model"] = msgspec.to_builtins(outcome.model)
            record["timings_ms"] = {k: round(v, 2) for k, v in outcome.timings_ms.items()}
            return record

        return _guarded(item.path, work)

    return read


def _remote_reader(options: BatchOptions, settings: Settings) -> Callable[[int, Input], Record]:
    import httpx

    headers = {"X-API-Key": key} if (key := os.environ.get(API_KEY_ENV)) else {}
    urls = _answering([u.rstrip("/") for u in options.urls], headers)
    params = {"side": options.side, "mask": options.mask}
    if options.mask_values:
        params["mask_values"] = "true"
    local = threading.local()

    def post(url: str, item: Input, data: bytes) -> httpx.Response:
        if not hasattr(local, "client"):
            local.client = httpx.Client(timeout=_HTTP_TIMEOUT_S, headers=headers)
        name = Path(item.path).name
        response: httpx.Response = local.client.post(
            url + "/v1/idcard", params=params,
            files={"image": (name, data, "application/octet-stream")})
        return response

    def read(index: int, item: Input) -> Record:
        if item.error is not None:
            return failed(item.path, *item.error)

        def work() -> Record:
            data = read_input(item.path, settings.max_body_bytes)
            outcome = failed(item.path, "service_unreachable", "no attempt")
            for attempt in range(_ATTEMPTS):
                url = urls[(index + attempt) % len(urls)]
                try:
                    response = post(url, item, data)
                except httpx.HTTPError as exc:
                    outcome = failed(item.path, "service_unreachable",
                                     f"{url}: {type(exc).__name__}")
                    continue
                outcome = _record_of(item.path, response)
                if response.status_code not in (429, 503):
                    break
                if attempt + 1 < _ATTEMPTS:
                    time.sleep(_retry_after(response))
            return outcome

        return _guarded(item.path, work)

    return read


def _answering(urls: list[str], headers: dict[str, str]) -> list[str]:
    """The services that answer at all (any HTTP status); none is a batch that cannot run."""
    import httpx

    alive = []
    for url in urls:
        try:
            httpx.get(url + "/readyz", timeout=10.0, headers=headers)
        except httpx.HTTPError as exc:
            print(f"idcard: {url} does not answer ({type(exc).__name__}); not used",
                  file=sys.stderr)
            continue
        alive.append(url)
    if not alive:
        raise CannotRunError("no service answered at " + ", ".join(urls))
    return alive


def _record_of(path: str, response: Any) -> Record:
    try:
        body = response.json()
    except ValueError:
        body = None
    if response.status_code == 200 and isinstance(body, dict):
        return {"path": path, "ok": True, **body}
    if isinstance(body, dict) and isinstance(body.get("code"), str):
        return failed(path, body["code"], str(body.get("detail", "")))
    return failed(path, "http_error", f"HTTP {response.status_code}")


def _retry_after(response: Any) -> float:
    try:
        return min(_MAX_WAIT_S, max(0.1, float(response.headers.get("retry-after", "1"))))
    except ValueError:
        return 1.0


# -- output, progress, summary --------------------------------------------------------------

@contextmanager
def _output(options: BatchOptions) -> Iterator[RecordWriter]:
    if options.out is None:
        yield JsonLinesWriter(sys.stdout)
        return
    appending = options.resume and options.out.exists() and options.out.stat().st_size > 0
    try:
        repair = appending and needs_newline(options.out)
        stream = options.out.open("a" if appending else "w", encoding="utf-8", newline="")
    except OSError as exc:
        raise CannotRunError(f"cannot write {options.out}: {exc.strerror or exc}") from None
    with stream:
        if repair:
            stream.write("\n")
        yield CsvWriter(stream, header=not appending) if is_csv(options.out) \
            else JsonLinesWriter(stream)


@contextmanager
def _progress(total: int) -> Iterator[Callable[[Record], None]]:
    """A bar with rate and ETA on a terminal; otherwise a plain line every few seconds."""
    if sys.stderr.isatty():
        from rich.progress import (
            BarColumn,
            MofNCompleteColumn,
            Progress,
            TextColumn,
            TimeElapsedColumn,
            TimeRemainingColumn,
        )

        columns = (TextColumn("reading"), BarColumn(), MofNCompleteColumn(),
                   TextColumn("{task.fields[rate]}"), TimeElapsedColumn(),
                   TextColumn("ETA"), TimeRemainingColumn())
        with Progress(*columns, transient=False) as bar:
            task = bar.add_task("reading", total=total, rate="")
            started = time.perf_counter()

            def advance_bar(_: Record) -> None:
                done = bar.tasks[0].completed + 1
                rate = done / max(1e-9, time.perf_counter() - started)
                bar.update(task, advance=1, rate=f"{rate:.2f} files/s")

            yield advance_bar
        return
    state = {"done": 0, "errors": 0, "shown": time.perf_counter()}
    started = time.perf_counter()

    def line(_: Record | None = None) -> None:
        elapsed = time.perf_counter() - started
        rate = state["done"] / max(1e-9, elapsed)
        left = (total - state["done"]) / rate if rate > 0 else float("nan")
        print(f"idcard: {state['done']:.0f}/{total} done, {state['errors']:.0f} errors, "
              f"{rate:.2f} files/s, ETA {left:.0f} s", file=sys.stderr, flush=True)
        state["shown"] = time.perf_counter()

    def advance(record: Record) -> None:
        state["done"] += 1
        state["errors"] += not record.get("ok")
        if time.perf_counter() - state["shown"] >= _PLAIN_EVERY_S or state["done"] == total:
            line()

    yield advance


@dataclass
class Summary:
    skipped: int
    jobs: int
    where: str
    cards: int = 0
    review: int = 0
    review_reported: bool = False
    errors: Counter[str] = field(default_factory=Counter)
    seconds: float = 0.0
    interrupted: bool = False

    def add(self, record: Record) -> None:
        if not record.get("ok"):
            self.errors[record["error"]["code"]] += 1
            return
        self.cards += 1
        if "review_needed" in record:
            self.review_reported = True
            self.review += bool(record["review_needed"])

    def print(self, stream: TextIO, out: Path | None) -> None:
        done = self.cards + sum(self.errors.values())
        rate = self.cards / self.seconds if self.seconds > 0 else 0.0
        stopped = " (interrupted)" if self.interrupted else ""
        print(f"idcard extract: {done} inputs{stopped} in {self.seconds:.1f} s with "
              f"{self.jobs} job(s) {self.where}", file=stream)
        print(f"  cards read:    {self.cards} ({rate:.2f} cards/s)", file=stream)
        by_code = ", ".join(f"{code} {n}" for code, n in self.errors.most_common()) or "none"
        print(f"  errors:        {sum(self.errors.values())} ({by_code})", file=stream)
        review = f"{self.review} of {self.cards}" if self.review_reported else \
            "not reported (the service gives no review_needed)"
        print(f"  review needed: {review}", file=stream)
        if out is not None:
            print(f"  results:       {out} ({self.skipped} inputs already there, skipped)",
                  file=stream)
