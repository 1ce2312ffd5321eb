"""Our pipeline against RapidOCR's readings of the fixtures, and OpenVINO against onnxruntime.

`tests/ocr_reference/<pack>.json` holds RapidOCR 1.4.4's line texts for every fixture
image, made by `tools/make_ocr_reference.py` with the same model files.

- With PaddleOCR's own recognition batching, every line must be identical: that pins
  detection, cropping, orientation, normalisation and decoding to the reference.
- With our tighter batching (the default: less padding, ~35% less recognition time) a
  line may gain a space where the padding changed — the model then reads the gap that
  is really printed ("性别男 民族汉"). Every line must have the same characters; the
  lines that differ in spaces are printed (about 10% on v3, 2% on v4 on our dev set).
- OpenVINO (f32) runs the same ONNX packs: every line must read the same as on
  onnxruntime (bf16, OpenVINO's default on some CPUs, would change characters).
"""

from __future__ import annotations

import difflib
import json
import re
from functools import cache
from pathlib import Path

import cv2
import pytest

from idcard.config import Settings, load_settings
from idcard.errors import ModelsMissingError
from idcard.ocr import OcrEngine

REPO = Path(__file__).resolve().parents[1]
FIXTURES = REPO / "fixtures"
REFERENCES = REPO / "tests" / "ocr_reference"
CARD = Path(__file__).parent / "ocr" / "data" / "card.png"


def settings_for(pack: str, runtime: str) -> Settings:
    base = load_settings()  # honours IDCARD_MODELS_DIR
    return Settings(models_dir=base.models_dir, det_pack=pack, rec_pack=pack, runtime=runtime,
                    recheck_pack="")


@cache
def engine(pack: str, runtime: str = "onnxruntime", reference: bool = False) -> OcrEngine:
    try:
        return OcrEngine.load(settings_for(pack, runtime), reference_batching=reference)
    except ModelsMissingError as exc:
        pytest.fail(f"model pack not installed ({exc}); scripts/install.sh dev pulls it")


def reference(pack: str) -> dict[str, list[str]]:
    path = REFERENCES / f"{pack}.json"
    if not path.is_file():
        pytest.fail(f"no reference readings at {path}: run tools/make_ocr_reference.py")
    images: dict[str, list[str]] = json.loads(path.read_text(encoding="utf-8"))["images"]
    missing = [name for name in images if not (FIXTURES / name).is_file()]
    if missing:
        pytest.skip(f"{len(missing)} fixture images missing (e.g. {missing[0]})")
    return images


def read(ocr: OcrEngine, name: str) -> list[str]:
    image = cv2.imread(str(FIXTURES / name), cv2.IMREAD_COLOR)
    return [line.text for line in ocr.read_text_lines(image).lines]


def matching_lines(expected: list[str], got: list[str]) -> int:
    matcher = difflib.SequenceMatcher(a=expected, b=got, autojunk=False)
    return sum(block.size for block in matcher.get_matching_blocks())


def squeeze(lines: list[str]) -> list[str]:
    return [re.sub(r"\s+", "", line) for line in lines]


PACKS = ["ppocrv3", "ppocrv4", "ppocrv6-tiny", "ppocrv6-small"]


@pytest.mark.parametrize("pack", PACKS)
def test_identical_to_rapidocr_with_its_batching(pack: str) -> None:
    images = reference(pack)
    ocr = engine(pack, reference=True)
    differences = {name: (lines, ours) for name, lines in images.items()
                   if (ours := read(ocr, name)) != lines}
    assert not differences, "\n".join(f"{n}: ref {r} ours {o}"
                                      for n, (r, o) in differences.items())


@pytest.mark.parametrize("pack", PACKS)
def test_same_characters_as_rapidocr_with_our_batching(pack: str) -> None:
    """Our batching pads lines differently, which may change a character where the
    picture is ambiguous (a stamp across text); clean lines must not change."""
    images = reference(pack)
    ocr = engine(pack)
    total = same = 0
    report: list[str] = []
    for name, lines in images.items():
        ours = read(ocr, name)
        # A line read with little confidence may drop below the cut-off on one side only.
        matcher = difflib.SequenceMatcher(a=squeeze(lines), b=squeeze(ours), autojunk=False)
        matched = sum(block.size for block in matcher.get_matching_blocks())
        total += max(len(lines), len(ours))
        same += matched
        if matched < max(len(lines), len(ours)):
            report.append(f"{name}: ref {lines} ours {ours}")
    print(f"{pack}: {same}/{total} lines with the same characters\n" + "\n".join(report))
    assert same >= 0.98 * total, "\n".join(report)


@pytest.mark.openvino
@pytest.mark.parametrize("pack", ["ppocrv4", "ppocrv6-tiny", "ppocrv6-small"])
def test_openvino_reads_what_onnxruntime_reads(pack: str) -> None:
    pytest.importorskip("openvino", reason="needs the .[openvino] extra")
    images = reference(pack)
    onnx, openvino = engine(pack, reference=True), engine(pack, "openvino", reference=True)
    assert openvino.model_info.runtime == "openvino"
    differences = {name: (a, b) for name in images
                   if (a := read(onnx, name)) != (b := read(openvino, name))}
    assert not differences, "\n".join(f"{n}: onnxruntime {a} openvino {b}"
                                      for n, (a, b) in differences.items())
