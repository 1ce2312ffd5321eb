"""`pipeline.value_ends`: whether a value's row goes on past its end, under a stamp."""

from __future__ import annotations

from pathlib import Path

import pytest

from idcard.extract import load_rules
from idcard.pipeline.value_ends import end_band, goes_on, past_end
from idcard.text import Quad

RULES = load_rules(Path(__file__).resolve().parents[1] / "rules")


def box(left: float, top: float, right: float, bottom: float) -> Quad:
    return ((left, top), (right, top), (right, bottom), (left, bottom))


@pytest.mark.parametrize(("read", "again"), [
    ("福州市公安局", "福州市公安局长乐分局"),   # the seal's frame over 长乐分局
    ("福州市公安", "福州市公安局长乐分局"),     # the row read short of 局 as well
    ("朝阳区建国", "朝阳区建国路8号复印"),      # an address row's end, then the stamp
])
def test_print_past_the_end_goes_on(read: str, again: str) -> None:
    assert goes_on(read, again, RULES)


@pytest.mark.parametrize(("read", "again"), [
    ("平山县公安局", "平山县公安局"),           # paper past the end
    ("平山县公安局", "平山县公安局复印无效"),   # the stamp's own words
    ("段涵", "段涵丨"),                        # the frame's edge
    ("段涵", "段涵。"),                        # a speck
    ("福州市公安局", "福州市公"),               # the band read less: says nothing
    ("段涵", "段涵供办"),                      # a caption's words (仅供办理…使用)
    ("武汉市公安局洪山分局", "武汉市公安局洪山分局田"),  # a frame's corner
])
def test_paper_a_stamps_words_or_its_frame_do_not(read: str, again: str) -> None:
    assert not goes_on(read, again, RULES)


def test_the_stretch_past_the_end_and_the_band_to_read() -> None:
    row = box(170.0, 250.0, 290.0, 272.0)
    (x0, y0), _, (x1, y1), _ = past_end(row)
    assert (x0, y0, y1) == (290.0, 250.0, 272.0) and x1 == pytest.approx(290.0 + 22.0)
    band = end_band(row, (856, 540))
    assert band is not None
    (bx0, _), (bx1, _), _, _ = band
    assert bx0 == 170.0 and bx1 == pytest.approx(290.0 + 4 * 22.0)
    # A row ending at the view's edge leaves nothing past it to read.
    assert end_band(box(700.0, 250.0, 850.0, 272.0), (856, 540)) is None
