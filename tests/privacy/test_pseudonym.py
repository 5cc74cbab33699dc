"""Person keys: keyed (not reversible by trying serials), from a safe key source,
versioned, refused when missing in production or when the key changed unannounced."""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

from ingest.feeds import feed
from ingest.load import discover, load_feed
from ingest.schema import ensure_warehouse
from tests.conftest import paspor_row, write_csv
from tppo import pipeline
from tppo.config import Paths
from tppo.privacy.erasure import rotate_key
from tppo.pseudonym import (
    MIN_PRODUCTION_KEY_CHARS,
    PSEUDONYM,
    KeyProblem,
    MissingKeyError,
    Pseudonymiser,
    load_key,
)

TPPO = str(Path(sys.executable).with_name("tppo"))
NIK = "1809014506900123"  # district 180901, born 05-06-1990, a woman, serial 0123
PASPOR_HEADER = list(feed("paspor").columns)
DAY = dt.date(2025, 3, 10)


def test_a_plain_hash_falls_to_ten_thousand_guesses_the_keyed_pseudonym_does_not():
    known = NIK[:12]  # district, birth date and sex are often known
    candidates = [known + f"{s:04d}" for s in range(10_000)]
    plain = hashlib.sha256(NIK.encode()).hexdigest()
    assert [c for c in candidates if hashlib.sha256(c.encode()).hexdigest() == plain] == [NIK]
    keyed = Pseudonymiser(b"a-secret-the-attacker-lacks")("nik", NIK)
    guesses = {hashlib.sha256(c.encode()).hexdigest() for c in candidates}
    guesses |= {hashlib.sha256(f"nik:{c}".encode()).hexdigest() for c in candidates}
    guesses |= {Pseudonymiser(b"")("nik", c) for c in candidates}
    assert keyed not in guesses
    # with the key the same search finds the person: the key is what protects them
    key = Pseudonymiser(b"a-secret-the-attacker-lacks")
    assert [c for c in candidates if key("nik", c) == keyed] == [NIK]


def test_key_file_is_created_once_for_the_owner_only(tmp_path, monkeypatch):
    monkeypatch.delenv("TPPO_PSEUDONYM_KEY", raising=False)
    monkeypatch.delenv("TPPO_ENV", raising=False)
    first = load_key(tmp_path / "secrets")
    key_file = tmp_path / "secrets" / PSEUDONYM.file_name
    assert key_file.stat().st_mode & 0o777 == 0o600
    assert (tmp_path / "secrets").stat().st_mode & 0o777 == 0o700
    assert load_key(tmp_path / "secrets").version == first.version
    assert first.key.decode() not in repr(first)


def test_a_key_file_others_can_read_is_refused(tmp_path, monkeypatch):
    monkeypatch.delenv("TPPO_PSEUDONYM_KEY", raising=False)
    load_key(tmp_path)
    os.chmod(tmp_path / PSEUDONYM.file_name, 0o644)
    with pytest.raises(KeyProblem, match="chmod 600"):
        load_key(tmp_path)


def test_production_never_mints_a_key_and_needs_a_long_one(tmp_path, monkeypatch):
    monkeypatch.setenv("TPPO_ENV", "production")
    monkeypatch.delenv("TPPO_PSEUDONYM_KEY", raising=False)
    with pytest.raises(MissingKeyError, match="TPPO_PSEUDONYM_KEY"):
        load_key(tmp_path)
    assert not (tmp_path / PSEUDONYM.file_name).exists()
    monkeypatch.setenv("TPPO_PSEUDONYM_KEY", "short")
    with pytest.raises(KeyProblem, match=f"at least {MIN_PRODUCTION_KEY_CHARS}"):
        load_key(tmp_path)
    monkeypatch.setenv("TPPO_PSEUDONYM_KEY", "x" * MIN_PRODUCTION_KEY_CHARS)
    assert load_key(tmp_path).source == "$TPPO_PSEUDONYM_KEY"


def test_production_run_refuses_to_start_without_a_key(tmp_path):
    env = {k: v for k, v in os.environ.items() if k != "TPPO_PSEUDONYM_KEY"}
    env.update(TPPO_ENV="production", TPPO_HOME=str(tmp_path / "home"),
               TPPO_LANDING=str(tmp_path / "landing"))
    run = subprocess.run([TPPO, "run"], env=env, capture_output=True, text=True, timeout=120)
    assert run.returncode == 2
    assert "refused" in run.stderr and "TPPO_PSEUDONYM_KEY" in run.stderr
    assert not (tmp_path / "home" / "restricted" / "warehouse.duckdb").exists()
    assert not list((tmp_path / "home").rglob("pseudonym.key"))


def test_inside_airflow_the_key_can_come_from_an_airflow_variable(tmp_path):
    code = ("import airflow.sdk, sys; from pathlib import Path; "
            "from tppo.pseudonym import load_key; "
            "k = load_key(Path(sys.argv[1])); print(k.source, k.version)")
    env = {k: v for k, v in os.environ.items() if k != "TPPO_PSEUDONYM_KEY"}
    env["AIRFLOW_VAR_TPPO_PSEUDONYM_SECRET"] = "from-an-airflow-variable"
    out = subprocess.run([sys.executable, "-c", code, str(tmp_path)], env=env,
                         capture_output=True, text=True, timeout=120, check=True)
    version = Pseudonymiser(b"from-an-airflow-variable").version
    assert f"Airflow Variable tppo_pseudonym_secret {version}" in out.stdout
    assert not (tmp_path / PSEUDONYM.file_name).exists()


