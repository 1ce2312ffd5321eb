"""What placing label words by layout saves, and whether it costs accuracy.

    python bench/placed_labels.py DIR [DIR ...] [--limit N]

In-process, one engine: each labelled image is read twice in the same run, by a reader
with the rules' label places (`front_words` / `back_words` in rules/layout.toml, the
default) and by one whose rules have none (every detected line recognised), in
alternating order. Prints per folder, tier and side the recognised lines per card, the median
recognise and total ms of both and their ratio, and exact-match field accuracy of both
(as bench/accuracy.py counts it); the last line is

    placed lines <a> -> <b> recognize-ms x<r> total-ms x<t> fields <f0> -> <f1> n <N>

Timings on a shared machine are noisy: compare the ratios, measured in the same run.
"""

from __future__ import annotations

import argparse
import statistics
import sys
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import msgspec
from common import ALL_FIELDS, load_labels, normalise

from idcard.config import load_settings
from idcard.errors import InputError
from idcard.extract import load_rules
from idcard.ocr import OcrEngine, line_reads
from idcard.pipeline import CardReader

KINDS = ("full", "placed")


@dataclass
class Tally:
    """One reader's figures over a group of images."""

    lines: list[int] = field(default_factory=list)
    recognize_ms: list[float] = field(default_factory=list)
    total_ms: list[float] = field(default_factory=list)
    right: int = 0
    fields: int = 0

    def add(self, other: Tally) -> None:
        self.lines += other.lines
        self.recognize_ms += other.recognize_ms
        self.total_ms += other.total_ms
        self.right += other.right
        self.fields += other.fields


def readers() -> dict[str, CardReader]:
    settings = load_settings()
    engine = OcrEngine.load(settings)
    rules = load_rules(settings.rules_dir)
    layout = msgspec.structs.replace(rules.layout, front_words=[], back_words=[])
    without = msgspec.structs.replace(rules, layout=layout)
    found = {"full": CardReader(settings, engine, without),
             "placed": CardReader(settings, engine, rules)}
    found["full"].warm_up()
    return found


def read_once(reader: CardReader, data: bytes, expected: dict[str, str], tally: Tally) -> None:
    before = line_reads()[0]
    try:
        outcome = reader.read(data, side="auto")
    except InputError:
        values: dict[str, Any] = {}
        timings: dict[str, float] = {}
    else:
        values = msgspec.to_builtins(outcome.reading.fields)
        timings = outcome.timings_ms
    tally.lines.append(line_reads()[0] - before)
    tally.recognize_ms.append(timings.get("recognize", 0.0))
    tally.total_ms.append(timings.get("total", 0.0))
    for name, want in expected.items():
        got = values.get(name)
        value = got.get("value") if isinstance(got, dict) else None
        tally.fields += 1
        tally.right += value is not None and normalise(name, value) == normalise(name, want)


def run(folder: Path, limit: int | None,
        found: dict[str, CardReader]) -> dict[str, dict[str, Tally]]:
    """"tier side" -> kind -> tally."""
    tiers: dict[str, dict[str, Tally]] = {}
    labels = load_labels(folder)[:limit] if limit else load_labels(folder)
    for number, label in enumerate(labels):
        data = (folder / label["file"]).read_bytes()
        expected = {k: str(v) for k, v in (label.get("fields") or {}).items()
                    if k in ALL_FIELDS}
        group = f"{label.get('tier', '?')} {label.get('side', '?')}"
        tally = tiers.setdefault(group, {k: Tally() for k in KINDS})
        # Alternate which goes first: the second read of an image finds warm caches.
        for kind in (KINDS if number % 2 == 0 else KINDS[::-1]):
            read_once(found[kind], data, expected, tally[kind])
    return tiers


def _ratio(a: list[float], b: list[float]) -> float:
    base = statistics.median(a) if a else 0.0
    return statistics.median(b) / base if base > 0 else float("nan")


def row(name: str, full: Tally, placed: Tally) -> str:
    return (f"{name:<28} n {len(full.lines):>3}  lines {statistics.fmean(full.lines):5.1f} -> "
            f"{statistics.fmean(placed.lines):5.1f}  recognize p50 "
            f"{statistics.median(full.recognize_ms):6.1f} -> "
            f"{statistics.median(placed.recognize_ms):6.1f} ms "
            f"(x{_ratio(full.recognize_ms, placed.recognize_ms):.2f})  total p50 "
            f"{statistics.median(full.total_ms):6.1f} -> {statistics.median(placed.total_ms):6.1f}"
            f" ms (x{_ratio(full.total_ms, placed.total_ms):.2f})  fields "
            f"{full.right}/{full.fields} -> {placed.right}/{placed.fields}")


def report(results: Iterable[tuple[str, dict[str, dict[str, Tally]]]]) -> str:
    """Each folder's rows as soon as it is read, then the overall row and summary."""
    overall = {k: Tally() for k in KINDS}
    for folder, tiers in results:
        for tier, tally in sorted(tiers.items()):
            print(row(f"{folder}:{tier}", tally["full"], tally["placed"]), flush=True)
            for kind in KINDS:
                overall[kind].add(tally[kind])
    full, placed = overall["full"], overall["placed"]
    print(row("all", full, placed))
    return (f"placed lines {statistics.fmean(full.lines):.1f} -> "
            f"{statistics.fmean(placed.lines):.1f} recognize-ms "
            f"x{_ratio(full.recognize_ms, placed.recognize_ms):.2f} total-ms "
            f"x{_ratio(full.total_ms, placed.total_ms):.2f} fields "
            f"{full.right / max(full.fields, 1):.4f} -> {placed.right / max(placed.fields, 1):.4f}"
            f" n {len(full.lines)}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folders", nargs="+", type=Path)
    parser.add_argument("--limit", type=int, default=None, help="images per folder")
    args = parser.parse_args(argv)
    found = readers()
    results = ((folder.name, run(folder, args.limit, found)) for folder in args.folders)
    print(report(results))
    return 0


if __name__ == "__main__":
    sys.exit(main())
