"""dbt-duckdb plugin: gives dbt's connection the OpenSSL that writing the encrypted
warehouse needs (dbt_project/profiles.yml), before dbt-duckdb attaches the file, and the
run's memory limit with encrypted spill files (tppo.warehouse.tune)."""

from __future__ import annotations

from dbt.adapters.duckdb.plugins import BasePlugin

from tppo.config import paths
from tppo.warehouse import tune


class Plugin(BasePlugin):
    def configure_connection(self, conn) -> None:
        tune(conn, paths().warehouse)
