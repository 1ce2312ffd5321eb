"""Generate synthetic resident identity card images with labels (dev tooling).

    python tools/make_cards.py --out DIR --n N --tiers clean,photo,hard,both --seed S [--jobs J]

`--n` is the number of images per tier; `tier:count` in `--tiers` overrides it for that
tier (e.g. `--tiers clean:14,photo:14,hard:10,both:3`). Sides are 4/7 front, 3/7 back;
`both` images are photocopy pages with both sides. Every fifth front card gets a rarer
character in the name. Writes the images and `labels.json` (a list, one object per image:
file, side, tier, fields, card_quads, rotation, exif_orientation, rare_name, notes).

All people, numbers and addresses are invented; portraits are blank silhouettes.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from cardgen import degrade
from cardgen.fonts import check_fonts
from cardgen.identity import RARE_CHARS, Identity, make_identity
from cardgen.render import render_back, render_front

TIERS = ("clean", "photo", "hard", "both")
FRONT_SHARE = 4 / 7
RARE_EVERY = 5


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


def parse_tiers(spec: str, default_n: int) -> list[tuple[str, int]]:
    tiers = []
    for part in filter(None, (p.strip() for p in spec.split(","))):
        name, _, count = part.partition(":")
        if name not in TIERS:
            raise SystemExit(f"unknown tier {name!r}; choose from {', '.join(TIERS)}")
        tiers.append((name, int(count) if count else default_n))
    return tiers


def _sides(tier: str, count: int, rng: random.Random) -> list[str]:
    if tier == "both":
        return ["both"] * count
    fronts = round(count * FRONT_SHARE)
    sides = ["front"] * fronts + ["back"] * (count - fronts)
    if tier == "hard":
        rng.shuffle(sides)
    return sides


def plan_jobs(seed: int, tiers: list[tuple[str, int]]) -> Iterator[Job]:
    for tier_no, (tier, count) in enumerate(tiers):
        rng = random.Random(f"{seed}:{tier}:sides")
        numbers = {"front": 0, "back": 0, "both": 0}
        fronts = 0
        for i, side in enumerate(_sides(tier, count, rng)):
            rare = None
            if side != "back":
                if fronts % RARE_EVERY == 1:
                    rare = RARE_CHARS[(2 * tier_no + fronts // RARE_EVERY) % len(RARE_CHARS)]
                fronts += 1
            stem = "both" if side == "both" else f"{side}_{tier}"
            file = f"{stem}_{numbers[side]:03d}.jpg"
            numbers[side] += 1
            plan = degrade.HARD_PLANS[i % len(degrade.HARD_PLANS)] if tier == "hard" else None
            yield Job(seed, tier, i, side, file, rare, plan)


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
    rng = random.Random(f"{job.seed}:{job.tier}:{job.index}")
    person = make_identity(rng, job.rare_char)
    shot = _shoot(job, person, rng)
    degrade.save(shot, out / job.file)
    return {
        "file": job.file, "side": job.side, "tier": job.tier,
        "fields": _fields(job.side, person),
        "card_quads": [[[round(float(x), 1), round(float(y), 1)] for x, y in q]
                       for q in shot.quads],
        "rotation": shot.rotation, "exif_orientation": shot.exif_orientation,
        "rare_name": person.rare_name and job.side != "back", "notes": shot.notes,
    }


def _make_packed(args: tuple[Job, Path]) -> dict[str, object]:
    return make_one(*args)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--n", type=int, default=20, help="images per tier")
    parser.add_argument("--tiers", default="clean,photo,hard,both")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--jobs", type=int, default=1, help="worker processes")
    args = parser.parse_args(argv)
    if missing := check_fonts():
        print("missing fonts (apt-get install fonts-noto-cjk fonts-dejavu-core):", *missing,
              file=sys.stderr)
        return 2
    args.out.mkdir(parents=True, exist_ok=True)
    jobs = list(plan_jobs(args.seed, parse_tiers(args.tiers, args.n)))
    work = [(job, args.out) for job in jobs]
    if args.jobs > 1:
        with ProcessPoolExecutor(args.jobs) as pool:
            labels = list(pool.map(_make_packed, work, chunksize=4))
    else:
        labels = [_make_packed(w) for w in work]
    text = json.dumps(labels, ensure_ascii=False, indent=1)
    (args.out / "labels.json").write_text(text + "\n", encoding="utf-8")
    print(f"wrote {len(labels)} images and labels.json to {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
