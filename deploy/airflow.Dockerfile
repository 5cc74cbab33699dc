# The project's Airflow image: the official Airflow 3 image plus this package,
# installed from the same lock file as development and CI.
FROM apache/airflow:3.3.2-python3.11
USER root
COPY --chown=airflow:root . /opt/tppo
USER airflow
RUN pip install --no-cache-dir uv==0.13.9 \
 && cd /opt/tppo \
 && uv export --frozen --no-dev --no-hashes --no-emit-project -o /tmp/requirements.txt \
 && pip install --no-cache-dir -r /tmp/requirements.txt \
 && pip install --no-cache-dir --no-deps -e /opt/tppo
