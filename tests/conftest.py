"""Fixtures shared by the test modules."""

from __future__ import annotations

import pytest

from idcard.config import load_settings
from idcard.pipeline import CardReader


@pytest.fixture(scope="module")
def reader() -> CardReader:
    """The reader with default settings (real engine), one per test module."""
    return CardReader.load(load_settings())
