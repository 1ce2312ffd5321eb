"""Image-quality signals (imaging/quality.py), each present and absent, on straightened
fixture cards changed in a known way; and the bad inputs (1×1, all black)."""

from __future__ import annotations

import json
import math
from pathlib import Path

import cv2
import numpy as np
import pytest
from numpy.typing import NDArray

from idcard.extract import load_rules
from idcard.imaging.decode import DecodeLimits, decode_image
from idcard.imaging.locate import find_card_outlines
from idcard.imaging.quality import SIGNALS, QualityReport, assess
from idcard.imaging.view import rectify_card
from idcard.text import Quad

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
CCF = next((p for p in (Path(__file__).resolve().parents[n] / "shared" / "cards-ccf"
                          for n in (2, 3)) if p.is_dir()), Path("cards-ccf"))
RULES = load_rules(Path(__file__).resolve().parents[1] / "rules")
FRONT = ("name", "sex", "ethnicity", "birth_date", "address", "id_number")
Card = NDArray[np.uint8]


def straightened(name: str) -> Card:
    image = decode_image((FIXTURES / name).read_bytes(), DecodeLimits(40_000_000, 64))
    outlines = find_card_outlines(image)
    assert outlines, name
    card: Card = rectify_card(image, outlines[0].corners).image
    return card


def regions(card: Card, names: tuple[str, ...] = FRONT) -> dict[str, Quad]:
    height, width = card.shape[:2]
    out: dict[str, Quad] = {}
    for name in names:
        x0, y0, x1, y1 = RULES.layout.field_regions[name]
        out[name] = ((x0 * width, y0 * height), (x1 * width, y0 * height),
                     (x1 * width, y1 * height), (x0 * width, y1 * height))
    return out


def judged(card: Card) -> QualityReport:
    return assess(card, regions(card))


def centre_of(card: Card, name: str) -> tuple[int, int]:
    quad = regions(card)[name]
    return (int(sum(p[0] for p in quad) / 4), int(sum(p[1] for p in quad) / 4))


@pytest.fixture(scope="module")
def colour_card() -> Card:
    return straightened("front_clean_000.jpg")


@pytest.mark.parametrize("name", ["front_clean_000.jpg", "front_photo_001.jpg",
                                  "back_clean_001.jpg", "front_photo_004.jpg"])
def test_a_plain_colour_card_raises_nothing(name: str) -> None:
    card = straightened(name)
    names = FRONT if name.startswith("front") else ("issuing_authority", "valid_from")
    assert assess(card, regions(card, names)).raised() == []


def test_blur_is_raised_with_the_fields_it_softens(colour_card: Card) -> None:
    report = judged(cv2.GaussianBlur(colour_card, (0, 0), 3.5))
    assert report.signals["blur"].raised
    assert set(report.signals["blur"].fields) >= {"name", "id_number"}
    assert not judged(cv2.GaussianBlur(colour_card, (0, 0), 0.6)).signals["blur"].raised


@pytest.mark.parametrize("along", ["across", "down"])
def test_motion_blur_along_one_axis_is_raised(colour_card: Card, along: str) -> None:
    # A camera moving sideways smears upright strokes over 9 px and leaves level ones
    # sharp: judged by the steepest edges alone, it did not count as blur at all.
    streak = np.full((1, 9), 1 / 9, np.float32)
    kernel = streak if along == "across" else streak.T
    report = judged(cv2.filter2D(colour_card, -1, kernel))
    assert report.signals["blur"].raised
    assert set(report.signals["blur"].fields) >= {"name", "id_number"}
    # ... and it is told apart as the camera's movement, with the fields it smears.
    assert report.signals["motion_blur"].raised
    assert set(report.signals["motion_blur"].fields) >= {"name", "address"}
    short = np.full((1, 2), 1 / 2, np.float32)
    calm = judged(cv2.filter2D(colour_card, -1, short))
    assert not calm.signals["blur"].raised and not calm.signals["motion_blur"].raised