def _load_paspor(con, landing: Path, pseudo: Pseudonymiser, name: str, rows) -> None:
    write_csv(landing / f"imigrasi/paspor/2025-03-05/{name}", PASPOR_HEADER, rows)
    discover(con, landing, DAY, "b1")
    load_feed(con, feed("paspor"), landing, "b1", pseudo)


def test_every_pseudonym_is_stored_with_its_key_version(tmp_path):
    pseudo = Pseudonymiser(b"key-a")
    with duckdb.connect(str(tmp_path / "wh.duckdb")) as con:
        ensure_warehouse(con)
        _load_paspor(con, tmp_path / "landing", pseudo, "a.csv",
                     [paspor_row("P1", nik=NIK, status="TERBIT", no_paspor="C1234567"),
                      paspor_row("P2", nik="")])
        rows = con.execute("SELECT nik_key, no_paspor_key, pseudonym_key_version "
                           "FROM raw.imigrasi__paspor ORDER BY no_permohonan").fetchall()
    assert rows[0] == (pseudo("nik", NIK), pseudo("paspor", "C1234567"), pseudo.version)
    assert rows[1][2] == pseudo.version


def test_a_run_whose_key_differs_from_the_warehouses_is_refused(tppo_env):
    landing, _ = tppo_env
    p = pipeline.paths()
    with pipeline.connect(p) as con:
        _load_paspor(con, landing, load_key(p.secrets), "a.csv", [paspor_row("P1", nik=NIK)])
    os.environ["TPPO_PSEUDONYM_KEY"] = "another-key"
    with pytest.raises(pipeline.DataProblem, match="rotate-key"):
        pipeline.discover("b2", DAY)
    os.environ["TPPO_PSEUDONYM_KEY"] = "test-key-not-secret"
    assert pipeline.discover("b3", DAY)["new"] == 0


def test_rows_loaded_before_versions_were_kept_are_checked_then_stamped(tppo_env):
    landing, _ = tppo_env
    p = pipeline.paths()
    pseudo = load_key(p.secrets)
    with pipeline.connect(p) as con:
        _load_paspor(con, landing, pseudo, "a.csv", [paspor_row("P1", nik=NIK)])
        con.execute("UPDATE raw.imigrasi__paspor SET pseudonym_key_version = NULL")
    pipeline.discover("b2", DAY)
    with pipeline.connect(p) as con:
        assert con.execute("SELECT DISTINCT pseudonym_key_version FROM raw.imigrasi__paspor"
                           ).fetchall() == [(pseudo.version,)]
        con.execute("UPDATE raw.imigrasi__paspor SET pseudonym_key_version = NULL, "
                    "nik_key = 'made-with-some-other-key'")
    with pytest.raises(pipeline.DataProblem, match="unrecorded"):
        pipeline.discover("b3", DAY)


def test_rotation_rekeys_every_table_and_keeps_a_person_linked(tmp_path):
    old, new = Pseudonymiser(b"key-old"), Pseudonymiser(b"key-new")
    with duckdb.connect(str(tmp_path / "wh.duckdb")) as con:
        ensure_warehouse(con)
        _load_paspor(con, tmp_path / "landing", old, "a.csv",
                     [paspor_row("P1", nik=NIK, status="TERBIT", no_paspor="c 123-4567")])
        done = rotate_key(con, old, new)
        assert done["raw.imigrasi__paspor"] == 1
        assert con.execute("SELECT nik_key, no_paspor_key, pseudonym_key_version "
                           "FROM raw.imigrasi__paspor").fetchall() == [
            (new("nik", NIK), new("paspor", "C1234567"), new.version)]
        with pytest.raises(RuntimeError, match="key version"):
            rotate_key(con, old, new)  # the old key no longer matches the warehouse


def test_rotate_key_command_replaces_the_key_file_and_rekeys_the_warehouse(tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith("TPPO_")}
    env.update(TPPO_HOME=str(tmp_path / "home"), TPPO_LANDING=str(tmp_path / "landing"))
    p = Paths(landing=tmp_path / "landing", home=tmp_path / "home")
    p.ensure()
    old = load_key(p.secrets)
    with pipeline.connect(p) as con:
        _load_paspor(con, p.landing, old, "a.csv", [paspor_row("P1", nik=NIK)])
    run = subprocess.run([TPPO, "privacy", "rotate-key", "--no-rebuild"], env=env,
                         capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stderr
    new = load_key(p.secrets)
    assert new.version != old.version and f"{old.version} -> {new.version}" in run.stdout
    assert (p.secrets / PSEUDONYM.file_name).stat().st_mode & 0o777 == 0o600
    assert not list(p.secrets.glob("*.new"))
    with pipeline.connect(p) as con:
        assert con.execute("SELECT nik_key, pseudonym_key_version FROM raw.imigrasi__paspor"
                           ).fetchall() == [(new("nik", NIK), new.version)]
    assert old.key.decode() not in run.stdout + run.stderr
