"""A real Celery worker against real Redis and the test database: on time, once, and nothing lost.

Skipped unless REDIS_URL is set and the database is PostgreSQL. Uses only the Redis database
index of REDIS_URL (FLUSHDB simulates a broker that lost its data; the server is never restarted).
"""

import os
import signal
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
from mash.models import AuditEvent, Tenant
from mash.tenancy import tenant_context
from tests.deadlines.builders import as_the_system, make_hub, start

ROOT = Path(__file__).resolve().parents[2]
REDIS_URL = os.environ.get("REDIS_URL", "")

pytestmark = [
    pytest.mark.worker,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(not REDIS_URL, reason="needs REDIS_URL (a Redis database index of its own)"),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="the worker shares the PostgreSQL test database"),
]


def wait_for(predicate, timeout, interval=0.05, what="condition"):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    raise AssertionError(f"timed out after {timeout} s waiting for {what}")


@pytest.fixture
def redis_db():
    import redis

    client = redis.Redis.from_url(settings.CELERY_BROKER_URL)
    client.flushdb()  # our own database index only
    yield client
    client.flushdb()
    client.close()


@pytest.fixture
def workers(transactional_db, redis_db, tmp_path):
    """Start real ``celery -A mash worker`` processes on the test database; SIGKILL-able by id."""
    started = []
    db = connection.settings_dict
    # As in production: with row-level security's roles in use, the worker logs in as the system role.
    login = settings.DATABASE_SYSTEM_ROLE if settings.DATABASE_APP_ROLE else db["USER"]
    env = {
        **os.environ,
        "DATABASE_URL": f"postgres://{login}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}",
        "REDIS_URL": REDIS_URL,
        "MASH_VAR_DIR": str(tmp_path),
        "DJANGO_SETTINGS_MODULE": "mash.settings",
    }

    def start_worker(name):
        log = tmp_path / f"{name}.log"
        handle = log.open("w")
        process = subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", "mash", "worker", "--pool=prefork", "--concurrency=2",
             "--without-gossip", "--without-mingle", "--without-heartbeat", f"--hostname={name}@%h",
             "--loglevel=INFO"],
            cwd=ROOT, env=env, stdout=handle, stderr=subprocess.STDOUT, start_new_session=True,
        )  # fmt: skip
        started.append(process)
        wait_for(lambda: " ready." in log.read_text(), 30, 0.1, f"worker {name} to start:\n{log.read_text()}")
        process.log = log
        process.login = login
        return process

    yield start_worker
    # The test is over: stop its workers at once. A warm shutdown (SIGTERM) waits for the ETA tasks a
    # worker holds and took the whole 10 s allowed; how a worker stops is not under test here. The
    # database sessions of a killed worker roll back and end, as the test above relies on.
    for process in started:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
        process.wait(10)


def event_counts(clock):
    with as_the_system():
        return Counter(Notification.all_tenants.filter(clock_id=clock.pk).values_list("kind", "level"))


def clocks_seen(**filters):
    """The clocks the engine holds, across tenants, as the system sees them (row-level security)."""
    with as_the_system():
        return list(Clock.all_tenants.filter(**filters).select_related("tenant"))


def test_a_clock_due_in_seconds_is_breached_and_escalated_by_the_worker_within_5_s_exactly_once(workers):
    workers("deadlines-a")
    hub = make_hub(Tenant.objects.create(slug="wk", name="Worker Council", reference_prefix="WK"))
    now = timezone.now()
    # Four hours long, started so that it falls due 4 s from now (its warning is already due).
    clock = start(hub, started_at=now - timedelta(hours=4) + timedelta(seconds=4))
    [clock] = wait_for(lambda: clocks_seen(pk=clock.pk, escalation_level=1), 15, what="breach and escalation")
    assert clock.breached_at - clock.due_at < timedelta(seconds=5)
    time.sleep(1.5)  # any duplicate would arrive now
    assert event_counts(clock) == {("warning", 0): 1, ("breach", 0): 1, ("escalation", 1): 1}
    with as_the_system():
        assert AuditEvent.objects.filter(action="clock.breached", object_id=str(clock.pk)).count() == 1
        escalation = Notification.all_tenants.select_related("recipient").get(clock_id=clock.pk, kind="escalation")
    assert escalation.recipient == hub.police_lead
    assert escalation.emailed_at is not None


