#!/usr/bin/env bash
# Superset start-up: migrate its metadata database, make sure the admin exists,
# import the TPPO bundle (database, datasets, charts, dashboard; an import of the
# same UUIDs updates them in place), then serve. Runs on every start, so the
# dashboards always match the bundle in the image.
#
# The image's paths and address are the defaults; tests/bi/test_superset_live.py
# runs this same script on loopback with its own bundle copy (TPPO_SUPERSET_BUNDLE,
# TPPO_SUPERSET_BIND).
set -euo pipefail
bundle="${TPPO_SUPERSET_BUNDLE:-/app/tppo/bundle}"
bind="${TPPO_SUPERSET_BIND:-0.0.0.0:8088}"
superset db upgrade
superset fab create-admin --username admin --firstname TPPO --lastname Admin \
  --email admin@tppo.invalid --password "${SUPERSET_ADMIN_PASSWORD:?}" || true
superset init
zipdir="$(mktemp -d)"
trap 'rm -rf "$zipdir"' EXIT
python - "$bundle" "$zipdir/tppo_bundle" <<'PY'
import shutil, sys
from pathlib import Path
bundle = Path(sys.argv[1]).resolve()
shutil.make_archive(sys.argv[2], "zip", bundle.parent, bundle.name)
PY
superset import-dashboards --path "$zipdir/tppo_bundle.zip" --username admin
rm -rf "$zipdir"
trap - EXIT
exec gunicorn --bind "$bind" --workers 2 --timeout 120 --limit-request-line 0 \
  --limit-request-field_size 0 "superset.app:create_app()"
