"""Chaos bench of the deadline engine: real worker and beat processes, faults injected mid-burst.

    .venv/bin/python bench/chaos.py                          # three scenarios, 500 clocks each (~10 min)
    .venv/bin/python bench/chaos.py --clocks 100 --scenario worker-kill

Against PostgreSQL (CHAOS_DATABASE_URL, default postgres://postgres@127.0.0.1:5432/mash_h7_chaos,
created if missing; the worker and beat log in as the system role, as bin/run starts them) and a
Redis server of its own (``redis-server --port 6390`` with no persistence, started and killed here:
never the shared one). Each scenario loads ``--clocks`` navigator-return clocks falling due over one
minute, starting ``--lead`` seconds from now (75: beat has swept once by then), so the clocks reach the
engine only through beat's sweep, its planned wake-ups and the worker (as in production), then:

* ``worker-kill``: the worker is SIGKILLed mid-burst (a third of the clocks breached) and restarted
  ``--down`` seconds later;
* ``redis-loss``: Redis is SIGKILLed mid-burst, while the worker holds the sweep's wake-ups, and
  restarted EMPTY ``--down`` seconds later; the worker and beat are left to recover on their own;
* ``beat-down``: beat is SIGKILLed as the clocks are loaded and restarted ``--beat-down`` seconds
  later (a new beat waits for the dead one's lease in Redis to lapse, at most 30 s).

For each it prints: clocks missed (not breached and escalated by the end), duplicated notices,
audit events and emails (each breach tells the navigator and escalates to the agency lead: two
notices, two emails and one ``clock.breached`` event per clock), and the lateness (breached_at -
due_at) p50/p95/max over all clocks and, for the clocks that fell due while the fault lasted, counted
from the recovery. Nothing is asserted about time; a missed clock or a duplicate makes it exit 1.
"""

from __future__ import annotations

import argparse
import email
import json
import os
import shutil
import signal
import statistics
import subprocess
import sys
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ["DATABASE_URL"] = os.environ.get("CHAOS_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/mash_h7_chaos")
REDIS_PORT = int(os.environ.get("CHAOS_REDIS_PORT", "6390"))
os.environ["REDIS_URL"] = f"redis://127.0.0.1:{REDIS_PORT}/0"
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "mash.settings")
os.environ.setdefault("DATABASE_APP_ROLE", "mash_app")
os.environ.setdefault("DATABASE_SYSTEM_ROLE", "mash_system")
VAR = ROOT / "var" / "chaos"
os.environ["MASH_VAR_DIR"] = str(VAR)
os.environ["EMAIL_BACKEND"] = "django.core.mail.backends.filebased.EmailBackend"

TENANTS = 5
SCENARIOS = ("worker-kill", "redis-loss", "beat-down")


# --- processes -----------------------------------------------------------------------------


class Redis:
    """A redis-server of our own on REDIS_PORT, without persistence: restarting it empties it."""

    def __init__(self, port: int, log_dir: Path):
        self.port, self.log_dir, self.process = port, log_dir, None

    def start(self) -> None:
        log = (self.log_dir / "redis.log").open("a")
        self.process = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
             "--dir", str(self.log_dir)],
            stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
        )  # fmt: skip
        import redis

        client = redis.Redis(port=self.port)
        wait_for(lambda: _pings(client), 10, "redis-server to answer")

    def kill(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
            self.process.wait(10)


def _pings(client) -> bool:
    import redis

    try:
        return bool(client.ping())
    except redis.RedisError:  # not up yet
        return False


def process_env() -> dict:
    """Worker and beat as bin/run starts them: logged in as the system role, Redis as broker."""
    url = os.environ["DATABASE_URL"]
    scheme, rest = url.split("://", 1)
    host_db = rest.split("@", 1)[1]
    return {**os.environ, "DATABASE_URL": f"{scheme}://{os.environ['DATABASE_SYSTEM_ROLE']}@{host_db}"}


def start_celery(kind: str, name: str) -> subprocess.Popen:
    log = VAR / f"{name}.log"
    if kind == "worker":
        args = ["worker", "--pool=prefork", "--concurrency=2", f"--hostname={name}@%h", "--loglevel=INFO"]
    else:
        args = ["beat", "--loglevel=INFO", "--schedule", str(VAR / "celerybeat-schedule")]
    handle = log.open("w")
    process = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "mash", *args],
        cwd=ROOT, env=process_env(), stdout=handle, stderr=subprocess.STDOUT, start_new_session=True,
    )  # fmt: skip
    process.log = log
    if kind == "worker":
        wait_for(lambda: " ready." in log.read_text() or process.poll() is not None, 60, f"worker {name}")
    else:
        wait_for(lambda: "beat: Starting" in log.read_text() or process.poll() is not None, 60, f"beat {name}")
    return process


