"""At what resolution to render PDF pages: field accuracy and ms per card at several dpi.

    python bench/pdf_dpi.py DIR [--dpi 150,200,250,300] [--limit N] [--tiers clean,both]

Each labelled image of the chosen tiers (labels.json beside them) is placed on an A4 PDF
page at its true size (the card's width in the label's `card_quads` becomes 85.6 mm;
a `both` page is an A4 photocopy already), as a scanner's PDF would hold it. The page is
then read in process (`CardReader`, settings from IDCARD_*) with IDCARD_PDF_DPI set to
each value. Prints per dpi: exact-match field accuracy, cards with every field right, and
the median ms per PDF (render + read); the last line is

    pdf_dpi best <dpi> fields <f> ms <m> (<dpi>:<f>/<ms> …)
"""

from __future__ import annotations

import argparse
import io
import math
import statistics
import time
from pathlib import Path
from typing import Any

import msgspec
import pypdfium2 as pdfium
from common import ALL_FIELDS, load_labels, normalise
from PIL import Image

from idcard.config import load_settings
from idcard.errors import InputError
from idcard.pipeline import CardReader

A4_POINTS = (595.0, 842.0)
CARD_WIDTH_POINTS = 85.6 / 25.4 * 72.0


def card_width_px(label: dict[str, Any]) -> float:
    (x0, y0), (x1, y1) = label["card_quads"][0][:2]
    return math.hypot(x1 - x0, y1 - y0)


def pdf_of(image_path: Path, points_per_px: float) -> bytes:
    """One A4 (or larger) page holding the image at `points_per_px`, top-left margin 36 pt."""
    with Image.open(image_path) as image:
        width_px, height_px = image.size
    width, height = width_px * points_per_px, height_px * points_per_px
    page_w, page_h = max(A4_POINTS[0], width + 72), max(A4_POINTS[1], height + 72)
    document = pdfium.PdfDocument.new()
    page = document.new_page(page_w, page_h)
    picture = pdfium.PdfImage.new(document)
    picture.load_jpeg(io.BytesIO(image_path.read_bytes()), inline=False)
    picture.set_matrix(pdfium.PdfMatrix().scale(width, height).translate(36, page_h - 36 - height))
    page.insert_obj(picture)
    page.gen_content()
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folder", type=Path)
    parser.add_argument("--dpi", default="150,200,250,300")
    parser.add_argument("--limit", type=int, default=8, help="images per tier")
    parser.add_argument("--tiers", default="clean,both")
    args = parser.parse_args()
    tiers = args.tiers.split(",")
    labels = [lab for lab in load_labels(args.folder)
              if lab.get("tier") in tiers and lab.get("card_quads")
              and str(lab["file"]).lower().endswith((".jpg", ".jpeg"))]
    chosen = [lab for tier in tiers
              for lab in [x for x in labels if x["tier"] == tier][:args.limit]]
    pdfs = [(lab, pdf_of(args.folder / lab["file"], CARD_WIDTH_POINTS / card_width_px(lab)))
            for lab in chosen]
    base = load_settings()
    results: list[tuple[float, float, float, float]] = []
    for dpi in (float(d) for d in args.dpi.split(",")):
        settings = msgspec.structs.replace(base, pdf_dpi=dpi)
        reader = CardReader.load(settings)
        right = total = cards_right = 0
        ms: list[float] = []
        for lab, data in pdfs:
            started = time.perf_counter()
            try:
                fields = msgspec.to_builtins(reader.read(data).reading.fields)
            except InputError:
                fields = {}
            ms.append((time.perf_counter() - started) * 1000.0)
            wanted = {k: v for k, v in lab["fields"].items() if k in ALL_FIELDS}
            hits = sum(1 for k, v in wanted.items()
                       if (fields.get(k) or {}).get("value") is not None
                       and normalise(k, fields[k]["value"]) == normalise(k, v))
            right, total = right + hits, total + len(wanted)
            cards_right += hits == len(wanted)
        accuracy = right / max(1, total)
        median = statistics.median(ms)
        results.append((dpi, accuracy, cards_right / len(pdfs), median))
        print(f"dpi {dpi:5.0f}  fields {accuracy:.3f}  cards {cards_right}/{len(pdfs)}  "
              f"median ms {median:7.1f}", flush=True)
    best = max(results, key=lambda r: (round(r[1], 3), -r[3]))
    table = " ".join(f"{d:.0f}:{a:.3f}/{m:.0f}" for d, a, _, m in results)
    print(f"pdf_dpi best {best[0]:.0f} fields {best[1]:.3f} ms {best[3]:.0f} ({table})")


if __name__ == "__main__":
    main()
