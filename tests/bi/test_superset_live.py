"""A real Superset serves every chart of the dashboard from a published dashboard.duckdb.

Superset 5.0.0 (the image's version) runs from its own locked environment
(deploy/superset/env, installed into .superset-venv once per checkout) on
loopback, with the production superset_config.py and a SQLite metadata
database. The project's own start-up script (deploy/superset/init.sh) migrates
it, creates the admin and imports the bundle, whose database points at the
dashboards' copy a real night's run has just published. Then, through
Superset's REST API as a browser does: every chart's query returns rows, and
no query can write, neither to the file nor anywhere else.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests
import yaml

from tppo.children import _die_with

pytestmark = pytest.mark.slow
REPO = Path(__file__).resolve().parents[2]
SUPERSET = REPO / "deploy" / "superset"
ENV_PROJECT = SUPERSET / "env"
VENV = REPO / ".superset-venv"
TPPO = str(Path(sys.executable).with_name("tppo"))
RUN_DATE = "2025-09-14"


def _uv() -> str:
    return shutil.which("uv") or str(REPO / ".tools" / "bin" / "uv")


def superset_venv() -> Path:
    """The locked Superset environment, synced only when its lock changed."""
    lock = (ENV_PROJECT / "pyproject.toml").read_bytes() + (ENV_PROJECT / "uv.lock").read_bytes()
    digest = hashlib.sha256(lock).hexdigest()
    stamp = VENV / ".synced"
    VENV.parent.mkdir(exist_ok=True)
    with open(REPO / ".superset-venv.lock", "w") as guard:
        fcntl.flock(guard, fcntl.LOCK_EX)  # another test run in this checkout waits
        if not (stamp.exists() and stamp.read_text() == digest):
            env = {**os.environ, "UV_PROJECT_ENVIRONMENT": str(VENV),
                   "UV_PYTHON_DOWNLOADS": "never"}
            env.pop("VIRTUAL_ENV", None)
            subprocess.run([_uv(), "sync", "--frozen", "--compile-bytecode", "--python",
                            "python3.11", "--directory", str(ENV_PROJECT)],
                           env=env, check=True, timeout=1200)
            stamp.write_text(digest)
    return VENV


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _tppo(env: dict[str, str], *args: str) -> None:
    done = subprocess.run([TPPO, *args], env=env, capture_output=True, text=True,
                          timeout=900, check=False)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]


class Superset:
    def __init__(self, url: str, password: str):
        self.url = url
        self.http = requests.Session()
        token = self.post("/api/v1/security/login", json={
            "username": "admin", "password": password, "provider": "db", "refresh": False})
        self.http.headers["Authorization"] = f"Bearer {token.json()['access_token']}"
        # SQL Lab is CSRF-protected (WTF_CSRF_ENABLED, as in production).
        csrf = self.get("/api/v1/security/csrf_token/").json()["result"]
        self.http.headers.update({"X-CSRFToken": csrf, "Referer": url})

    def get(self, path: str, **kw) -> requests.Response:
        return self.http.get(self.url + path, timeout=120, **kw)

    def post(self, path: str, **kw) -> requests.Response:
        return self.http.post(self.url + path, timeout=120, **kw)

    def sql(self, database_id: int, sql: str) -> requests.Response:
        return self.post("/api/v1/sqllab/execute/", json={
            "database_id": database_id, "sql": sql, "schema": "marts", "runAsync": False,
            "client_id": secrets.token_hex(5), "tab": "test", "expand_data": True})


@pytest.fixture(scope="module")
def live(tmp_path_factory):
    """A night's run published; Superset provisioned by init.sh and serving it."""
    root = tmp_path_factory.mktemp("superset_live")
    home = root / "home"
    dashboard = home / "dashboard.duckdb"
    venv = superset_venv()
    bundle = root / "bundle"  # the bundle, with the image's mount point replaced
    shutil.copytree(SUPERSET / "bundle", bundle)
    (db_yaml,) = bundle.glob("databases/*.yaml")
    text = db_yaml.read_text()
    assert "duckdb:////data/home/dashboard.duckdb?" in text
    db_yaml.write_text(text.replace("duckdb:////data/home/", f"duckdb:///{home}/"))

    port, password = _free_port(), secrets.token_urlsafe(16)
    server_env = {
        "PATH": f"{venv / 'bin'}:{os.environ['PATH']}", "HOME": str(root),
        "LANG": "C.UTF-8", "DO_NOT_TRACK": "1", "SUPERSET_HOME": str(root / "superset_home"),
        # as the apache/superset image sets them
        "FLASK_APP": "superset.app:create_app()",
        "SUPERSET_CONFIG_PATH": str(SUPERSET / "superset_config.py"),
        "SUPERSET_SECRET_KEY": secrets.token_urlsafe(42),
        "SUPERSET_DATABASE_URI": f"sqlite:///{root / 'superset.db'}",
        "SUPERSET_ADMIN_PASSWORD": password,
        "TPPO_SUPERSET_BUNDLE": str(bundle), "TPPO_SUPERSET_BIND": f"127.0.0.1:{port}",
        "GUNICORN_CMD_ARGS": "--no-control-socket",
    }
    started = time.monotonic()
    with open(root / "superset.log", "wb") as log:
        server = subprocess.Popen(["bash", str(SUPERSET / "init.sh")], env=server_env,
                                  stdout=log, stderr=subprocess.STDOUT, cwd=root,
                                  start_new_session=True, preexec_fn=_die_with(os.getpid()))
    try:
        # While Superset migrates and imports (the bundle names the file; nothing
        # opens it before a query), the night's run publishes it.
        env = {**os.environ, "TPPO_LANDING": str(root / "landing"), "TPPO_HOME": str(home),
               "TPPO_PSEUDONYM_KEY": "superset-test-key", "TPPO_RETRY_DELAY_SECONDS": "1"}
        _tppo(env, "synth", "--out", str(root), "--seed", "3", "--start", "2025-08-01",
              "--days", "45", "--scale", "0.02")
        _tppo(env, "run", "--logical-date", RUN_DATE)
        assert dashboard.exists()
        url = f"http://127.0.0.1:{port}"
        deadline = started + 600
        while True:
            assert server.poll() is None, (root / "superset.log").read_text()[-5000:]
            with contextlib.suppress(requests.RequestException):  # workers still booting
                if requests.get(url + "/health", timeout=5).text == "OK":
                    break
            assert time.monotonic() < deadline, "Superset did not come up in 10 minutes"
            time.sleep(1)
        print(f"published; Superset provisioned and serving: {time.monotonic() - started:.0f} s")
        yield Superset(url, password), dashboard, root
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(server.pid, signal.SIGTERM)
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(server.pid, signal.SIGKILL)
            server.wait()