def kill(process: subprocess.Popen | None) -> None:
    """SIGKILL a process and its children (its session): no warm shutdown, as a crash or the OOM killer."""
    if process is not None and process.poll() is None:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(10)


def wait_for(predicate, timeout: float, what: str, interval: float = 0.2):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    raise SystemExit(f"timed out after {timeout} s waiting for {what}")


# --- data ----------------------------------------------------------------------------------


def setup() -> dict:
    from bench import clocks as clocks_bench
    from bench.common import ensure_database

    ensure_database(os.environ["DATABASE_URL"])
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    from mash.models import User
    from mash.security.rls import owner_mode

    call_command("migrate", verbosity=0)
    call_command("ensure_db_roles")
    with owner_mode(), connection.cursor() as cursor:
        # Not RESTART IDENTITY: the audit log is append-only, so a new clock must never take the id
        # of an earlier run's (its audit events would count as this run's duplicates).
        cursor.execute("TRUNCATE mash_notification, mash_clock CASCADE")
    clocks_bench.TENANTS = TENANTS
    people = clocks_bench.setup_tenants()
    with owner_mode():  # every one of them is emailed, so emails can be counted
        for user in User.objects.filter(username__startswith="bench-", email=""):
            User.objects.filter(pk=user.pk).update(email=f"{user.username}@example.org")
    return people


def load(people: dict, count: int, subject_type: str, first_due: datetime) -> None:
    from bench.clocks import clock_rows, copy_clocks

    copy_clocks(
        clock_rows(
            count,
            people,
            subject_type=subject_type,
            due=lambda n: first_due + timedelta(seconds=60 * n / count),
            warned=lambda d: d - timedelta(hours=1),  # no warnings: breach and level 1 only
        ),
        label=f"{count} clocks due from {first_due:%H:%M:%S} over 60 s",
    )


def seen(sql: str, params: list) -> list:
    """A read across tenants as the deadline engine's report reads (row-level security on)."""
    from django.db import connection

    from mash.tenancy import system_context

    with system_context("deadline-report"), connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def progress(subject_type: str) -> tuple[int, int]:
    [(breached, escalated)] = seen(
        "SELECT count(breached_at), count(*) FILTER (WHERE escalation_level >= 1) FROM mash_clock "
        "WHERE subject_type = %s",
        [subject_type],
    )
    return breached, escalated


@dataclass
class Outcome:
    scenario: str
    clocks: int
    missed: int = 0
    notices: int = 0
    duplicate_notices: int = 0
    audit_events: int = 0
    duplicate_audit_events: int = 0
    emails: int = 0
    duplicate_emails: int = 0
    emails_claimed: int = 0  # notices marked emailed (emailed_at) in the transaction that wrote them
    lateness: list = field(default_factory=list)  # seconds, every clock breached
    since_recovery: list = field(default_factory=list)  # seconds, clocks due while the fault lasted
    before_fault: list = field(default_factory=list)  # seconds, clocks due before it: the floor of the run
    notes: list = field(default_factory=list)

    @property
    def failed(self) -> bool:
        return bool(self.missed or self.duplicate_notices or self.duplicate_audit_events or self.duplicate_emails)


def emails_sent(mail_dir: Path) -> Counter:
    """(recipient, subject) of every email the filebased backend wrote (several messages a file)."""
    sent: Counter = Counter()
    for path in mail_dir.glob("*.log") if mail_dir.exists() else []:
        for chunk in path.read_text().split("-" * 79):
            if chunk.strip():
                message = email.message_from_string(chunk.strip())
                if message["To"]:
                    sent[(message["To"], message["Subject"])] += 1
    return sent


def emails_claimed(subject_type: str) -> int:
    [(claimed,)] = seen(
        "SELECT count(n.emailed_at) FROM mash_notification n JOIN mash_clock c ON c.id = n.clock_id "
        "WHERE c.subject_type = %s",
        [subject_type],
    )
    return claimed


