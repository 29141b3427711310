"""The embedded default (SQLite): two worker processes writing at once wait for each other, never fail.

Both run the product's own settings module with no DATABASE_URL. Each transaction reads then writes
(as services do: lock, check, change); in SQLite's default deferred mode the second writer of such a
transaction cannot wait and fails at once with "database is locked". The settings begin every
transaction IMMEDIATE, taking the write lock up front, so writers queue behind the busy timeout.
"""

import os
import sqlite3
import subprocess
import sys
import textwrap
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

WRITER = textwrap.dedent(
    """
    import os, sys, time
    import django
    os.environ["DJANGO_SETTINGS_MODULE"] = "mash.settings"
    django.setup()
    from django.db import connection, transaction
    with connection.cursor() as cursor:
        cursor.execute("CREATE TABLE IF NOT EXISTS tally (n integer)")
    start_at = float(sys.argv[1])
    while time.time() < start_at:
        time.sleep(0.005)
    for _ in range(60):
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("SELECT count(*) FROM tally")
            (n,) = cursor.fetchone()
            time.sleep(0.01)
            cursor.execute("INSERT INTO tally (n) VALUES (%s)", [n + 1])
    print("ok")
    """
)


def test_two_processes_write_to_the_embedded_database_at_once_without_database_is_locked(tmp_path):
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL", "DATABASE_APP_ROLE")}
    env.update(MASH_VAR_DIR=str(tmp_path), PYTHONPATH=str(ROOT))
    start_at = str(time.time() + 3)  # both past Django's start-up before the first write
    writers = [
        subprocess.Popen(
            [sys.executable, "-c", WRITER, start_at],
            cwd=ROOT,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(2)
    ]
    results = [writer.communicate(timeout=120) for writer in writers]
    for (out, err), writer in zip(results, writers, strict=True):
        assert writer.returncode == 0 and out.strip() == "ok", err[-2000:]
    with sqlite3.connect(tmp_path / "mash.sqlite3") as db:
        assert db.execute("SELECT count(*) FROM tally").fetchone() == (120,)