def test_blur_the_same_every_way_is_no_motion_blur(colour_card: Card) -> None:
    report = judged(cv2.GaussianBlur(colour_card, (0, 0), 3.5))
    assert report.signals["blur"].raised
    assert not report.signals["motion_blur"].raised
    assert report.signals["motion_blur"].fields == ()


@pytest.mark.parametrize("degrees", [12.0, 30.0, 45.0, 70.0, 135.0])
def test_a_smear_in_any_direction_is_blur_and_motion_blur(colour_card: Card,
                                                          degrees: float) -> None:
    """Edges are compared along x against y and along one diagonal against the other: a
    smear at 45° softens x and y alike, and judged by x and y alone (or by the steepest
    edges, which run along the smear) a 13 px smear measured sharp."""
    kernel = np.zeros((13, 13), np.float32)
    kernel[6, :] = 1.0
    turn = cv2.getRotationMatrix2D((6.0, 6.0), degrees, 1.0)
    kernel = cv2.warpAffine(kernel, turn, (13, 13))
    report = judged(cv2.filter2D(colour_card, -1, kernel / kernel.sum()))
    assert report.signals["blur"].raised
    assert report.signals["motion_blur"].raised
    assert set(report.signals["motion_blur"].fields) >= {"name", "address"}


def test_a_field_whose_strokes_run_one_way_is_not_called_blurred(colour_card: Card) -> None:
    # A name of few strokes (一) has its steepest edges along one axis only; the card's
    # other fields say its print is sharp both ways.
    name = regions(colour_card)["name"]
    (x0, y0), _, (x1, y1), _ = name
    card = colour_card.copy()
    card[int(y0):int(y1), int(x0):int(x1)] = 250
    cv2.line(card, (int(x0) + 10, int((y0 + y1) / 2)), (int(x1) - 10, int((y0 + y1) / 2)),
             (30, 30, 30), 4)
    assert not judged(card).signals["blur"].raised


def test_glare_is_raised_and_names_the_field_under_it(colour_card: Card) -> None:
    height, width = colour_card.shape[:2]
    yy, xx = np.mgrid[0:height, 0:width].astype(np.float32)
    cx, cy = centre_of(colour_card, "id_number")
    spot = np.exp(-((xx - cx) ** 2 + (yy - cy) ** 2) / (2 * (0.09 * width) ** 2))
    glared = np.clip(colour_card + 210.0 * spot[..., None], 0, 255).astype(np.uint8)
    report = judged(glared)
    assert report.signals["glare"].raised
    assert "id_number" in report.signals["glare"].fields
    assert not judged(colour_card).signals["glare"].raised


def test_exposure(colour_card: Card) -> None:
    dark = (colour_card * 0.3).astype(np.uint8)
    bright = np.clip(colour_card * 2.2 + 40, 0, 255).astype(np.uint8)
    assert judged(dark).raised() == ["too_dark"] or judged(dark).signals["too_dark"].raised
    assert judged(bright).signals["overexposed"].raised
    assert not judged(colour_card).signals["too_dark"].raised
    assert not judged(colour_card).signals["overexposed"].raised


def test_a_grey_copy_is_a_photocopy_and_the_colour_card_is_not(colour_card: Card) -> None:
    grey = cv2.cvtColor(cv2.cvtColor(colour_card, cv2.COLOR_BGR2GRAY), cv2.COLOR_GRAY2BGR)
    assert judged(grey).signals["photocopy"].raised
    # A colour cast on the grey copy (warm light) is still no colour of the card's own.
    cast = np.clip(grey * np.array([0.85, 0.95, 1.08]), 0, 255).astype(np.uint8)
    assert judged(cast).signals["photocopy"].raised
    assert not judged(colour_card).signals["photocopy"].raised


def places(card: Card, fractions: list[tuple[float, float, float, float]]) -> list[Quad]:
    height, width = card.shape[:2]
    return [((x0 * width, y0 * height), (x1 * width, y0 * height),
             (x1 * width, y1 * height), (x0 * width, y1 * height))
            for x0, y0, x1, y1 in fractions]


