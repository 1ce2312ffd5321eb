"""A card outline fitted a little off the card's edges leaves its text rows tilted in the
straightened view; a value then sits beside its label a row too high or too low and is
lost. The `levelled` step reads such a view again turned level by its lines' skew."""

from __future__ import annotations

import cv2
import numpy as np
import pytest
from test_pipeline_photos import cut_card

import idcard.pipeline.one_view as one_view
from idcard.imaging.locate import CardOutline
from idcard.imaging.orient import levelled_view, skew_degrees
from idcard.imaging.view import CardView, rectify_card
from idcard.pipeline import CardReader
from idcard.pipeline.one_view import CardRead
from idcard.pipeline.timing import Stopwatch

WHOLE_VIEW = CardOutline(corners=np.array([[0, 0], [855, 0], [855, 539], [0, 539]], np.float32),
                         area_fraction=0.5, touches_edge=False)


def tilted_view(name: str, degrees: float) -> CardView:
    card = cv2.resize(cut_card(name), (856, 540))
    turn = cv2.getRotationMatrix2D((428.0, 270.0), degrees, 1.0)
    image = cv2.warpAffine(card, turn, (856, 540), borderMode=cv2.BORDER_REPLICATE)
    return CardView(image, np.eye(3))


def test_a_levelled_view_maps_back_to_the_source() -> None:
    view = CardView(np.zeros((540, 856, 3), np.uint8), np.eye(3))
    line = ((100.0, 100.0), (500.0, 135.0), (498.0, 175.0), (98.0, 140.0))  # ~5° down
    angle = skew_degrees([line])
    assert 4.5 < angle < 5.5
    level = levelled_view(view, angle)
    assert level.size == view.size
    inside = level.box_from_source(line)
    assert abs(skew_degrees([inside])) < 0.1
    assert np.allclose(level.map_box(inside), line, atol=0.2)


def test_a_tilted_front_is_read_level(reader: CardReader,
                                      monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("front_clean_001.jpg", "front_clean_002.jpg"):
        view = tilted_view(name, 6.0)
        clock = Stopwatch()
        read = reader._views.read_view(view, WHOLE_VIEW, "auto", clock)
        assert "step:levelled" in clock.ms, name
        assert read.field_count == 6, name
        with monkeypatch.context() as patch:
            patch.setattr(one_view, "_LEVEL_FROM_DEGREES", 90.0)
            unlevelled = reader._views.read_view(view, WHOLE_VIEW, "auto", Stopwatch())
        # Unlevelled, a value beside the wrong label's row is lost, or (an address now
        # looked for in its rows) read only in part.
        assert unlevelled.field_count < read.field_count or (
            doubted(unlevelled) and not doubted(read)), name


def doubted(read: CardRead) -> set[str]:
    return {w.code for w in read.reading.warnings} & {"characters_missing", "field_missing"}


def test_a_level_card_is_not_read_twice(reader: CardReader) -> None:
    clock = Stopwatch()
    reader._views.read_view(tilted_view("front_clean_001.jpg", 0.0), WHOLE_VIEW, "auto", clock)
    assert "step:levelled" not in clock.ms


def test_a_tilted_front_is_read_level_even_when_every_field_was_read(
        reader: CardReader, monkeypatch: pytest.MonkeyPatch) -> None:
    # Tilted rows put a word of one line beside another's label; a complete reading is
    # no sign that the rows were told apart.
    view = tilted_view("front_clean_002.jpg", -4.0)
    with monkeypatch.context() as patch:
        patch.setattr(one_view, "_LEVEL_FROM_DEGREES", 90.0)
        assert reader._views.read_view(view, WHOLE_VIEW, "auto", Stopwatch()).field_count == 6
    clock = Stopwatch()
    read = reader._views.read_view(view, WHOLE_VIEW, "auto", clock)
    assert "step:levelled" in clock.ms
    assert read.field_count == 6


def test_a_levelled_card_is_one_warp_from_the_photo() -> None:
    """Each resampling softens the strokes, and two stacked ones draw a fine pattern the
    screen-recapture signal takes for a screen's: a levelled card view is warped once,
    from the photo, as if its outline had been found level in the first place."""
    rng = np.random.default_rng(3)
    photo = rng.integers(0, 256, (700, 1100, 3), dtype=np.uint8)  # detail at every scale
    corners = np.array([[130, 90], [980, 120], [960, 640], [110, 600]], np.float32)
    view = rectify_card(photo, corners)
    level = levelled_view(view, 4.0)
    direct = cv2.warpPerspective(photo, np.linalg.inv(level.to_source), level.size,
                                 flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)
    twice = levelled_view(CardView(view.image, view.to_source), 4.0)  # no origin to go back to
    inner = (slice(40, -40), slice(40, -40))
    assert np.abs(level.image.astype(int) - direct)[inner].mean() < 1.0
    assert np.abs(twice.image.astype(int) - direct)[inner].mean() > 10.0
    assert np.allclose(twice.to_source, level.to_source)
