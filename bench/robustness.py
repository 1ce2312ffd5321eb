"""The same labelled cards under changes a user's photo brings and our generator may not:
turned inside their frame (corners cut off), quarter turns, perspective, grey, black and
white, heavy JPEG, a 4K upscale, a small copy, a page around the card, darkness, noise,
a shadow across half the card, motion blur, a colour cast, a cut-off edge.

    python bench/robustness.py DIR [--limit N] [--changes name,name] [--tiers clean,photo]
                               [--sides front,back]

In-process (idcard.pipeline.CardReader with the settings from IDCARD_*). Each labelled
image of the chosen tiers is changed in memory, encoded as a JPEG (PNG for black and
white) and read, and each field judged by bench/accuracy.py's `Result`: right, flagged
(missing or `review: true`), or a silent error (wrong and not flagged); an error (422)
flags every field of the image. Prints one row per change (fields right, flagged, silent errors,
errors, median ms) and the silent errors found; the last line is

    robustness changes <k> fields <right>/<n> flagged <f> silent <s> errors <e>
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import cv2
import numpy as np
from accuracy import ReadFailed, Reading, Result, in_process_reader
from common import load_labels

Image = np.ndarray
_GREY_BORDER = (200, 200, 200)


def _jpeg(image: Image, quality: int = 92) -> bytes:
    return bytes(cv2.imencode(".jpg", image, [cv2.IMWRITE_JPEG_QUALITY, quality])[1])


def _turned(degrees: float) -> Callable[[Image], bytes]:
    """Turned about the centre inside its own frame: what leaves the frame is cut off."""
    def change(image: Image) -> bytes:
        h, w = image.shape[:2]
        turn = cv2.getRotationMatrix2D((w / 2, h / 2), degrees, 1.0)
        return _jpeg(cv2.warpAffine(image, turn, (w, h), borderValue=_GREY_BORDER))
    return change


def _resized(longest: int) -> Callable[[Image], bytes]:
    def change(image: Image) -> bytes:
        factor = longest / max(image.shape[:2])
        method = cv2.INTER_CUBIC if factor > 1 else cv2.INTER_AREA
        return _jpeg(cv2.resize(image, None, fx=factor, fy=factor, interpolation=method))
    return change


def _perspective(image: Image) -> bytes:
    h, w = image.shape[:2]
    frame = np.float32([[0, 0], [w, 0], [w, h], [0, h]])
    seen = np.float32([[w * 0.12, h * 0.05], [w * 0.9, 0], [w, h], [0, h * 0.92]])
    warp = cv2.getPerspectiveTransform(frame, seen)
    return _jpeg(cv2.warpPerspective(image, warp, (w, h), borderValue=(90, 90, 90)))


def _on_a_page(image: Image) -> bytes:
    h, w = image.shape[:2]
    page = np.full((h * 3, w * 2, 3), 245, np.uint8)
    page[h:2 * h, w // 2:w // 2 + w] = image
    return _jpeg(page)


def _black_and_white(image: Image) -> bytes:
    grey = cv2.cvtColor(image, cv2.COLOR_BGR2GRAY)
    ink = cv2.adaptiveThreshold(grey, 255, cv2.ADAPTIVE_THRESH_MEAN_C, cv2.THRESH_BINARY,
                                31, 10)
    return bytes(cv2.imencode(".png", ink)[1])


def _scaled_light(gains: tuple[float, float, float]) -> Callable[[Image], bytes]:
    def change(image: Image) -> bytes:
        lit = image.astype(np.float32) * np.array(gains, np.float32)
        return _jpeg(np.clip(lit, 0, 255).astype(np.uint8))
    return change


def _noisy(image: Image) -> bytes:
    noise = np.random.default_rng(0).normal(0.0, 18.0, image.shape)
    return _jpeg(np.clip(image + noise, 0, 255).astype(np.uint8))


def _shadow(image: Image) -> bytes:
    """The left half at 45 % light, its edge softened over ~15 px."""
    h, w = image.shape[:2]
    light = np.ones((h, w), np.float32)
    light[:, :w // 2] = 0.45
    light = cv2.GaussianBlur(light, (0, 0), 15)
    return _jpeg(np.clip(image * light[..., None], 0, 255).astype(np.uint8))


def _motion(image: Image) -> bytes:
    """The camera moving sideways over 9 px."""
    return _jpeg(cv2.filter2D(image, -1, np.full((1, 9), 1 / 9, np.float32)))


def _cut_off(image: Image) -> bytes:
    return _jpeg(image[:, int(image.shape[1] * 0.06):])


CHANGES: dict[str, Callable[[Image], bytes]] = {
    "as-is": _jpeg,
    "quarter-turn": lambda im: _jpeg(cv2.rotate(im, cv2.ROTATE_90_CLOCKWISE)),
    "upside-down": lambda im: _jpeg(cv2.rotate(im, cv2.ROTATE_180)),
    "turned-5": _turned(5), "turned-12": _turned(12), "turned-20": _turned(20),
    "turned-35": _turned(35), "turned-45": _turned(45), "turned-60": _turned(60),
    "turned-minus-25": _turned(-25), "turned-150": _turned(150),
    "perspective": _perspective,
    "grey": lambda im: _jpeg(cv2.cvtColor(im, cv2.COLOR_BGR2GRAY)),
    "black-and-white": _black_and_white,
    "jpeg-10": lambda im: _jpeg(im, 10),
    "upscaled-4k": _resized(4032), "small-400": _resized(400),
    "on-a-page": _on_a_page,
    "dark": _scaled_light((0.35, 0.35, 0.35)), "warm-cast": _scaled_light((0.7, 0.95, 1.15)),
    "noisy": _noisy, "shadow": _shadow, "motion-blur": _motion, "cut-off-edge": _cut_off,
}


@dataclass
class Tally:
    """The readings of one change, judged as bench/accuracy.py judges them."""

    results: list[Result] = field(default_factory=list)

    def count(self, judge: Callable[[Result, str], bool]) -> int:
        return sum(judge(result, name) for result in self.results for name in result.expected)

    @property
    def fields(self) -> int:
        return self.count(lambda _result, _name: True)

    @property
    def errors(self) -> int:
        return sum(result.error is not None for result in self.results)

    def silent_errors(self) -> list[str]:
        return [f"{result.label['file']} {name}: {result.got(name)!r} for "
                f"{result.expected[name]!r}"
                for result in self.results for name in result.expected
                if result.silent_error(name)]


def run(labels: list[dict[str, Any]], folder: Path, changes: list[str],
        read: Callable[[bytes], Reading]) -> dict[str, Tally]:
    tallies: dict[str, Tally] = {}
    for change in changes:
        tally = tallies[change] = Tally()
        for label in labels:
            image = cv2.imread(str(folder / label["file"]), cv2.IMREAD_COLOR)
            data = CHANGES[change](image)
            result = Result(label=label)
            started = time.perf_counter()
            try:
                result.side, result.values, result.reviews = read(data)
            except ReadFailed as exc:
                result.error = str(exc)
            result.ms = (time.perf_counter() - started) * 1000.0
            tally.results.append(result)
        print(row(change, tally), flush=True)
    return tallies


def row(change: str, tally: Tally) -> str:
    ms = statistics.median(result.ms for result in tally.results)
    return (f"{change:16s} {tally.count(Result.right):4d}/{tally.fields:<4d} "
            f"{tally.count(Result.flagged):7d} {tally.count(Result.silent_error):6d} "
            f"{tally.errors:6d} {ms:7.0f}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("folder", type=Path, help="images with labels.json beside them")
    parser.add_argument("--limit", type=int, default=24, help="images per change (0 = all)")
    parser.add_argument("--tiers", default="clean,photo", help="label tiers to change")
    parser.add_argument("--changes", default=",".join(CHANGES), help="comma-separated")
    parser.add_argument("--sides", default="front,back", help="label sides to change")
    args = parser.parse_args(argv)
    tiers = set(args.tiers.split(","))
    sides = set(args.sides.split(","))
    labels = [label for label in load_labels(args.folder)
              if label.get("tier") in tiers and label.get("side") in sides]
    labels = labels[:args.limit] if args.limit > 0 else labels
    changes = [name for name in args.changes.split(",") if name]
    unknown = [name for name in changes if name not in CHANGES]
    if unknown or not labels:
        print(f"unknown changes {unknown}" if unknown else "no labelled images of those tiers",
              file=sys.stderr)
        return 2
    print(f"{'change':16s} {'right':>9s} {'flagged':>7s} {'silent':>6s} {'errors':>6s} "
          f"{'p50 ms':>7s}")
    tallies = run(labels, args.folder, changes, in_process_reader())
    for change, tally in tallies.items():
        for error in tally.silent_errors():
            print(f"silent [{change}] {error}")
    total = Tally([result for tally in tallies.values() for result in tally.results])
    print(f"robustness changes {len(tallies)} fields {total.count(Result.right)}/"
          f"{total.fields} flagged {total.count(Result.flagged)} "
          f"silent {total.count(Result.silent_error)} errors {total.errors}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
