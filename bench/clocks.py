"""Benchmark of the deadline engine at national scale.

    .venv/bin/python bench/clocks.py                     # 1,000,000 open clocks (a few minutes)
    .venv/bin/python bench/clocks.py --clocks 50000      # a quick check

1. Migrates a dedicated database (DATABASE_URL, default postgres://postgres@127.0.0.1:5432/mash_bench,
   created if missing) and loads ``--clocks`` open clocks with COPY across 150 tenants (one per
   English local authority), plus ``--due-now`` clocks that are due now.
2. Prints the sweep's EXPLAIN ANALYZE plans (each must be an index scan on its partial index),
   then times one sweep that breaches and escalates the clocks due now.
3. Loads ``--burst`` clocks falling due within one minute, starts real Celery workers on Redis
   (REDIS_URL, default redis://127.0.0.1:6379/12; the database index is FLUSHed), plays beat
   (a sweep every 60 s) and reports the breach lateness (breached_at - due_at) p50/p99.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import signal
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/mash_bench")
os.environ.setdefault("REDIS_URL", "redis://127.0.0.1:6379/12")
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "mash.settings")
os.environ.setdefault("EMAIL_BACKEND", "django.core.mail.backends.dummy.EmailBackend")
os.environ.setdefault("LOG_LEVEL", "WARNING")
# Workers keep their database connection between tasks (one wake-up task per clock).
os.environ.setdefault("DATABASE_CONN_MAX_AGE", "300")
# As production: tenant work runs as the application role and the sweep as the system role
# (row-level security on); only the bulk load (COPY, refused under row-level security) and
# ANALYZE run as the owner the bench logs in as.
os.environ.setdefault("DATABASE_APP_ROLE", "mash_app")
os.environ.setdefault("DATABASE_SYSTEM_ROLE", "mash_system")

TENANTS = 150
COLUMNS = (
    "tenant_id",
    "kind",
    "subject_type",
    "subject_id",
    "subject_label",
    "subject_url",
    "agency_id",
    "started_at",
    "due_at",
    "warn_at",
    "warned_at",
    "breached_at",
    "escalation_level",
    "next_escalation_at",
    "policy",
    "responsible_ids",
    "responsible_roles",
    "created_at",
    "cancel_reason",
)


def setup_tenants():
    """150 tenants, each with a police agency, its navigator and lead, a manager and a head."""
    from deadlines.services import ensure_default_ladders
    from mash import tenancy
    from mash.models import Agency, Tenant, User
    from mash.roles import AGENCY_ROLES

    people = {}
    for i in range(TENANTS):
        tenant, _ = Tenant.objects.get_or_create(
            slug=f"bench-{i}", defaults={"name": f"Bench Council {i}", "reference_prefix": f"B{i}"}
        )
        with tenancy.tenant_context(tenant):
            agency, _ = Agency.objects.get_or_create(slug="police", defaults={"name": "Police"})
            ensure_default_ladders(tenant=tenant)
            users = {}
            for role in ("navigator", "agency_lead", "manager", "head"):
                users[role], _ = User.objects.get_or_create(
                    username=f"bench-{i}-{role}",
                    defaults={"tenant": tenant, "role": role, "agency": agency if role in AGENCY_ROLES else None},
                )
        people[tenant.pk] = (agency.pk, users["navigator"].pk)
    return people


def ladder_policy():
    from deadlines.services import DEFAULT_LADDERS

    ladder = [
        {"level": n, "who": str(who), "after_seconds": int(after.total_seconds())}
        for n, (who, after) in enumerate(DEFAULT_LADDERS["navigator_return"], 1)
    ]
    return json.dumps(
        {"amount": "4", "unit": "clock_hours", "warn_fraction": "0.75", "time_zone": "Europe/London", "ladder": ladder}
    )


def copy_clocks(rows, *, label):
    """COPY rows (tuples in COLUMNS order) into mash_clock."""
    from django.db import connection

    from mash.security.rls import owner_mode

    started = time.monotonic()
    with owner_mode(), connection.cursor() as cursor:  # COPY FROM is not supported under row-level security
        with cursor.cursor.copy(f"COPY mash_clock ({', '.join(COLUMNS)}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
        cursor.execute("ANALYZE mash_clock")  # fresh statistics, as autovacuum would give production
    print(f"  loaded {label} in {time.monotonic() - started:.1f} s")


def clock_rows(count, people, *, subject_type, due, warn=None, warned=None, breached=None, level=0, next_esc=None):
    policy = ladder_policy()
    tenant_ids = list(people)
    now = datetime.now(UTC)
    for n in range(count):
        tenant_id = tenant_ids[n % len(tenant_ids)]
        agency_id, navigator_id = people[tenant_id]
        due_at = due(n)
        started_at = min(now, due_at) - timedelta(hours=4)
        warn_at = warn(n, started_at, due_at) if warn else started_at + (due_at - started_at) * 3 / 4
        yield (
            tenant_id,
            "navigator_return",
            subject_type,
            str(n),
            f"{subject_type}-{n}",
            "",
            agency_id,
            started_at,
            due_at,
            warn_at,
            warned(due_at) if warned else None,
            breached(due_at) if breached else None,
            level,
            next_esc(due_at) if next_esc else None,
            policy,
            json.dumps([navigator_id]),
            "[]",
            now,
            "",
        )


def print_plans(now):
    from django.db import transaction

    from deadlines.models import OPEN, Clock
    from deadlines.services import SWEEP_BATCH, SWEEP_LOOKAHEAD, SWEEP_REASON, claim_querysets
    from mash.tenancy import system_context

    print("\nEXPLAIN ANALYZE of the queries the engine runs against the whole table (as the system role):")
    with transaction.atomic(), system_context(SWEEP_REASON):  # the claims lock (SKIP LOCKED); released at once
        for name, queryset in zip(
            ("claim breach", "claim escalation", "claim warning"), claim_querysets(now), strict=True
        ):
            show(name, queryset[:SWEEP_BATCH].explain(analyze=True, buffers=True))

        lookahead = (
            Clock.all_tenants.filter(OPEN, breached_at__isnull=True, due_at__gt=now, due_at__lte=now + SWEEP_LOOKAHEAD)
            .order_by()
            .values_list("due_at", flat=True)
        )
        show("look-ahead (breaches in the next 75 s)", lookahead.explain(analyze=True, buffers=True))


def show(name, plan):
    """Print the plan; fail when the clock table is read by a sequential scan. The tenants
    table (150 rows, joined for each claimed clock) may be: that is the right plan for it."""
    print(f"-- {name}\n{plan}")
    clock_seq_scans = [line for line in plan.splitlines() if "Seq Scan on mash_clock" in line]
    assert "Index" in plan and not clock_seq_scans, f"{name}: the clock table is not read by an index"


def percentiles(subject_type):
    """(breached, [p50, p99], max) lateness over every tenant, read as the system role: under
    row-level security a read with no tenant sees no rows and would always count 0."""
    from django.db import connection

    from deadlines.services import SWEEP_REASON
    from mash.tenancy import system_context

    with system_context(SWEEP_REASON), connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(breached_at), percentile_cont(ARRAY[0.5, 0.99]) WITHIN GROUP "
            "(ORDER BY extract(epoch FROM breached_at - due_at)), max(extract(epoch FROM breached_at - due_at)) "
            "FROM mash_clock WHERE subject_type = %s AND breached_at IS NOT NULL",
            [subject_type],
        )
        return cursor.fetchone()


IDLE_RUNS = 20


def idle_figures():
    """The idle sweep's median and p95 as the beat task runs it (its own timing, heartbeat included), beside
    a floor measured in the same run: one round trip to the database (``SELECT 1``) as the system role.
    Fails if a sweep finds work: the figure would not be an idle one."""
    import statistics

    from django.db import connection

    from deadlines import services
    from mash.tenancy import system_context

    timings, floors = [], []
    for _ in range(IDLE_RUNS):
        result = services.sweep()
        if result.clocks or result.planned:
            raise SystemExit(f"FAILED: the 'idle' sweep found work ({result.as_dict()}): not an idle figure")
        timings.append(result.seconds * 1000)
        with system_context(services.SWEEP_REASON), connection.cursor() as cursor:
            started = time.perf_counter()
            cursor.execute("SELECT 1")
            cursor.fetchone()
            floors.append((time.perf_counter() - started) * 1000)
    median, floor = statistics.median(timings), statistics.median(floors)
    p95 = statistics.quantiles(timings, n=20)[-1]
    return f"median {median:.1f} ms, p95 {p95:.1f} ms; floor (one round trip) {floor:.2f} ms, {median / floor:.0f}x"


def start_workers(count, concurrency, log_dir):
    log_dir.mkdir(parents=True, exist_ok=True)  # var/ is not in a fresh checkout
    processes = []
    for i in range(count):
        log = open(log_dir / f"bench-worker-{i}.log", "w")
        processes.append(
            subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "celery",
                    "-A",
                    "mash",
                    "worker",
                    f"--concurrency={concurrency}",
                    "--without-gossip",
                    "--without-mingle",
                    "--without-heartbeat",
                    f"--hostname=bench{i}@%h",
                    "--loglevel=WARNING",
                ],
                cwd=ROOT,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        )
    time.sleep(4)
    return processes


def stop(processes):
    for process in processes:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGTERM)
    for process in processes:
        try:
            process.wait(15)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--clocks", type=int, default=1_000_000, help="open clocks not yet due (default 1,000,000)")
    parser.add_argument("--due-now", type=int, default=1000, help="clocks due now, for the timed sweep")
    parser.add_argument("--burst", type=int, default=10_000, help="clocks falling due within one minute (0: skip)")
    parser.add_argument("--workers", type=int, default=1, help="Celery worker processes for the burst")
    parser.add_argument("--concurrency", type=int, default=4, help="pool size of each worker")
    parser.add_argument("--profile", action="store_true", help="cProfile the timed sweep (its time is then inflated)")
    args = parser.parse_args()

    from bench.common import ensure_database

    ensure_database(os.environ["DATABASE_URL"])
    import django

    django.setup()
    import redis
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection

    from deadlines import services
    from deadlines.tasks import sweep_clocks

    print(f"database {settings.DATABASES['default']['NAME']}, broker {settings.CELERY_BROKER_URL}")
    call_command("migrate", verbosity=0)
    from mash.security.rls import owner_mode

    with owner_mode(), connection.cursor() as cursor:
        cursor.execute("TRUNCATE mash_notification, mash_clock, mash_auditevent RESTART IDENTITY CASCADE")
    people = setup_tenants()
    now = datetime.now(UTC)
    rng = random.Random(2026)

    print(f"\nLoading {args.clocks:,} open clocks not yet due, {args.clocks // 20:,} breached at the top of their")
    print(f"ladder and still open, and {args.due_now:,} due now, across {TENANTS} tenants:")
    copy_clocks(
        clock_rows(
            args.clocks,
            people,
            subject_type="bench.future",
            due=lambda n: now + timedelta(hours=2) + timedelta(seconds=rng.randrange(30 * 24 * 3600)),
        ),
        label=f"{args.clocks:,} future clocks",
    )
    copy_clocks(
        clock_rows(
            args.clocks // 20,
            people,
            subject_type="bench.overdue",
            due=lambda n: now - timedelta(hours=6 + n % 48),
            warned=lambda d: d - timedelta(hours=1),
            breached=lambda d: d,
            level=3,
        ),
        label="overdue clocks at the top of the ladder",
    )
    copy_clocks(
        clock_rows(
            args.due_now,
            people,
            subject_type="bench.due",
            due=lambda n: now - timedelta(seconds=rng.randrange(1, 60)),
            warned=lambda d: d - timedelta(hours=1),
        ),
        label=f"{args.due_now:,} clocks due now",
    )
    with owner_mode(), connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE mash_clock")
        cursor.execute("SELECT count(*) FROM mash_clock WHERE met_at IS NULL AND cancelled_at IS NULL")
        print(f"  open clocks: {cursor.fetchone()[0]:,}")

    print_plans(datetime.now(UTC))
    broker = redis.Redis.from_url(settings.CELERY_BROKER_URL)
    broker.flushdb()
    if args.profile:
        import cProfile
        import pstats

        profiler = cProfile.Profile()
        result = profiler.runcall(services.sweep)
        pstats.Stats(profiler).sort_stats("cumulative").print_stats(45)
    else:
        result = services.sweep()
    print(f"\nSweep (one process): {result.clocks:,} due clocks breached and escalated")
    each = result.seconds / max(result.clocks, 1) * 1000
    print(f"({result.events:,} events) in {result.seconds:.2f} s, {each:.1f} ms each.")
    print(f"An idle sweep (nothing due) over the same table, {IDLE_RUNS} runs: {idle_figures()}")

    if args.burst:
        broker.flushdb()
        t0 = datetime.now(UTC)
        print(
            f"\nBurst: {args.burst:,} clocks falling due between +30 s and +90 s; {args.workers} worker(s) x "
            f"{args.concurrency}, a sweep every 60 s (beat)."
        )
        copy_clocks(
            clock_rows(
                args.burst,
                people,
                subject_type="bench.burst",
                due=lambda n: t0 + timedelta(seconds=30 + 60 * n / args.burst),
                warned=lambda d: d - timedelta(hours=1),
            ),
            label=f"{args.burst:,} burst clocks",
        )
        workers = start_workers(args.workers, args.concurrency, Path(settings.VAR_DIR))
        try:
            last_sweep = 0.0
            deadline = time.monotonic() + 600
            while time.monotonic() < deadline:
                if time.monotonic() - last_sweep >= 60:
                    sweep_clocks.delay()
                    last_sweep = time.monotonic()
                done, *_ = percentiles("bench.burst")
                if done >= args.burst:
                    break
                time.sleep(1)
        finally:
            stop(workers)
        done, (p50, p99), worst = percentiles("bench.burst")
        if done < args.burst:  # never print a lateness over clocks that were not all breached
            raise SystemExit(f"FAILED: only {done:,} of {args.burst:,} burst clocks were breached within 600 s")
        print(
            f"  breached {done:,}/{args.burst:,}; lateness p50 {p50 * 1000:.0f} ms, p99 {p99 * 1000:.0f} ms, "
            f"max {worst * 1000:.0f} ms"
        )
        with owner_mode(), connection.cursor() as cursor:
            cursor.execute(
                "SELECT count(*), count(DISTINCT (n.clock_id, n.recipient_id, n.kind, n.level)) "
                "FROM mash_notification n JOIN mash_clock c ON c.id = n.clock_id "
                "WHERE c.subject_type = 'bench.burst'"
            )
            total, distinct = cursor.fetchone()
        print(f"  notifications {total:,} ({distinct:,} distinct: no duplicates = {total == distinct})")
        broker.flushdb()


if __name__ == "__main__":
    main()
