"""The name's rare-character rule on and off, image by image in one process.

    python bench/rare_names.py DIR [--limit N] [--rare-only]

Reads every labelled image twice with the default settings (IDCARD_*): once with the
name's second look as before (`pipeline.one_view.NAME_RARE_CHARACTERS` off) and once with
the re-check's rare second choices allowed (on; ocr.consensus.spell_rare), taking turns
which goes first. Prints each image whose values differ, then one summary line:

    rare-names DIR n <N> names off <a>/<n> on <b>/<n> rare off <c>/<r> on <d>/<r> fields off
    <e>/<f> on <g>/<f> other-field changes <k> time on/off <ratio>

A value counts as right as in bench/accuracy.py. `rare` counts labels with `rare_name`.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path
from typing import Any

from common import ALL_FIELDS, load_labels, normalise

ARMS = ("off", "on")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("folder", type=Path)
    parser.add_argument("--limit", type=int, default=0)
    parser.add_argument("--rare-only", action="store_true", help="only labels with rare_name")
    args = parser.parse_args(argv)

    from idcard.config import load_settings
    from idcard.pipeline import CardReader, one_view

    labels = [lab for lab in load_labels(args.folder)
              if lab.get("rare_name") or not args.rare_only]
    labels = labels[:args.limit] if args.limit else labels
    reader = CardReader.load(load_settings())
    names = {arm: 0 for arm in ARMS}
    rare = {arm: 0 for arm in ARMS}
    fields = {arm: 0 for arm in ARMS}
    seconds = {arm: 0.0 for arm in ARMS}
    total_names = total_rare = total_fields = other_changes = 0
    for index, label in enumerate(labels):
        data = (args.folder / label["file"]).read_bytes()
        want = {k: str(v) for k, v in (label.get("fields") or {}).items() if k in ALL_FIELDS}
        got: dict[str, dict[str, str | None]] = {}
        for arm in ARMS if index % 2 == 0 else ARMS[::-1]:
            one_view.NAME_RARE_CHARACTERS = arm == "on"
            start = time.perf_counter()
            got[arm] = read_values(reader, data, want)
            seconds[arm] += time.perf_counter() - start
            right = {k for k, v in want.items()
                     if got[arm][k] is not None and normalise(k, got[arm][k]) == normalise(k, v)}
            fields[arm] += len(right)
            names[arm] += "name" in right
            rare[arm] += "name" in right and bool(label.get("rare_name"))
        total_fields += len(want)
        total_names += "name" in want
        total_rare += "name" in want and bool(label.get("rare_name"))
        changed = {k: (got["off"][k], got["on"][k]) for k in want if got["off"][k] != got["on"][k]}
        if changed:
            print(f"{label['file']} want {want.get('name')}: "
                  + ", ".join(f"{k} {a} -> {b}" for k, (a, b) in changed.items()))
            other_changes += bool(set(changed) - {"name"})
    ratio = seconds["on"] / seconds["off"] if seconds["off"] else float("nan")
    print(f"rare-names {args.folder.name} n {len(labels)} "
          f"names off {names['off']}/{total_names} on {names['on']}/{total_names} "
          f"rare off {rare['off']}/{total_rare} on {rare['on']}/{total_rare} "
          f"fields off {fields['off']}/{total_fields} on {fields['on']}/{total_fields} "
          f"other-field changes {other_changes} time on/off {ratio:.3f}")
    return 0


def read_values(reader: Any, data: bytes, want: dict[str, str]) -> dict[str, str | None]:
    from idcard.errors import InputError

    try:
        reading = reader.read(data, side="auto").reading
    except InputError:
        return {k: None for k in want}
    values: dict[str, str | None] = {}
    for k in want:
        found = getattr(reading.fields, k, None)
        values[k] = None if found is None else str(found.value)
    return values


if __name__ == "__main__":
    sys.exit(main())
