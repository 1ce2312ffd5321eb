"""Cards per second of `idcard extract`: many single runs against one batch run.

    python bench/batch_speed.py [FILE...]   (default: the 14 photo fixtures)

In the same run, on the same files, timed from outside (wall clock, model loading
included, as a user waits for it):
- `singles`: one `idcard extract FILE` process per file (what a shell loop does);
- `jobs1`, `jobs2`: one `idcard extract FILE... --jobs N --out …` (N worker threads);
- `procs2`: two `--jobs 1` batch processes on half the files each, at once, one OCR thread
  each (what a process pool would do).
The last line is

    batch singles <c/s> jobs1 <c/s> jobs2 <c/s> procs2 <c/s> jobs2/singles <x>
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
COMMAND = [sys.executable, "-m", "idcard", "extract"]


def cards_in(path: Path) -> int:
    lines = path.read_text(encoding="utf-8").splitlines()
    return sum(1 for line in lines if json.loads(line).get("ok"))


def timed(commands: list[list[str]], env: dict[str, str]) -> float:
    started = time.perf_counter()
    running = [subprocess.Popen(c, env=env, stdout=subprocess.DEVNULL,
                                stderr=subprocess.DEVNULL) for c in commands]
    for process in running:
        if process.wait() != 0:
            raise SystemExit(f"failed: {process.args}")
    return time.perf_counter() - started


def main() -> None:
    files = sys.argv[1:] or sorted(str(p) for p in (ROOT / "fixtures").glob("*_photo_*.jpg"))
    env = dict(os.environ)
    results: dict[str, float] = {}
    with tempfile.TemporaryDirectory() as folder:
        out = Path(folder)
        timed([[*COMMAND, f] for f in files[:1]], env)  # warm the disk and page caches
        seconds = 0.0
        for file in files:
            seconds += timed([[*COMMAND, file]], env)
        results["singles"] = len(files) / seconds
        for jobs in (1, 2):
            target = out / f"jobs{jobs}.jsonl"
            seconds = timed([[*COMMAND, *files, "--jobs", str(jobs), "--out", str(target)]],
                            env)
            results[f"jobs{jobs}"] = cards_in(target) / seconds
        halves = [files[0::2], files[1::2]]
        one_thread = {**env, "IDCARD_OCR_THREADS": "1"}
        targets = [out / f"half{i}.jsonl" for i in range(2)]
        seconds = timed([[*COMMAND, *half, "--jobs", "1", "--out", str(t)]
                         for half, t in zip(halves, targets, strict=True)], one_thread)
        results["procs2"] = sum(cards_in(t) for t in targets) / seconds
    for name, rate in results.items():
        print(f"{name:8s} {rate:.3f} cards/s")
    print("batch " + " ".join(f"{k} {v:.3f}" for k, v in results.items())
          + f" jobs2/singles {results['jobs2'] / results['singles']:.2f}")


if __name__ == "__main__":
    main()
