"""Cards drawn at test time by the generator (tools/make_cards.py), for pipeline tests
on our own images: the generator's module, a mark that skips without its fonts, and one
reader shared by a test module."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from idcard.config import load_settings
from idcard.pipeline import CardReader

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "tools"))
import make_cards  # noqa: E402
from cardgen.fonts import check_fonts  # noqa: E402

needs_fonts = pytest.mark.skipif(bool(check_fonts()), reason="CJK/DejaVu fonts not installed")

__all__ = ["REPO", "load_reader", "make_cards", "needs_fonts"]


def load_reader() -> CardReader:
    return CardReader.load(load_settings())
