"""Telling people: a nightly run that failed, or one not finished by 06:00 WIB.

Two events, one notifier:

- a failed run: the DAG's ``on_failure_callback`` (Airflow calls it with the
  run's context; ``dag.test()``, i.e. ``tppo run``, calls it too);
- a late run: Airflow's deadline alert (evaluated by the scheduler) calls
  :func:`run_not_finished`, which sends through the same channels.

:class:`TppoNotifier` is an Airflow 3 notifier (``airflow.sdk.BaseNotifier``).
Channels, from the environment:

========================  ==========================================================
(always)                  ``$TPPO_HOME/alerts/<run>.txt`` for whatever watches that
                          folder
``TPPO_NOTIFY_SMTP``      ``host:port`` of an SMTP relay (plain SMTP; ``STARTTLS``
                          when ``TPPO_NOTIFY_SMTP_STARTTLS=1``), mail to
                          ``TPPO_NOTIFY_TO`` (comma-separated) from
                          ``TPPO_NOTIFY_FROM`` (default ``tppo-nightly@localhost``)
``TPPO_NOTIFY_WEBHOOK``   a URL that gets a JSON POST (chat relays: ``{"text": ...}``
                          plus the fields below)
========================  ==========================================================

A notification says which run, what happened, which tasks failed and where the
logs are; it never holds data (no names, NIKs, villages or counts): the reasons
tasks give can quote delivered rows, so they stay in the logs. One channel
failing does not stop the others; each failure is logged.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import re
import smtplib
import urllib.request
from dataclasses import dataclass, field
from email.message import EmailMessage
from pathlib import Path

from airflow.sdk import BaseNotifier

from tppo.config import deadline_minutes, notify_settings, paths

log = logging.getLogger(__name__)

# The DAG starts at 01:00 WIB; the morning report must be there by 06:00.
TIMEOUT_SECONDS = 10


def _home() -> Path:
    return paths().home


def write_alert(home: Path, run_id: str, message: str) -> Path:
    folder = home / "alerts"
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / (re.sub(r"[^A-Za-z0-9_.-]+", "_", run_id) + ".txt")
    target.write_text(message + "\n", encoding="utf-8")
    return target


@dataclass(frozen=True)
class Notice:
    """What a notification says: no data, only the run, the event and the tasks."""

    event: str  # "failed" or "late"
    run_id: str
    dag_id: str = "tppo_nightly"
    failed_tasks: tuple[str, ...] = ()
    when: dt.datetime = field(default_factory=lambda: dt.datetime.now(dt.UTC))

    @property
    def subject(self) -> str:
        what = "FAILED" if self.event == "failed" else "LATE"
        return f"[TPPO] nightly run {what}: {self.run_id}"

    @property
    def text(self) -> str:
        if self.event == "failed":
            tasks = ", ".join(self.failed_tasks) or "(see the log)"
            body = (f"TPPO nightly run {self.run_id} failed (task(s): {tasks}). The published "
                    "files stay as they were until a run succeeds.")
        else:
            body = (f"TPPO nightly run {self.run_id} not finished {deadline_minutes()} minutes "
                    "after its start time: the morning report will be late.")
        return (f"{body} Checked {self.when:%Y-%m-%d %H:%M} UTC. See the Airflow UI and "
                "$TPPO_HOME/logs (the reasons are there, never in a notification).")

    def payload(self) -> dict:
        return {"text": self.text, "event": self.event, "dag_id": self.dag_id,
                "run_id": self.run_id, "failed_tasks": list(self.failed_tasks),
                "at": self.when.isoformat(timespec="seconds")}


def send_file(notice: Notice, home: Path | None = None) -> Path:
    return write_alert(home or _home(), f"{notice.run_id}.{notice.event}", notice.text)


def send_smtp(notice: Notice, target: str, to: list[str], sender: str,
              starttls: bool = False) -> None:
    host, _, port = target.rpartition(":")
    msg = EmailMessage()
    msg["Subject"], msg["From"], msg["To"] = notice.subject, sender, ", ".join(to)
    msg.set_content(notice.text)
    with smtplib.SMTP(host or target, int(port or 25), timeout=TIMEOUT_SECONDS) as smtp:
        if starttls:
            smtp.starttls()
        smtp.send_message(msg)


def send_webhook(notice: Notice, url: str) -> None:
    req = urllib.request.Request(url, data=json.dumps(notice.payload()).encode(),
                                 headers={"Content-Type": "application/json"}, method="POST")
    with urllib.request.urlopen(req, timeout=TIMEOUT_SECONDS) as resp:  # noqa: S310 (configured URL)
        if resp.status >= 300:
            raise RuntimeError(f"webhook answered HTTP {resp.status}")


def deliver(notice: Notice, env: dict[str, str] | None = None) -> dict[str, str]:
    """Send ``notice`` on every configured channel; channel -> "sent" or the error."""
    env = dict(notify_settings() if env is None else env)
    out: dict[str, str] = {}

    def attempt(channel: str, fn, *args) -> None:
        try:
            fn(*args)
            out[channel] = "sent"
        except Exception as exc:  # noqa: BLE001  (one channel must not stop the others)
            out[channel] = f"{type(exc).__name__}: {exc}"
            log.error("notification over %s failed: %s", channel, out[channel])

    home = Path(env["TPPO_HOME"]).resolve() if env.get("TPPO_HOME") else _home()
    attempt("file", send_file, notice, home)
    if env.get("TPPO_NOTIFY_SMTP"):
        to = [a.strip() for a in env.get("TPPO_NOTIFY_TO", "").split(",") if a.strip()]
        if to:
            attempt("smtp", send_smtp, notice, env["TPPO_NOTIFY_SMTP"], to,
                    env.get("TPPO_NOTIFY_FROM", "tppo-nightly@localhost"),
                    env.get("TPPO_NOTIFY_SMTP_STARTTLS") == "1")
        else:
            out["smtp"] = "TPPO_NOTIFY_TO not set"
            log.error("TPPO_NOTIFY_SMTP is set but TPPO_NOTIFY_TO is not: no mail sent")
    if env.get("TPPO_NOTIFY_WEBHOOK"):
        attempt("webhook", send_webhook, notice, env["TPPO_NOTIFY_WEBHOOK"])
    return out


def _failed_tasks(context: dict) -> tuple[str, ...]:
    run = context.get("dag_run")
    try:
        tis = run.get_task_instances() if run is not None else []
        return tuple(sorted(ti.task_id for ti in tis
                            if str(ti.state).split(".")[-1] in ("failed", "upstream_failed")))
    except Exception:  # noqa: BLE001  (a notification must not fail on the context)
        ti = context.get("task_instance") or context.get("ti")
        return (ti.task_id,) if ti is not None else ()


def _run_id(context: dict) -> str:
    run = context.get("dag_run")
    if isinstance(run, dict):
        return str(run.get("dag_run_id") or run.get("run_id") or "unknown")
    return str(context.get("run_id") or getattr(run, "run_id", None) or "unknown")


class TppoNotifier(BaseNotifier):
    """Failed or late nightly run -> file, SMTP and webhook (module docstring)."""

    def __init__(self, event: str = "failed") -> None:
        super().__init__()
        self.event = event
        self.last: dict[str, str] = {}

    def render_template_fields(self, context, jinja_env=None) -> None:
        """Nothing to render (no template fields). Skipping it matters: under
        ``dag.test()`` the context's DAG is a SerializedDAG without a template
        environment, and Airflow's rendering would fail the callback."""
        if self.template_fields:
            super().render_template_fields(context, jinja_env)

    def notify(self, context) -> None:
        context = dict(context or {})
        notice = Notice(self.event, _run_id(context),
                        failed_tasks=_failed_tasks(context) if self.event == "failed" else ())
        log.error(notice.text)
        self.last = deliver(notice)


def run_not_finished(context: dict | None = None, **kwargs) -> None:
    """Deadline callback: the nightly run is still going after its deadline."""
    TppoNotifier("late").notify(context or {})
