"""``tppo``: the project's command line. ``tppo <command> --help`` for each command."""

from __future__ import annotations

import argparse
import datetime as dt
import sys

from tppo.config import WIB, paths

# The synthetic generator and its evaluator (folder synth/) are a developer tool,
# left out of the production wheel: their commands (demo, synth, evaluate) appear
# only where the package is importable, as in a checkout after `make setup`.
try:
    from synth.cli import add_commands as add_dev_commands
except ModuleNotFoundError as exc:
    if exc.name != "synth":
        raise
    add_dev_commands = None


def _cmd_run(args: argparse.Namespace) -> int:
    from tppo.rebuild import RebuildRefused
    from tppo.runner import RunLocked, run_dag
    from tppo.warehouse_check import WarehouseDamaged

    p = paths()
    when = None
    if args.logical_date:
        when = dt.datetime.combine(dt.date.fromisoformat(args.logical_date), dt.time(1, 0),
                                   tzinfo=WIB)
    print(f"landing: {p.landing}\nhome:    {p.home}")
    from tppo.pseudonym import KeyProblem, load_key
    from tppo.warehouse import warehouse_key

    try:
        load_key(p.secrets)  # a production run without a usable key never starts
        warehouse_key(p.secrets, create=not p.warehouse.exists())
    except KeyProblem as exc:
        print(f"refused: {exc}", file=sys.stderr)
        return 2
    try:
        code = run_dag(p, when, verbose=args.verbose, rebuild=getattr(args, "rebuild", False),
                       erasures_lost=getattr(args, "erasures_lost", False))
    except RunLocked as exc:
        print(f"refused: {exc}", file=sys.stderr)
        return 3
    except KeyProblem as exc:  # the warehouse key does not open the warehouse
        print(f"refused: {exc}", file=sys.stderr)
        return 2
    except (WarehouseDamaged, RebuildRefused) as exc:
        print(f"refused: {exc}", file=sys.stderr)
        return 4
    if code == 0:
        _print_outputs(args.top)
    return code


def _print_outputs(top: int) -> None:
    from tppo.summary import print_outputs

    print_outputs(paths(), top)


def _cmd_top(args: argparse.Namespace) -> int:
    _print_outputs(args.n)
    return 0


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

    rebuild = sub.add_parser(
        "rebuild", help="move a damaged restricted warehouse aside (under TPPO_HOME/damaged) "
                        "and rebuild it from the landing with one nightly run")
    rebuild.add_argument("--logical-date", help="YYYY-MM-DD (WIB); default: now")
    rebuild.add_argument("--top", type=int, default=10, help="villages to list (default 10)")
    rebuild.add_argument("--verbose", action="store_true", help="show Airflow's task logs")
    rebuild.add_argument("--erasures-lost", action="store_true",
                         help="rebuild even though the erasure register cannot be read from "
                              "the damaged file (then make every erasure again)")
    rebuild.set_defaults(func=_cmd_run, rebuild=True)

    top = sub.add_parser("top", help="print the published files and the riskiest villages")
    top.add_argument("-n", type=int, default=10)
    top.set_defaults(func=_cmd_top)

    from tppo.privacy.cli import add_commands
    from tppo.recruiter_check import add_command as add_recruiter_check

    add_commands(sub)
    add_recruiter_check(sub)

    if add_dev_commands is not None:
        add_dev_commands(sub, run=_cmd_run)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())
