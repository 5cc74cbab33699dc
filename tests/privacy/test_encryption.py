"""Encryption at rest of the restricted warehouse (tppo/warehouse.py): the key's
sources, a refused production run, a wrong key, rotation and its recovery, and the
upgrade of a warehouse written before encryption."""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
import threading
import time
from pathlib import Path

import duckdb
import pytest

from tppo.config import DUCKDB_MEMORY_VAR, duckdb_memory_limit, machine_memory
from tppo.errors import KeyProblem, MissingKeyError
from tppo.warehouse import (
    NEXT_KEY_FILE,
    WAREHOUSE_KEY,
    is_encrypted,
    open_warehouse,
    remove_stale_spills,
    rotate_key,
    spill_root,
)

NIK, NAME = "1809014506900123", "KANARI WARSITO"
TPPO = str(Path(sys.executable).with_name("tppo"))


@pytest.fixture(autouse=True)
def _no_outside_keys(monkeypatch):
    for var in (WAREHOUSE_KEY.env, "TPPO_WAREHOUSE_KEY_NEW", "TPPO_ENV"):
        monkeypatch.delenv(var, raising=False)


def _warehouse(home: Path) -> Path:
    path = home / "restricted" / "warehouse.duckdb"
    path.parent.mkdir(parents=True)
    with open_warehouse(path) as con:
        con.execute("CREATE SCHEMA raw")
        con.execute("CREATE TABLE raw.people AS SELECT ? AS nik, ? AS nama, range AS i "
                    "FROM range(20000)", [NIK, NAME])
    return path


def _rows(path: Path) -> list[tuple]:
    with open_warehouse(path, read_only=True) as con:
        return con.execute("SELECT nik, nama, count(*) FROM raw.people GROUP BY ALL").fetchall()


def test_the_file_holds_no_identifier_and_opens_only_with_its_key(tmp_path):
    path = _warehouse(tmp_path)
    key_file = tmp_path / "secrets" / WAREHOUSE_KEY.file_name
    assert key_file.stat().st_mode & 0o777 == 0o600  # created on first use, owner only
    data = path.read_bytes()
    assert NIK.encode() not in data and NAME.encode() not in data
    assert is_encrypted(path)
    assert _rows(path) == [(NIK, NAME, 20000)]
    with pytest.raises(duckdb.Error, match="without a key"):
        duckdb.connect(str(path), read_only=True)
    key_file.write_text("x" * 64)
    with pytest.raises(KeyProblem, match="does not open"):
        open_warehouse(path, read_only=True)


def test_the_key_from_the_environment_wins_and_production_never_mints_one(tmp_path,
                                                                          monkeypatch):
    monkeypatch.setenv(WAREHOUSE_KEY.env, "k" * 40)
    path = _warehouse(tmp_path)
    assert not (tmp_path / "secrets" / WAREHOUSE_KEY.file_name).exists()
    monkeypatch.delenv(WAREHOUSE_KEY.env)
    with pytest.raises(MissingKeyError):  # the file exists: no new key for it
        open_warehouse(path, read_only=True)
    monkeypatch.setenv("TPPO_ENV", "production")
    with pytest.raises(MissingKeyError, match="never creates a new key"):
        open_warehouse(tmp_path / "other" / "restricted" / "warehouse.duckdb")


def test_a_production_run_without_a_warehouse_key_refuses_to_start(tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith("TPPO_")}
    env.update(TPPO_ENV="production", TPPO_HOME=str(tmp_path / "home"),
               TPPO_LANDING=str(tmp_path / "landing"), TPPO_PSEUDONYM_KEY="p" * 40)
    (tmp_path / "landing").mkdir()
    out = subprocess.run([TPPO, "run"], env=env, capture_output=True, text=True, timeout=300)
    assert out.returncode == 2, out.stdout + out.stderr
    assert "no warehouse key" in out.stderr and WAREHOUSE_KEY.env in out.stderr
    assert not (tmp_path / "home" / "restricted" / "warehouse.duckdb").exists()


