"""The developer commands ``tppo demo``, ``tppo synth`` and ``tppo evaluate``.

The generator and its evaluator are not part of the product: the production
wheel carries ``tppo``, ``ingest`` and ``expectations`` only. In a checkout
(``make setup``) this package is importable and ``tppo.cli`` adds these three
commands to the ones it has; ``run`` is handed in so that ``demo`` can run the
nightly DAG after generating, without this package importing the CLI.
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
from collections.abc import Callable
from pathlib import Path

import synth
from synth import evaluate
from tppo.config import Paths, paths

RunCommand = Callable[[argparse.Namespace], int]


def demo_truth(p: Paths) -> Path:
    """Where ``tppo demo`` keeps the generator's truth: under TPPO_HOME, which the
    pipeline never reads data from (``tppo evaluate --truth`` takes this folder)."""
    return p.home / "synthetic-truth"


def _demo(args: argparse.Namespace, run: RunCommand) -> int:
    p = paths()  # any TPPO_LANDING and TPPO_HOME: absolute, relative, with spaces
    truth = demo_truth(p)
    print(f"synthetic feeds: {p.landing} (seed {args.seed}, scale {args.scale}, "
          f"{args.days} days from {args.start}); truth: {truth}")
    if p.landing.is_dir() and any(p.landing.iterdir()):
        print(f"{p.landing} already holds deliveries: not generating over them "
              "(empty it, or choose another TPPO_LANDING, for a fresh demo; `make clean` "
              "empties the default folders)")
    elif p.landing.exists() and not p.landing.is_dir():
        print(f"TPPO_LANDING={p.landing} is not a folder", file=sys.stderr)
        return 2
    else:
        synth.generate(p.landing.parent, seed=args.seed,
                       start=dt.date.fromisoformat(args.start), days=args.days,
                       scale=args.scale, landing=p.landing, truth=truth)
    return run(args)


def add_commands(sub: argparse._SubParsersAction, run: RunCommand) -> None:
    """Add ``demo``, ``evaluate`` and ``synth`` to the ``tppo`` command line."""
    demo = sub.add_parser("demo", help="generate synthetic feeds into TPPO_LANDING, then run")
    demo.add_argument("--seed", type=int, default=7)
    demo.add_argument("--scale", type=float, default=0.05,
                      help="share of Lampung's real volumes (1.0 = full scale)")
    demo.add_argument("--days", type=int, default=180)
    demo.add_argument("--start", default="2025-06-01", help="first delivery date, YYYY-MM-DD")
    demo.add_argument("--logical-date", help="YYYY-MM-DD (WIB); default: now")
    demo.add_argument("--top", type=int, default=10)
    demo.add_argument("--verbose", action="store_true", help="show Airflow's task logs")
    demo.set_defaults(func=lambda args: _demo(args, run))

    ev = sub.add_parser("evaluate", help="compare the published marts with a synthetic truth "
                                         "folder (developer tool; reads TPPO_HOME)")
    evaluate.add_arguments(ev)
    ev.set_defaults(func=evaluate.run_from_args)

    gen = sub.add_parser("synth", help="generate synthetic Lampung feeds with their truth")
    synth.add_arguments(gen)
    gen.set_defaults(func=synth.run_from_args)
