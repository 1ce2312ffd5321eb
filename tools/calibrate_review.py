"""Measure how field confidence predicts a wrong value, and pick the review threshold.

    python tools/calibrate_review.py dump DIR --out FILE.jsonl   # read every image once
    python tools/calibrate_review.py pick FILE.jsonl [--silent 0.002]

`dump` reads each labelled image in-process (settings from IDCARD_*) and writes one JSON
line per labelled field: tier, field, whether the value is right, its confidence and
`review` as the build decides it (with the threshold switched off, so only failed checks
flag), plus the characters' confidences per line as extraction saw them (to compare
aggregates). Values themselves are not written.

`pick` prints, per candidate threshold, the flag rate and the silent-error rate
(wrong and not flagged) per tier, and the smallest threshold that keeps every tier's
silent-error rate within `--silent` (default 0.2 %). Calibrate on a set other than the
one you report on (e.g. `tools/make_cards.py --seed 31`).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections import defaultdict
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "bench"))

from common import ALL_FIELDS, load_labels, normalise

CANDIDATES = (0.0, 0.5, 0.6, 0.7, 0.75, 0.8, 0.85, 0.88, 0.9, 0.92, 0.94, 0.95, 0.96,
              0.97, 0.98, 0.985, 0.99, 0.995)


def dump(folder: Path, out: Path, limit: int) -> None:
    os.environ["IDCARD_REVIEW_BELOW"] = "0"
    import msgspec

    import idcard.extract.interpret as interpret
    from idcard.config import load_settings
    from idcard.errors import InputError
    from idcard.pipeline import CardReader

    seen: dict[str, dict[str, list[list[float]]]] = {}

    def spy(original: Any) -> Any:
        def read(*args: Any, **kwargs: Any) -> Any:
            result = original(*args, **kwargs)
            for name, value in result.values.items():
                lines: dict[int, list[float]] = {}
                for char in value.chars:
                    lines.setdefault(id(char.line), []).append(char.glyph.confidence)
                seen.setdefault(name, {})[value.text] = list(lines.values())
            return result
        return read

    interpret.read_front = spy(interpret.read_front)  # type: ignore[attr-defined]
    interpret.read_back = spy(interpret.read_back)  # type: ignore[attr-defined]
    reader = CardReader.load(load_settings())
    labels = load_labels(folder)[: limit or None]
    with out.open("w", encoding="utf-8") as sink:
        for label in labels:
            seen.clear()
            try:
                outcome = reader.read((folder / label["file"]).read_bytes())
                body = msgspec.to_builtins(outcome.reading)
            except InputError:
                body = {"fields": {}}
            fields = body.get("fields") or {}
            for name, expected in (label.get("fields") or {}).items():
                if name not in ALL_FIELDS:
                    continue
                got = fields.get(name)
                row: dict[str, Any] = {"file": label["file"], "tier": label.get("tier"),
                                       "field": name, "found": got is not None}
                if got is not None:
                    row |= {"right": normalise(name, got["value"]) == normalise(name, expected),
                            "confidence": got["confidence"], "review": got.get("review"),
                            "lines": seen.get(name, {}).get(got["value"])}
                sink.write(json.dumps(row) + "\n")
            sink.flush()


def pick(path: Path, silent: float) -> None:
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
    tiers = sorted({r["tier"] for r in rows})
    print(f"{len(rows)} labelled fields; threshold: flagged % / silent-error % per tier")
    chosen = None
    for threshold in CANDIDATES:
        cells, ok = [], True
        for tier in tiers:
            scope = [r for r in rows if r["tier"] == tier]
            flagged = [r for r in scope if not r["found"] or r.get("review")
                       or r["confidence"] < threshold]
            quiet_wrong = [r for r in scope if r["found"] and not r["right"]
                           and not r.get("review") and r["confidence"] >= threshold]
            rate = len(quiet_wrong) / len(scope)
            ok &= rate <= silent
            cells.append(f"{tier} {len(flagged) / len(scope):6.1%} {rate:6.2%}")
        print(f"{threshold:6.3f}  " + "  ".join(cells))
        if ok and chosen is None:
            chosen = threshold
    print(f"smallest threshold with silent errors <= {silent:.2%} in every tier: {chosen}")
    by_field: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for r in rows:
        if r["found"] and not r["right"] and not r.get("review"):
            by_field[r["field"]][0] += 1
            by_field[r["field"]][1] += r["confidence"] >= (chosen or 0)
    print("wrong, not flagged by a check (field: count, of which above the threshold):",
          dict(by_field))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    d = sub.add_parser("dump")
    d.add_argument("folder", type=Path)
    d.add_argument("--out", type=Path, required=True)
    d.add_argument("--limit", type=int, default=0)
    p = sub.add_parser("pick")
    p.add_argument("dump", type=Path)
    p.add_argument("--silent", type=float, default=0.002)
    args = parser.parse_args(argv)
    if args.command == "dump":
        dump(args.folder, args.out, args.limit)
    else:
        pick(args.dump, args.silent)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