def emails_written(subject_type: str) -> int:
    return sum(n for (_, subject), n in emails_sent(VAR / "mail").items() if f"{subject_type}-" in (subject or ""))


def measure(
    scenario: str, subject_type: str, count: int, loaded_at: datetime, fault_at: datetime, recovered_at: datetime
) -> Outcome:
    outcome = Outcome(scenario, count)
    rows = seen(
        "SELECT id, due_at, breached_at, escalation_level FROM mash_clock WHERE subject_type = %s", [subject_type]
    )
    ids = [str(row[0]) for row in rows]
    outcome.missed = sum(1 for _, _, breached, level in rows if breached is None or level < 1)
    for _, due, breached, _ in rows:
        if breached is None:
            continue
        outcome.lateness.append((breached - due).total_seconds())
        if due < fault_at:
            outcome.before_fault.append((breached - due).total_seconds())
        if fault_at <= due < recovered_at:
            outcome.since_recovery.append((breached - recovered_at).total_seconds())
    [(notices, distinct)] = seen(
        "SELECT count(*), count(DISTINCT (n.clock_id, n.recipient_id, n.kind, n.level)) FROM mash_notification n "
        "JOIN mash_clock c ON c.id = n.clock_id WHERE c.subject_type = %s",
        [subject_type],
    )
    outcome.notices, outcome.duplicate_notices = notices, notices - distinct
    audits = seen(
        "SELECT object_id, count(*) FROM mash_auditevent WHERE action = 'clock.breached' AND object_id = ANY(%s) "
        "AND object_type = 'deadlines.clock' AND at >= %s GROUP BY object_id",
        [ids, loaded_at],
    )
    outcome.audit_events = sum(n for _, n in audits)
    outcome.duplicate_audit_events = sum(n - 1 for _, n in audits)
    sent = emails_sent(VAR / "mail")
    ours = {key: n for key, n in sent.items() if f"{subject_type}-" in (key[1] or "")}
    outcome.emails = sum(ours.values())
    outcome.duplicate_emails = sum(n - 1 for n in ours.values())
    outcome.emails_claimed = emails_claimed(subject_type)
    return outcome


def figures(values: list[float]) -> str:
    if not values:
        return "none"
    p95 = statistics.quantiles(values, n=20)[-1] if len(values) > 1 else values[0]
    return f"p50 {statistics.median(values):.1f} s, p95 {p95:.1f} s, max {max(values):.1f} s (n={len(values)})"


def show(outcome: Outcome) -> None:
    print(f"  missed: {outcome.missed} of {outcome.clocks}")
    print(
        f"  notices {outcome.notices} (duplicates {outcome.duplicate_notices}); audit events clock.breached "
        f"{outcome.audit_events} (duplicates {outcome.duplicate_audit_events}); emails {outcome.emails} "
        f"(duplicates {outcome.duplicate_emails})"
    )
    if outcome.emails_claimed != outcome.emails:
        print(
            f"  emails marked sent (emailed_at) {outcome.emails_claimed}, written {outcome.emails}: "
            f"{outcome.emails_claimed - outcome.emails} claimed but never sent"
        )
    print(f"  lateness, every clock (breached_at - due_at): {figures(outcome.lateness)}")
    print(f"  lateness after recovery, clocks due during the fault: {figures(outcome.since_recovery)}")
    print(f"  floor: lateness of the clocks due before the fault: {figures(outcome.before_fault)}")
    for note in outcome.notes:
        print(f"  {note}")


# --- scenarios -----------------------------------------------------------------------------


