"""OCR speed: per-stage medians for each pack × runtime, against raw network time and
against RapidOCR 1.4.4 on the same images, in the same process, with the same threads.

    python bench/ocr_speed.py [--images fixtures] [--rounds 3] [--threads N]
                              [--combos ppocrv3/onnxruntime ppocrv3+ppocrv5/onnxruntime ...]

A combo is DET[+REC[+RECHECK]]/RUNTIME (RECHECK: the re-check pack, `none` for none;
without it, the configured one). With `--accuracy`, each combo is also scored on the
images that `labels.json` (beside the images) describes: the share of cards whose name
and whose ID number appear, spaces ignored, inside some recognised line.

Each image is read once to warm up, then `--rounds` times; RapidOCR is interleaved
with the default combo image by image, so machine noise hits both alike.
The last line is the summary for the configured default packs:

    engine <pack>/<runtime> p50 <ms> ms  rapidocr p50 <ms> ms  ratio <x>
"""

from __future__ import annotations

import argparse
import json
import re
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

import cv2
import numpy as np
from common import rapidocr_class

from idcard.config import Settings, load_settings
from idcard.ocr import OcrEngine, network_time_ms

IMAGE_SUFFIXES = {".jpg", ".jpeg", ".png", ".bmp", ".webp"}
REPO = Path(__file__).resolve().parents[1]
STAGES = ("detect", "classify", "recognize", "total", "network")


def image_paths(root: Path, limit: int) -> list[Path]:
    return sorted(p for p in root.rglob("*") if p.suffix.lower() in IMAGE_SUFFIXES)[:limit]


def load_images(paths: list[Path]) -> list[np.ndarray]:
    images = [cv2.imread(str(p), cv2.IMREAD_COLOR) for p in paths]
    return [i for i in images if i is not None]


def expected_strings(label: object) -> dict[str, str]:
    """The name and ID number a fixture label promises (front sides only)."""
    found: dict[str, str] = {}
    if not isinstance(label, dict):
        return found
    fields = label.get("fields", label)
    if not isinstance(fields, dict):
        return found
    for key, value in fields.items():
        if isinstance(value, dict):
            value = value.get("value", value.get("text"))
        if not isinstance(value, str) or not value:
            continue
        if key == "name":
            found["name"] = value
        elif key in ("id_number", "idn", "id", "number", "citizen_id"):
            found["id_number"] = value
    return found


def accuracy(engine: OcrEngine, root: Path, paths: list[Path]) -> tuple[float, float, int]:
    """Share of labelled cards whose name / ID number appears in some line."""
    labels_path = root / "labels.json"
    if not labels_path.is_file():
        return float("nan"), float("nan"), 0
    labels = json.loads(labels_path.read_text(encoding="utf-8"))
    hits = {"name": [0, 0], "id_number": [0, 0]}
    for path in paths:
        label = labels.get(path.relative_to(root).as_posix(), labels.get(path.name))
        wanted = expected_strings(label)
        if not wanted:
            continue
        image = cv2.imread(str(path), cv2.IMREAD_COLOR)
        if image is None:
            continue
        lines = [re.sub(r"\s+", "", line.text) for line in engine.read_text_lines(image).lines]
        for field, text in wanted.items():
            hits[field][1] += 1
            hits[field][0] += any(re.sub(r"\s+", "", text) in line for line in lines)
    def share(field: str) -> float:
        return hits[field][0] / hits[field][1] if hits[field][1] else float("nan")
    return share("name"), share("id_number"), max(hits["name"][1], hits["id_number"][1])


def combo_settings(base: Settings, combo: str, threads: int) -> Settings:
    packs, runtime = combo.split("/")
    det, *rest = packs.split("+")
    rec, recheck = (rest[0] if rest else det), rest[1:]
    fields = {name: getattr(base, name) for name in base.__struct_fields__}
    fields.update(det_pack=det, rec_pack=rec, runtime=runtime, ocr_threads=threads)
    if recheck:  # a third pack: the re-check recogniser ("none": no re-check)
        fields.update(recheck_pack="" if recheck[0] == "none" else recheck[0])
    return Settings(**fields)


def combo_name(settings: Settings) -> str:
    packs = settings.det_pack if settings.det_pack == settings.rec_pack else (
        f"{settings.det_pack}+{settings.rec_pack}")
    return f"{packs}/{settings.runtime}"


def time_engine(engine: OcrEngine, image: np.ndarray) -> dict[str, float]:
    network_before = network_time_ms()
    start = time.perf_counter()
    result = engine.read_text_lines(image)
    total = (time.perf_counter() - start) * 1000.0
    return {**result.timings_ms, "total": total, "network": network_time_ms() - network_before}


