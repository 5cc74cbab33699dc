"""Notifications of a failed or late nightly run (tppo/alerts.py): the file, a real
SMTP conversation with a server on loopback, and a JSON POST to an HTTP server on
loopback; nothing in them but the run, the event and the task names."""

from __future__ import annotations

import json
import socketserver
import threading
from email import message_from_bytes
from http.server import BaseHTTPRequestHandler, HTTPServer
from types import SimpleNamespace

import pytest

from tppo.alerts import TppoNotifier, run_not_finished

RUN_ID = "scheduled__2025-11-28T18:00:00+00:00"


class _Smtp(socketserver.StreamRequestHandler):
    """Enough of RFC 5321 for smtplib: greeting, EHLO, MAIL, RCPT, DATA, QUIT."""

    def handle(self):
        self.wfile.write(b"220 localhost test SMTP\r\n")
        envelope = {"rcpt": []}
        while line := self.rfile.readline():
            verb = line[:4].upper()
            if verb in (b"EHLO", b"HELO"):
                self.wfile.write(b"250 localhost\r\n")
            elif verb == b"MAIL":
                envelope["from"] = line.decode().strip()
                self.wfile.write(b"250 OK\r\n")
            elif verb == b"RCPT":
                envelope["rcpt"].append(line.decode().strip())
                self.wfile.write(b"250 OK\r\n")
            elif verb == b"DATA":
                self.wfile.write(b"354 go on\r\n")
                data = b""
                while (chunk := self.rfile.readline()) != b".\r\n":
                    data += chunk
                envelope["data"] = data
                self.server.received.append(envelope)
                self.wfile.write(b"250 queued\r\n")
            elif verb == b"QUIT":
                self.wfile.write(b"221 bye\r\n")
                return
            else:
                self.wfile.write(b"250 OK\r\n")


class _Hook(BaseHTTPRequestHandler):
    def do_POST(self):  # noqa: N802 (http.server's name)
        body = self.rfile.read(int(self.headers["Content-Length"]))
        self.server.received.append((self.headers["Content-Type"], json.loads(body)))
        self.send_response(204)
        self.end_headers()

    def log_message(self, *args):
        pass


def _serve(server):
    server.received = []
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


@pytest.fixture
def servers(tmp_path, monkeypatch):
    smtp = _serve(socketserver.ThreadingTCPServer(("127.0.0.1", 0), _Smtp))
    hook = _serve(HTTPServer(("127.0.0.1", 0), _Hook))
    monkeypatch.setenv("TPPO_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("TPPO_NOTIFY_SMTP", f"127.0.0.1:{smtp.server_address[1]}")
    monkeypatch.setenv("TPPO_NOTIFY_TO", "piket@bp3mi.example, data@polda.example")
    monkeypatch.setenv("TPPO_NOTIFY_WEBHOOK", f"http://127.0.0.1:{hook.server_address[1]}/x")
    yield smtp, hook
    for s in (smtp, hook):
        s.shutdown()
        s.server_close()


def _context(states: dict[str, str]):
    tis = [SimpleNamespace(task_id=t, state=s) for t, s in states.items()]
    # dag.test() passes a SerializedDAG, which has no template environment
    return {"run_id": RUN_ID, "dag": SimpleNamespace(dag_id="tppo_nightly"),
            "dag_run": SimpleNamespace(run_id=RUN_ID, get_task_instances=lambda: tis)}


def test_a_failed_run_is_mailed_posted_and_filed(servers, tmp_path):
    smtp, hook = servers
    notifier = TppoNotifier("failed")
    notifier(_context({"discover": "success", "dbt_build": "failed",
                       "publish": "upstream_failed", "report": "upstream_failed"}))
    assert notifier.last == {"file": "sent", "smtp": "sent", "webhook": "sent"}
    (mail,) = smtp.received
    assert len(mail["rcpt"]) == 2
    msg = message_from_bytes(mail["data"])
    assert msg["Subject"] == f"[TPPO] nightly run FAILED: {RUN_ID}"
    assert "dbt_build, publish, report" in msg.get_payload(decode=True).decode()
    ((ctype, payload),) = hook.received
    assert ctype == "application/json"
    assert payload["event"] == "failed" and payload["run_id"] == RUN_ID
    assert payload["failed_tasks"] == ["dbt_build", "publish", "report"]
    (note,) = (tmp_path / "home" / "alerts").glob("*.txt")
    assert "failed" in note.read_text()


def test_a_late_run_uses_the_same_channels(servers, tmp_path):
    smtp, hook = servers
    run_not_finished({"dag_run": {"dag_run_id": RUN_ID}})
    assert "LATE" in message_from_bytes(smtp.received[0]["data"])["Subject"]
    assert hook.received[0][1]["event"] == "late"
    assert "not finished" in next((tmp_path / "home" / "alerts").glob("*late.txt")).read_text()


def test_a_dead_channel_does_not_stop_the_others(servers, monkeypatch):
    smtp, hook = servers
    monkeypatch.setenv("TPPO_NOTIFY_SMTP", "127.0.0.1:1")  # nothing listens there
    notifier = TppoNotifier("failed")
    notifier(_context({"ingest_paspor": "failed"}))
    assert notifier.last["smtp"].startswith("ConnectionRefusedError")
    assert notifier.last["webhook"] == "sent" and notifier.last["file"] == "sent"


def test_the_nightly_dag_notifies_on_failure():
    from airflow.dag_processing.dagbag import DagBag

    from tppo.config import DAGS_DIR

    dag = DagBag(dag_folder=str(DAGS_DIR)).dags["tppo_nightly"]
    callbacks = dag.on_failure_callback
    callbacks = callbacks if isinstance(callbacks, list) else [callbacks]
    assert any(isinstance(c, TppoNotifier) and c.event == "failed" for c in callbacks)
