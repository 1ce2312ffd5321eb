"""Generate synthetic resident identity card images with labels (dev tooling).

    python tools/make_cards.py --out DIR --n N --tiers clean,photo,hard,both --seed S [--jobs J]

`--n` is the number of images per tier; `tier:count` in `--tiers` overrides it for that
tier (e.g. `--tiers clean:14,photo:14,hard:10,both:3`). Sides are 4/7 front, 3/7 back;
`both` images are photocopy pages with both sides. Every fifth front card gets a rarer
character in the name (`--rare-every N`: every Nth; `--rare-every 1` puts one in every
front, cycling through cardgen.identity.RARE_CHARS). `--fronts-only` makes every card of
the clean, photo and hard tiers a front (e.g. a rare-name set: `--fronts-only
--rare-every 1`). Writes the images and `labels.json` (a list, one object per image:
file, side, tier, fields, card_quads, rotation, exif_orientation, rare_name, notes).

The scan tiers (`crop`, `stamped`, `scan`, `page`, `tampered`, `ethnic`, `twofronts`,
`textpage`; see STYLE_TIERS) add grey scans and photocopies, stamps printed across the
text, 1000 × 1000 pages with two small cards, 17-digit numbers, every ethnicity, printed
values that disagree with the number, and two bad inputs: a page with two people's fronts
and a card copied onto a form that repeats its labels. Their labels also carry `tags`,
`stamps` and `stamp_covers` (and `number_says` on tampered cards). They draw from their own
random streams, so the first four tiers make the same images for a seed as before. With
`--typefaces`, scan-tier cards print their values in one of several installed typefaces
(cardgen.fonts.FACES) instead of the standard one; with `--layouts`, their fronts space
the rows as other printers do (cardgen.render.shifted_rows: the upper rows lower, the
number in place); without them they look as before.

All people, numbers and addresses are invented; portraits are blank silhouettes.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import random
import sys
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from cardgen import degrade
from cardgen.fonts import FACES, check_fonts
from cardgen.identity import (
    ETHNICITIES,
    RARE_CHARS,
    Identity,
    ethnicity_cycle,
    form_lines,
    make_identity,
    number_birth,
    number_sex,
    with_short_number,
    with_tampered_birth,
    with_tampered_sex,
)
from cardgen.render import (
    Rendered,
    draw_back,
    draw_front,
    render_back,
    render_front,
    shifted_rows,
)

STYLE_TIERS = {
    "crop": "grey card cropped at its edge, ~450 × 285, low contrast; a 仅限…使用 corner "
            "caption now and then",
    "stamped": "grey crops (and a few scans) with 1–3 stamps (复印无效, 复禁印止, 仅限…使用) "
               "printed across values",
    "scan": "grey scan or photocopy of one card on a page of nearly its tone (faint edge); "
            "stamps on some",
    "page": "1000 × 1000 grey page with both sides at ~450 × 285, each upside down or not",
    "tampered": "fronts whose printed sex and/or birth date disagree with the number",
    "ethnic": "fronts cycling through all 56 ethnicities and historical names (崩龙 …)",
    "twofronts": "1000 × 1000 grey page with the fronts of two people; the larger card is "
                 "the answer (labelled first)",
    "textpage": "a card copied onto an A4 form whose text repeats the card's labels with "
                "another person's particulars",
}
TIERS = ("clean", "photo", "hard", "both", *STYLE_TIERS)
FRONT_SHARE = 4 / 7
STAMPED_FRONT_SHARE = 3 / 4
RARE_EVERY = 5
SHORT_NUMBER_EVERY = 3  # every third front of the scan tiers prints only 17 digits
SHORT_NUMBER_TIERS = ("crop", "stamped", "scan", "page")
TAMPERS = ("sex", "birth", "sex", "birth", "sex+birth")
OFFICIAL_ETHNICITIES = frozenset(name for name, _ in ETHNICITIES)


@dataclass(frozen=True)
class Job:
    """One image to make: everything needed to reproduce it from the seed alone."""

    seed: int
    tier: str
    index: int  # position within the tier
    side: str
    file: str
    rare_char: str | None
    plan: degrade.HardPlan | None
    short_number: bool = False  # print only the first 17 digits
    tamper: str = ""  # "sex", "birth" or "sex+birth": printed values disagree with the number
    ethnicity: str | None = None  # printed instead of the drawn one
    typefaces: bool = False  # pick the values' typeface from fonts.FACES
    dark_stamps: bool = False  # stamps in the print's own tone (degrade.stamp's `dark`)
    layouts: bool = False  # fronts space their rows as other printers do (shifted_rows)


def parse_tiers(spec: str, default_n: int) -> list[tuple[str, int]]:
    tiers = []
    for part in filter(None, (p.strip() for p in spec.split(","))):
        name, _, count = part.partition(":")
        if name not in TIERS:
            raise SystemExit(f"unknown tier {name!r}; choose from {', '.join(TIERS)}")
        tiers.append((name, int(count) if count else default_n))
    return tiers


def _sides(tier: str, count: int, rng: random.Random, fronts_only: bool = False
           ) -> list[str]:
    if tier in ("both", "page"):
        return ["both"] * count
    if tier in ("tampered", "ethnic", "twofronts") or fronts_only:
        return ["front"] * count
    fronts = round(count * (STAMPED_FRONT_SHARE if tier == "stamped" else FRONT_SHARE))
    sides = ["front"] * fronts + ["back"] * (count - fronts)
    if tier in ("hard", *STYLE_TIERS):
        rng.shuffle(sides)
    return sides


def _style_options(tier: str, index: int, side: str, fronts: int) -> dict[str, object]:
    """What a scan-tier card prints unusually; `fronts` counts the tier's earlier fronts."""
    if tier not in STYLE_TIERS or side == "back":
        return {}
    cycle = ethnicity_cycle()
    offset = 0 if tier == "ethnic" else 11 * (1 + list(STYLE_TIERS).index(tier))
    return {
        "ethnicity": cycle[(offset + fronts) % len(cycle)],
        "short_number": tier in SHORT_NUMBER_TIERS and fronts % SHORT_NUMBER_EVERY == 2,
        "tamper": TAMPERS[index % len(TAMPERS)] if tier == "tampered" else "",
    }


