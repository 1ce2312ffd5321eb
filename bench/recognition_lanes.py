"""Recognition lanes: a card's lines read by one-thread copies side by side, against the
same batches run in turn on one network with all the threads.

    python bench/recognition_lanes.py [--images fixtures] [--rounds 5] [--threads 2]
                                      [--pack ppocrv4]

Each image's text lines are found once (the configured detector, upright crops); then,
round after round and image by image, the two ways take turns reading the same crops,
so machine noise hits both alike. The readings must be the same text, or the bench
stops. The last line is

    lanes p50 <ms> one-network p50 <ms> ratio <x>

with ratio = lanes / one network per image, median over images and rounds (below 1:
the lanes are faster).
"""

from __future__ import annotations

import argparse
import statistics
import time
from pathlib import Path

import cv2
import numpy as np
from common import image_files

from idcard.config import load_settings
from idcard.ocr import OcrEngine
from idcard.ocr.geometry import as_quad_array, crop_line
from idcard.ocr.image import as_bgr8
from idcard.ocr.packs import spec_of
from idcard.ocr.recognize import RecognitionParams, load_dictionary, recognize
from idcard.ocr.runtime import Lanes, open_network

REPO = Path(__file__).resolve().parents[1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--images", type=Path, default=REPO / "fixtures")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--pack", default="ppocrv4")
    args = parser.parse_args()
    settings = load_settings()
    pack_dir = settings.models_dir / args.pack
    spec = spec_of(args.pack)
    characters = load_dictionary((pack_dir / "dict.txt").read_text(encoding="utf-8"))
    params = RecognitionParams(height=spec.rec_height, min_width=spec.rec_pad_width)
    one = open_network(settings.runtime, pack_dir, "rec", args.threads)
    lanes = Lanes([open_network(settings.runtime, pack_dir, "rec", 1)
                   for _ in range(args.threads)])
    cards = _line_crops(OcrEngine.load(settings), args.images)
    lane_ms: list[float] = []
    one_ms: list[float] = []
    ratios: list[float] = []
    for _ in range(args.rounds):
        for crops in cards:
            took = {}
            texts = {}
            for way, chosen in (("lanes", lanes), ("one", None)):
                start = time.perf_counter()
                readings = recognize(crops, one, characters, params, lanes=chosen)
                took[way] = (time.perf_counter() - start) * 1000.0
                texts[way] = [r.text for r in readings]
            if texts["lanes"] != texts["one"]:
                raise SystemExit("the lanes read different text: "
                                 f"{texts['lanes']} against {texts['one']}")
            lane_ms.append(took["lanes"])
            one_ms.append(took["one"])
            ratios.append(took["lanes"] / took["one"])
    print(f"{len(cards)} images, {sum(len(c) for c in cards)} lines, {args.rounds} rounds, "
          f"{args.threads} threads, pack {args.pack}")
    print(f"lanes p50 {statistics.median(lane_ms):.1f} one-network p50 "
          f"{statistics.median(one_ms):.1f} ratio {statistics.median(ratios):.2f}")


def _line_crops(engine: OcrEngine, folder: Path) -> list[list[np.ndarray]]:
    """Per image with at least two text lines, its lines' upright crops."""
    cards = []
    for path in image_files(folder):
        image = as_bgr8(cv2.imread(str(path), cv2.IMREAD_COLOR))
        if image is None:
            continue
        crops = [cropped[0] for box in engine.detect_text_lines(image)
                 if (cropped := crop_line(image, as_quad_array(box.quad))) is not None]
        if len(crops) >= 2:
            cards.append(crops)
    return cards


if __name__ == "__main__":
    main()
