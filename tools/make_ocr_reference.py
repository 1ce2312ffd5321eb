"""Write tests/ocr_reference/<pack>.json: RapidOCR's line texts for every fixture image.

RapidOCR (rapidocr-onnxruntime 1.4.4, installed without dependencies beside the dev
extras) is the independent implementation our pipeline must agree with. It runs the
*same model files* as our pack, with its defaults except where those defaults are
resizing policies rather than OCR: detection input is limited to the longest side
`--det-limit` (ours; RapidOCR's default upscales to a 736 px short side, and its "max"
mode swaps the limit for 960/1500/2000 by image size) and its global
downscale of >2000 px images is turned off (we crop lines from the full-resolution image).
With those aligned, the two pipelines should read identical text. Detection's
normalisation and DB post-processing (box threshold, unclip ratio) are the pack's own
(`packs.toml`): v6 uses PaddleX's, not RapidOCR's v3/v4 defaults.

    python tools/make_ocr_reference.py [--fixtures fixtures] [--packs ppocrv3 ppocrv4 \
        ppocrv6-tiny ppocrv6-small]
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import cv2

IMAGE_SUFFIXES = {".jpg", ".jpeg", ".png", ".bmp", ".webp", ".tif", ".tiff"}
REPO = Path(__file__).resolve().parents[1]


def fixture_images(root: Path) -> list[Path]:
    return sorted(p for p in root.rglob("*") if p.suffix.lower() in IMAGE_SUFFIXES)


def rapidocr_for(pack_dir: Path, det_limit: int) -> object:
    from rapidocr_onnxruntime import RapidOCR  # type: ignore[import-untyped]
    from rapidocr_onnxruntime.ch_ppocr_det.utils import (  # type: ignore[import-untyped]
        DetPreProcess,
    )

    from idcard.ocr.packs import spec_of

    spec = spec_of(pack_dir.name)
    engine = RapidOCR(
        det_model_path=str(pack_dir / "det.onnx"),
        rec_model_path=str(pack_dir / "rec.onnx"),
        cls_model_path=str(pack_dir / "cls.onnx"),
        rec_keys_path=str(pack_dir / "dict.txt"),
        det_limit_type="max",
        det_limit_side_len=det_limit,
        max_side_len=1_000_000,
        det_box_thresh=spec.det_box_thresh,
        det_unclip_ratio=spec.det_unclip_ratio,
    )
    # In "max" mode RapidOCR replaces the limit with 960/1500/2000 depending on the image
    # size; pin it to ours so both detectors see the same input.
    detector = engine.text_det
    detector.mean, detector.std = list(spec.det_mean), list(spec.det_std)
    detector.get_preprocess = lambda _longest: DetPreProcess(
        det_limit, "max", detector.mean, detector.std)
    return engine


def read_lines(engine: object, image_path: Path) -> list[str]:
    image = cv2.imread(str(image_path), cv2.IMREAD_COLOR)
    if image is None:
        raise SystemExit(f"cannot read {image_path}")
    result, _ = engine(image)  # type: ignore[operator]
    return [str(text) for _box, text, _score in (result or [])]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--fixtures", type=Path, default=REPO / "fixtures")
    parser.add_argument("--out", type=Path, default=REPO / "tests" / "ocr_reference")
    parser.add_argument("--packs", nargs="+", default=["ppocrv3", "ppocrv4"])
    parser.add_argument("--det-limit", type=int, default=960)
    parser.add_argument("--models-dir", type=Path, default=None)
    args = parser.parse_args()

    from idcard.config import load_settings

    models_dir = args.models_dir or load_settings().models_dir
    images = fixture_images(args.fixtures)
    if not images:
        raise SystemExit(f"no images under {args.fixtures}")
    args.out.mkdir(parents=True, exist_ok=True)
    for pack in args.packs:
        engine = rapidocr_for(models_dir / pack, args.det_limit)
        readings = {p.relative_to(args.fixtures).as_posix(): read_lines(engine, p)
                    for p in images}
        document = {
            "generator": "rapidocr-onnxruntime 1.4.4 via tools/make_ocr_reference.py",
            "pack": pack,
            "det_limit": args.det_limit,
            "images": readings,
        }
        target = args.out / f"{pack}.json"
        target.write_text(json.dumps(document, ensure_ascii=False, indent=1) + "\n",
                          encoding="utf-8")
        print(f"{target}: {len(readings)} images, "
              f"{sum(len(v) for v in readings.values())} lines", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
