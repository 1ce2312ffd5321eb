"""Helpers shared by bench/accuracy.py and bench/latency.py: labelled folders, field
normalisation, localhost-only URLs, multipart posting, percentiles."""

from __future__ import annotations

import json
import math
import re
import unicodedata
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

FRONT_FIELDS = ("name", "sex", "ethnicity", "birth_date", "address", "id_number")
BACK_FIELDS = ("issuing_authority", "valid_from", "valid_until")
ALL_FIELDS = FRONT_FIELDS + BACK_FIELDS
IMAGE_SUFFIXES = {".jpg", ".jpeg", ".png", ".bmp", ".webp", ".tif", ".tiff"}
LOCAL_HOSTS = {"127.0.0.1", "localhost", "::1"}
ENDPOINT = "/v1/idcard"
_SPACE = re.compile(r"\s+")


def load_labels(folder: Path) -> list[dict[str, Any]]:
    """`labels.json` beside the images: a list of objects with `file`, `side`, `fields`…"""
    path = folder / "labels.json"
    if not path.is_file():
        raise SystemExit(f"no labels.json in {folder} (make one with tools/make_cards.py)")
    labels = json.loads(path.read_text(encoding="utf-8"))
    if not isinstance(labels, list):
        raise SystemExit(f"{path}: expected a list of label objects")
    return [lab for lab in labels if isinstance(lab, dict) and "file" in lab]


def image_files(folder: Path) -> list[Path]:
    return sorted(p for p in folder.iterdir() if p.suffix.lower() in IMAGE_SUFFIXES)


def normalise(field: str, value: object) -> str:
    """Compare-ready text: NFKC (full-width → half-width), no whitespace, upper-case X."""
    if value is None:
        return ""
    text = _SPACE.sub("", unicodedata.normalize("NFKC", str(value)))
    return text.upper() if field == "id_number" else text


def local_url(url: str) -> str:
    """The service's base URL, refused unless it points at this machine."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or parts.hostname not in LOCAL_HOSTS:
        raise SystemExit(f"refusing {url!r}: benches only talk to 127.0.0.1 / localhost")
    return url.rstrip("/")


def mime_type(name: str) -> str:
    suffix = Path(name).suffix.lower().lstrip(".")
    return {"jpg": "image/jpeg", "jpeg": "image/jpeg", "tif": "image/tiff"}.get(
        suffix, f"image/{suffix or 'octet-stream'}")


def post_image(client: Any, base_url: str, name: str, data: bytes) -> tuple[int, Any]:
    """POST one image as multipart part `image`; (status, parsed JSON or None)."""
    response = client.post(base_url + ENDPOINT, files={"image": (name, data, mime_type(name))})
    try:
        body = response.json()
    except ValueError:
        body = None
    return response.status_code, body


def percentile(values: list[float], q: float) -> float:
    """Nearest-rank percentile (q in 0..100); NaN for no values."""
    if not values:
        return math.nan
    ordered = sorted(values)
    rank = max(1, math.ceil(q / 100 * len(ordered)))
    return ordered[min(rank, len(ordered)) - 1]


BASELINE_INSTALL = "scripts/install.sh dev,bench"


def rapidocr_class() -> Any:
    """RapidOCR 1.4.4's engine class, or stop saying how to install it."""
    try:
        from rapidocr_onnxruntime import RapidOCR  # type: ignore[import-untyped]
    except ImportError as exc:
        raise SystemExit(
            f"the RapidOCR baseline is not installed ({exc.name}): run "
            f"'{BASELINE_INSTALL}' (RapidOCR 1.4.4 without its opencv-python), or pass "
            "--baseline none") from None
    return RapidOCR
