"""Service latency and throughput under load, against what users run today.

    python bench/latency.py --url http://127.0.0.1:8000 --images fixtures
        [--concurrency K] [--seconds T] [--max-requests N] [--threads N] [--server-pid PID]
        [--baseline rapidocr|paddleocr|none] [--paddleocr-python PATH]
        [--paddleocr-models DIR] [--compare-concurrency K0] [--api-key KEY]

K client threads POST the folder's images (multipart part `image`, cycling) to
URL/v1/idcard for T seconds or N requests, whichever ends first. Reports p50/p95/p99
latency of the 200 responses, throughput, status counts and the server's peak RSS
(VmHWM of --server-pid, or of the processes listening on the URL's port).

Then, on the same images, one at a time, the baseline:
- rapidocr: RapidOCR 1.4.4's own pipeline (its bundled models), onnxruntime intra-op
  threads = --threads, `engine(path)` per image;
- paddleocr: PaddleOCR 3.x's `predict(path)` in a separate virtualenv (see bench/README.md).

The last line is

    latency p50 <ms> p95 <ms> rps <r> baseline-p50 <ms> ratio <x>

with ratio = baseline p50 / our p50 (above 1: we are faster). Only 127.0.0.1/localhost.

Goodput under overload: with `--compare-concurrency K0` the load runs twice, first with
K0 clients, then with K (e.g. `--compare-concurrency 4 --concurrency 16`, clients that
ignore Retry-After), each for T seconds, and the last line is instead

    goodput c<K> <cards/s> c<K0> <cards/s> ratio <x> 503s <n> other-5xx <n>
        rss-mib <after K0> -> <after K> reject-cpu-ms <ms>

cards/s counts 200 responses; ratio = the K figure / the K0 figure (the target is ≥ 0.9
at 4× overload); rss-mib is the server's resident set after each phase; reject-cpu-ms
estimates the server CPU a 503 costs: (server CPU in the K phase − its cards × CPU per
card in the K0 phase) / its 503s, from /proc/PID/stat.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from common import image_files, local_url, percentile, post_image, rapidocr_class

DEFAULT_PADDLE_MODELS = Path.home() / ".local/share/idcard/models/ppocrv4-paddle"


@dataclass(frozen=True)
class Sample:
    ms: float
    status: int  # 0 = no HTTP response (connection error, timeout)


# -- load ---------------------------------------------------------------------------------


class _Ticket:
    """Hands out request numbers until the count or the deadline runs out."""

    def __init__(self, limit: int, deadline: float) -> None:
        self._lock = threading.Lock()
        self._next = 0
        self._limit = limit
        self._deadline = deadline

    def take(self) -> int | None:
        with self._lock:
            if self._next >= self._limit or time.perf_counter() >= self._deadline:
                return None
            self._next += 1
            return self._next - 1


def _client_loop(base_url: str, images: list[tuple[str, bytes]], ticket: _Ticket,
                 out: list[Sample], timeout: float, headers: dict[str, str]) -> None:
    import httpx

    with httpx.Client(timeout=timeout, headers=headers) as client:
        while (number := ticket.take()) is not None:
            name, data = images[number % len(images)]
            start = time.perf_counter()
            try:
                status, _ = post_image(client, base_url, name, data)
            except httpx.HTTPError:
                status = 0
            out.append(Sample((time.perf_counter() - start) * 1000.0, status))


def load_test(base_url: str, images: list[tuple[str, bytes]], concurrency: int, seconds: float,
              max_requests: int, timeout: float,
              headers: dict[str, str] | None = None) -> tuple[list[Sample], float]:
    """Run the clients; (samples, wall seconds)."""
    samples: list[Sample] = []
    start = time.perf_counter()
    ticket = _Ticket(max_requests, start + seconds)
    threads = [threading.Thread(target=_client_loop, daemon=True,
                                args=(base_url, images, ticket, samples, timeout,
                                      headers or {}))
               for _ in range(concurrency)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(seconds + timeout + 5)
    return list(samples), time.perf_counter() - start


def warm_up(base_url: str, images: list[tuple[str, bytes]], count: int, timeout: float,
            headers: dict[str, str] | None = None) -> None:
    import httpx

    with httpx.Client(timeout=timeout, headers=headers or {}) as client:
        for name, data in images[:count]:
            try:
                post_image(client, base_url, name, data)
            except httpx.HTTPError as exc:
                raise SystemExit(f"service at {base_url} does not answer: {exc}") from exc


# -- server memory ------------------------------------------------------------------------


def _listening_inodes(port: int) -> set[str]:
    inodes = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            rows = Path(table).read_text().splitlines()[1:]
        except OSError:
            continue
        for row in rows:
            cols = row.split()
            if len(cols) > 9 and cols[3] == "0A" and int(cols[1].rsplit(":", 1)[1], 16) == port:
                inodes.add(cols[9])
    return inodes


def listening_pids(port: int) -> list[int]:
    """Processes holding a socket that listens on `port` (readable ones only)."""
    wanted = {f"socket:[{inode}]" for inode in _listening_inodes(port)}
    pids = []
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        try:
            if any(os.readlink(fd) in wanted for fd in (proc / "fd").iterdir()):
                pids.append(int(proc.name))
        except OSError:
            continue
    return sorted(pids)


def peak_rss_mib(pids: list[int]) -> float | None:
    """Sum of VmHWM (peak resident set) over `pids`, MiB; None if unreadable."""
    return _status_mib(pids, "VmHWM:")


def current_rss_mib(pids: list[int]) -> float | None:
    """Sum of VmRSS (resident set now) over `pids`, MiB; None if unreadable."""
    return _status_mib(pids, "VmRSS:")


def _status_mib(pids: list[int], key: str) -> float | None:
    total, found = 0, False
    for pid in pids:
        try:
            status = Path(f"/proc/{pid}/status").read_text()
        except OSError:
            continue
        for line in status.splitlines():
            if line.startswith(key):
                total += int(line.split()[1])
                found = True
    return total / 1024 if found else None


def cpu_seconds(pids: list[int]) -> float | None:
    """User + system CPU time used so far by `pids` (all threads), seconds."""
    ticks, found = 0, False
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        ticks += int(fields[11]) + int(fields[12])  # utime, stime (fields 14, 15)
        found = True
    return ticks / os.sysconf("SC_CLK_TCK") if found else None


# -- baselines ----------------------------------------------------------------------------


def rapidocr_baseline(paths: list[Path], threads: int) -> list[float]:
    """RapidOCR 1.4.4 as users run it, one image at a time; ms per image."""
    engine = rapidocr_class()(intra_op_num_threads=threads, inter_op_num_threads=1)
    engine(str(paths[0]))  # warm-up
    times = []
    for path in paths:
        start = time.perf_counter()
        engine(str(path))
        times.append((time.perf_counter() - start) * 1000.0)
    return times


_PADDLE_DET_YML = """Global:
  model_name: PP-OCRv4_mobile_det