def _query_contexts(charts: list[dict]) -> dict[str, dict]:
    """Each chart's query context, built from its form data as a browser builds it."""
    done = subprocess.run(
        [str(VENV / "bin" / "python"), str(Path(__file__).with_name("superset_query_context.py"))],
        input=json.dumps([{"id": c["id"], "viz_type": c["viz_type"],
                           "form_data": json.loads(c["params"])} for c in charts]),
        capture_output=True, text=True, timeout=300, check=False)
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout)


def _database(superset: Superset) -> dict:
    (db,) = superset.get("/api/v1/database/").json()["result"]
    return superset.get(f"/api/v1/database/{db['id']}/connection").json()["result"]


def test_every_chart_of_the_dashboard_returns_rows(live):
    superset, _, _ = live
    (dashboard,) = superset.get("/api/v1/dashboard/").json()["result"]
    assert dashboard["dashboard_title"] == "Pagi TPPO Lampung"
    charts = superset.get(f"/api/v1/dashboard/{dashboard['id']}/charts").json()["result"]
    bundled = {yaml.safe_load(p.read_text())["slice_name"]
               for p in (SUPERSET / "bundle" / "charts").glob("*.yaml")}
    assert {c["slice_name"] for c in charts} == bundled
    full = [superset.get(f"/api/v1/chart/{c['id']}").json()["result"] for c in charts]
    contexts = _query_contexts(full)
    for chart in full:
        answer = superset.post("/api/v1/chart/data", json=contexts[str(chart["id"])])
        assert answer.status_code == 200, f"{chart['slice_name']}: {answer.text[:2000]}"
        for result in answer.json()["result"]:
            assert result["error"] is None, chart["slice_name"]
            assert result["rowcount"] >= 1 and result["data"], \
                f"{chart['slice_name']} returned no rows:\n{result['query']}"


