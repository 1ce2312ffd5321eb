"""Precision, recall and cost of each image-quality signal on labelled condition images.

    python bench/quality.py DIR [--assume CONDITION] [--tiers T1,T2] [--limit N]

DIR holds images and labels.json from tools/make_conditions.py (each label names its
`condition`, or null). Labels without a `condition` key count as `--assume` (e.g.
`--assume photocopy` for a folder of grey scans, `--assume none` for colour photos).
Each image is read in-process by the full pipeline (settings from IDCARD_*); a signal is
predicted when the response's `quality.<signal>.raised`; a motion-blurred image is also a
blurred one (a positive for `blur` too). For glare and occlusion it also
counts how often the field the condition covers is among the signal's `fields`.
The cost of each signal is timed separately: `imaging.quality.assess` on the
straightened card (856 × 540) with the layout's field regions, in thread CPU time with
OpenCV on one thread (the machine is shared: wall time measures the neighbours), median
and largest ms per signal.

Last line: `quality signals <n> images <N> mean-precision <p> mean-recall <r> worst-p50-ms <m>`
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from collections import Counter, defaultdict
from pathlib import Path
from typing import Any

SIGNALS = ("blur", "motion_blur", "glare", "too_dark", "overexposed", "photocopy",
           "screen_recapture", "occlusion")
# A condition that is also another signal's: a smeared image is a blurred one.
ALSO = {"motion_blur": ("blur",)}


def _timed_signals(data: bytes, rules: Any, limits: Any) -> dict[str, float]:
    from idcard.imaging.decode import decode_image
    from idcard.imaging.locate import find_card_outlines
    from idcard.imaging.quality import assess
    from idcard.imaging.view import rectify_card, whole_image

    image = decode_image(data, limits)
    outlines = find_card_outlines(image)
    view = rectify_card(image, outlines[0].corners) if outlines else whole_image(image)
    width, height = view.size
    regions = {
        name: ((x0 * width, y0 * height), (x1 * width, y0 * height),
               (x1 * width, y1 * height), (x0 * width, y1 * height))
        for name, (x0, y0, x1, y1) in rules.layout.field_regions.items()
        if name != "portrait_eyes"}
    # Thread CPU time, OpenCV on this thread only: the machine is shared, and wall time
    # would mostly measure the other processes.
    return assess(view.image, regions, clock=time.thread_time).ms


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("folder", type=Path)
    parser.add_argument("--assume", default="none",
                        help="condition of labels that name none (default: none)")
    parser.add_argument("--limit", type=int, default=0)
    parser.add_argument("--tiers", default="", help="only labels of these tiers (a,b)")
    args = parser.parse_args(argv)

    import cv2
    import msgspec

    from idcard.config import load_settings
    from idcard.errors import InputError
    from idcard.extract import load_rules
    from idcard.imaging.decode import DecodeLimits
    from idcard.pipeline import CardReader

    settings = load_settings()
    reader = CardReader.load(settings)
    rules = load_rules(settings.rules_dir)
    limits = DecodeLimits(max_pixels=settings.max_pixels, min_side=settings.min_side)
    cv2.setNumThreads(1)
    labels = json.loads((args.folder / "labels.json").read_text(encoding="utf-8"))
    if args.tiers:
        labels = [lab for lab in labels if lab.get("tier") in args.tiers.split(",")]
    labels = labels[: args.limit or None]
    counts: dict[str, Counter[str]] = {s: Counter() for s in SIGNALS}
    named: dict[str, Counter[str]] = {s: Counter() for s in ("glare", "occlusion")}
    ms: dict[str, list[float]] = defaultdict(list)
    refused = 0
    for label in labels:
        truth = label.get("condition", None if args.assume == "none" else args.assume)
        data = (args.folder / label["file"]).read_bytes()
        for name, value in _timed_signals(data, rules, limits).items():
            ms[name].append(value)
        try:
            quality = msgspec.to_builtins(reader.read(data).reading.quality)
        except InputError:
            refused += 1
            quality = {}
        for signal in SIGNALS:
            raised = bool(quality.get(signal, {}).get("raised"))
            present = truth == signal or signal in ALSO.get(str(truth), ())
            key = ("tp" if raised else "fn") if present else ("fp" if raised else "tn")
            counts[signal][key] += 1
            if signal in named and truth == signal and raised:
                covers = set(label.get("covers") or [])
                fields = set(quality[signal].get("fields") or [])
                named[signal]["right" if covers & fields else "wrong"] += 1
    print(f"{'signal':<18}{'precision':>10}{'recall':>8}{'tp':>5}{'fp':>5}{'fn':>5}"
          f"{'ms p50':>8}{'ms max':>8}")
    precisions, recalls, worst = [], [], 0.0
    for signal in SIGNALS:
        c = counts[signal]
        precision = c["tp"] / (c["tp"] + c["fp"]) if c["tp"] + c["fp"] else float("nan")
        recall = c["tp"] / (c["tp"] + c["fn"]) if c["tp"] + c["fn"] else float("nan")
        if c["tp"] + c["fp"]:
            precisions.append(precision)
        if c["tp"] + c["fn"]:
            recalls.append(recall)
        p50 = statistics.median(ms[signal]) if ms[signal] else 0.0
        top = max(ms[signal]) if ms[signal] else 0.0
        worst = max(worst, p50)
        print(f"{signal:<18}{precision:>10.1%}{recall:>8.1%}{c['tp']:>5}{c['fp']:>5}"
              f"{c['fn']:>5}{p50:>8.2f}{top:>8.2f}")
    for signal, c in named.items():
        total = c["right"] + c["wrong"]
        if total:
            print(f"{signal}: the covered field is named in {c['right']}/{total} detections")
    print(f"refused (422) {refused}/{len(labels)}")
    mean_p = statistics.fmean(precisions) if precisions else float("nan")
    mean_r = statistics.fmean(recalls) if recalls else float("nan")
    print(f"quality signals {len(SIGNALS)} images {len(labels)} mean-precision {mean_p:.3f} "
          f"mean-recall {mean_r:.3f} worst-p50-ms {worst:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
