"""Field accuracy over a labelled folder (labels.json beside the images).

    python bench/accuracy.py DIR [--url http://127.0.0.1:8000] [--limit N]

In-process by default (idcard.pipeline.CardReader with the settings from IDCARD_*), or
against a running service with `--url` (POST multipart `image` to URL/v1/idcard).
A value counts as right when it equals the label after NFKC, whitespace removal and
upper-casing the ID number's X. A missing field, an error or a non-200 is wrong.

Prints exact-match accuracy per field × tier, card-level accuracy (every labelled field
right), side accuracy, rare-name accuracy, the review table (per tier: labelled fields,
the share flagged for review — `review: true` or missing — and the silent-error rate:
fields read wrong and not flagged), the ten worst misses and (in-process) the median ms
of each pipeline stage and the text lines recognised per card (and re-read by the
re-check model); the last line is

    accuracy fields <f> cards <c> n <N>
"""

from __future__ import annotations

import argparse
import difflib
import statistics
import sys
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from common import ALL_FIELDS, load_labels, local_url, normalise, post_image

TIER_ORDER = ("clean", "photo", "hard", "both")
MISSING = "<missing>"


@dataclass
class Result:
    """What the reader said about one labelled image."""

    label: dict[str, Any]
    side: str | None = None
    values: dict[str, str | None] = field(default_factory=dict)
    reviews: dict[str, bool] = field(default_factory=dict)
    error: str | None = None
    ms: float = 0.0

    @property
    def expected(self) -> dict[str, str]:
        fields = self.label.get("fields") or {}
        return {k: str(v) for k, v in fields.items() if k in ALL_FIELDS}

    def got(self, name: str) -> str | None:
        return None if self.error else self.values.get(name)

    def right(self, name: str) -> bool:
        got = self.got(name)
        return got is not None and normalise(name, got) == normalise(name, self.expected[name])

    def flagged(self, name: str) -> bool:
        """Missing (a caller sees null) or marked `review: true`."""
        return self.got(name) is None or self.reviews.get(name, False)

    def silent_error(self, name: str) -> bool:
        return not self.flagged(name) and not self.right(name)

    @property
    def card_right(self) -> bool:
        return bool(self.expected) and all(self.right(n) for n in self.expected)


Reading = tuple[str | None, dict[str, str | None], dict[str, bool]]
ReadFn = Callable[[str, bytes], Reading]


class ReadFailed(Exception):
    """The reader gave no reading for an image (bad input, no card, HTTP error)."""


# -- readers ------------------------------------------------------------------------------


def values_from_response(body: Any) -> Reading:
    """Side, field values and review flags from the service's JSON (or the in-process
    reading's dict)."""
    if not isinstance(body, dict):
        return None, {}, {}
    fields = body.get("fields") or {}
    values: dict[str, str | None] = {}
    reviews: dict[str, bool] = {}
    for name in ALL_FIELDS:
        item = fields.get(name) if isinstance(fields, dict) else None
        value = item.get("value") if isinstance(item, dict) else item
        values[name] = value if isinstance(value, str) else None
        reviews[name] = bool(item.get("review")) if isinstance(item, dict) else False
    side = body.get("side")
    return (side if isinstance(side, str) else None), values, reviews


# Pipeline stage timings of the in-process reader's successful reads: stage -> ms list.
stage_ms: dict[str, list[float]] = {}
# Per image read in-process: lines recognised, and lines read again by the re-check model.
reads_per_card: list[tuple[int, int]] = []


def reads_line() -> str:
    lines = [n for n, _ in reads_per_card]
    rereads = [n for _, n in reads_per_card]
    return (f"reads per card     lines mean {statistics.fmean(lines):.1f} "
            f"p50 {statistics.median(lines):.0f}; re-reads mean {statistics.fmean(rereads):.1f} "
            f"p50 {statistics.median(rereads):.0f}")


def stage_line() -> str:
    """Median ms per pipeline stage (in-process only)."""
    parts = [f"{stage} {statistics.median(values):.1f}" for stage, values in stage_ms.items()]
    return "stage p50 ms: " + ", ".join(parts)


