"""The closed-vocabulary step's scores against the truth, for choosing its thresholds.

    python bench/vocabulary.py DIR [DIR ...]

Reads every labelled front of the folders in-process and records, for each field the
`vocabulary` step scored, its likeliest word, that word's probability and its share of
all the words' probability (the best over the cells scored), and whether it is the
printed value. Prints how many winners would pass each pair of minimums, right and
wrong. Choose on generated folders only, never on the images you measure on.
Last line: `vocabulary scored <n> right@0.1/0.9 <a> wrong@0.1/0.9 <b>`.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from idcard.config import load_settings
from idcard.ocr import OcrEngine, WordScores
from idcard.pipeline import CardReader
from idcard.text import Quad


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("folders", nargs="+", type=Path)
    args = parser.parse_args()
    reader = CardReader.load(load_settings())
    best: dict[str, tuple[str, float, float]] = {}
    score_words = OcrEngine.score_words

    def spy(engine: OcrEngine, image: object, boxes: list[Quad],
            vocabularies: list[object]) -> WordScores:
        result = score_words(engine, image, boxes, vocabularies)  # type: ignore[arg-type]
        for scores, words in zip(result.scores, vocabularies, strict=True):
            field = "sex" if "男" in words else "ethnicity"  # type: ignore[operator]
            word, probability = max(scores.items(), key=lambda item: item[1])
            share = probability / max(sum(scores.values()), 1e-12)
            if probability > best.get(field, ("", -1.0, 0.0))[1]:
                best[field] = (word, probability, share)
        return result

    OcrEngine.score_words = spy  # type: ignore[method-assign,assignment]
    rows: list[tuple[bool, float, float]] = []
    for folder in args.folders:
        for label in json.loads((folder / "labels.json").read_text(encoding="utf-8")):
            if label.get("side") != "front":
                continue
            best.clear()
            reader.read((folder / label["file"]).read_bytes())
            for field, (word, probability, share) in best.items():
                rows.append((word == label["fields"].get(field), probability, share))
    for minimum in (0.05, 0.1, 0.2, 0.3, 0.5):
        for min_share in (0.0, 0.9):
            passed = [right for right, p, s in rows if p >= minimum and s >= min_share]
            print(f"p >= {minimum:<4} share >= {min_share}: right {sum(passed)} "
                  f"wrong {len(passed) - sum(passed)}")
    passed = [right for right, p, s in rows if p >= 0.1 and s >= 0.9]
    print(f"vocabulary scored {len(rows)} right@0.1/0.9 {sum(passed)} "
          f"wrong@0.1/0.9 {len(passed) - sum(passed)}")


if __name__ == "__main__":
    main()
