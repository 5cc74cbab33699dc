"""dbt-duckdb plugin: gives dbt's connection the OpenSSL that writing the encrypted
warehouse needs (dbt_project/profiles.yml), before dbt-duckdb attaches the file."""

from __future__ import annotations

from dbt.adapters.duckdb.plugins import BasePlugin

from tppo.warehouse import load_crypto


class Plugin(BasePlugin):
    def configure_connection(self, conn) -> None:
        load_crypto(conn)
