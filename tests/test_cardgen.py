"""The card generator's scan tiers (tools/cardgen, tools/make_cards.py): grey scans, stamps
across values, tight crops, two-card pages, 17-digit numbers, every ethnicity, tampered
cards. Each test renders one small image at most; labels must say what was drawn."""

from __future__ import annotations

import json
import random
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pytest

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "tools"))

import make_cards  # noqa: E402
from cardgen import degrade  # noqa: E402
from cardgen.fonts import check_fonts  # noqa: E402
from cardgen.identity import (  # noqa: E402
    ETHNICITIES,
    HISTORICAL_ETHNICITIES,
    make_identity,
    number_birth,
    number_sex,
    with_tampered_birth,
    with_tampered_sex,
)

needs_fonts = pytest.mark.skipif(bool(check_fonts()), reason="CJK/DejaVu fonts not installed")
OFFICIAL = {name for name, _ in ETHNICITIES}


def job(tier: str, side: str, seed: int = 5, **options: Any) -> make_cards.Job:
    stem = "page" if tier == "page" else f"{side}_{tier}"
    return make_cards.Job(seed, tier, 0, side, f"{stem}_000.jpg", None, None, **options)


def make(tmp: Path, one: make_cards.Job) -> tuple[dict[str, Any], np.ndarray]:
    label = make_cards.make_one(one, tmp)
    from PIL import Image

    with Image.open(tmp / one.file) as image:
        return label, np.asarray(image.convert("RGB"))


# -- identities (no drawing) --------------------------------------------------------------

def test_tampered_sex_disagrees_with_the_numbers_parity() -> None:
    for seed in range(20):
        person = make_identity(random.Random(seed))
        tampered = with_tampered_sex(person)
        assert person.sex == number_sex(person.id_number)
        assert tampered.sex != number_sex(tampered.id_number)
        assert tampered.id_number == person.id_number


def test_tampered_birth_disagrees_with_the_numbers_date() -> None:
    for seed in range(20):
        person = make_identity(random.Random(seed))
        tampered = with_tampered_birth(person, random.Random(seed))
        assert person.birth_date == number_birth(person.id_number)
        assert tampered.birth_date != number_birth(tampered.id_number)


def test_a_modest_ethnic_set_prints_every_name() -> None:
    cycle_len = len(OFFICIAL) + len(HISTORICAL_ETHNICITIES)
    jobs = list(make_cards.plan_jobs(3, [("ethnic", cycle_len)]))
    printed = {j.ethnicity for j in jobs}
    assert printed == OFFICIAL | set(HISTORICAL_ETHNICITIES)
    assert "崩龙" in printed and len(OFFICIAL) == 56


def test_scan_tiers_plan_short_numbers_and_leave_old_tiers_alone() -> None:
    jobs = list(make_cards.plan_jobs(3, [("clean", 7), ("crop", 14), ("tampered", 5)]))
    clean = [j for j in jobs if j.tier == "clean"]
    assert all(not j.short_number and not j.tamper and j.ethnicity is None for j in clean)
    crop_fronts = [j for j in jobs if j.tier == "crop" and j.side == "front"]
    assert sum(j.short_number for j in crop_fronts) == len(crop_fronts) // 3
    tampers = [j.tamper for j in jobs if j.tier == "tampered"]
    assert {"sex", "birth", "sex+birth"} == set(tampers)


# -- images ---------------------------------------------------------------------------------

def test_grey_scan_is_grey_low_contrast_and_seeded() -> None:
    colour = np.zeros((60, 90, 3), np.uint8)
    colour[:, 45:] = (255, 250, 240)
    colour[20:40, 10:30] = (200, 30, 40)
    first = degrade.to_grey_scan(colour, random.Random(1))
    again = degrade.to_grey_scan(colour, random.Random(1))
    assert first.shape == colour.shape
    assert np.array_equal(first, again)
    assert np.array_equal(first[..., 0], first[..., 2])
    dark, light = np.median(first[5:55, 32:42]), np.median(first[5:55, 50:85])
    assert 15 < dark < light < 250  # neither pure black nor pure white survives


