#!/usr/bin/env bash
# Superset start-up: migrate its metadata database, make sure the admin exists,
# import the TPPO bundle (database, datasets, charts, dashboard; an import of the
# same UUIDs updates them in place), then serve. Runs on every start, so the
# dashboards always match the bundle in the image.
set -euo pipefail
superset db upgrade
superset fab create-admin --username admin --firstname TPPO --lastname Admin \
  --email admin@tppo.invalid --password "${SUPERSET_ADMIN_PASSWORD:?}" || true
superset init
python - <<'PY'
import shutil
shutil.make_archive("/tmp/tppo_bundle", "zip", "/app/tppo", "bundle")
PY
superset import-dashboards --path /tmp/tppo_bundle.zip --username admin
exec gunicorn --bind 0.0.0.0:8088 --workers 2 --timeout 120 --limit-request-line 0 \
  --limit-request-field_size 0 "superset.app:create_app()"
