"""Synthetic feeds of the three agencies, with the truth to evaluate the platform against.

    from synth import generate
    generate(Path("data/synth"), seed=7, start=date(2025, 1, 1), days=540, scale=1.0)

writes `data/synth/landing/<source>/<feed>/<YYYY-MM-DD>/<file>` as FEEDS.md
describes and `data/synth/truth/` (never read by the pipeline); `landing=` and `truth=`
put either folder elsewhere. See STATUS.md.
"""

from __future__ import annotations

import argparse
import random
import shutil
from collections import Counter
from datetime import date
from pathlib import Path

import numpy as np

from synth.deliver import FEEDS, Deliverer
from synth.geo import load_gazetteer
from synth.model import Params, simulate
from synth.quirks import DEFAULT_QUIRK_RATES
from synth.routes import transit_interdictions
from synth.truth import write_truth

__all__ = ["DEFAULT_QUIRK_RATES", "FEEDS", "add_arguments", "generate", "run_from_args"]


def generate(
    out: Path,
    seed: int = 7,
    start: date = date(2025, 1, 1),
    days: int = 540,
    scale: float = 1.0,
    nonprocedural_multiplier: float = 1.5,
    quirk_rates: dict | None = None,
    passport_pattern: str = "A#######",
    force: bool = False,
    landing: Path | None = None,
    truth: Path | None = None,
) -> dict:
    """Generate `out/landing` and `out/truth`; return files and rows written per feed.

    `landing` and `truth` put either folder anywhere else (``tppo demo`` writes into
    TPPO_LANDING and keeps the truth under TPPO_HOME); `files.csv` in the truth still
    names files relative to the landing's parent, as `landing/<source>/...`.

    The same arguments give the same bytes in every file. `quirk_rates` overrides
    entries of DEFAULT_QUIRK_RATES (unknown keys are an error, so a typo cannot
    silently leave a quirk at its default). `passport_pattern` uses `A` for a letter
    and `#` for a digit. An existing non-empty `out/landing` is replaced only with
    `force=True`, never merged: stale deliveries would break determinism and the
    truth. `out/truth` is always rewritten.
    """
    out = Path(out)
    landing = Path(landing) if landing is not None else out / "landing"
    truth = Path(truth) if truth is not None else out / "truth"
    rates = dict(DEFAULT_QUIRK_RATES)
    unknown = sorted(set(quirk_rates or {}) - set(rates))
    if unknown:
        raise ValueError(f"unknown quirk rates {unknown}; known: {sorted(rates)}")
    rates.update(quirk_rates or {})
    if days < 1 or scale <= 0:
        raise ValueError("days must be >= 1 and scale > 0")
    if landing.exists() and any(landing.iterdir()):
        if not force:
            raise FileExistsError(f"{landing} is not empty: choose an empty --out or pass --force")
        shutil.rmtree(landing)
    if truth.exists():  # the truth describes the landing written now, nothing older
        shutil.rmtree(truth)
    params = Params(
        start=start,
        days=days,
        scale=scale,
        nonprocedural_multiplier=nonprocedural_multiplier,
        passport_pattern=passport_pattern,
    )
    world = simulate(params, load_gazetteer(), seed)
    transit_interdictions(world)  # interdicted travellers from outside Lampung
    # scalar draws for rendering come from Python's generator, seeded from numpy's sequence
    rnd = random.Random(int(np.random.SeedSequence([seed, 99]).generate_state(1)[0]))
    delivered = Deliverer(world, out, rates, rnd, landing=landing).run()
    write_truth(world, delivered, truth)
    files = Counter(f["feed"] for f in delivered.files)
    return {
        "out": str(out),
        "files": {feed: files.get(feed, 0) for feed in FEEDS},
        "rows": {feed: delivered.rows_per_feed.get(feed, 0) for feed in FEEDS},
    }


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The `tppo synth` options."""
    parser.add_argument("--out", type=Path, required=True, help="folder for landing/ and truth/")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument(
        "--start",
        type=date.fromisoformat,
        default=date(2025, 1, 1),
        help="first delivery date, YYYY-MM-DD",
    )
    parser.add_argument("--days", type=int, default=540)
    parser.add_argument(
        "--scale", type=float, default=1.0, help="1.0 = Lampung's published volumes"
    )
    parser.add_argument(
        "--nonprocedural-multiplier",
        type=float,
        default=1.5,
        help="non-procedural departures per procedural one (0.3 to 3 in the sources)",
    )
    parser.add_argument("--passport-pattern", default="A#######", help="A = letter, # = digit")
    parser.add_argument("--force", action="store_true", help="replace an existing landing/")


def run_from_args(args: argparse.Namespace) -> int:
    """Run `generate` from parsed arguments and print the summary."""
    summary = generate(
        args.out,
        seed=args.seed,
        start=args.start,
        days=args.days,
        scale=args.scale,
        nonprocedural_multiplier=args.nonprocedural_multiplier,
        passport_pattern=args.passport_pattern,
        force=args.force,
    )
    for feed in FEEDS:
        print(f"{feed:12s} {summary['files'][feed]:6d} files {summary['rows'][feed]:9d} rows")
    return 0
