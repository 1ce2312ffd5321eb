"""How often the card finder outlines the labelled card: per set, the share of images
whose first outline (the one read first) covers the labelled card (IoU ≥ 0.85), covers
something else, or is missing, with the finder's ms per image.

    python bench/locate.py DIR [DIR ...]

Images with an EXIF orientation other than 1 are skipped (their labelled quads are in
the stored pixels, which the finder sees turned). Pure imaging: no model is loaded.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

import cv2
import numpy as np
from common import load_labels

from idcard.imaging.locate import find_card_outlines, tight_crop_outline

_MATCH_IOU = 0.85


def _iou(a: np.ndarray, b: np.ndarray, shape: tuple[int, int]) -> float:
    masks = []
    for quad in (a, b):
        mask = np.zeros(shape, dtype=np.uint8)
        cv2.fillPoly(mask, [quad.round().astype(np.int32)], 1)
        masks.append(mask.astype(bool))
    union = np.logical_or(*masks).sum()
    return float(np.logical_and(*masks).sum() / union) if union else 0.0


def _judge(path: Path, quad: np.ndarray) -> tuple[str, float]:
    image = cv2.imread(str(path), cv2.IMREAD_COLOR | cv2.IMREAD_IGNORE_ORIENTATION)
    started = time.perf_counter()
    outlines = find_card_outlines(image)
    first = tight_crop_outline(image, outlines) or (outlines[0] if outlines else None)
    ms = (time.perf_counter() - started) * 1000
    if first is None:
        return "none", ms
    iou = _iou(first.corners, quad, image.shape[:2])
    return ("card" if iou >= _MATCH_IOU else "other"), ms


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("dirs", nargs="+", type=Path)
    parser.add_argument("--list", action="store_true", help="print every image not outlined")
    args = parser.parse_args()
    totals = {"card": 0, "other": 0, "none": 0}
    times: list[float] = []
    for folder in args.dirs:
        counts = {"card": 0, "other": 0, "none": 0}
        for label in load_labels(folder):
            quads = label.get("card_quads")
            if not quads or label.get("exif_orientation", 1) != 1:
                continue
            verdict, ms = _judge(folder / label["file"], np.array(quads[0], dtype=np.float32))
            counts[verdict] += 1
            times.append(ms)
            if args.list and verdict != "card":
                print(f"  {folder.name}/{label['file']}: {verdict}")
        n = sum(counts.values())
        print(f"{folder.name:16} images {n:4}  card {counts['card']:4}  other {counts['other']:4}"
              f"  none {counts['none']:4}")
        for key in totals:
            totals[key] += counts[key]
    n = sum(totals.values())
    if not n:
        print("no labelled card quads found", file=sys.stderr)
        return 1
    print(f"locate images {n} card {totals['card'] / n:.3f} other {totals['other'] / n:.3f} "
          f"none {totals['none'] / n:.3f} ms p50 {statistics.median(times):.1f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
