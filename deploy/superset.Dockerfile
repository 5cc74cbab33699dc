# Superset with the DuckDB driver; it opens dashboard.duckdb read-only.
FROM apache/superset:5.0.0
USER root
RUN pip install --no-cache-dir duckdb==2.0.1 duckdb-engine==0.17.0
USER superset