@needs_fonts
def test_a_stamp_records_the_value_it_lands_on() -> None:
    image = np.full((285, 450, 3), 200, np.uint8)
    card = np.array([[0, 0], [450, 0], [450, 285], [0, 285]], float)
    name = np.array([[90, 30], [160, 30], [160, 50], [90, 50]], float)
    number = np.array([[170, 240], [420, 240], [420, 262], [170, 262]], float)
    fields = {"name": [name], "id_number": [number]}
    stamped, mark = degrade.stamp(image, random.Random(4), card, fields, "block", "name")
    assert mark.text == "复禁印止" and mark.kind == "block"
    assert "name" in mark.covers and "id_number" not in mark.covers
    assert set(mark.shares) == set(mark.covers) and mark.shares["name"] >= 0.08
    changed = np.argwhere((stamped != image).any(axis=2))
    assert len(changed)
    x0, y0 = np.min(mark.quad, axis=0)
    x1, y1 = np.max(mark.quad, axis=0)
    assert changed[:, 1].min() >= x0 - 2 and changed[:, 1].max() <= x1 + 2
    assert changed[:, 0].min() >= y0 - 2 and changed[:, 0].max() <= y1 + 2


@needs_fonts
def test_value_boxes_do_not_change_the_old_tiers_drawing() -> None:
    from cardgen.render import draw_front, render_front

    person = make_identity(random.Random(1))
    old = render_front(person, random.Random(2))
    drawn = draw_front(person, random.Random(2))
    assert np.array_equal(old, drawn.image)
    assert set(drawn.boxes) == {"name", "sex", "ethnicity", "birth_date", "address", "id_number"}
    (x0, y0, x1, y1), = drawn.boxes["id_number"]
    ink = old[round(y0):round(y1), round(x0):round(x1), :3].min(axis=2) < 80
    assert ink.any(axis=0)[:3].any() and ink.any(axis=0)[-3:].any()  # the box hugs the digits


@needs_fonts
def test_seventeen_digit_crop_is_seeded_and_labelled_as_printed(tmp_path: Path) -> None:
    one = job("crop", "front", short_number=True, ethnicity="佤")
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    label, image = make(tmp_path / "a", one)
    again, image_again = make(tmp_path / "b", one)
    assert label == again and np.array_equal(image, image_again)
    number = label["fields"]["id_number"]
    assert len(number) == 17 and number.isdigit()
    assert "id-17-digits" in label["tags"]
    assert label["fields"]["ethnicity"] == "佤"
    height, width = image.shape[:2]
    assert 430 <= width <= 475 and 270 <= height <= 300
    (quad,) = label["card_quads"]
    assert abs(np.ptp(np.array(quad)[:, 0]) - width) < 12  # cropped at the card's edge


@needs_fonts
def test_tampered_front_labels_the_printed_values(tmp_path: Path) -> None:
    label, _ = make(tmp_path, job("tampered", "front", tamper="sex+birth"))
    fields, says = label["fields"], label["number_says"]
    assert {"tampered-sex", "tampered-birth"} <= set(label["tags"])
    assert fields["sex"] != number_sex(fields["id_number"]) == says["sex"]
    assert fields["birth_date"] != number_birth(fields["id_number"]).isoformat()
    assert says["birth_date"] == number_birth(fields["id_number"]).isoformat()


@needs_fonts
def test_page_holds_two_small_cards_turned_as_labelled(tmp_path: Path) -> None:
    label, image = make(tmp_path, job("page", "both", seed=8, ethnicity="崩龙"))
    assert image.shape[:2] == (1000, 1000)
    assert label["side"] == "both" and set(label["fields"]) >= {"name", "issuing_authority"}
    assert label["fields"]["ethnicity"] == "崩龙" and "historical-ethnicity" in label["tags"]
    for side, quad in zip(("front", "back"), np.array(label["card_quads"]), strict=True):
        assert 410 <= np.linalg.norm(quad[1] - quad[0]) <= 480
        assert (quad >= 0).all() and (quad <= 1000).all()
        upside_down = quad[0][1] > quad[2][1]  # the reading top-left sits below the bottom-right
        assert upside_down == (f"upside_down_{side}" in label["notes"])