def plan_jobs(seed: int, tiers: list[tuple[str, int]], typefaces: bool = False,
              dark_stamps: bool = False, rare_every: int = RARE_EVERY,
              fronts_only: bool = False, layouts: bool = False) -> Iterator[Job]:
    for tier_no, (tier, count) in enumerate(tiers):
        rng = random.Random(f"{seed}:{tier}:sides")
        numbers = {"front": 0, "back": 0, "both": 0}
        fronts = 0
        only_fronts = fronts_only and tier not in STYLE_TIERS
        for i, side in enumerate(_sides(tier, count, rng, only_fronts)):
            rare = None
            options = _style_options(tier, i, side, fronts)
            if side != "back":
                if fronts % rare_every == min(1, rare_every - 1):
                    rare = RARE_CHARS[(2 * tier_no + fronts // rare_every) % len(RARE_CHARS)]
                fronts += 1
            stem = "both" if side == "both" else f"{side}_{tier}"
            stem = "page" if tier == "page" else stem
            file = f"{stem}_{numbers[side]:03d}.jpg"
            numbers[side] += 1
            plan = degrade.HARD_PLANS[i % len(degrade.HARD_PLANS)] if tier == "hard" else None
            if typefaces and tier in STYLE_TIERS:
                options["typefaces"] = True
            if dark_stamps and tier in STYLE_TIERS:
                options["dark_stamps"] = True
            if layouts and tier in STYLE_TIERS:
                options["layouts"] = True
            yield Job(seed, tier, i, side, file, rare, plan, **options)  # type: ignore[arg-type]


def _shoot(job: Job, person: Identity, rng: random.Random) -> degrade.Shot:
    if job.side == "both":
        return degrade.both_page(render_front(person, rng), render_back(person, rng), rng)
    card = render_front(person, rng) if job.side == "front" else render_back(person, rng)
    if job.tier == "clean":
        return degrade.clean(card, rng)
    if job.tier == "photo":
        return degrade.photo(card, rng)
    assert job.plan is not None
    return degrade.hard(card, rng, job.plan)


def _fields(side: str, person: Identity) -> dict[str, str]:
    if side == "front":
        return person.front_fields()
    if side == "back":
        return person.back_fields()
    return person.front_fields() | person.back_fields()


def make_one(job: Job, out: Path) -> dict[str, object]:
    """Draw, degrade and save one image; return its label."""
    if job.tier in STYLE_TIERS:
        return make_styled(job, out)
    rng = random.Random(f"{job.seed}:{job.tier}:{job.index}")
    person = make_identity(rng, job.rare_char)
    shot = _shoot(job, person, rng)
    degrade.save(shot, out / job.file)
    return _label(job, person, shot)


def _label(job: Job, person: Identity, shot: degrade.Shot) -> dict[str, object]:
    """What every tier's label holds: the printed fields and where the card lies."""
    return {
        "file": job.file, "side": job.side, "tier": job.tier,
        "fields": _fields(job.side, person),
        "card_quads": [[[round(float(x), 1), round(float(y), 1)] for x, y in q]
                       for q in shot.quads],
        "rotation": shot.rotation, "exif_orientation": shot.exif_orientation,
        "rare_name": person.rare_name and job.side != "back", "notes": shot.notes,
    }


# -- scan tiers ---------------------------------------------------------------------------


def printed_person(job: Job, person: Identity, rng: random.Random) -> tuple[Identity, list[str]]:
    """The identity as this card prints it, and the tags that say how it differs."""
    tags = []
    if job.ethnicity is not None:
        person = dataclasses.replace(person, ethnicity=job.ethnicity)
        if job.ethnicity not in OFFICIAL_ETHNICITIES:
            tags.append("historical-ethnicity")
    if "sex" in job.tamper:
        person, tags = with_tampered_sex(person), [*tags, "tampered-sex"]
    if "birth" in job.tamper:
        person, tags = with_tampered_birth(person, rng), [*tags, "tampered-birth"]
    if job.short_number:
        person, tags = with_short_number(person), [*tags, "id-17-digits"]
    return person, tags


def _stamp_count(tier: str, style: random.Random) -> tuple[int, bool]:
    """How many stamps go across the values, and whether a corner caption is added."""
    if tier == "stamped":
        return style.choices((1, 2, 3), weights=(3, 3, 1))[0], style.random() < 0.5
    if tier == "crop":
        return 0, style.random() < 0.3
    if tier in ("scan", "page"):
        return (style.choice((1, 1, 2)) if style.random() < 0.4 else 0), style.random() < 0.2
    return 0, False


def _styled_shot(tier: str, cards: list[Rendered], rng: random.Random,
                 style: random.Random, other: Identity) -> degrade.Shot:
    if tier == "page":
        return degrade.small_card_page(cards[0].image, cards[1].image, rng)
    if tier == "twofronts":
        return degrade.two_fronts_page(cards[0].image, cards[1].image, rng)
    if tier == "textpage":
        return degrade.card_on_text_page(cards[0].image, rng, form_lines(other, style))
    card = cards[0].image
    kind = {"crop": "crop", "scan": "scan",
            "stamped": "crop" if style.random() < 0.75 else "scan"}.get(tier)
    if kind is None:  # tampered and ethnic cards come in every look
        kind = style.choices(("clean", "photo", "crop", "scan"), weights=(3, 2, 3, 2))[0]
    makers = {"clean": degrade.clean, "photo": degrade.photo, "crop": degrade.tight_crop,
              "scan": degrade.grey_scan}
    return makers[kind](card, rng)


def make_styled(job: Job, out: Path) -> dict[str, object]:
    """A scan-tier image: its own style stream decides look, portrait and stamps."""
    rng = random.Random(f"{job.seed}:{job.tier}:{job.index}")
    style = random.Random(f"{job.seed}:{job.tier}:{job.index}:style")
    person, tags = printed_person(job, make_identity(rng, job.rare_char), style)
    portrait = style.random() < 0.5
    face = "noto"
    if job.typefaces:  # its own stream: the other choices stay as without --typefaces
        face = random.Random(f"{job.seed}:{job.tier}:{job.index}:face").choice(sorted(FACES))
    rows = None
    if job.layouts:  # its own stream too
        rows = shifted_rows(random.Random(f"{job.seed}:{job.tier}:{job.index}:rows"))
    cards = ([draw_front(person, rng, portrait, face, rows)] if job.side != "back" else []) + \
        ([draw_back(person, rng, face)] if job.side != "front" else [])
    # The second card's or the form's person (drawn only there: the other tiers' streams
    # stay as they were).
    other = make_identity(rng) if job.tier in ("twofronts", "textpage") else person
    if job.tier == "twofronts":
        cards.append(draw_front(other, rng, portrait, face, rows))
    shot = _styled_shot(job.tier, cards, rng, style, other)
    image, marks = shot.image, []
    for card, quad in zip(cards, shot.quads, strict=True):
        count, caption = _stamp_count(job.tier, style)
        fields = degrade.field_quads(card.boxes, quad)
        image, drawn = degrade.stamp_card(image, style, quad, fields, count, caption,
                                          job.dark_stamps)
        marks += drawn
    if marks:
        image = degrade.finish_scan(image, style)
    shot = dataclasses.replace(shot, image=image)
    degrade.save(shot, out / job.file)
    tags += ["grayscale"] if _is_grey(image) else []
    tags += ["no-portrait"] if not portrait and job.side != "back" else []
    return _styled_label(job, person, shot, marks, tags, face)


def _styled_label(job: Job, person: Identity, shot: degrade.Shot,
                  marks: list[degrade.StampMark], tags: list[str], face: str
                  ) -> dict[str, object]:
    covers = sorted({f for m in marks for f in m.covers})
    tags = [*tags, *(["stamp-occlusion"] if covers else [])]
    tags += [n.replace("_", "-") for n in shot.notes]
    tags += ["decoy-fields"] if job.tier == "textpage" else []
    tags += [f"typeface-{face}"] if job.typefaces else []
    tags += ["dark-stamps"] if job.dark_stamps and marks else []
    tags += ["rows-shifted"] if job.layouts and job.side != "back" else []
    label = _label(job, person, shot) | {
        "tags": tags, "stamps": [m.label() for m in marks], "stamp_covers": covers,
    }
    if job.tamper:
        label["number_says"] = {"sex": number_sex(person.id_number),
                                "birth_date": number_birth(person.id_number).isoformat()}
    return label


def _is_grey(image: np.ndarray) -> bool:
    spread = image.max(axis=2).astype(np.int16) - image.min(axis=2)
    return bool((spread <= 2).mean() > 0.999)


def _make_packed(args: tuple[Job, Path]) -> dict[str, object]:
    return make_one(*args)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--n", type=int, default=20, help="images per tier")
    parser.add_argument("--tiers", default="clean,photo,hard,both")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--jobs", type=int, default=1, help="worker processes")
    parser.add_argument("--append", action="store_true",
                        help="keep the labels already in OUT/labels.json (same file names are "
                             "replaced), e.g. to add scan tiers to fixtures/")
    parser.add_argument("--typefaces", action="store_true",
                        help="scan tiers print values in varied typefaces (fonts.FACES)")
    parser.add_argument("--dark-stamps", action="store_true",
                        help="scan tiers' stamps are opaque, in the print's own tone and the "
                             "楷体 face, with a thick frame (same stamps as without, other ink)")
    parser.add_argument("--layouts", action="store_true",
                        help="scan tiers' fronts space their rows as other printers do: the "
                             "upper rows moved down, the number in place (render.shifted_rows)")
    parser.add_argument("--rare-every", type=int, default=RARE_EVERY, metavar="N",
                        help="every Nth front gets a rarer name character (1: every front)")
    parser.add_argument("--fronts-only", action="store_true",
                        help="clean, photo and hard tiers make fronts only")
    args = parser.parse_args(argv)
    if missing := check_fonts():
        print("missing fonts (apt-get install fonts-noto-cjk fonts-dejavu-core):", *missing,
              file=sys.stderr)
        return 2
    args.out.mkdir(parents=True, exist_ok=True)
    if args.rare_every < 1:
        parser.error("--rare-every must be at least 1")
    jobs = list(plan_jobs(args.seed, parse_tiers(args.tiers, args.n), args.typefaces,
                          dark_stamps=args.dark_stamps, rare_every=args.rare_every,
                          fronts_only=args.fronts_only, layouts=args.layouts))
    work = [(job, args.out) for job in jobs]
    if args.jobs > 1:
        with ProcessPoolExecutor(args.jobs) as pool:
            labels = list(pool.map(_make_packed, work, chunksize=4))
    else:
        labels = [_make_packed(w) for w in work]
    labels_path = args.out / "labels.json"
    if args.append and labels_path.is_file():
        made = {label["file"] for label in labels}
        kept = [old for old in json.loads(labels_path.read_text(encoding="utf-8"))
                if old["file"] not in made]
        labels = kept + labels
    text = json.dumps(labels, ensure_ascii=False, indent=1)
    labels_path.write_text(text + "\n", encoding="utf-8")
    print(f"wrote {len(jobs)} images and {len(labels)} labels to {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