def test_a_washed_out_colour_card_is_told_from_a_copy_by_its_blue_labels(
        colour_card: Card) -> None:
    """Light that clips the paper and the pale guilloche leaves the card's own colour
    too little to go by; its labels' blue ink beside the values' black still says colour
    card. The same image in grey stays a photocopy."""
    washed = np.clip(colour_card.astype(np.float32) * 2.0, 0, 255).astype(np.uint8)
    grey = cv2.cvtColor(cv2.cvtColor(washed, cv2.COLOR_BGR2GRAY), cv2.COLOR_GRAY2BGR)
    labels = places(colour_card, list(RULES.layout.front_words[0].values()))
    values = list(regions(colour_card).values())
    assert judged(washed).signals["photocopy"].raised  # the card's own colour alone
    inks = {"labels": labels, "values": values}
    assert not assess(washed, regions(washed), **inks).signals["photocopy"].raised
    assert assess(grey, regions(grey), **inks).signals["photocopy"].raised
    # Without label words read, there is nothing to compare.
    assert assess(washed, regions(washed), values=values).signals["photocopy"].raised


def photographed(card: Card, gain: tuple[float, float, float],
                 flare: tuple[float, float, float], seed: int) -> Card:
    """The card photographed lying on a coloured table under coloured light: a gain and
    an offset per channel, brighter towards one side, camera noise, JPEG, and a strip of
    the table left at the edges of the straightened view."""
    width = card.shape[1]
    ramp = np.linspace(0.85, 1.1, width, dtype=np.float32)[None, :, None]
    lit = card * np.array(gain, np.float32) * ramp + np.array(flare, np.float32)
    lit += np.random.default_rng(seed).normal(0.0, 2.5, lit.shape).astype(np.float32)
    shot = np.clip(lit, 0, 255).astype(np.uint8)
    edge = max(2, width // 50)
    table = (40, 90, 170)
    shot[:edge] = shot[-edge:] = table
    shot[:, :edge] = shot[:, -edge:] = table
    ok, jpeg = cv2.imencode(".jpg", shot, [cv2.IMWRITE_JPEG_QUALITY, 75])
    assert ok
    out: Card = cv2.imdecode(jpeg, cv2.IMREAD_COLOR)
    return out


@pytest.mark.parametrize(("gain", "flare"), [
    ((0.80, 0.92, 1.05), (6.0, 10.0, 22.0)),   # warm light, reddish flare (BGR)
    ((1.06, 0.98, 0.86), (20.0, 8.0, 4.0)),    # cool light, bluish flare
])
def test_a_grey_copy_photographed_in_colour_is_a_photocopy(
        colour_card: Card, gain: tuple[float, float, float],
        flare: tuple[float, float, float]) -> None:
    grey = cv2.cvtColor(cv2.cvtColor(colour_card, cv2.COLOR_BGR2GRAY), cv2.COLOR_GRAY2BGR)
    copy = judged(photographed(grey, gain, flare, 1)).signals["photocopy"]
    assert copy.raised, copy
    # Its inks, each divided by its own paper and compared, are of one hue under any light.
    shot = photographed(grey, gain, flare, 1)
    inks = {"labels": places(grey, list(RULES.layout.front_words[0].values())),
            "values": list(regions(grey).values())}
    assert assess(shot, regions(shot), **inks).signals["photocopy"].raised
    # The colour card under the same light, on the same table, is not.
    card = judged(photographed(colour_card, gain, flare, 1)).signals["photocopy"]
    assert not card.raised, card


def test_a_photocopy_away_from_a_straightened_card_is_judged_on_its_text() -> None:
    """A grey copy on a blue table, read where it lies: the table is no colour of its."""
    grey = cv2.cvtColor(cv2.cvtColor(straightened("front_clean_000.jpg"), cv2.COLOR_BGR2GRAY),
                        cv2.COLOR_GRAY2BGR)
    height, width = grey.shape[:2]
    table = np.zeros((height * 2, width * 2, 3), np.uint8)
    table[:] = (170, 90, 40)
    table[::3, :] = (150, 120, 60)  # a textured, coloured table
    table[height // 2:height // 2 + height, width // 2:width // 2 + width] = grey
    text = {name: tuple((x + width / 2, y + height / 2) for x, y in quad)
            for name, quad in regions(grey).items()}
    report = assess(table, text, straightened=False)  # type: ignore[arg-type]
    assert report.signals["photocopy"].raised


@pytest.mark.skipif(not (CCF / "labels.json").is_file(), reason="../shared/cards-ccf absent")
def test_grey_scans_from_another_source_are_photocopies() -> None:
    labels = json.loads((CCF / "labels.json").read_text(encoding="utf-8"))
    for label in labels[:10]:
        image = decode_image((CCF / label["file"]).read_bytes(), DecodeLimits(40_000_000, 32))
        assert assess(image, {}).signals["photocopy"].raised, label["file"]


def screen_shot(card: Card, pitch: float) -> Card:
    """The card on an RGB-stripe screen: each screen pixel three coloured stripes."""
    height, width = card.shape[:2]
    xs, ys = np.arange(width), np.arange(height)
    stripe = ((xs % pitch) / pitch * 3).astype(int)  # 0 = R, 1 = G, 2 = B
    weights = np.full((width, 3), 0.3, np.float32)
    weights[np.arange(width), 2 - stripe] = 1.0  # BGR order
    gap = ((ys % pitch) / pitch > 0.8)[:, None, None]
    lit = card * weights[None] * 1.8 * np.where(gap, 0.4, 1.0)
    blurred = cv2.GaussianBlur(np.clip(lit, 0, 255).astype(np.uint8), (0, 0), 0.7)
    return blurred


def test_a_photographed_screen_is_a_screen_recapture(colour_card: Card) -> None:
    assert judged(screen_shot(colour_card, 3.3)).signals["screen_recapture"].raised
    assert not judged(colour_card).signals["screen_recapture"].raised


def test_a_finger_over_a_field_is_an_occlusion(colour_card: Card) -> None:
    covered = colour_card.copy()
    cx, cy = centre_of(colour_card, "id_number")
    cv2.ellipse(covered, (cx, cy + 20), (150, 60), 0, 0, 360, (140, 172, 224), -1)
    report = judged(covered)
    assert report.signals["occlusion"].raised
    assert "id_number" in report.signals["occlusion"].fields
    assert not judged(colour_card).signals["occlusion"].raised


def box_of(card: Card, name: str) -> tuple[int, int, int, int]:
    quad = regions(card)[name]
    return (int(quad[0][0]), int(quad[0][1]), int(quad[2][0]), int(quad[2][1]))


def test_a_white_sticker_over_a_field_is_an_occlusion(colour_card: Card) -> None:
    """A flat white patch, brighter than the paper, over half the name's region (no colour
    at all: only its flatness and brightness give it away)."""
    x0, y0, x1, y1 = box_of(colour_card, "name")
    covered = colour_card.copy()
    cv2.rectangle(covered, (x0, y0), ((x0 + x1) // 2, y1), (247, 248, 248), -1)
    report = judged(covered)
    assert report.signals["occlusion"].raised
    assert report.signals["occlusion"].fields == ("name",)


def test_a_sticker_beside_the_print_read_is_judged_on_the_layout_region(
        colour_card: Card) -> None:
    """The box read holds only the digits left visible; the layout says where the rest
    is printed, and the sticker lies there."""
    x0, y0, x1, y1 = box_of(colour_card, "id_number")
    middle = (x0 + x1) // 2
    covered = colour_card.copy()
    cv2.rectangle(covered, (middle, y0), (x1, y1), (150, 210, 250), -1)  # a yellow sticker
    visible: Quad = ((x0, y0), (middle, y0), (middle, y1), (x0, y1))
    alone = assess(covered, {"id_number": visible})
    widened = assess(covered, {"id_number": visible}, layout=regions(covered))
    assert not alone.signals["occlusion"].raised
    assert widened.signals["occlusion"].fields == ("id_number",)


def test_a_blue_stamp_over_a_value_is_an_occlusion(colour_card: Card) -> None:
    """Not only warm ink: a blue-violet stamp's words and frame over the birth date."""
    x0, y0, x1, y1 = box_of(colour_card, "birth_date")
    stamped = colour_card.copy()
    cv2.rectangle(stamped, (x0 + 4, y0 + 4), (x1 - 40, y1 - 4), (160, 60, 60), 4)
    cv2.putText(stamped, "COPY VOID", (x0 + 12, y1 - 14), cv2.FONT_HERSHEY_SIMPLEX, 1.3,
                (160, 60, 60), 4)
    report = judged(stamped)
    assert report.signals["occlusion"].raised
    assert "birth_date" in report.signals["occlusion"].fields


def test_a_grey_stamp_read_over_a_value_is_an_occlusion(colour_card: Card) -> None:
    """A grey stamp is ink like the print; the stamp words the pipeline read (their
    boxes) say where it lies."""
    grey = cv2.cvtColor(cv2.cvtColor(colour_card, cv2.COLOR_BGR2GRAY), cv2.COLOR_GRAY2BGR)
    x0, y0, x1, y1 = box_of(grey, "address")
    stamp: Quad = ((x0, y0), (x1, y0), (x1, (y0 + y1) / 2), (x0, (y0 + y1) / 2))
    report = assess(grey, regions(grey), stamps=[stamp])
    assert report.signals["occlusion"].fields == ("address",)
    assert not assess(grey, regions(grey)).signals["occlusion"].raised


@pytest.mark.parametrize("change", ["blur", "glare", "dark", "grey"])
def test_what_changes_the_whole_card_is_no_occlusion(colour_card: Card, change: str) -> None:
    """Blur and darkness flatten all the paper, a glare spot's core is clipped flat, a
    grey copy has no colour: none is an object over a field."""
    if change == "blur":
        card = cv2.GaussianBlur(colour_card, (0, 0), 4.0)
    elif change == "dark":
        card = (colour_card * 0.3).astype(np.uint8)
    elif change == "grey":
        card = cv2.cvtColor(cv2.cvtColor(colour_card, cv2.COLOR_BGR2GRAY), cv2.COLOR_GRAY2BGR)
    else:
        height, width = colour_card.shape[:2]
        yy, xx = np.mgrid[0:height, 0:width].astype(np.float32)
        cx, cy = centre_of(colour_card, "name")
        spot = np.exp(-((xx - cx) ** 2 + (yy - cy) ** 2) / (2 * (0.09 * width) ** 2))
        card = np.clip(colour_card + 230.0 * spot[..., None], 0, 255).astype(np.uint8)
    assert not judged(card).signals["occlusion"].raised


def test_card_incomplete_is_carried() -> None:
    card = straightened("front_clean_001.jpg")
    assert assess(card, {}, card_incomplete=True).signals["card_incomplete"].raised
    assert not assess(card, {}).signals["card_incomplete"].raised


@pytest.mark.parametrize("image", [
    np.zeros((1, 1, 3), np.uint8), np.zeros((540, 856, 3), np.uint8),
    np.full((2, 2), 255, np.uint8), np.zeros((0, 0, 3), np.uint8)])
def test_every_signal_is_defined_on_degenerate_images(image: Card) -> None:
    box: Quad = ((0.0, 0.0), (10.0, 0.0), (10.0, 10.0), (0.0, 10.0))
    report = assess(image, {"name": box})
    assert set(report.signals) == set(SIGNALS)
    for signal in report.signals.values():
        assert math.isfinite(signal.score) and 0.0 <= signal.score <= 1.0