def test_native_filters_are_imported_and_list_their_values(live):
    """Kabupaten/Kota, Kecamatan and Bulan arrive with the dashboard, each bound to its
    dataset, and the query Superset runs for a filter's choices returns values."""
    superset, _, _ = live
    (dashboard,) = superset.get("/api/v1/dashboard/").json()["result"]
    meta = json.loads(superset.get(f"/api/v1/dashboard/{dashboard['id']}").json()["result"]
                      ["json_metadata"])
    filters = {f["name"]: f for f in meta["native_filter_configuration"]}
    assert set(filters) == {"Kabupaten/Kota", "Kecamatan", "Bulan"}
    for f in filters.values():
        (target,) = f["targets"]
        dataset = superset.get(f"/api/v1/dataset/{target['datasetId']}").json()["result"]
        column = target["column"]["name"]
        assert column in {c["column_name"] for c in dataset["columns"]}
        answer = superset.post("/api/v1/chart/data", json={
            "datasource": {"id": target["datasetId"], "type": "table"},
            "queries": [{"columns": [column], "metrics": [], "row_limit": 1000,
                         "orderby": [[column, True]]}],
            "result_format": "json", "result_type": "full"})
        assert answer.status_code == 200, answer.text[:2000]
        (result,) = answer.json()["result"]
        assert result["error"] is None and result["rowcount"] >= 1, f["name"]


def test_superset_opens_the_published_file_read_only_without_dml(live):
    superset, dashboard, _ = live
    db = _database(superset)
    assert db["sqlalchemy_uri"] == f"duckdb:///{dashboard}?access_mode=read_only"
    assert not any(db[k] for k in ("allow_dml", "allow_ctas", "allow_cvas",
                                   "allow_file_upload"))
    connect_args = json.loads(db["extra"])["engine_params"]["connect_args"]
    assert connect_args["read_only"] is True
    assert connect_args["config"]["enable_external_access"] is False
    assert connect_args["config"]["lock_configuration"] is True


def test_no_query_can_write_to_the_file_or_anywhere_else(live):
    superset, dashboard, root = live
    db_id = superset.get("/api/v1/database/").json()["result"][0]["id"]
    before = hashlib.sha256(dashboard.read_bytes()).hexdigest()
    home = dashboard.parent
    home_before = sorted(p.name for p in home.iterdir())

    # SQL Lab is the widest door (free SQL, as an admin): a chart's query runs
    # through the same database and connection settings, so what SQL Lab cannot
    # do, no chart can.
    ok = superset.sql(db_id, "SELECT count(*) AS n FROM marts.mart_village_risk")
    assert ok.status_code == 200 and ok.json()["data"][0]["n"] > 0, ok.text[:2000]
    outside = root / "written_by_a_query.csv"
    refused = {
        "CREATE TABLE marts.x AS SELECT 1 AS a": "DML_NOT_ALLOWED",
        "INSERT INTO marts.mart_feed_quality SELECT * FROM marts.mart_feed_quality":
            "DML_NOT_ALLOWED",
        "DELETE FROM marts.mart_village_risk": "DML_NOT_ALLOWED",
        "SELECT 1; DROP TABLE marts.mart_village_risk": "DML_NOT_ALLOWED",
        f"COPY (SELECT 1 AS a) TO '{outside}'": "file system operations are disabled",
        f"COPY marts.mart_village_risk TO '{outside}' (FORMAT parquet)":
            "file system operations are disabled",
        f"SELECT * FROM read_csv('{root / 'superset.log'}')":
            "file system operations are disabled",
        f"ATTACH '{root / 'other.duckdb'}' AS other": "",
        "SET enable_external_access = true": "configuration has been locked",
        "INSTALL httpfs": "",
    }
    for sql, reason in refused.items():
        answer = superset.sql(db_id, sql)
        assert answer.status_code >= 400, f"{sql!r} was run: {answer.text[:1000]}"
        assert reason in answer.text, f"{sql!r}: {answer.text[:1000]}"

    # A chart query with a statement smuggled into its filter is refused too.
    (chart,) = [c for c in superset.get("/api/v1/chart/", params={"q": "(page_size:100)"})
                .json()["result"] if c["viz_type"] == "big_number_total"]
    full = superset.get(f"/api/v1/chart/{chart['id']}").json()["result"]
    context = _query_contexts([full])[str(full["id"])]
    context["queries"][0]["extras"]["where"] = \
        f"1 = 1) AS t; COPY (SELECT 1 AS a) TO '{outside}'; SELECT (1"
    answer = superset.post("/api/v1/chart/data", json=context)
    assert answer.status_code >= 400 or any(r.get("error") for r in answer.json()["result"])

    assert not outside.exists()
    assert not (root / "other.duckdb").exists()
    assert hashlib.sha256(dashboard.read_bytes()).hexdigest() == before
    assert sorted(p.name for p in home.iterdir()) == home_before