PreProcess:
  transform_ops:
  - DecodeImage: {channel_first: false, img_mode: BGR}
  - DetLabelEncode: null
  - DetResizeForTest: {resize_long: 960}
  - NormalizeImage: {mean: [0.485, 0.456, 0.406], order: hwc, scale: 1./255.,
      std: [0.229, 0.224, 0.225]}
  - ToCHWImage: null
  - KeepKeys: {keep_keys: [image, shape, polys, ignore_tags]}
PostProcess: {name: DBPostProcess, thresh: 0.3, box_thresh: 0.6, max_candidates: 1000,
  unclip_ratio: 1.5}
"""

_PADDLE_REC_YML = """Global:
  model_name: PP-OCRv4_mobile_rec
PreProcess:
  transform_ops:
  - DecodeImage: {channel_first: false, img_mode: BGR}
  - MultiLabelEncode: {gtc_encode: NRTRLabelEncode}
  - RecResizeImg: {image_shape: [3, 48, 320]}
  - KeepKeys: {keep_keys: [image, label_ctc, label_gtc, length, valid_ratio]}
PostProcess:
  name: CTCLabelDecode
  character_dict:
"""

_PADDLE_SCRIPT = """
import json, sys, time
cfg = json.loads(sys.argv[1])
from paddleocr import PaddleOCR
ocr = PaddleOCR(
    text_detection_model_name="PP-OCRv4_mobile_det", text_detection_model_dir=cfg["det"],
    text_recognition_model_name="PP-OCRv4_mobile_rec", text_recognition_model_dir=cfg["rec"],
    use_doc_orientation_classify=False, use_doc_unwarping=False,
    use_textline_orientation=False, enable_mkldnn=False, cpu_threads=cfg["threads"],
    device="cpu")
ocr.predict(cfg["paths"][0])
times = []
for path in cfg["paths"]:
    start = time.perf_counter()
    ocr.predict(path)
    times.append((time.perf_counter() - start) * 1000.0)
