#!/usr/bin/env bash
# First start of the metadata server only: a database and role for Superset,
# beside Airflow's. The password comes from deploy/.env.
set -euo pipefail
psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname "$POSTGRES_DB" <<SQL
CREATE ROLE superset LOGIN PASSWORD '${SUPERSET_DB_PASSWORD:?}';
CREATE DATABASE superset OWNER superset;
SQL
