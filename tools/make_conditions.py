"""Generate card images with a known image-quality condition and amount (dev tooling).

    python tools/make_conditions.py --out DIR --n N --seed S [--jobs J]

For each base ("clean" scan, "photo") and each condition of `cardgen.conditions`
(plus "none", the negatives) it makes N images, fronts and backs alternating. Writes the
images and `labels.json`: file, side, base, condition (null for none), amount, fields
(the fields the condition covers, for glare and occlusion), detail, card_quads, and the
usual `fields` values so the set can also be read by bench/accuracy.py.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

from cardgen import degrade
from cardgen.conditions import CONDITIONS, draw_condition, shoot
from cardgen.fonts import check_fonts
from cardgen.identity import make_identity
from cardgen.render import render_back, render_front

BASES = ("clean", "photo")


def plan(n: int, seed: int) -> list[tuple[int, str, str | None, int, str]]:
    jobs = []
    for base in BASES:
        for kind in (None, *CONDITIONS):
            count = 2 * n if kind is None else n
            for i in range(count):
                name = f"{base}_{kind or 'none'}_{i:03d}.jpg"
                jobs.append((seed, base, kind, i, name))
    return jobs


def make_one(job: tuple[int, str, str | None, int, str], out: Path) -> dict[str, object]:
    seed, base, kind, index, name = job
    side = "front" if index % 2 == 0 else "back"
    rng = random.Random(f"{seed}:{base}:{kind}:{index}")
    person = make_identity(rng, None)
    card = render_front(person, rng) if side == "front" else render_back(person, rng)
    cond = draw_condition(kind, side, rng)
    shot = shoot(card, side, base, cond, rng)
    degrade.save(shot, out / name)
    values = person.front_fields() if side == "front" else person.back_fields()
    return {
        "file": name, "side": side, "tier": base, "base": base, "condition": kind,
        "amount": round(cond.amount, 3), "covers": cond.fields, "detail": cond.detail,
        "fields": values,
        "card_quads": [[[round(float(x), 1), round(float(y), 1)] for x, y in q]
                       for q in shot.quads],
    }


def _packed(args: tuple[tuple[int, str, str | None, int, str], Path]) -> dict[str, object]:
    return make_one(*args)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--n", type=int, default=10, help="images per base × condition")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--jobs", type=int, default=1)
    args = parser.parse_args(argv)
    if missing := check_fonts():
        print("missing fonts:", *missing, file=sys.stderr)
        return 2
    args.out.mkdir(parents=True, exist_ok=True)
    work = [(job, args.out) for job in plan(args.n, args.seed)]
    if args.jobs > 1:
        with ProcessPoolExecutor(args.jobs) as pool:
            labels = list(pool.map(_packed, work, chunksize=4))
    else:
        labels = [_packed(w) for w in work]
    text = json.dumps(labels, ensure_ascii=False, indent=1)
    (args.out / "labels.json").write_text(text + "\n", encoding="utf-8")
    print(f"wrote {len(labels)} images and labels.json to {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