def in_process_reader() -> Callable[[bytes], Reading]:
    import msgspec

    from idcard.config import load_settings
    from idcard.errors import InputError
    from idcard.ocr import line_reads
    from idcard.pipeline import CardReader

    reader = CardReader.load(load_settings())

    def read(data: bytes) -> Reading:
        before = line_reads()
        try:
            outcome = reader.read(data, side="auto")
        except InputError as exc:
            raise ReadFailed(exc.code) from exc
        finally:
            after = line_reads()
            reads_per_card.append((after[0] - before[0], after[1] - before[1]))
        for stage, ms in outcome.timings_ms.items():
            stage_ms.setdefault(stage, []).append(ms)
        return values_from_response(msgspec.to_builtins(outcome.reading))

    return read


def http_reader(base_url: str) -> ReadFn:
    import httpx

    client = httpx.Client(timeout=60.0)

    def read(name: str, data: bytes) -> Reading:
        status, body = post_image(client, base_url, name, data)
        if status != 200:
            code = body.get("code") if isinstance(body, dict) else None
            raise ReadFailed(f"http {status}" + (f" {code}" if code else ""))
        return values_from_response(body)

    return read


def _named(read: Callable[[bytes], Reading]) -> ReadFn:
    return lambda _name, data: read(data)


def run(labels: Iterable[dict[str, Any]], folder: Path, read: ReadFn) -> list[Result]:
    results = []
    for label in labels:
        path = folder / label["file"]
        result = Result(label=label)
        start = time.perf_counter()
        try:
            result.side, result.values, result.reviews = read(path.name, path.read_bytes())
        except ReadFailed as exc:
            result.error = str(exc)
        except OSError as exc:
            result.error = f"cannot read {path}: {exc}"
        result.ms = (time.perf_counter() - start) * 1000.0
        results.append(result)
    return results


# -- report -------------------------------------------------------------------------------


def _tiers(results: list[Result]) -> list[str]:
    present = {str(r.label.get("tier", "?")) for r in results}
    return [t for t in TIER_ORDER if t in present] + sorted(present - set(TIER_ORDER))


def _cell(hits: int, total: int) -> str:
    return f"{hits / total:6.1%} {hits:>3}/{total:<3}" if total else f"{'-':>6} {'':7}"


def field_table(results: list[Result]) -> list[str]:
    tiers = [*_tiers(results), "all"]
    lines = [f"{'field':<18}" + "".join(f"{t:>15}" for t in tiers)]
    for name in ALL_FIELDS:
        row = f"{name:<18}"
        for tier in tiers:
            scope = [r for r in results if name in r.expected
                     and (tier == "all" or r.label.get("tier") == tier)]
            row += f"{_cell(sum(r.right(name) for r in scope), len(scope)):>15}"
        lines.append(row)
    fields_row, cards_row = f"{'(fields)':<18}", f"{'(cards)':<18}"
    for tier in tiers:
        scope = [r for r in results if tier == "all" or r.label.get("tier") == tier]
        right = sum(r.right(name) for r in scope for name in r.expected)
        fields_row += f"{_cell(right, sum(len(r.expected) for r in scope)):>15}"
        cards_row += f"{_cell(sum(r.card_right for r in scope), len(scope)):>15}"
    return [*lines, fields_row, cards_row]


def review_table(results: list[Result]) -> list[str]:
    """Per tier: labelled fields, % flagged for review (or missing), % silent errors."""
    lines = [f"{'review':<8}{'fields':>8}{'flagged':>10}{'silent errors':>16}"]
    for tier in [*_tiers(results), "all"]:
        scope = [(r, n) for r in results for n in r.expected
                 if tier == "all" or r.label.get("tier") == tier]
        if not scope:
            continue
        flagged = sum(r.flagged(n) for r, n in scope)
        silent = sum(r.silent_error(n) for r, n in scope)
        lines.append(f"{tier:<8}{len(scope):>8}{flagged / len(scope):>10.1%}"
                     f"{silent / len(scope):>11.2%} {silent:>3}")
    quiet = [f"{r.label['file']} {n}" for r in results for n in r.expected
             if r.silent_error(n)]
    return [*lines, "silent errors: " + (", ".join(quiet) or "none")]


