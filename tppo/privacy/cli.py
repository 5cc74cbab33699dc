"""``tppo privacy ...`` and ``tppo export``: the data-protection commands (docs/PRIVACY.md)."""

from __future__ import annotations

import argparse
import datetime as dt
import getpass
import os
import sys

from tppo.config import Paths, paths, secret_from_environment, today_wib
from tppo.errors import ExitCode

NEW_KEY_ENV = "TPPO_PSEUDONYM_KEY_NEW"
NEW_WAREHOUSE_KEY_ENV = "TPPO_WAREHOUSE_KEY_NEW"


def _rebuild(p: Paths, why: str) -> None:
    """Rebuild everything derived from the restricted warehouse, compact it, publish."""
    from tppo import pipeline

    today = today_wib()
    batch = f"{why}_{dt.datetime.now(dt.UTC):%Y%m%dT%H%M%SZ}"
    print(f"rebuilding ({batch}): dbt build, compaction, checks, publication, report")
    pipeline.dbt_build(batch)
    pipeline.validate_marts(batch)
    print(f"published: {pipeline.publish(batch)['action']}")
    print(f"report: {pipeline.report(batch, today)}")


def _read_nik(args: argparse.Namespace) -> str:
    if sys.stdin.isatty():
        return getpass.getpass("NIK of the data subject (not echoed): ")
    return sys.stdin.readline()


def _cmd_erase(args: argparse.Namespace) -> int:
    from tppo.pipeline import connect
    from tppo.privacy.erasure import erase_subject, normalise_nik
    from tppo.privacy.storage import request_compaction
    from tppo.pseudonym import ERASURE, KeyProblem, load_key, load_secret
    from tppo.runner import RunLocked, run_lock

    p = paths()
    try:
        nik = normalise_nik(_read_nik(args))
        pseudo = load_key(p.secrets)
        marker = load_secret(ERASURE, p.secrets, create=True)
    except (ValueError, KeyProblem) as exc:
        print(f"refused: {exc}", file=sys.stderr)
        return ExitCode.REFUSED
    try:
        with run_lock(p):
            with connect(p) as con:
                try:
                    receipt = erase_subject(con, nik, pseudo, marker, args.reference)
                except RuntimeError as exc:  # the warehouse's keys are not this key's
                    print(f"refused: {exc}", file=sys.stderr)
                    return ExitCode.REFUSED
            request_compaction(p.warehouse, f"erasure {receipt.request_id}")
            print(f"erasure {receipt.request_id}: {receipt.total} row(s) removed or blanked, "
                  f"{receipt.passports} passport number(s) linked to the NIK")
            for table, n in sorted(receipt.rows_removed.items()):
                print(f"  {table:<40} {n}")
            if args.no_rebuild:
                print("not rebuilt (--no-rebuild): derived tables and published files still "
                      "hold the subject until the next run")
                return ExitCode.OK
            _rebuild(p, f"erasure_{receipt.request_id}")
    except RunLocked as exc:
        print(f"refused: {exc}", file=sys.stderr)
        return ExitCode.LOCKED
    return ExitCode.OK


def _cmd_rotate(args: argparse.Namespace) -> int:
    from tppo.pipeline import connect
    from tppo.privacy.erasure import rotate_key
    from tppo.privacy.storage import request_compaction
    from tppo.pseudonym import PSEUDONYM, KeyProblem, Pseudonymiser, create_key_file, load_key
    from tppo.runner import RunLocked, run_lock

    p = paths()
    key_file = p.secrets / PSEUDONYM.file_name
    staged = key_file.with_name(key_file.name + ".new")
    try:
        old = load_key(p.secrets)
    except KeyProblem as exc:
        print(f"refused: {exc}", file=sys.stderr)
        return ExitCode.REFUSED
    from_file = old.source.startswith("key file")
    if secret_from_environment(NEW_KEY_ENV):
        new = Pseudonymiser(secret_from_environment(NEW_KEY_ENV).encode(), f"${NEW_KEY_ENV}")
    elif from_file:
        staged.unlink(missing_ok=True)
        create_key_file(staged)
        new = Pseudonymiser(staged.read_bytes().strip(), f"key file {staged}")
    else:
        print(f"refused: the current key comes from {old.source}; put the new key in "
              f"{NEW_KEY_ENV} for the rotation, then in place of the old one", file=sys.stderr)
        return ExitCode.REFUSED
    if new.version == old.version:
        print("refused: the new key is the current key", file=sys.stderr)
        return ExitCode.REFUSED
    try:
        with run_lock(p):
            with connect(p) as con:
                try:
                    done = rotate_key(con, old, new)
                except RuntimeError as exc:
                    staged.unlink(missing_ok=True)
                    print(f"refused: {exc}", file=sys.stderr)
                    return ExitCode.REFUSED
            if from_file:
                if staged.exists():
                    os.replace(staged, key_file)
                else:
                    staged.write_bytes(new.key)
                    os.chmod(staged, 0o600)
                    os.replace(staged, key_file)
            request_compaction(p.warehouse, f"key rotation {old.version} -> {new.version}")
            print(f"pseudonym key rotated: version {old.version} -> {new.version}, "
                  f"{sum(done.values())} raw row(s) re-keyed")
            if not from_file:
                print(f"now set {PSEUDONYM.env} (or the Airflow Variable) to the value of "
                      f"{NEW_KEY_ENV}: a run with the old key is refused")
            if not args.no_rebuild:
                _rebuild(p, "key_rotation")
    except RunLocked as exc:
        print(f"refused: {exc}", file=sys.stderr)
        return ExitCode.LOCKED
    return ExitCode.OK


