"""docker-compose.yml is valid Compose and keeps secrets out of the repository."""

import subprocess
import sys
from pathlib import Path

import yaml

REPO = Path(__file__).resolve().parents[1]


def test_compose_file_validates_against_the_compose_specification():
    exe = Path(sys.executable).with_name("check-jsonschema")
    proc = subprocess.run([str(exe), "--builtin-schema", "vendor.compose-spec",
                           str(REPO / "docker-compose.yml")], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_compose_runs_airflow_three_services_on_postgres_and_superset():
    spec = yaml.safe_load((REPO / "docker-compose.yml").read_text())
    services = spec["services"]
    for name in ("postgres", "airflow-apiserver", "airflow-scheduler", "airflow-dag-processor",
                 "airflow-triggerer", "superset"):
        assert name in services
    env = services["airflow-scheduler"]["environment"]
    assert "LocalExecutor" in env["AIRFLOW__CORE__EXECUTOR"]
    assert env["AIRFLOW__DATABASE__SQL_ALCHEMY_CONN"].startswith("postgresql")


def test_no_secret_is_committed_and_images_are_pinned():
    text = (REPO / "docker-compose.yml").read_text()
    for line in text.splitlines():
        if ("PASSWORD" in line or "SECRET" in line or "FERNET" in line) \
                and "_FILE:" not in line:  # where a secret lives, not the secret
            assert "${" in line or line.strip().startswith("#"), line
    spec = yaml.safe_load(text)
    for name, svc in spec["services"].items():
        image = svc.get("image", "")
        assert ":" in image and not image.endswith(":latest"), f"{name} image not pinned"


def test_superset_mounts_the_folder_so_a_renamed_publication_is_seen():
    spec = yaml.safe_load((REPO / "docker-compose.yml").read_text())
    mounts = spec["services"]["superset"]["volumes"]
    assert all(not m.split(":")[0].endswith(".duckdb") for m in mounts)


def test_celery_profile_is_what_tests_scheduler_test_celery_runs():
    spec = yaml.safe_load((REPO / "docker-compose.yml").read_text())
    services = spec["services"]
    worker = services["airflow-worker"]
    assert worker["profiles"] == ["celery"] and services["redis"]["profiles"] == ["celery"]
    assert worker["command"].split()[:2] == ["celery", "worker"]
    assert worker["depends_on"]["airflow-apiserver"]["condition"] == "service_healthy"
    env = worker["environment"]
    assert env["AIRFLOW__CELERY__BROKER_URL"].startswith("redis://")
    assert env["AIRFLOW__CELERY__RESULT_BACKEND"].startswith("db+postgresql+psycopg2://")
    assert env["AIRFLOW__CORE__EXECUTION_API_SERVER_URL"].endswith("/execution/")
