#!/usr/bin/env bash
# One-off start-up job (service airflow-init): migrate the metadata database,
# create the one-slot DuckDB writer pool, and write the admin's password (from
# deploy/.env) where the simple auth manager of the api-server reads it.
set -euo pipefail
airflow db migrate
airflow pools set duckdb_writer 1 'DuckDB allows one writing process per file'
python - <<'PY'
import json
import os

path = os.environ["AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_PASSWORDS_FILE"]
with open(path, "w", encoding="utf-8") as fh:
    json.dump({"admin": os.environ["AIRFLOW_ADMIN_PASSWORD"]}, fh)
os.chmod(path, 0o600)
PY