def run(scenario: str, people: dict, redis: Redis, args) -> Outcome:
    import redis as redis_client

    subject_type = f"chaos.{scenario}"
    shutil.rmtree(VAR / "mail", ignore_errors=True)
    redis_client.Redis(port=redis.port).flushdb()
    worker = start_celery("worker", f"{scenario}-w1")
    beat = start_celery("beat", f"{scenario}-b1")
    notes = []
    try:
        if scenario == "beat-down":
            kill(beat)
        loaded_at = datetime.now(UTC)
        first_due = loaded_at + timedelta(seconds=args.lead)
        load(people, args.clocks, subject_type, first_due)
        print(f"  worker pid {worker.pid}, beat pid {beat.pid}; load average {os.getloadavg()[0]:.2f}")
        if scenario == "beat-down":
            fault_at = datetime.now(UTC)
            time.sleep(args.beat_down)
            beat = start_celery("beat", f"{scenario}-b2")
            recovered_at = datetime.now(UTC)
            notes.append(f"beat down {args.beat_down} s; restarted at {recovered_at:%H:%M:%S}")
        else:
            wait_for(lambda: progress(subject_type)[0] >= args.clocks // 3, args.lead + 300, "a third breached")
            fault_at = datetime.now(UTC)
            if scenario == "worker-kill":
                kill(worker)
                notes.append(f"worker SIGKILLed at {fault_at:%H:%M:%S} with {progress(subject_type)[0]} breached")
                time.sleep(args.down)
                worker = start_celery("worker", f"{scenario}-w2")
                recovered_at = datetime.now(UTC)
            else:
                redis.kill()
                notes.append(f"Redis SIGKILLed at {fault_at:%H:%M:%S} with {progress(subject_type)[0]} breached")
                time.sleep(args.down)
                redis.start()  # empty: no persistence
                recovered_at = datetime.now(UTC)
                notes.append(f"Redis restarted empty at {recovered_at:%H:%M:%S} ({args.down} s down)")
        last_due = first_due + timedelta(seconds=60)
        deadline = time.monotonic() + max(0, (last_due - datetime.now(UTC)).total_seconds()) + args.settle
        while time.monotonic() < deadline and progress(subject_type)[1] < args.clocks:
            time.sleep(1)
        # Emails go after commit, one by one: let the worker finish sending before it is stopped, so
        # an email missing at the end is one the engine lost (claimed, never sent), not one in flight.
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and emails_written(subject_type) < emails_claimed(subject_type):
            time.sleep(1)
        time.sleep(3)  # any duplicate would arrive now
        for name, process in (("worker", worker), ("beat", beat)):
            if process.poll() is not None:
                notes.append(f"the {name} DIED (exit {process.returncode}); see {process.log}")
        if scenario == "redis-loss":
            held = "not restoring them" in worker.log.read_text()
            notes.append(f"worker survived the loss: {worker.poll() is None}; dropped held wake-ups: {held}")
    finally:
        kill(worker)
        kill(beat)
    outcome = measure(scenario, subject_type, args.clocks, loaded_at, fault_at, recovered_at)
    outcome.notes = notes
    if (VAR / "mail").exists():  # kept for a look at what was sent
        shutil.rmtree(VAR / f"mail-{scenario}", ignore_errors=True)
        (VAR / "mail").rename(VAR / f"mail-{scenario}")
    return outcome


def main() -> None:
    sys.stdout.reconfigure(line_buffering=True)  # progress shows as it happens when written to a file
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--clocks", type=int, default=500, help="clocks falling due per scenario")
    parser.add_argument("--scenario", choices=SCENARIOS, nargs="+", default=list(SCENARIOS))
    parser.add_argument(
        "--lead",
        type=int,
        default=75,
        help="seconds from loading to the first clock due (at least a sweep interval, so beat's sweep plans "
        "the wake-ups as it does for a clock started by intake)",
    )
    parser.add_argument("--down", type=int, default=15, help="seconds the worker or Redis stays down")
    parser.add_argument("--beat-down", type=int, default=90, help="seconds beat stays down")
    parser.add_argument("--settle", type=int, default=240, help="seconds after the last due time to wait at most")
    args = parser.parse_args()

    VAR.mkdir(parents=True, exist_ok=True)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit("stopped"))  # so the finally blocks stop what we started
    redis = Redis(REDIS_PORT, VAR)
    redis.start()
    try:
        people = setup()
        from django.conf import settings

        print(f"database {settings.DATABASES['default']['NAME']}, broker {settings.CELERY_BROKER_URL} (our own)")
        print(f"load average at the start: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
        outcomes = []
        for scenario in args.scenario:
            print(f"\n{scenario}: {args.clocks} clocks")
            outcome = run(scenario, people, redis, args)
            show(outcome)
            outcomes.append(outcome)
        print(f"\nload average at the end: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
        (VAR / "chaos.json").write_text(json.dumps([o.__dict__ for o in outcomes], default=str))
    finally:
        redis.kill()
    if any(o.failed for o in outcomes):
        raise SystemExit("FAILED: a clock was missed or something was duplicated")


if __name__ == "__main__":
    main()
