"""Why fields are flagged, and whether the flags are on fields read wrong.

    python bench/review_reasons.py DIR [--limit N]

Reads each labelled image in-process (idcard.pipeline.CardReader, settings from IDCARD_*)
and prints every silent error (a field read wrong and not flagged: file, field, what was
expected and read — generated cards only), then per review reason the fields it flags and
the share of them read right (a reason that flags mostly right fields is over-broad), also
for the fields it alone flags, then per tier the share flagged (`review: true` or missing)
and silent. The last line is

    review reasons flagged <f>/<n> silent <s>/<n>
"""

from __future__ import annotations

import argparse
import sys
from collections import Counter
from pathlib import Path
from typing import Any

import msgspec
from common import ALL_FIELDS, load_labels, normalise


def judged_fields(label: dict[str, Any], body: dict[str, Any] | None) -> list[tuple[str, bool,
                                                                                 set[str]]]:
    """(field, read right, reasons) for each labelled field read; a missing field has the
    reason `field_missing` and is never right."""
    expected = {k: str(v) for k, v in (label.get("fields") or {}).items() if k in ALL_FIELDS}
    fields = (body or {}).get("fields") or {}
    why: dict[str, set[str]] = {}
    for reason in (body or {}).get("review_reasons") or []:
        if reason.get("field"):
            why.setdefault(reason["field"], set()).add(reason["code"])
    out = []
    for name, value in expected.items():
        field = fields.get(name)
        if not isinstance(field, dict):
            out.append((name, False, {"field_missing"}))
            continue
        right = normalise(name, field.get("value")) == normalise(name, value)
        reasons = why.get(name, set()) if field.get("review") else set()
        if field.get("review") and not reasons:
            reasons = {"review"}
        out.append((name, right, reasons))
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("folder", type=Path, help="images with labels.json beside them")
    parser.add_argument("--limit", type=int, default=0, help="only the first N labels")
    args = parser.parse_args(argv)

    from idcard.config import load_settings
    from idcard.errors import InputError
    from idcard.pipeline import CardReader

    reader = CardReader.load(load_settings())
    labels = load_labels(args.folder)[: args.limit or None]
    flags: Counter[tuple[str, bool]] = Counter()
    tiers: dict[str, list[int]] = {}
    for label in labels:
        try:
            reading = reader.read((args.folder / label["file"]).read_bytes(), side="auto").reading
            body: dict[str, Any] | None = msgspec.to_builtins(reading)
        except InputError:
            body = None
        expected = label.get("fields") or {}
        got = (body or {}).get("fields") or {}
        for name, right, reasons in judged_fields(label, body):
            tier = tiers.setdefault(str(label.get("tier", "?")), [0, 0, 0])
            tier[0] += 1
            tier[1] += bool(reasons)
            tier[2] += not reasons and not right
            if not reasons and not right:
                print(f"silent  {label['file']:24} {name:18} {expected[name]!r} -> "
                      f"{got[name]['value']!r} ({got[name]['confidence']})")
            for code in reasons:
                flags[(code, right)] += 1
            if len(reasons) == 1:
                flags[(f"{next(iter(reasons))} (alone)", right)] += 1
    print(f"{'reason':26} {'flagged':>7} {'right':>6}")
    for code in sorted({code for code, _ in flags}):
        hits, misses = flags[(code, True)], flags[(code, False)]
        print(f"{code:26} {hits + misses:7} {hits / (hits + misses):6.0%}")
    total = [sum(t[i] for t in tiers.values()) for i in range(3)]
    for name, (count, flagged, silent) in [*sorted(tiers.items()), ("all", total)]:
        if count:
            print(f"{name:10} fields {count:5} flagged {flagged / count:6.1%} "
                  f"silent {silent / count:6.2%} ({silent})")
    print(f"review reasons flagged {total[1]}/{total[0]} silent {total[2]}/{total[0]}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