def _cmd_rotate_warehouse_key(args: argparse.Namespace) -> int:
    from tppo.errors import KeyProblem, RunLocked
    from tppo.runner import run_lock
    from tppo.warehouse import rotate_key

    p = paths()
    if not p.warehouse.exists():
        print(f"refused: no restricted warehouse at {p.warehouse} yet", file=sys.stderr)
        return ExitCode.REFUSED
    try:
        with run_lock(p):
            print(rotate_key(p.warehouse, secret_from_environment(NEW_WAREHOUSE_KEY_ENV)))
    except KeyProblem as exc:
        print(f"refused: {exc}", file=sys.stderr)
        return ExitCode.REFUSED
    except RunLocked as exc:
        print(f"refused: {exc}", file=sys.stderr)
        return ExitCode.LOCKED
    return ExitCode.OK


def _cmd_export(args: argparse.Namespace) -> int:
    from tppo.privacy.export import export_table

    p = paths()
    month = dt.date.fromisoformat(args.month + "-01") if args.month else None
    out = args.out or (p.home / "exports" / f"{args.table}"
                       f"{'_' + args.regency if args.regency else ''}"
                       f"{'_' + args.month if args.month else ''}.csv")
    try:
        n = export_table(p, args.table, out, args.regency, month)
    except ValueError as exc:
        print(f"refused: {exc}", file=sys.stderr)
        return ExitCode.REFUSED
    print(f"{n} row(s) -> {out}")
    return ExitCode.OK


def add_commands(sub: argparse._SubParsersAction) -> None:
    """Register ``privacy`` (erase, rotate-key) and ``export`` on the ``tppo`` parser."""
    from pathlib import Path

    privacy = sub.add_parser("privacy", help="data-protection duties: erase a data subject, "
                                             "rotate the pseudonym key (docs/PRIVACY.md)")
    actions = privacy.add_subparsers(dest="action", required=True)
    erase = actions.add_parser(
        "erase", help="remove one data subject (NIK read from standard input, never an "
                      "argument) from restricted storage, then rebuild and publish")
    erase.add_argument("--reference", help="the request's case or letter number, kept with "
                                           "the erasure record")
    erase.add_argument("--no-rebuild", action="store_true",
                       help="only delete; the next run rebuilds (derived data remain until then)")
    erase.set_defaults(func=_cmd_erase)
    rotate = actions.add_parser(
        "rotate-key", help=f"re-key every pseudonym under a new key ({NEW_KEY_ENV}, or a "
                           "fresh key file), then rebuild and publish")
    rotate.add_argument("--no-rebuild", action="store_true")
    rotate.set_defaults(func=_cmd_rotate)
    rotate_wh = actions.add_parser(
        "rotate-warehouse-key",
        help="re-encrypt the restricted warehouse under a new key (a fresh key file, or "
             f"{NEW_WAREHOUSE_KEY_ENV} when the key comes from the environment); encrypts a "
             "warehouse written before encryption at rest")
    rotate_wh.set_defaults(func=_cmd_rotate_warehouse_key)

    export = sub.add_parser("export", help="a CSV of one mart of the dashboards' copy for "
                                           "field officers (formula-safe)")
    export.add_argument("table", help="e.g. mart_village_risk")
    export.add_argument("--regency", help="BPS regency code, e.g. 1809")
    export.add_argument("--month", help="YYYY-MM")
    export.add_argument("--out", type=Path, help="default: $TPPO_HOME/exports/<table>...csv")
    export.set_defaults(func=_cmd_export)