def test_rotation_re_encrypts_under_a_fresh_key_file(tmp_path):
    path = _warehouse(tmp_path)
    key_file = tmp_path / "secrets" / WAREHOUSE_KEY.file_name
    old = key_file.read_text()
    said = rotate_key(path)
    assert "new key" in said and str(key_file) in said
    new = key_file.read_text()
    assert new != old and key_file.stat().st_mode & 0o777 == 0o600
    assert not (tmp_path / "secrets" / NEXT_KEY_FILE).exists()
    assert _rows(path) == [(NIK, NAME, 20000)]
    key_file.write_text(old)  # the old key opens it no more
    with pytest.raises(KeyProblem):
        open_warehouse(path, read_only=True)


def test_rotation_with_the_key_in_the_environment_takes_the_new_key_from_there(tmp_path,
                                                                              monkeypatch):
    monkeypatch.setenv(WAREHOUSE_KEY.env, "a" * 40)
    path = _warehouse(tmp_path)
    with pytest.raises(KeyProblem, match="TPPO_WAREHOUSE_KEY_NEW"):
        rotate_key(path)
    said = rotate_key(path, "b" * 40)
    assert f"${WAREHOUSE_KEY.env}" in said
    with pytest.raises(KeyProblem):
        open_warehouse(path, read_only=True)  # until the operator sets the new key
    monkeypatch.setenv(WAREHOUSE_KEY.env, "b" * 40)
    assert _rows(path) == [(NIK, NAME, 20000)]


def test_a_rotation_killed_between_its_two_renames_is_finished_by_the_next_open(tmp_path):
    """The warehouse already under the new key, the key file still the old one: the new
    key waits in warehouse.key.next, and the next open completes the rotation."""
    path = _warehouse(tmp_path)
    secrets = tmp_path / "secrets"
    old = (secrets / WAREHOUSE_KEY.file_name).read_text()
    rotate_key(path)
    new = (secrets / WAREHOUSE_KEY.file_name).read_text()
    (secrets / NEXT_KEY_FILE).write_text(new)
    os.chmod(secrets / NEXT_KEY_FILE, 0o600)
    (secrets / WAREHOUSE_KEY.file_name).write_text(old)
    assert _rows(path) == [(NIK, NAME, 20000)]
    assert (secrets / WAREHOUSE_KEY.file_name).read_text() == new
    assert not (secrets / NEXT_KEY_FILE).exists()


def test_a_warehouse_written_before_encryption_is_refused_then_encrypted_by_rotation(
        tmp_path):
    path = tmp_path / "restricted" / "warehouse.duckdb"
    path.parent.mkdir(parents=True)
    with duckdb.connect(str(path)) as con:
        con.execute("CREATE SCHEMA raw")
        con.execute("CREATE TABLE raw.people AS SELECT ? AS nik, ? AS nama, range AS i "
                    "FROM range(20000)", [NIK, NAME])
    assert NIK.encode() in path.read_bytes()
    with pytest.raises(KeyProblem, match="not encrypted.*rotate-warehouse-key"):
        open_warehouse(path, read_only=True)
    rotate_key(path)
    assert is_encrypted(path) and NIK.encode() not in path.read_bytes()
    assert _rows(path) == [(NIK, NAME, 20000)]


