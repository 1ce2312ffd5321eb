"""OCR speed: per-stage medians for each pack × runtime, against raw network time and
against RapidOCR 1.4.4 on the same images, in the same process, with the same threads.

    python bench/ocr_speed.py [--images fixtures] [--rounds 3] [--threads N]
                              [--combos ppocrv3/onnxruntime ppocrv3+ppocrv5/onnxruntime ...]

A combo is DET[+REC]/RUNTIME. Each image is read once to warm up, then `--rounds` times;
RapidOCR is interleaved with the default combo image by image, so machine noise hits
both alike. The last line is the summary for the configured default packs:

    engine <pack>/<runtime> p50 <ms> ms  rapidocr p50 <ms> ms  ratio <x>
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

import cv2
import numpy as np

from idcard.config import Settings, load_settings
from idcard.ocr import OcrEngine, network_time_ms

IMAGE_SUFFIXES = {".jpg", ".jpeg", ".png", ".bmp", ".webp"}
REPO = Path(__file__).resolve().parents[1]
STAGES = ("detect", "classify", "recognize", "total", "network")


def load_images(root: Path, limit: int) -> list[np.ndarray]:
    paths = sorted(p for p in root.rglob("*") if p.suffix.lower() in IMAGE_SUFFIXES)
    images = [cv2.imread(str(p), cv2.IMREAD_COLOR) for p in paths[:limit]]
    return [i for i in images if i is not None]


def combo_settings(base: Settings, combo: str, threads: int) -> Settings:
    packs, runtime = combo.split("/")
    det, _, rec = packs.partition("+")
    fields = {name: getattr(base, name) for name in base.__struct_fields__}
    fields.update(det_pack=det, rec_pack=rec or det, runtime=runtime, ocr_threads=threads)
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


def make_rapidocr(threads: int) -> Callable[[np.ndarray], float]:
    from rapidocr_onnxruntime import RapidOCR

    rapid = RapidOCR(intra_op_num_threads=threads, inter_op_num_threads=1)

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


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--images", type=Path, default=REPO / "fixtures")
    parser.add_argument("--limit", type=int, default=40, help="at most this many images")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--threads", type=int, default=0, help="0: the configured count")
    parser.add_argument("--combos", nargs="*", default=None)
    args = parser.parse_args()

    base = load_settings()
    threads = args.threads or base.effective_ocr_threads()
    default = combo_name(base)
    combos = args.combos or [default, "ppocrv3/onnxruntime", "ppocrv4/onnxruntime",
                             "ppocrv5/onnxruntime", "ppocrv3+ppocrv5/onnxruntime",
                             "ppocrv4/paddle"]
    combos = list(dict.fromkeys([default, *combos]))
    images = load_images(args.images, args.limit)
    if not images:
        raise SystemExit(f"no images under {args.images}")
    print(f"{len(images)} images, {args.rounds} rounds, {threads} threads; median ms per image")
    print(f"{'combo':<32}" + "".join(f"{s:>10}" for s in STAGES) + f"{'total/net':>11}")
    summary = ""
    rival = make_rapidocr(threads)
    for combo in combos:
        settings = combo_settings(base, combo, threads)
        try:
            engine = OcrEngine.load(settings)
        except Exception as exc:  # a missing optional runtime or pack: say so, go on
            print(f"{combo:<32}skipped: {exc}")
            continue
        with_rival = combo == default or combo == "ppocrv4/onnxruntime"
        medians, rival_ms = bench_combo(engine, images, args.rounds,
                                        rival if with_rival else None)
        print(f"{combo:<32}" + "".join(f"{medians[s]:>10.1f}" for s in STAGES)
              + f"{medians['total'] / medians['network']:>11.2f}")
        if with_rival:
            line = (f"engine {combo} p50 {medians['total']:.1f} ms  rapidocr p50 "
                    f"{rival_ms:.1f} ms  ratio {rival_ms / medians['total']:.2f}")
            print(f"  vs RapidOCR 1.4.4 defaults (PP-OCRv4): {line}")
            if combo == default:
                summary = line
    print(summary)
    return 0


if __name__ == "__main__":
    sys.exit(main())
