"""Photos through the whole pipeline (real engine): any rotation, EXIF-only orientation,
perspective, and the fallbacks — no outline, a cut-off card, two cards, both sides on
one page, text that is not a card.

Images are built from the committed synthetic fixtures (turned, warped, cropped or
pasted together), so the expected values come from their labels.
"""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

import cv2
import numpy as np
import pytest
from numpy.typing import NDArray
from PIL import Image

from idcard.config import load_settings
from idcard.errors import InputError
from idcard.extract import load_rules
from idcard.ocr import OcrEngine
from idcard.pipeline import CardReader, ReadOutcome
from idcard.pipeline.one_view import ViewReader
from idcard.pipeline.timing import Stopwatch
from idcard.pipeline.views import card_views

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
LABELS: dict[str, dict[str, Any]] = {
    entry["file"]: entry
    for entry in json.loads((FIXTURES / "labels.json").read_text(encoding="utf-8"))
}
# The fields each side is checked on: one the rules find by label, one by pattern.
KEY_FIELDS = {"front": ("name", "id_number"), "back": ("issuing_authority", "valid_until")}
EXIF_ORIENTATION = 0x0112
Points = NDArray[np.float64]


def pixels(name: str) -> NDArray[np.uint8]:
    image = cv2.imread(str(FIXTURES / name), cv2.IMREAD_COLOR)
    assert image is not None
    return np.asarray(image, dtype=np.uint8)


def png(image: NDArray[np.uint8]) -> bytes:
    ok, data = cv2.imencode(".png", image)
    assert ok
    return bytes(data.tobytes())


def card_quad(name: str) -> Points:
    return np.array(LABELS[name]["card_quads"][0], dtype=np.float64)


def value(outcome: ReadOutcome, field: str) -> str | None:
    found = getattr(outcome.reading.fields, field)
    return None if found is None else str(found.value)


def codes(outcome: ReadOutcome) -> list[str]:
    return [notice.code for notice in outcome.reading.warnings]


def assert_key_fields(outcome: ReadOutcome, name: str, *, patterned_only: bool = False) -> None:
    label = LABELS[name]
    assert outcome.reading.side == label["side"]
    for field in KEY_FIELDS[label["side"]][1 if patterned_only else 0:]:
        assert value(outcome, field) == label["fields"][field], field


def centres(outcome: ReadOutcome) -> Points:
    fields = outcome.reading.fields
    boxes = [getattr(fields, n).box for n in fields.__struct_fields__
             if getattr(fields, n) is not None]
    return np.array([np.mean(np.array(box), axis=0) for box in boxes])


def inside(points: Points, quad: Points) -> bool:
    polygon = quad.astype(np.float32)
    return all(cv2.pointPolygonTest(polygon, (float(x), float(y)), False) >= 0
               for x, y in points)


def turned_points(points: Points, turns: int, size: tuple[int, int]) -> Points:
    """Where points land when the image (width, height) is turned like np.rot90(k=turns)."""
    width, height = size
    out = points.copy()
    for _ in range(turns % 4):  # each step: 90° counter-clockwise
        out = np.stack([out[:, 1], width - 1 - out[:, 0]], axis=1)
        width, height = height, width
    return out


# -- rotation ---------------------------------------------------------------------------------

@pytest.mark.parametrize("turns", [0, 1, 2, 3], ids=["0", "90ccw", "180", "90cw"])
@pytest.mark.parametrize("name", ["front_photo_001.jpg", "back_photo_001.jpg"])
def test_a_photo_reads_the_same_in_every_quarter_turn(reader: CardReader, name: str,
                                                      turns: int) -> None:
    image = pixels(name)
    outcome = reader.read(png(np.ascontiguousarray(np.rot90(image, turns))))
    assert_key_fields(outcome, name)
    # Boxes are in the pixels the client sent: inside the card as it lies in the turned image.
    quad = turned_points(card_quad(name), turns, (image.shape[1], image.shape[0]))
    assert inside(centres(outcome), quad)