def test_the_worker_breaches_clocks_in_two_tenants_through_its_own_system_login(workers):
    worker = workers("deadlines-two")
    now = timezone.now()
    clocks = [
        start(make_hub(Tenant.objects.create(slug=slug, name=slug, reference_prefix=slug[:3].upper())),
              started_at=now - timedelta(hours=4) + timedelta(seconds=2), label=f"{slug}-1")
        for slug in ("north", "south")
    ]  # fmt: skip
    seen = wait_for(lambda: len(clocks_seen(breached_at__isnull=False)) == 2 and clocks_seen(breached_at__isnull=False),
                    15, what="both tenants' breaches")  # fmt: skip
    assert {c.tenant.slug for c in seen} == {"north", "south"}
    for clock in clocks:
        with tenant_context(clock.tenant_id):  # each tenant sees its own breach and its audit event
            assert AuditEvent.objects.filter(action="clock.breached", object_id=str(clock.pk)).count() == 1
    if settings.DATABASE_APP_ROLE:  # the worker logged in as the system role, not as the owner
        assert worker.login == settings.DATABASE_SYSTEM_ROLE
    assert worker.poll() is None


def _blocked_notification_inserts(cursor):
    cursor.execute(
        "SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid() "
        "AND wait_event_type = 'Lock' AND query LIKE 'INSERT INTO \"mash_notification\"%%'"
    )
    return [row[0] for row in cursor.fetchall()]


def test_a_killed_worker_and_a_flushed_broker_still_breach_and_escalate_every_clock_once(workers, redis_db):
    worker = workers("deadlines-b")
    hub = make_hub(Tenant.objects.create(slug="kill", name="Kill Council", reference_prefix="KIL"))
    due_in = timedelta(seconds=3)
    subjects = [hub.police, hub.health, hub.navigator]
    now = timezone.now()
    clocks = [start(hub, subject=s, label=f"KIL-{i}", started_at=now - timedelta(hours=4) + due_in)
              for i, s in enumerate(subjects)]  # fmt: skip
    wait_for(lambda: len(clocks_seen(warned_at__isnull=False)) == 3, 10, what="the warnings")

    # Freeze the worker in the middle of recording a breach: it has marked the clock breached
    # (uncommitted) and is waiting to write the notices when it is SIGKILLed.
    blocker = _connect()
    with blocker.cursor() as cursor:
        cursor.execute("LOCK TABLE mash_notification IN SHARE ROW EXCLUSIVE MODE")
        with _connect(autocommit=True) as observer:
            stuck = wait_for(lambda: _blocked_notification_inserts(observer.cursor()), 15, what="a breach in progress")
            os.killpg(worker.pid, signal.SIGKILL)
            worker.wait(5)
            blocker.rollback()  # release: the orphaned transactions find their client gone and roll back
            wait_for(
                lambda: not set(stuck) & set(_pids(observer.cursor())), 10, what="the killed worker's sessions to end"
            )
    blocker.close()
    assert clocks_seen(breached_at__isnull=False) == []  # nothing half-recorded
    redis_db.flushdb()  # the broker loses every queued and unacknowledged wake-up

    workers("deadlines-c")
    sweep_clocks.delay()  # what beat sends every minute
    wait_for(lambda: len(clocks_seen(escalation_level=1)) == 3, 15, what="the sweep")
    sweep_clocks()  # a second sweep, in this process, finds nothing more to do
    time.sleep(0.5)
    for clock in clocks:
        assert event_counts(clock) == {("warning", 0): 1, ("breach", 0): 1, ("escalation", 1): 1}
        with as_the_system():
            assert AuditEvent.objects.filter(action="clock.breached", object_id=str(clock.pk)).count() == 1


def _connect(**options):
    import psycopg

    db = connection.settings_dict
    return psycopg.connect(
        dbname=db["NAME"], user=db["USER"], host=db["HOST"] or "127.0.0.1", port=db["PORT"] or 5432, **options
    )


def _pids(cursor):
    cursor.execute("SELECT pid FROM pg_stat_activity WHERE datname = current_database()")
    return [row[0] for row in cursor.fetchall()]