print(json.dumps({"ms": times}))
"""


def _paddle_model_dir(root: Path, source: Path, kind: str) -> Path:
    """PaddleOCR 3.x wants inference.{pdmodel,pdiparams,yml} per model directory."""
    target = root / kind
    target.mkdir()
    for suffix in ("pdmodel", "pdiparams"):
        (target / f"inference.{suffix}").symlink_to(source / f"{kind}.{suffix}")
    yml = _PADDLE_DET_YML
    if kind == "rec":
        chars = (source / "dict.txt").read_text(encoding="utf-8").splitlines()
        yml = _PADDLE_REC_YML + "".join(f"  - {json.dumps(c)}\n" for c in [*chars, " "])
    (target / "inference.yml").write_text(yml, encoding="utf-8")
    return target


def paddleocr_baseline(python: Path, models: Path, paths: list[Path], threads: int,
                       timeout: float) -> list[float]:
    """PaddleOCR 3.x's pipeline in its own virtualenv, on PP-OCRv4 model files."""
    with tempfile.TemporaryDirectory(prefix="paddleocr-bench-") as tmp:
        root = Path(tmp)
        cfg = {"det": str(_paddle_model_dir(root, models, "det")),
               "rec": str(_paddle_model_dir(root, models, "rec")),
               "paths": [str(p.resolve()) for p in paths], "threads": threads}
        env = {**os.environ, "PADDLE_PDX_DISABLE_MODEL_SOURCE_CHECK": "True",
               "FLAGS_use_mkldnn": "0"}
        done = subprocess.run([str(python), "-c", _PADDLE_SCRIPT, json.dumps(cfg)], env=env,
                              capture_output=True, text=True, timeout=timeout, check=False)
    if done.returncode != 0:
        raise SystemExit(f"paddleocr baseline failed:\n{done.stderr[-3000:]}")
    return list(json.loads(done.stdout.strip().splitlines()[-1])["ms"])


# -- report -------------------------------------------------------------------------------


def _fmt(value: float | None, digits: int = 1) -> str:
    return "n/a" if value is None or value != value else f"{value:.{digits}f}"


@dataclass(frozen=True)
class LoadStats:
    p50: float
    p95: float
    p99: float
    rps: float
    lines: list[str]


def describe_load(samples: list[Sample], wall: float, concurrency: int) -> LoadStats:
    """Percentiles over the 200 responses (over all, if there are none)."""
    statuses = Counter(s.status for s in samples)
    ok = [s.ms for s in samples if s.status == 200]
    timed = ok or [s.ms for s in samples]
    p50, p95, p99 = (percentile(timed, q) for q in (50, 95, 99))
    rps = len(ok) / wall if wall > 0 else 0.0
    others = {k: v for k, v in statuses.items() if k not in (200, 503)}
    lines = [
        f"requests   {len(samples)} in {wall:.1f} s with {concurrency} clients",
        f"status     200: {statuses[200]}  503: {statuses[503]}  other: {sum(others.values())}"
        + (f" {others}" if others else ""),
        f"latency ms p50 {_fmt(p50)}  p95 {_fmt(p95)}  p99 {_fmt(p99)}"
        + ("" if ok else "  (no 200s: all responses timed)"),
        f"throughput {rps:.2f} rps (200s)",
    ]
    return LoadStats(p50, p95, p99, rps, lines)


def _server_pids(url: str, given: int | None) -> list[int]:
    if given:
        return [given]
    parts = urlsplit(url)
    return listening_pids(parts.port or (443 if parts.scheme == "https" else 80))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--url", required=True, help="e.g. http://127.0.0.1:8000")
    parser.add_argument("--images", type=Path, required=True)
    parser.add_argument("--concurrency", type=int, default=1)
    parser.add_argument("--seconds", type=float, default=30.0)
    parser.add_argument("--max-requests", type=int, default=5000)
    parser.add_argument("--timeout", type=float, default=60.0, help="per request, seconds")
    parser.add_argument("--limit", type=int, default=0, help="use only the first N images")
    parser.add_argument("--baseline", choices=("rapidocr", "paddleocr", "none"),
                        default="rapidocr")
    parser.add_argument("--threads", type=int, default=len(os.sched_getaffinity(0)),
                        help="baseline intra-op threads (match the service's)")
    parser.add_argument("--server-pid", type=int)
    parser.add_argument("--paddleocr-python", type=Path)
    parser.add_argument("--paddleocr-models", type=Path, default=DEFAULT_PADDLE_MODELS,
                        help="folder with det/rec .pdmodel/.pdiparams and dict.txt")
    parser.add_argument("--compare-concurrency", type=int, default=0,
                        help="first run this many clients, then --concurrency; report "
                             "goodput (cards/s) of both")
    parser.add_argument("--api-key", default=os.environ.get("IDCARD_BENCH_API_KEY", ""),
                        help="sent as X-API-Key (default $IDCARD_BENCH_API_KEY)")
    args = parser.parse_args(argv)
    base_url = local_url(args.url)
    paths = image_files(args.images)[:args.limit or None]
    if not paths:
        raise SystemExit(f"no images in {args.images}")
    images = [(p.name, p.read_bytes()) for p in paths]
    headers = {"X-API-Key": args.api_key} if args.api_key else {}
    warm_up(base_url, images, 2, args.timeout, headers)
    if args.compare_concurrency:
        return compare_goodput(args, base_url, images, headers)
    samples, wall = load_test(base_url, images, max(1, args.concurrency), args.seconds,
                              args.max_requests, args.timeout, headers)
    stats = describe_load(samples, wall, args.concurrency)
    print("\n".join(stats.lines))
    pids = _server_pids(base_url, args.server_pid)
    rss = peak_rss_mib(pids)
    print(f"server     pids {pids or 'unknown'}  peak RSS {_fmt(rss, 0)} MiB")
    baseline = run_baseline(args, paths)
    base_p50 = percentile(baseline, 50) if baseline else None
    ratio = base_p50 / stats.p50 if base_p50 and stats.p50 > 0 else None
    print(f"latency p50 {_fmt(stats.p50)} p95 {_fmt(stats.p95)} rps {stats.rps:.2f} "
          f"baseline-p50 {_fmt(base_p50)} ratio {_fmt(ratio, 2)}")
    return 0


