"""How far each front value begins from the column the others begin at, against the truth,
for choosing `max_indent` in rules/spacing.toml.

    python bench/indents.py DIR [DIR ...]

Reads every labelled front of the folders in-process and records, for each value of
`column_fields` that `extract.spacing.indents` measured on the reading's final values,
its indent in pitches and whether the value is right, wrong, or right but for characters
missing at its start. Prints the wrong ones, the range of the right ones, and how many
of each a threshold would flag. Choose on generated folders (`data/calib`) only.
Last line: `indents measured <n> right-max <x> flagged-right@<t> <a> lost-start@<t> <b>`.
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Sequence
from pathlib import Path

import idcard.extract.interpret as interpret
from idcard.config import load_settings
from idcard.errors import InputError
from idcard.extract import load_rules
from idcard.extract.pieces import raw_of
from idcard.extract.spacing import indents
from idcard.extract.values import Value
from idcard.pipeline import CardReader

THRESHOLDS = (0.5, 0.6, 0.7, 0.8)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("folders", nargs="+", type=Path)
    args = parser.parse_args()
    settings = load_settings()
    reader = CardReader.load(settings)
    rules = load_rules(settings.rules_dir)
    seen: list[dict[str, Value]] = []
    judged = interpret._missing_characters

    def spy(values: dict[str, Value], book: object) -> list[str]:
        seen.append(dict(values))
        return judged(values, book)  # type: ignore[arg-type]

    interpret._missing_characters = spy  # type: ignore[assignment]
    rows: list[tuple[float, str, str, str]] = []
    for folder in args.folders:
        for label in json.loads((folder / "labels.json").read_text(encoding="utf-8")):
            if label.get("side") != "front":
                continue
            seen.clear()
            try:
                outcome = reader.read((folder / label["file"]).read_bytes())
            except InputError:
                continue
            final = _final_values(seen, outcome.reading.fields)
            measured = indents({n: v.chars for n, v in final.items()},
                               rules.spacing.column_fields, rules.spacing)
            for name, indent in measured.items():
                rows.append((indent, _verdict(final[name].text, str(label["fields"][name])),
                             name, f"{folder.name}/{label['file']}"))
    _report(rows)


def _final_values(seen: Sequence[dict[str, Value]], fields: object) -> dict[str, Value]:
    """The values the reading's fields came from: the last rule pass whose values read
    exactly what the answer's fields read (a step may pass the rules several times)."""
    for values in reversed(seen):
        if all(getattr(fields, name, None) is not None
               and getattr(fields, name).raw == raw_of(value.chars)
               for name, value in values.items() if name in ("name", "address")):
            return values
    return {}


def _verdict(got: str, expected: str) -> str:
    if got == expected:
        return "right"
    if got and len(got) < len(expected) and expected.endswith(got):
        return "lost-start"
    return "wrong"


def _report(rows: list[tuple[float, str, str, str]]) -> None:
    for indent, verdict, name, where in sorted(rows):
        if verdict != "right":
            print(f"{indent:+.2f} {verdict:10} {name:12} {where}")
    right = sorted(indent for indent, verdict, _, _ in rows if verdict == "right")
    if right:
        print(f"right values: {len(right)}, indent {right[0]:+.2f} .. {right[-1]:+.2f}")
    for threshold in THRESHOLDS:
        flagged = {verdict: sum(1 for i, v, _, _ in rows if v == verdict and i > threshold)
                   for verdict in ("right", "wrong", "lost-start")}
        print(f"max_indent {threshold}: flags {flagged['right']} right, {flagged['wrong']} "
              f"wrong, {flagged['lost-start']} lost-start")
    t = 0.6
    print(f"indents measured {len(rows)} right-max {right[-1] if right else 0:.2f} "
          f"flagged-right@{t} {sum(1 for i, v, _, _ in rows if v == 'right' and i > t)} "
          f"lost-start@{t} {sum(1 for i, v, _, _ in rows if v == 'lost-start' and i > t)}")


if __name__ == "__main__":
    main()