def group_table(results: list[Result], key: str) -> list[str]:
    """Per value of the label's `key` (e.g. `condition`; absent or null is "none"): fields
    right, flagged for review, and silent errors."""
    groups: dict[str, list[tuple[Result, str]]] = {}
    for r in results:
        groups.setdefault(str(r.label.get(key) or "none"), []).extend(
            (r, n) for n in r.expected)
    lines = [f"{key:<20}{'fields right':>18}{'flagged':>10}{'silent':>8}"]
    for group, scope in sorted(groups.items()):
        right = sum(r.right(n) for r, n in scope)
        flagged = sum(r.flagged(n) for r, n in scope)
        silent = sum(r.silent_error(n) for r, n in scope)
        lines.append(f"{group:<20}{_cell(right, len(scope)):>18}"
                     f"{flagged / len(scope):>10.1%}{silent:>8}")
    return lines


def _miss_score(expected: str, got: str | None) -> float:
    """0 = nearly right … 1 = nothing in common; a missing value scores highest."""
    if got is None:
        return 2.0
    return 1.0 - difflib.SequenceMatcher(None, expected, got).ratio()


def worst_misses(results: list[Result], count: int = 10) -> list[str]:
    """Failed reads first (one line per image), then missing values, then the values
    furthest from the label."""
    misses = [(3.0, r.label["file"], "*", f"{len(r.expected)} fields", f"error: {r.error}")
              for r in results if r.error]
    for r in results:
        for name, expected in r.expected.items():
            if not r.error and not r.right(name):
                got = r.got(name)
                misses.append((_miss_score(normalise(name, expected), got), r.label["file"],
                               name, expected, MISSING if got is None else got))
    misses.sort(key=lambda m: (-m[0], m[1], m[2]))
    return [f"  {f}  {n}: expected {e!r} got {g!r}" for _, f, n, e, g in misses[:count]]


def summary(results: list[Result]) -> list[str]:
    n = len(results)
    total = sum(len(r.expected) for r in results)
    hits = sum(r.right(name) for r in results for name in r.expected)
    cards = sum(r.card_right for r in results)
    sides = sum(r.side == r.label.get("side") for r in results)
    rare = [r for r in results if r.label.get("rare_name") and "name" in r.expected]
    errors = sum(r.error is not None for r in results)
    mean_ms = sum(r.ms for r in results) / n if n else 0.0
    f = hits / total if total else 0.0
    c = cards / n if n else 0.0
    flagged = sum(r.flagged(name) for r in results for name in r.expected)
    silent = sum(r.silent_error(name) for r in results for name in r.expected)
    return [
        f"side accuracy      {sides}/{n}" + (f" ({sides / n:.1%})" if n else ""),
        f"rare-name accuracy {sum(r.right('name') for r in rare)}/{len(rare)}",
        f"errors             {errors}/{n}; mean {mean_ms:.0f} ms per image",
        f"field accuracy     {hits}/{total}; card accuracy {cards}/{n}",
        f"review             flagged {flagged}/{total}; silent errors {silent}/{total}",
        f"accuracy fields {f:.4f} cards {c:.4f} n {n}",
    ]


def report(results: list[Result], group: str | None = None) -> str:
    lines = [*field_table(results), "", *review_table(results), ""]
    if group:
        lines += [*group_table(results, group), ""]
    misses = worst_misses(results)
    lines += ["worst misses:", *(misses or ["  none"]), ""]
    if stage_ms:
        lines.append(stage_line())
    if reads_per_card:
        lines.append(reads_line())
    lines += summary(results)
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("folder", type=Path, help="images with labels.json beside them")
    parser.add_argument("--url", help="a running service, e.g. http://127.0.0.1:8000")
    parser.add_argument("--limit", type=int, default=0, help="only the first N labels")
    parser.add_argument("--group", help="also tabulate by this label key (e.g. condition)")
    args = parser.parse_args(argv)
    labels = load_labels(args.folder)
    labels = labels[:args.limit] if args.limit > 0 else labels
    read = http_reader(local_url(args.url)) if args.url else _named(in_process_reader())
    results = run(labels, args.folder, read)
    print(report(results, args.group))
    return 0 if results else 1


if __name__ == "__main__":
    sys.exit(main())
