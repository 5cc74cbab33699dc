"""Superset for the TPPO dashboards: reads dashboard.duckdb read-only, nothing else.

Mounted at /app/pythonpath/superset_config.py. Every secret comes from the
environment (deploy/.env); nothing here is secret.
"""

import os

SECRET_KEY = os.environ["SUPERSET_SECRET_KEY"]
SQLALCHEMY_DATABASE_URI = os.environ["SUPERSET_DATABASE_URI"]

# The only analytics database is the dashboards' copy, provisioned read-only by
# deploy/superset/bundle; nobody adds file-based databases through the UI.
PREVENT_UNSAFE_DB_CONNECTIONS = True
# Superset opens a new connection per query (NullPool), so the first query after
# a publication (an atomic rename) reads the new file; cached results live 10
# minutes at most, well inside the night.
DATA_CACHE_CONFIG = {"CACHE_TYPE": "SimpleCache", "CACHE_DEFAULT_TIMEOUT": 600}
FEATURE_FLAGS = {"DASHBOARD_RBAC": True}
BABEL_DEFAULT_LOCALE = "en"
WTF_CSRF_ENABLED = True
TALISMAN_ENABLED = False