@needs_fonts
def test_stamped_labels_name_covered_fields(tmp_path: Path) -> None:
    label, image = make(tmp_path, job("stamped", "front", seed=21))
    words = {"复印无效", "再次复印无效", "复印件无效", "复禁印止"}
    across = [s for s in label["stamps"] if s["kind"] != "caption"]
    assert across and all(s["text"] in words or s["text"].startswith("仅") for s in across)
    assert set(label["stamp_covers"]) == {f for s in label["stamps"] for f in s["covers"]}
    assert set(label["stamp_covers"]) <= set(label["fields"])
    assert ("stamp-occlusion" in label["tags"]) == bool(label["stamp_covers"])
    grey = bool(np.all(np.ptp(image.astype(int), axis=2) <= 12))
    red = any(s["colour"] == "red" for s in label["stamps"])
    assert grey == (not red)  # only a red stamp brings colour into a grey scan


@needs_fonts
def test_two_fronts_page_labels_the_larger_card(tmp_path: Path) -> None:
    label, image = make(tmp_path, job("twofronts", "front", seed=3))
    assert image.shape[:2] == (1000, 1000) and "two-fronts" in label["tags"]
    larger, smaller = (np.array(q) for q in label["card_quads"])
    assert np.linalg.norm(larger[1] - larger[0]) > 1.2 * np.linalg.norm(smaller[1] - smaller[0])
    assert set(label["fields"]) == {"name", "sex", "ethnicity", "birth_date", "address",
                                    "id_number"}


def test_form_lines_repeat_the_labels_with_someone_elses_values() -> None:
    from cardgen.identity import form_lines

    other = make_identity(random.Random(9))
    lines = form_lines(other, random.Random(9))
    assert f"申请人姓名：{other.name}" in lines and f"公民身份号码：{other.id_number}" in lines


@needs_fonts
def test_text_page_card_sits_inside_the_page(tmp_path: Path) -> None:
    label, image = make(tmp_path, job("textpage", "back", seed=4))
    assert image.shape[:2] == (1414, 1000) and "decoy-fields" in label["tags"]
    (quad,) = np.array(label["card_quads"])
    assert (quad >= 0).all() and (quad[:, 0] <= 1000).all() and (quad[:, 1] <= 1414).all()
    assert set(label["fields"]) == {"issuing_authority", "valid_from", "valid_until"}


@needs_fonts
def test_typefaces_change_the_values_print_not_the_labels(tmp_path: Path) -> None:
    from cardgen.render import draw_front

    person = make_identity(random.Random(6))
    plain = draw_front(person, random.Random(7))
    other = draw_front(person, random.Random(7), face="zenhei")
    assert set(plain.boxes) == set(other.boxes)
    assert not np.array_equal(plain.image, other.image)
    jobs = list(make_cards.plan_jobs(7, [("clean", 2), ("crop", 2)], typefaces=True))
    assert [j.typefaces for j in jobs] == [False, False, True, True]
    label = make_cards.make_one(jobs[2], tmp_path)
    assert any(t.startswith("typeface-") for t in label["tags"])


@needs_fonts
def test_shifted_rows_move_the_upper_rows_not_the_number(tmp_path: Path) -> None:
    from cardgen.render import CANONICAL_ROWS, draw_front, shifted_rows

    person = make_identity(random.Random(6))
    rows = shifted_rows(random.Random(3))
    assert rows["number"] == CANONICAL_ROWS["number"]
    assert CANONICAL_ROWS["name"] <= rows["name"] < rows["sex"] < rows["birth"] < rows["address"]
    plain = draw_front(person, random.Random(7))
    moved = draw_front(person, random.Random(7), rows=rows)
    drop = rows["name"] - CANONICAL_ROWS["name"]
    assert moved.boxes["name"][0][1] - plain.boxes["name"][0][1] == pytest.approx(
        drop * 540, abs=0.01 * 540)
    assert moved.boxes["id_number"][0][1] == pytest.approx(plain.boxes["id_number"][0][1], abs=1)
    jobs = list(make_cards.plan_jobs(7, [("clean", 1), ("crop", 3)], layouts=True))
    assert [j.layouts for j in jobs] == [False, True, True, True]
    front = next(j for j in jobs if j.side == "front" and j.layouts)
    assert "rows-shifted" in make_cards.make_one(front, tmp_path)["tags"]


