"""Settings, read once from IDCARD_* environment variables (documented in the README)."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated, Literal

import msgspec


def _default_models_dir() -> Path:
    data_home = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(data_home) / "idcard" / "models"


def _default_rules_dir() -> Path:
    # A source checkout keeps rules/ at the top; an installed package can point elsewhere.
    return Path(__file__).resolve().parents[2] / "rules"


def available_cores() -> int:
    """Cores this process may run on (a container's CPU set, not the host's count)."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # pragma: no cover - non-Linux
        return max(1, os.cpu_count() or 1)


class Settings(msgspec.Struct, kw_only=True, frozen=True):
    models_dir: Path = msgspec.field(default_factory=_default_models_dir)
    rules_dir: Path = msgspec.field(default_factory=_default_rules_dir)
    det_pack: str = "ppocrv3"
    # Chosen by measurement (README, "Model packs"): v3 finds lines fastest, v6 tiny
    # reads a clear card's lines in a third of v4's time, v6 small (the re-check) knows
    # rare name characters the others lack.
    rec_pack: str = "ppocrv6-tiny"
    runtime: Literal["onnxruntime", "paddle", "openvino"] = "onnxruntime"
    # Lines whose least sure character is below `recheck_below` are read again by this
    # pack's recogniser ("" = never): it knows rare name characters the others lack.
    recheck_pack: str = "ppocrv6-small"
    recheck_below: float = 0.9
    # A card view the fast recogniser reads with a field missing or unsure, or from a
    # card small in the photo, is read again with this pack's (slower, surer on blurred,
    # grey and stamped print) and the better reading kept ("" = never).
    thorough_pack: str = "ppocrv4"
    ocr_threads: int = 0  # threads per model session; 0 = cores / pool size
    pool_size: int = 0  # OCR worker threads; 0 = chosen from the cores
    queue_size: int = 8  # requests waiting for a worker before 503
    timeout_s: float = 10.0
    max_body_bytes: int = 10 * 1024 * 1024
    max_pixels: int = 40_000_000
    min_side: int = 64
    # Pages of a PDF that are read; a PDF with more is refused before any page is rendered.
    max_pdf_pages: Annotated[int, msgspec.Meta(ge=1)] = 2
    # PDF pages are rendered at this resolution (chosen by bench/pdf_dpi.py, README "PDF
    # input"), lowered for a page too large for max_pixels.
    pdf_dpi: Annotated[float, msgspec.Meta(ge=72, le=600)] = 200.0
    det_limit: int = 960  # longest side fed to text detection
    # Longest side fed to detection on a straightened card (856 × 540): its text is large
    # enough to be found on a smaller copy, which is faster.
    card_det_side: int = 736
    # Find the card's edges and straighten it before reading. Off: read the text where it
    # lies (levelled by its own skew), e.g. for scans already cropped to the card.
    locate_cards: bool = True
    # -- production (README, "Production") --
    # TOML file of named API keys (hashes); unset = the service is open to every caller.
    api_keys_file: Path | None = None
    # Docs (/docs, /schema) open to callers without a key; false = they need one.
    docs_public: bool = True
    # Default quota per API key: requests per second and how many may come at once
    # (overridable per key in the key file).
    rate_limit_rps: Annotated[float, msgspec.Meta(gt=0)] = 10.0
    rate_limit_burst: Annotated[int, msgspec.Meta(ge=1)] = 20
    # Redis shared by the replicas for quotas (redis://host:6379/0); "" = in memory.
    redis_url: Annotated[str, msgspec.Meta(pattern=r"^$|^(redis|rediss|redis\+unix)://")] = ""
    log_format: Literal["text", "json"] = "text"
    # A field read with confidence below this is marked `review: true`. Chosen by
    # measurement on a calibration set (README, "Review decision").
    review_below: float = 0.98

    def effective_pool_size(self) -> int:
        return self.pool_size or max(1, available_cores() // 2)

    def effective_ocr_threads(self) -> int:
        return self.ocr_threads or max(1, available_cores() // self.effective_pool_size())


_ENV_PREFIX = "IDCARD_"


def load_settings(environ: dict[str, str] | None = None) -> Settings:
    """Settings from the environment; a malformed value stops with the variable's name."""
    env = os.environ if environ is None else environ
    raw: dict[str, str] = {}
    for field in msgspec.structs.fields(Settings):
        value = env.get(_ENV_PREFIX + field.name.upper())
        # An empty value means "unset", except for text settings where it is a value
        # (IDCARD_RECHECK_PACK="" turns the re-check off).
        if value is not None and (value != "" or field.type is str):
            raw[field.name] = value
    try:
        return msgspec.convert(raw, Settings, strict=False, dec_hook=_decode_path)
    except msgspec.ValidationError as exc:
        raise SystemExit(
            f"idcard: bad configuration in environment: {exc} (prefix {_ENV_PREFIX})") from None


def _decode_path(kind: type, value: object) -> object:
    if kind is Path and isinstance(value, str):
        return Path(value).expanduser()
    raise NotImplementedError
