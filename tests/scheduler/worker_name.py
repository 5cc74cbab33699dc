"""Airflow's ``[core] hostname_callable`` for the Celery test: two workers on one
machine record distinct hostnames on their task instances, as two machines would."""

from __future__ import annotations

import os
import socket


def hostname() -> str:
    return os.environ.get("TPPO_TEST_WORKER_HOSTNAME") or socket.getfqdn()
