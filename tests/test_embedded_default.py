"""Smoke test of the embedded default: ``bin/run`` with no DATABASE_URL and no REDIS_URL.

bin/run must bring up web, worker and beat on SQLite and kombu's filesystem broker under MASH_VAR_DIR,
and a task the web process sends must be executed by the worker. Standard library only; no test database.
"""

import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SETUP_TIMEOUT = 240  # migrate + seed_demo on a fresh SQLite database, before the web process starts
READY_TIMEOUT = 60  # from starting the web process until /health/ answers
PING_TIMEOUT = 30


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _request(url, method="GET", headers=None, timeout=5, body=None):
    """(status, body text) of a request (``body``: JSON to post); HTTP errors are answers too."""
    headers = dict(headers or {})
    data = b"" if method == "POST" else None
    if body is not None:
        data = json.dumps(body).encode()
        headers["Content-Type"] = "application/json"
    request = urllib.request.Request(url, method=method, headers=headers, data=data)
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()


@pytest.mark.slow
def test_bin_run_serves_and_its_worker_runs_tasks_without_database_or_broker_servers(tmp_path):
    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL")}
    env.update(MASH_VAR_DIR=str(tmp_path / "var"), MASH_SKIP_SETUP="1", PORT=str(port), HOST="127.0.0.1")
    log_path = tmp_path / "bin-run.log"

    def log_tail():
        return "\n".join(log_path.read_text(errors="replace").splitlines()[-60:])

    def wait_until(what, timeout, probe):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if process.poll() is not None:
                pytest.fail(f"bin/run exited ({process.returncode}) while waiting for {what}:\n{log_tail()}")
            result = probe()
            if result:
                return result
            time.sleep(0.5)
        pytest.fail(f"timed out after {timeout} s waiting for {what}:\n{log_tail()}")

    def health():
        try:
            return _request(f"{base}/health/", timeout=2)[0] == 200
        except OSError:
            return False

    with log_path.open("wb") as log:
        process = subprocess.Popen(
            [str(ROOT / "bin" / "run")],
            cwd=ROOT,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        wait_until("the web process to start", SETUP_TIMEOUT, lambda: "run: started web" in log_path.read_text())
        wait_until("GET /health/", READY_TIMEOUT, health)
        assert json.loads(_request(f"{base}/health/")[1]) == {"status": "ok"}

        status, body = _request(f"{base}/sign-in/")
        assert status == 200
        assert "Sign in" in body
        assert (tmp_path / "var" / "mash.sqlite3").exists()  # the embedded database, under MASH_VAR_DIR

        def token_of(username):
            created = subprocess.run(
                [sys.executable, "manage.py", "drf_create_token", username],
                cwd=ROOT,
                env=env,
                capture_output=True,
                text=True,
                timeout=60,
                check=True,
            )
            key = re.search(r"\b[0-9a-f]{40}\b", created.stdout)
            assert key, created.stdout + created.stderr
            return {"Authorization": f"Token {key.group(0)}", "Accept": "application/json"}

        auth = token_of("cambridgeshire-admin")

        status, body = _request(f"{base}/api/v1/health/ping/", method="POST", headers=auth)
        assert status == 202, body
        token = json.loads(body)["token"]
        assert token

        def seen():
            status, body = _request(f"{base}/api/v1/health/ping/?token={token}", headers=auth)
            assert status == 200, body
            return json.loads(body)["seen_at"]

        # The worker, over the filesystem broker, executed the task the web process sent.
        assert wait_until("the worker to run the heartbeat task", PING_TIMEOUT, seen)

        # A referrer's MARFs are matched by the worker after the request; triage, reading at once (whichever web
        # process answers), still finds the earlier contact about the same child: every process shares the cache
        # that says a staff request must finish the matching first.
        referrer, triage = token_of("cambridgeshire-referrer"), token_of("cambridgeshire-triage")
        marf = {
            "source": "3A", "concerns": "Neighbour heard a child screaming late at night, several nights running.",
            "children": [{"first_name": "Ada", "last_name": "Quince", "date_of_birth": "2016-07-01", "sex": "F",
                          "postcode": "CB1 2AB"}],
            "parents_aware": "yes", "consent_to_referral": "given", "consent_to_sharing": "given",
        }  # fmt: skip
        posted = [_request(f"{base}/api/v1/contacts/", "POST", referrer, timeout=30, body=marf) for _ in range(2)]
        assert [status for status, _ in posted] == [201, 201], posted
        first, second = (json.loads(body)["id"] for _, body in posted)
        status, body = _request(f"{base}/api/v1/contacts/{second}/", headers=triage, timeout=30)
        assert status == 200, body
        assert json.loads(body)["previous_contacts"] == [first]

        # SIGTERM stops all three, and bin/run reports a clean stop.
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=40) == 0, log_tail()
    finally:
        try:
            os.killpg(process.pid, signal.SIGTERM)
        except ProcessLookupError:
            pass
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            pass
        try:
            os.killpg(process.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        process.wait(timeout=10)


def test_the_embedded_defaults_processes_share_one_cache(tmp_path):
    """What one process of bin/run notes in the cache (work staff must not read around, a changed working
    calendar, a rate-limit count), another sees: each gunicorn worker and the Celery worker is its own process."""
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL")}
    env.update(MASH_VAR_DIR=str(tmp_path / "var"))

    def shell(code):
        done = subprocess.run(
            [sys.executable, "manage.py", "shell", "-c", code],
            cwd=ROOT, env=env, capture_output=True, text=True, timeout=120, check=True,
        )  # fmt: skip
        return done.stdout.strip().splitlines()[-1]  # after the shell's own note of what it imported

    shell("from django.core.cache import cache; cache.set('owed:matching:1', 1, 60)")
    assert shell("from django.core.cache import cache; print(cache.get('owed:matching:1'))") == "1"