def make_rapidocr(threads: int) -> Callable[[np.ndarray], float] | None:
    """RapidOCR 1.4.4 on its defaults; None (after saying how to install it) if missing."""
    try:
        rapid = rapidocr_class()(intra_op_num_threads=threads, inter_op_num_threads=1)
    except SystemExit as missing:
        print(f"{missing}; timing our engine alone")
        return None

    def run(image: np.ndarray) -> float:
        start = time.perf_counter()
        rapid(image)
        return (time.perf_counter() - start) * 1000.0

    return run


def bench_combo(engine: OcrEngine, images: list[np.ndarray], rounds: int,
                rival: Callable[[np.ndarray], float] | None) -> tuple[dict[str, float], float]:
    for image in images:  # warm-up: first runs of each shape allocate and compile
        engine.read_text_lines(image)
        if rival is not None:
            rival(image)
    samples: dict[str, list[float]] = {stage: [] for stage in STAGES}
    rival_ms: list[float] = []
    for _ in range(rounds):
        for image in images:
            for stage, ms in time_engine(engine, image).items():
                samples[stage].append(ms)
            if rival is not None:
                rival_ms.append(rival(image))
    medians = {stage: statistics.median(values) for stage, values in samples.items()}
    return medians, (statistics.median(rival_ms) if rival_ms else float("nan"))


def interleaved(engines: dict[str, OcrEngine], images: list[np.ndarray],
                rounds: int) -> dict[str, float]:
    """Median total ms per combo, the combos taking turns image by image, so a shared
    machine's load changes hit them all alike."""
    for image in images:
        for engine in engines.values():
            engine.read_text_lines(image)
    samples: dict[str, list[float]] = {combo: [] for combo in engines}
    for _ in range(rounds):
        for image in images:
            for combo, engine in engines.items():
                samples[combo].append(time_engine(engine, image)["total"])
    return {combo: statistics.median(values) for combo, values in samples.items()}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--images", type=Path, default=REPO / "fixtures")
    parser.add_argument("--limit", type=int, default=40, help="at most this many images")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--threads", type=int, default=0, help="0: the configured count")
    parser.add_argument("--combos", nargs="*", default=None)
    parser.add_argument("--interleave", action="store_true",
                        help="only total ms per combo, combos taking turns image by image, "
                             "as a ratio to the first combo")
    parser.add_argument("--accuracy", action="store_true",
                        help="also score names and ID numbers against labels.json")
    args = parser.parse_args()

    base = load_settings()
    threads = args.threads or base.effective_ocr_threads()
    default = combo_name(base)
    combos = args.combos or [default, "ppocrv3/onnxruntime", "ppocrv4/onnxruntime",
                             "ppocrv5/onnxruntime", "ppocrv3+ppocrv5/onnxruntime",
                             "ppocrv4/paddle"]
    combos = list(dict.fromkeys(combos if args.interleave else [default, *combos]))
    paths = image_paths(args.images, args.limit)
    images = load_images(paths)
    if not images:
        raise SystemExit(f"no images under {args.images}")
    print(f"{len(images)} images, {args.rounds} rounds, {threads} threads; median ms per image")
    print(f"{'combo':<32}" + "".join(f"{s:>10}" for s in STAGES) + f"{'total/net':>11}")
    if args.interleave:
        engines = {combo: OcrEngine.load(combo_settings(base, combo, threads))
                   for combo in combos}
        medians = interleaved(engines, images, args.rounds)
        first = medians[combos[0]]
        for combo, ms in medians.items():
            print(f"{combo:<56}{ms:>10.1f} ms  {ms / first:.2f}x")
        return 0
    summary = ""
    rival = make_rapidocr(threads)
    for combo in combos:
        settings = combo_settings(base, combo, threads)
        try:
            engine = OcrEngine.load(settings)
        except Exception as exc:  # a missing optional runtime or pack: say so, go on
            print(f"{combo:<32}skipped: {exc}")
            continue
        with_rival = rival is not None and combo in (default, "ppocrv4/onnxruntime")
        medians, rival_ms = bench_combo(engine, images, args.rounds,
                                        rival if with_rival else None)
        print(f"{combo:<32}" + "".join(f"{medians[s]:>10.1f}" for s in STAGES)
              + f"{medians['total'] / medians['network']:>11.2f}")
        if args.accuracy:
            names, numbers, cards = accuracy(engine, args.images, image_paths(args.images,
                                                                                10_000))
            print(f"  accuracy on {cards} labelled cards: name found {names:.1%}, "
                  f"ID number found {numbers:.1%}")
        if with_rival:
            line = (f"engine {combo} p50 {medians['total']:.1f} ms  rapidocr p50 "
                    f"{rival_ms:.1f} ms  ratio {rival_ms / medians['total']:.2f}")
            print(f"  vs RapidOCR 1.4.4 defaults (PP-OCRv4): {line}")
            if combo == default:
                summary = line
        elif combo == default:
            summary = f"engine {combo} p50 {medians['total']:.1f} ms  rapidocr not installed"
    print(summary)
    return 0


if __name__ == "__main__":
    sys.exit(main())