def test_the_command_rotates_under_the_run_lock(tmp_path):
    home = tmp_path / "home"
    path = _warehouse(home)
    env = {k: v for k, v in os.environ.items() if not k.startswith("TPPO_")}
    env.update(TPPO_HOME=str(home), TPPO_LANDING=str(tmp_path / "landing"))
    old = (home / "secrets" / WAREHOUSE_KEY.file_name).read_text()
    out = subprocess.run([TPPO, "privacy", "rotate-warehouse-key"], env=env,
                         capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stdout + out.stderr
    assert (home / "secrets" / WAREHOUSE_KEY.file_name).read_text() != old
    assert old not in out.stdout + out.stderr
    assert _rows(path) == [(NIK, NAME, 20000)]


def test_with_the_key_lost_a_rebuild_sets_the_file_aside_and_starts_a_new_one(tmp_path):
    from tppo.config import Paths
    from tppo.rebuild import set_aside

    p = Paths(landing=tmp_path / "landing", home=tmp_path)
    _warehouse(tmp_path)
    (p.secrets / WAREHOUSE_KEY.file_name).write_text("n" * 64)  # the old key is gone
    with pytest.raises(KeyProblem):
        open_warehouse(p.warehouse, read_only=True)
    folder = set_aside(p)
    assert (folder / "warehouse.duckdb").exists()
    with open_warehouse(p.warehouse, read_only=True) as con:  # new, under the key there is
        assert con.execute("SELECT count(*) FROM meta.erasures").fetchall() == [(0,)]


# -- what DuckDB spills past its memory limit (tppo.warehouse.tune) ----------------------

def test_a_sort_that_does_not_fit_spills_encrypted_into_the_restricted_folder(tmp_path,
                                                                               monkeypatch):
    monkeypatch.setenv(DUCKDB_MEMORY_VAR, "64MiB")
    path = _warehouse(tmp_path)
    root = spill_root(path)
    seen: list[tuple[str, bool]] = []
    halt = threading.Event()

    def watch() -> None:  # the temporary files exist only while the query runs
        while not halt.is_set():
            for f in root.rglob("*.tmp"):
                with contextlib.suppress(OSError):
                    data = f.read_bytes()
                    seen.append((str(f), NIK.encode() in data or NAME.encode() in data))
            time.sleep(0.02)

    with open_warehouse(path) as con:
        assert con.execute("SELECT current_setting('temp_file_encryption')").fetchall() == [
            (True,)]
        assert con.execute("SELECT current_setting('temp_directory')").fetchall()[0][0] \
            .startswith(str(root))
        con.execute("CREATE TABLE raw.many AS SELECT ? || range AS nik, ? || range AS nama, "
                    "random() AS r FROM range(3000000)", [NIK, NAME])
        watcher = threading.Thread(target=watch)
        watcher.start()
        try:
            n = con.execute("SELECT count(*) FROM (SELECT nik, nama FROM raw.many "
                            "ORDER BY r, nama)").fetchall()[0][0]
        finally:
            halt.set()
            watcher.join()
    assert n == 3_000_000
    assert seen, "nothing was spilled: the memory limit did not hold"
    assert {f.split("/")[-2].split("-")[0] for f, _ in seen} == {str(os.getpid())}
    assert not any(plain for _, plain in seen), "a spill file holds personal data in clear"
    assert oct(root.stat().st_mode & 0o777) == "0o700"
    assert list(root.iterdir()) == []  # DuckDB removed its folder when it closed


def test_the_memory_limit_is_an_eighth_of_the_machine_unless_set(tmp_path, monkeypatch):
    monkeypatch.delenv(DUCKDB_MEMORY_VAR, raising=False)
    memory = machine_memory()
    expected = min(max(memory // 8, 2 * 2**30), memory // 2)
    assert abs(int(duckdb_memory_limit().removesuffix("MiB")) - expected // 2**20) <= 1
    assert 0 < machine_memory() <= os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    monkeypatch.setenv(DUCKDB_MEMORY_VAR, "3GiB")
    with open_warehouse(_warehouse(tmp_path)) as con:
        limit = con.execute("SELECT current_setting('memory_limit')").fetchall()[0][0]
    assert limit == "3.0 GiB"
    monkeypatch.setenv(DUCKDB_MEMORY_VAR, "plenty")
    with pytest.raises(ValueError, match=f"{DUCKDB_MEMORY_VAR}='plenty'"):
        open_warehouse(tmp_path / "restricted" / "warehouse.duckdb")


def test_a_killed_runs_spill_folders_are_removed_and_a_live_ones_kept(tmp_path):
    path = _warehouse(tmp_path)
    root = spill_root(path)
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    gone, live = root / f"{dead.pid}-0", root / f"{os.getpid()}-7"
    for folder in (gone, live):
        folder.mkdir(parents=True)
        (folder / "duckdb_temp_storage-0.tmp").write_bytes(b"\0" * 16)
    assert remove_stale_spills(path) == [gone]
    assert not gone.exists() and live.exists()
    assert remove_stale_spills(tmp_path / "nowhere" / "warehouse.duckdb") == []