@dataclass(frozen=True)
class Phase:
    clients: int
    cards_per_s: float
    cards: int
    statuses: Counter[int]
    cpu_s: float | None
    rss_mib: float | None


def run_phase(args: argparse.Namespace, base_url: str, images: list[tuple[str, bytes]],
              headers: dict[str, str], clients: int, pids: list[int]) -> Phase:
    cpu_before, client_before = cpu_seconds(pids), time.process_time()
    samples, wall = load_test(base_url, images, clients, args.seconds, args.max_requests,
                              args.timeout, headers)
    cpu_after, client_cpu = cpu_seconds(pids), time.process_time() - client_before
    print("\n".join(describe_load(samples, wall, clients).lines))
    statuses = Counter(s.status for s in samples)
    cpu = cpu_after - cpu_before if cpu_before is not None and cpu_after is not None else None
    rss = current_rss_mib(pids)
    # On a shared machine the clients' CPU is taken from the server: say how much.
    print(f"server     CPU {_fmt(cpu)} s  RSS now {_fmt(rss, 0)} MiB  "
          f"(bench clients CPU {client_cpu:.1f} s in {wall:.1f} s)")
    return Phase(clients=clients, cards_per_s=statuses[200] / wall if wall else 0.0,
                 cards=statuses[200], statuses=statuses, cpu_s=cpu, rss_mib=rss)


def compare_goodput(args: argparse.Namespace, base_url: str, images: list[tuple[str, bytes]],
                    headers: dict[str, str]) -> int:
    pids = _server_pids(base_url, args.server_pid)
    calm = run_phase(args, base_url, images, headers, args.compare_concurrency, pids)
    busy = run_phase(args, base_url, images, headers, max(1, args.concurrency), pids)
    print(f"server     pids {pids or 'unknown'}  peak RSS {_fmt(peak_rss_mib(pids), 0)} MiB")
    ratio = busy.cards_per_s / calm.cards_per_s if calm.cards_per_s else None
    rejected = busy.statuses[503]
    other_5xx = sum(n for status, n in busy.statuses.items()
                    if status >= 500 and status != 503)
    other_5xx += sum(n for status, n in calm.statuses.items()
                     if status >= 500 and status != 503)
    reject_ms = None
    if (rejected and calm.cards and calm.cpu_s is not None and busy.cpu_s is not None):
        per_card = calm.cpu_s / calm.cards
        reject_ms = max(0.0, busy.cpu_s - busy.cards * per_card) / rejected * 1000.0
    print(f"goodput c{busy.clients} {busy.cards_per_s:.2f} c{calm.clients} "
          f"{calm.cards_per_s:.2f} ratio {_fmt(ratio, 2)} 503s {rejected} "
          f"other-5xx {other_5xx} rss-mib {_fmt(calm.rss_mib, 0)} -> "
          f"{_fmt(busy.rss_mib, 0)} reject-cpu-ms {_fmt(reject_ms, 3)}")
    return 0


def run_baseline(args: argparse.Namespace, paths: list[Path]) -> list[float]:
    if args.baseline == "none":
        return []
    if args.baseline == "rapidocr":
        times = rapidocr_baseline(paths, args.threads)
    else:
        if not args.paddleocr_python:
            raise SystemExit("--baseline paddleocr needs --paddleocr-python PATH")
        times = paddleocr_baseline(args.paddleocr_python, args.paddleocr_models, paths,
                                   args.threads, timeout=max(600.0, 30.0 * len(paths)))
    print(f"baseline   {args.baseline} {len(times)} images, {args.threads} threads: "
          f"p50 {_fmt(percentile(times, 50))}  p95 {_fmt(percentile(times, 95))} ms")
    return times


if __name__ == "__main__":
    sys.exit(main())
