"""``tppo``: the project's command line. ``tppo <command> --help`` for each command."""

from __future__ import annotations

import argparse
import datetime as dt
import sys
from pathlib import Path

from tppo.config import paths


def _cmd_run(args: argparse.Namespace) -> int:
    from tppo.runner import RunLocked, run_dag

    p = paths()
    when = None
    if args.logical_date:
        when = dt.datetime.combine(dt.date.fromisoformat(args.logical_date), dt.time(1, 0),
                                   tzinfo=dt.timezone(dt.timedelta(hours=7)))
    print(f"landing: {p.landing}\nhome:    {p.home}")
    from tppo.pseudonym import KeyProblem, load_key

    try:
        load_key(p.secrets)  # a production run without a usable key never starts
    except KeyProblem as exc:
        print(f"refused: {exc}", file=sys.stderr)
        return 2
    try:
        code = run_dag(p, when, verbose=args.verbose)
    except RunLocked as exc:
        print(f"refused: {exc}", file=sys.stderr)
        return 3
    if code == 0:
        _print_outputs(args.top)
    return code


def _print_outputs(top: int) -> None:
    from tppo.summary import print_outputs

    print_outputs(paths(), top)


def demo_truth(p) -> Path:
    """Where ``tppo demo`` keeps the generator's truth: under TPPO_HOME, which the
    pipeline never reads data from (``tppo evaluate --truth`` takes this folder)."""
    return p.home / "synthetic-truth"


def _cmd_demo(args: argparse.Namespace) -> int:
    from tppo import synth

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
    return _cmd_run(args)


def _cmd_top(args: argparse.Namespace) -> int:
    _print_outputs(args.n)
    return 0


def _cmd_evaluate(args: argparse.Namespace) -> int:
    from tppo import evaluate

    return evaluate.run_from_args(args)


def _cmd_synth(args: argparse.Namespace) -> int:
    from tppo import synth

    return synth.run_from_args(args)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="tppo",
        description="Cross-agency TPPO / non-procedural PMI data platform for Lampung. "
                    "Paths come from TPPO_LANDING and TPPO_HOME.")
    sub = parser.add_subparsers(dest="command", required=True)

    run = sub.add_parser("run", help="run the nightly DAG once over TPPO_LANDING (in-process "
                                     "Airflow); exit 1 if any task failed")
    run.add_argument("--logical-date", help="YYYY-MM-DD (WIB); default: now")
    run.add_argument("--top", type=int, default=10, help="villages to list (default 10)")
    run.add_argument("--verbose", action="store_true", help="show Airflow's task logs")
    run.set_defaults(func=_cmd_run)

    demo = sub.add_parser("demo", help="generate synthetic feeds into TPPO_LANDING, then run")
    demo.add_argument("--seed", type=int, default=7)
    demo.add_argument("--scale", type=float, default=0.05,
                      help="share of Lampung's real volumes (1.0 = full scale)")
    demo.add_argument("--days", type=int, default=180)
    demo.add_argument("--start", default="2025-06-01", help="first delivery date, YYYY-MM-DD")
    demo.add_argument("--logical-date", help="YYYY-MM-DD (WIB); default: now")
    demo.add_argument("--top", type=int, default=10)
    demo.add_argument("--verbose", action="store_true", help="show Airflow's task logs")
    demo.set_defaults(func=_cmd_demo)

    top = sub.add_parser("top", help="print the published files and the riskiest villages")
    top.add_argument("-n", type=int, default=10)
    top.set_defaults(func=_cmd_top)

    from tppo.privacy.cli import add_commands

    add_commands(sub)

    ev = sub.add_parser("evaluate", help="compare the published marts with a synthetic truth "
                                         "folder (developer tool; reads TPPO_HOME)")
    from tppo import evaluate as evaluate_mod

    evaluate_mod.add_arguments(ev)
    ev.set_defaults(func=_cmd_evaluate)

    synth = sub.add_parser("synth", help="generate synthetic Lampung feeds with their truth")
    from tppo import synth as synth_mod

    synth_mod.add_arguments(synth)
    synth.set_defaults(func=_cmd_synth)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())
