"""Two checkouts read the same labelled images, interleaved, for a fair speed ratio.

    python bench/compare_checkouts.py DIR --base /work/main [--head .] [--tier T] [--limit N]

Each checkout's `src/` is loaded in its own worker process (in-process readers with the
settings from IDCARD_*); the workers take the images in turn, alternating which goes
first, so that a shared machine's changing load falls on both alike. Prints one line per
image, then per checkout the fields right, how many readings were `side: "both"`, and the
median ms per image, detect and recognize; the last line is

    compare fields <base> -> <head> ms <base> -> <head> ratio <head/base>
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
from pathlib import Path
from typing import Any

from common import load_labels

# The worker: reads paths (with their labelled fields) from stdin, answers one JSON line.
WORKER = r"""
import json, sys, time
sys.path.insert(0, sys.argv[1])
import msgspec
from common import normalise
from idcard.config import load_settings
from idcard.errors import InputError
from idcard.pipeline import CardReader

reader = CardReader.load(load_settings())
print("ready", flush=True)
for line in sys.stdin:
    path, labelled = json.loads(line)
    data = open(path, "rb").read()
    start = time.perf_counter()
    try:
        outcome = reader.read(data)
    except InputError:
        outcome = None
    ms = (time.perf_counter() - start) * 1000.0
    body = msgspec.to_builtins(outcome.reading) if outcome else {}
    fields = body.get("fields") or {}
    right = sum(1 for name, want in labelled.items()
                if isinstance(fields.get(name), dict) and fields[name].get("value") is not None
                and normalise(name, fields[name]["value"]) == normalise(name, str(want)))
    stages = outcome.timings_ms if outcome else {}
    print(json.dumps([ms, right, body.get("side"), stages.get("detect", 0.0),
                      stages.get("recognize", 0.0)]), flush=True)
"""


def start_worker(checkout: Path) -> subprocess.Popen[str]:
    env = {**os.environ, "PYTHONPATH": str(checkout / "src")}
    bench = str(Path(__file__).resolve().parent)
    worker = subprocess.Popen([sys.executable, "-c", WORKER, bench], cwd=checkout, env=env,
                              stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    assert worker.stdout is not None and worker.stdout.readline().strip() == "ready"
    return worker


def ask(worker: subprocess.Popen[str], path: Path, fields: dict[str, Any]) -> list[Any]:
    assert worker.stdin is not None and worker.stdout is not None
    worker.stdin.write(json.dumps([str(path), fields]) + "\n")
    worker.stdin.flush()
    answer: list[Any] = json.loads(worker.stdout.readline())
    return answer


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("folder", type=Path, help="images with labels.json beside them")
    parser.add_argument("--base", type=Path, required=True, help="checkout compared against")
    parser.add_argument("--head", type=Path, default=Path("."), help="checkout measured")
    parser.add_argument("--tier", help="only the labels of this tier")
    parser.add_argument("--limit", type=int, default=0, help="only the first N labels")
    args = parser.parse_args(argv)
    labels = [label for label in load_labels(args.folder)
              if args.tier is None or label.get("tier") == args.tier]
    labels = labels[:args.limit] if args.limit > 0 else labels
    names = ("base", "head")
    workers = {"base": start_worker(args.base.resolve()),
               "head": start_worker(args.head.resolve())}
    results: dict[str, list[list[Any]]] = {name: [] for name in names}
    for index, label in enumerate(labels):
        fields = {k: v for k, v in (label.get("fields") or {}).items()}
        for name in names if index % 2 == 0 else names[::-1]:
            results[name].append(ask(workers[name], args.folder.resolve() / label["file"],
                                     fields))
        print(label["file"], {n: (round(results[n][-1][0]), results[n][-1][1],
                                  results[n][-1][2]) for n in names}, flush=True)
    for worker in workers.values():
        assert worker.stdin is not None
        worker.stdin.close()
        worker.wait()
    total = sum(len(label.get("fields") or {}) for label in labels)
    summary = {}
    for name in names:
        rows = results[name]
        right = sum(row[1] for row in rows)
        median = statistics.median(row[0] for row in rows)
        summary[name] = (right, median)
        print(f"{name}: fields {right}/{total}  side both "
              f"{sum(row[2] == 'both' for row in rows)}/{len(rows)}  median ms {median:.0f}  "
              f"detect p50 {statistics.median(row[3] for row in rows):.0f}  "
              f"recognize p50 {statistics.median(row[4] for row in rows):.0f}")
    (base_right, base_ms), (head_right, head_ms) = summary["base"], summary["head"]
    print(f"compare fields {base_right} -> {head_right} ms {base_ms:.0f} -> {head_ms:.0f} "
          f"ratio {head_ms / base_ms:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
