"""The short chaos run (bench/chaos.py is the long one, with figures): 50 clocks fall due over a few
seconds while Redis is killed and restarted empty under the worker, and then the worker is SIGKILLed.
Every clock is still warned, breached and escalated exactly once: no notice, audit event or email
missed or doubled.

Uses a redis-server of its own on a free port (never the shared one) and the PostgreSQL test database;
skipped without redis-server or PostgreSQL.
"""

import email
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections import Counter
from datetime import timedelta
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection
from django.utils import timezone

from deadlines.models import Clock, Notification
from deadlines.tasks import sweep_clocks
from mash.celery import app as celery_app
from mash.models import AuditEvent, Tenant
from tests.deadlines.builders import as_the_system, make_hub, start
from tests.factories import AgencyFactory

ROOT = Path(__file__).resolve().parents[2]
CLOCKS = 50

pytestmark = [
    pytest.mark.slow,
    pytest.mark.worker,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(not shutil.which("redis-server"), reason="needs redis-server to run a Redis of its own"),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="the worker shares the PostgreSQL test database"),
]


def wait_for(predicate, timeout, what, interval=0.1):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    raise AssertionError(f"timed out after {timeout} s waiting for {what}")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class OwnRedis:
    """redis-server on a free port without persistence: a restart comes back empty."""

    def __init__(self, tmp_path):
        self.port, self.dir, self.process = _free_port(), tmp_path, None
        self.url = f"redis://127.0.0.1:{self.port}/0"

    def start(self):
        self.process = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
             "--dir", str(self.dir)],
            stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT, start_new_session=True,
        )  # fmt: skip
        import redis

        client = redis.Redis.from_url(self.url)

        def answers():
            try:
                return client.ping()
            except redis.RedisError:
                return False

        wait_for(answers, 10, "redis-server")

    def kill(self):
        if self.process and self.process.poll() is None:
            self.process.kill()
            self.process.wait(10)


@pytest.fixture
def own_redis(tmp_path, monkeypatch):
    server = OwnRedis(tmp_path)
    server.start()
    # This process publishes (wake-ups from start_clock, the sweep beat would send) to our server.
    monkeypatch.setattr(celery_app.conf, "broker_url", server.url)
    monkeypatch.setattr(celery_app, "_pool", None)
    monkeypatch.setattr(celery_app.amqp, "_producer_pool", None)
    yield server
    celery_app._pool = None
    celery_app.amqp._producer_pool = None
    server.kill()


@pytest.fixture
def worker_on(transactional_db, tmp_path):
    """``celery -A mash worker`` on the test database (as the system role, as bin/run starts it)."""
    started = []
    db = connection.settings_dict
    login = settings.DATABASE_SYSTEM_ROLE if settings.DATABASE_APP_ROLE else db["USER"]

    def start_worker(name, redis_url):
        env = {
            **os.environ,
            "DATABASE_URL": f"postgres://{login}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}",
            "REDIS_URL": redis_url,
            "MASH_VAR_DIR": str(tmp_path),
            "EMAIL_BACKEND": "django.core.mail.backends.filebased.EmailBackend",
            "DJANGO_SETTINGS_MODULE": "mash.settings",
        }
        log = tmp_path / f"{name}.log"
        process = subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", "mash", "worker", "--pool=prefork", "--concurrency=2",
             "--without-gossip", "--without-mingle", "--without-heartbeat", f"--hostname={name}@%h",
             "--loglevel=INFO"],
            cwd=ROOT, env=env, stdout=log.open("w"), stderr=subprocess.STDOUT, start_new_session=True,
        )  # fmt: skip
        started.append(process)
        wait_for(lambda: " ready." in log.read_text(), 120, f"worker {name}:\n{log.read_text()}")
        process.log = log
        return process

    start_worker.mail = tmp_path / "mail"
    yield start_worker
    for process in started:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
        process.wait(10)


def _clocks(**filters):
    with as_the_system():
        return list(Clock.all_tenants.filter(subject_label__startswith="CH-", **filters))


def _emails(mail_dir: Path) -> Counter:
    sent = Counter()
    for path in mail_dir.glob("*.log") if mail_dir.exists() else []:
        for chunk in path.read_text().split("-" * 79):
            message = email.message_from_string(chunk.strip())
            if message["To"]:
                sent[(message["To"], message["Subject"])] += 1
    return sent


def test_redis_lost_and_a_worker_killed_mid_burst_still_tell_everyone_of_every_breach_exactly_once(
    own_redis, worker_on
):
    first = worker_on("chaos-1", own_redis.url)
    hub = make_hub(Tenant.objects.create(slug="chaos", name="Chaos Council", reference_prefix="CHA"))
    subjects = [AgencyFactory(tenant=hub.tenant, slug=f"subject-{i}", name=f"Subject {i}") for i in range(CLOCKS)]
    now = timezone.now()
    # Four-hour clocks started so that they fall due over 6 to 11 seconds from now; each queues its
    # exact wake-up, which the worker holds (unacknowledged, ETA) until then.
    clocks = [
        start(hub, subject=subject, label=f"CH-{i}", started_at=now - timedelta(hours=4, seconds=-6 - 5 * i / CLOCKS))
        for i, subject in enumerate(subjects)
    ]
    wait_for(lambda: len(_clocks(breached_at__isnull=False)) >= 5, 120, "the first breaches")

    # Redis dies with the rest of the burst's wake-ups in flight, and comes back empty.
    own_redis.kill()
    time.sleep(1)
    own_redis.start()
    time.sleep(3)
    assert first.poll() is None, f"the worker died with Redis:\n{first.log.read_text()[-3000:]}"

    # Then the worker is SIGKILLed (mid-task or not) and another takes its place; beat's sweep
    # (sent here every few seconds, every minute in production) finds what was lost.
    os.killpg(first.pid, signal.SIGKILL)
    first.wait(10)
    worker_on("chaos-2", own_redis.url)

    def all_escalated():
        sweep_clocks.delay()
        return len(_clocks(escalation_level=1)) == CLOCKS

    wait_for(all_escalated, 180, "every clock breached and escalated", interval=3)
    time.sleep(1.5)  # a duplicate would arrive now

    ids = [clock.pk for clock in clocks]
    with as_the_system():
        notices = Counter(Notification.all_tenants.filter(clock_id__in=ids).values_list("clock_id", "kind", "level"))
        breaches = Counter(
            AuditEvent.objects.filter(action="clock.breached", object_id__in=[str(i) for i in ids]).values_list(
                "object_id", flat=True
            )
        )
    # Each clock breached and escalated once. Its warning comes once, or not at all for a clock the
    # engine first saw already overdue (a slow machine: it breaches at once, without a late warning).
    steps = {pk: Counter() for pk in ids}
    for (pk, kind, level), n in notices.items():
        steps[pk][(kind, level)] = n
    assert all(s[("breach", 0)] == 1 and s[("escalation", 1)] == 1 for s in steps.values()), steps
    assert all(set(s) <= {("warning", 0), ("breach", 0), ("escalation", 1)} for s in steps.values()), steps
    assert all(s[("warning", 0)] <= 1 for s in steps.values()), steps
    assert dict(breaches) == {str(pk): 1 for pk in ids}
    # Breach to the navigator, escalation to the police lead: two emails a clock, never one twice. (An
    # email is claimed in the transaction that records its notice and sent after commit, so a worker
    # SIGKILLed between the two loses that email rather than ever sending it twice.)
    sent = _emails(worker_on.mail)
    assert sent and set(sent.values()) == {1}
    assert sum(sent.values()) <= 2 * CLOCKS