@needs_fonts
def test_dark_stamps_are_the_same_stamps_in_the_prints_tone(tmp_path: Path) -> None:
    image = np.full((285, 450, 3), 205, np.uint8)
    image[100:120, 60:200] = 48  # the card's print
    card = np.array([[0, 0], [450, 0], [450, 285], [0, 285]], float)
    name = np.array([[90, 30], [160, 30], [160, 50], [90, 50]], float)
    fields = {"name": [name]}
    _, mark = degrade.stamp(image, random.Random(4), card, fields, "line", "name")
    dark, dark_mark = degrade.stamp(image, random.Random(4), card, fields, "line", "name",
                                    dark=True)
    assert (dark_mark.text, dark_mark.quad[0]) == (mark.text, mark.quad[0])
    assert dark_mark.opacity == 1.0 and dark_mark.colour == "grey"
    drawn = (dark != image).any(axis=2)
    assert abs(int(np.percentile(dark[drawn][:, 0], 5)) - 48) <= 3  # as dark as the print
    jobs = list(make_cards.plan_jobs(11, [("clean", 1), ("stamped", 2)], dark_stamps=True))
    assert [j.dark_stamps for j in jobs] == [False, True, True]
    label = make_cards.make_one(jobs[1], tmp_path)
    across = [s for s in label["stamps"] if s["kind"] != "caption"]
    assert across and all(s["opacity"] == 1.0 for s in across)
    assert "dark-stamps" in label["tags"]


# -- committed fixtures ---------------------------------------------------------------------

def test_fixtures_hold_every_scan_tier() -> None:
    labels = json.loads((REPO / "fixtures" / "labels.json").read_text(encoding="utf-8"))
    tiers = {entry["tier"] for entry in labels}
    assert set(make_cards.STYLE_TIERS) <= tiers
    for entry in labels:
        assert (REPO / "fixtures" / entry["file"]).is_file(), entry["file"]


@needs_fonts
@pytest.mark.parametrize("file", ["front_clean_001.jpg", "back_hard_001.jpg", "both_000.jpg"])
def test_old_tiers_still_make_the_committed_fixtures_labels(tmp_path: Path, file: str) -> None:
    # Labels depend on the seed's random streams only (not on fonts or libraries), so this
    # catches a change that would make old seeds draw different images.
    labels = json.loads((REPO / "fixtures" / "labels.json").read_text(encoding="utf-8"))
    committed = next(entry for entry in labels if entry["file"] == file)
    tiers = [("clean", 14), ("photo", 14), ("hard", 10), ("both", 3)]
    one = next(j for j in make_cards.plan_jobs(2024, tiers) if j.file == file)
    assert make_cards.make_one(one, tmp_path) == committed


def test_a_rare_name_set_is_all_fronts_each_with_a_rare_character() -> None:
    jobs = list(make_cards.plan_jobs(21, [("clean", 4), ("hard", 3)], rare_every=1,
                                     fronts_only=True))
    assert [j.side for j in jobs] == ["front"] * 7
    assert all(j.rare_char for j in jobs)
    assert len({j.rare_char for j in jobs if j.tier == "clean"}) == 4  # cycles, no repeats
    default = list(make_cards.plan_jobs(21, [("clean", 14)]))
    assert {j.side for j in default} == {"front", "back"}
    fronts = [j for j in default if j.side == "front"]
    assert [bool(j.rare_char) for j in fronts] == [i % 5 == 1 for i in range(len(fronts))]


# -- condition images (tools/cardgen/conditions.py) ---------------------------------------


@needs_fonts
@pytest.mark.parametrize("by", ["white_sticker", "grey_stamp"])
def test_an_occluder_covers_the_value_box_in_its_own_colours(by: str) -> None:
    """A white sticker is a near-white patch over the value; a grey stamp adds grey ink
    (no red or blue) over it. The label's amount is the share of the box covered."""
    from cardgen.conditions import Condition, _box_px, on_card
    from cardgen.render import render_front

    rng = random.Random(3)
    card = render_front(make_identity(rng), rng)
    cond = Condition("occlusion", 0.6, ["birth_date"], {"by": by})
    drawn = on_card(card, "front", cond, random.Random(4))
    x0, y0, x1, y1 = _box_px("front", "birth_date")
    before = card[y0:y1, x0:x1, :3].astype(int)
    after = drawn[y0:y1, x0:x1, :3].astype(int)
    changed = np.abs(after - before).sum(axis=2) > 30
    assert changed.mean() > 0.05
    spread = after.max(axis=2) - after.min(axis=2)
    if by == "white_sticker":
        covered = after[:, : int((x1 - x0) * 0.6)]
        assert (covered.min(axis=2) >= 230).mean() > 0.95
    else:
        assert (spread[changed] < 20).all()  # grey: no hue of its own