@pytest.fixture
def detector_runs(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """One entry per run of the text detector (the real one) during the test."""
    runs: list[int] = []
    detect = OcrEngine._detect

    def counted(engine: OcrEngine, *args: Any, **kwargs: Any) -> Any:
        runs.append(1)
        return detect(engine, *args, **kwargs)

    monkeypatch.setattr(OcrEngine, "_detect", counted)
    return runs


@pytest.mark.parametrize("name", ["front_photo_002.jpg", "back_photo_001.jpg"])
def test_an_upside_down_card_is_turned_by_geometry_not_read_again(
        reader: CardReader, name: str, detector_runs: list[int]) -> None:
    """The line classifier turns each line of an upside-down card to read it, so the view
    is turned over without detecting or reading it a second time."""
    upright = reader.read(png(pixels(name)))
    upright_runs = len(detector_runs)
    turned = reader.read(png(np.ascontiguousarray(np.rot90(pixels(name), 2))))
    assert "step:turned_over" in turned.timings_ms
    assert len(detector_runs) - upright_runs == upright_runs
    assert_key_fields(turned, name)
    for field in upright.reading.fields.__struct_fields__:
        assert value(turned, field) == value(upright, field), field


def test_an_upside_down_card_read_unsure_is_read_again_turned(
        detector_runs: list[int]) -> None:
    """Where the reading turned by geometry is not sure, the card is read again the right
    way up (detection and label places do better on hard print): here a reader that
    trusts no reading stands for one whose turned reading is unsure."""
    settings = load_settings()
    engine = OcrEngine.load(settings)
    doubting = ViewReader(engine, load_rules(settings.rules_dir), settings.card_det_side,
                          settings.locate_cards, sure=lambda _reading: False)
    image = np.ascontiguousarray(np.rot90(pixels("back_photo_001.jpg"), 2))
    view, outline = card_views(image, True)[0]
    read = doubting.read_view(view, outline, "auto", Stopwatch())
    assert len(detector_runs) == 2  # the view, then the view turned
    assert read.reading.fields.issuing_authority is not None
    assert read.reading.fields.issuing_authority.value == \
        LABELS["back_photo_001.jpg"]["fields"]["issuing_authority"]


# How PIL's exif_transpose undoes each orientation, so we can do the opposite.
_STORED_AS = {3: Image.Transpose.ROTATE_180, 6: Image.Transpose.ROTATE_90,
              8: Image.Transpose.ROTATE_270}


@pytest.mark.parametrize("orientation", [3, 6, 8])
def test_orientation_given_only_in_exif(reader: CardReader, orientation: int) -> None:
    name = "front_photo_002.jpg"
    with Image.open(FIXTURES / name) as upright:
        stored = upright.transpose(_STORED_AS[orientation])
        exif = Image.Exif()
        exif[EXIF_ORIENTATION] = orientation
        out = io.BytesIO()
        stored.save(out, format="JPEG", quality=92, exif=exif.tobytes())
    outcome = reader.read(out.getvalue())
    assert_key_fields(outcome, name)
    assert inside(centres(outcome), card_quad(name))


_TURNED_FIXTURES = sorted(n for n, e in LABELS.items()
                          if e["rotation"] or e["exif_orientation"] != 1)


@pytest.mark.parametrize("name", _TURNED_FIXTURES)
def test_turned_hard_fixtures(reader: CardReader, name: str) -> None:
    # The turn is what is tested here: names in this tier carry characters (䶮) the
    # recognisers still confuse, which the accuracy benchmark tracks. (front_hard_003,
    # smeared one way, found no text at all until its smear was taken out: `unsmeared`.)
    assert_key_fields(reader.read((FIXTURES / name).read_bytes()), name, patterned_only=True)


# -- perspective --------------------------------------------------------------------------------

def cut_card(name: str) -> NDArray[np.uint8]:
    x0, y0 = card_quad(name).min(axis=0).astype(int)
    x1, y1 = card_quad(name).max(axis=0).astype(int)
    return pixels(name)[y0:y1, x0:x1]


def test_a_card_seen_at_an_angle(reader: CardReader) -> None:
    name = "front_clean_002.jpg"
    card = cut_card(name)
    height, width = card.shape[:2]
    # A smooth random backdrop and a strongly foreshortened card on it.
    noise = np.random.default_rng(5).integers(60, 200, (1000, 1400, 3)).astype(np.uint8)
    photo = cv2.GaussianBlur(noise, (0, 0), 8)
    where = np.array([[300, 200], [1100, 260], [1050, 760], [340, 700]], dtype=np.float32)
    source = np.array([[0, 0], [width, 0], [width, height], [0, height]], dtype=np.float32)
    warp = cv2.getPerspectiveTransform(source, where)
    warped = cv2.warpPerspective(card, warp, (1400, 1000))
    covered = cv2.warpPerspective(np.full((height, width), 255, np.uint8), warp, (1400, 1000))
    photo[covered > 0] = warped[covered > 0]
    outcome = reader.read(png(photo))
    assert_key_fields(outcome, name)
    assert codes(outcome) == []
    assert inside(centres(outcome), where.astype(np.float64))


# -- fallbacks and bad input ----------------------------------------------------------------------

def test_no_card_edge_in_view_reads_the_text(reader: CardReader) -> None:
    name = "front_clean_000.jpg"
    card = cut_card(name)
    height, width = card.shape[:2]
    # Cropped inside the card and widened by its own background (no longer a card's
    # shape): no edge to find, the portrait must not pass for a card.
    inner = card[height // 20: -height // 20, width // 40: -width // 40]
    widened = cv2.copyMakeBorder(inner, 0, 0, width // 8, width // 8, cv2.BORDER_REPLICATE)
    outcome = reader.read(png(widened))
    assert_key_fields(outcome, name)
    assert "card_outline_not_found" in codes(outcome)
    assert "card_incomplete" not in codes(outcome)


def test_crop_just_inside_the_edges_is_read_as_the_whole_card(reader: CardReader) -> None:
    name = "front_clean_000.jpg"
    card = cut_card(name)
    height, width = card.shape[:2]
    # Still of a card's proportions: the image is the card, cropped tight.
    outcome = reader.read(png(card[height // 20: -height // 20, width // 40: -width // 40]))
    assert_key_fields(outcome, name)
    assert "card_outline_not_found" not in codes(outcome)
    assert "card_incomplete" not in codes(outcome)


def test_a_card_cut_off_by_the_frame(reader: CardReader) -> None:
    name = "front_photo_001.jpg"
    quad = card_quad(name)
    bottom, top = quad[:, 1].max(), quad[:, 1].min()
    # The frame ends across the ID number's line.
    outcome = reader.read(png(pixels(name)[: int(bottom - 0.12 * (bottom - top))]))
    assert outcome.reading.side == "front"
    assert value(outcome, "name") == LABELS[name]["fields"]["name"]
    assert "card_incomplete" in codes(outcome)


def test_two_cards_of_one_side_read_the_larger(reader: CardReader) -> None:
    large, small = cut_card("front_clean_000.jpg"), cut_card("front_clean_002.jpg")
    small = cv2.resize(small, None, fx=0.7, fy=0.7, interpolation=cv2.INTER_AREA)
    page = np.full((large.shape[0] + 200, large.shape[1] + small.shape[1] + 300, 3), 250,
                   dtype=np.uint8)
    page[100:100 + large.shape[0], 100:100 + large.shape[1]] = large
    left = 200 + large.shape[1]
    page[150:150 + small.shape[0], left:left + small.shape[1]] = small
    outcome = reader.read(png(page))
    assert_key_fields(outcome, "front_clean_000.jpg")
    assert "multiple_cards" in codes(outcome)


@pytest.mark.parametrize("name", ["both_000.jpg", "both_002.jpg"])
def test_both_sides_on_one_page(reader: CardReader, name: str) -> None:
    outcome = reader.read((FIXTURES / name).read_bytes())
    assert outcome.reading.side == "both"
    fields = LABELS[name]["fields"]
    for field in ("id_number", "valid_until"):
        assert value(outcome, field) == fields[field], field
    assert "复印" not in (value(outcome, "address") or "")


def test_a_screen_full_of_other_text_is_no_card(reader: CardReader) -> None:
    words = ["invoice", "total", "amount", "due", "paid", "0123456789", "order", "number",
             "date", "2024", "05", "17"]
    rng = np.random.default_rng(1)
    screen = np.full((900, 1400, 3), 30, dtype=np.uint8)
    for row in range(20):
        text = " ".join(rng.choice(words, 7))
        cv2.putText(screen, text, (30, 40 + row * 40), cv2.FONT_HERSHEY_SIMPLEX, 0.9,
                    (230, 230, 230), 2)
    with pytest.raises(InputError) as raised:
        reader.read(png(screen))
    assert raised.value.code == "no_card_found"
    assert "outline" not in raised.value.detail


def test_a_card_too_small_and_blurred_to_read_is_named_as_such(reader: CardReader) -> None:
    # The card's edges are plain on a dark ground, its print is not: the answer says a
    # card-shaped outline was found, so that a caller asks for a closer, sharper photo.
    card = cut_card("front_clean_000.jpg")
    small = cv2.GaussianBlur(cv2.resize(card, (200, 126), interpolation=cv2.INTER_AREA),
                             (0, 0), 3.0)
    photo = np.full((480, 640, 3), (40, 30, 120), np.uint8)
    photo[150:276, 200:400] = small
    with pytest.raises(InputError) as raised:
        reader.read(png(photo))
    assert raised.value.code == "no_card_found"
    assert "outline 20" in raised.value.detail and "closer" in raised.value.detail


def test_a_full_size_phone_photo_reports_boxes_in_its_own_pixels(reader: CardReader) -> None:
    """A 4000-px JPEG is decoded at half size: its boxes and card corners must still be in
    the pixels the client sent, where the same card at 1280 px puts them, scaled."""
    name = "front_photo_003.jpg"  # its outline is found alike at both sizes
    image = cv2.imread(str(FIXTURES / name))
    scale = 4000 / max(image.shape[:2])
    big = cv2.resize(image, None, fx=scale, fy=scale, interpolation=cv2.INTER_CUBIC)
    small_read = reader.read((FIXTURES / name).read_bytes(), crops=frozenset({"card"}))
    big_read = reader.read(bytes(cv2.imencode(".jpg", big)[1]), crops=frozenset({"card"}))
    card_width = big.shape[1] * 0.5
    for field_name in ("name", "address", "id_number"):
        small = getattr(small_read.reading.fields, field_name)
        large = getattr(big_read.reading.fields, field_name)
        assert small is not None and large is not None and large.value == small.value
        gap = np.abs(np.array(large.box) - np.array(small.box) * scale).max()
        assert gap < 0.02 * card_width, (field_name, gap)
    assert small_read.card_corners is not None and big_read.card_corners is not None
    corners_gap = np.abs(np.array(big_read.card_corners)
                         - np.array(small_read.card_corners) * scale).max()
    assert corners_gap < 0.02 * card_width
