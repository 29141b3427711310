"""What every benchmark does before measuring: make its database if missing, set Django up, migrate.

Benchmarks import this after putting the repository root on ``sys.path`` (they run as scripts too).
"""

from __future__ import annotations

import os
import statistics
import time


def ensure_database(url: str) -> None:
    """Create the PostgreSQL database ``url`` names if it does not exist yet (a fresh machine)."""
    import psycopg

    name = url.rsplit("/", 1)[1].split("?", 1)[0]
    admin = url.rsplit("/", 1)[0] + "/postgres"
    with psycopg.connect(admin, autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            conn.execute(f'CREATE DATABASE "{name}"')


def setup_django(url: str | None = None, *, app_role: bool = False) -> None:
    """Point Django at ``url`` (default: DATABASE_URL as it is), create the database, migrate.

    ``app_role``: work as production's web process does, as the application role under row-level
    security (``mash_app``; ``mash_system`` for cross-tenant system work), the roles created first.
    The connection still logs in as the tables' owner, so the bench can load bulk data and ANALYZE
    inside :func:`mash.security.rls.owner_mode`."""
    if url:
        os.environ["DATABASE_URL"] = url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "mash.settings")
    # As production runs (mash.settings refuses DEBUG there): with DEBUG on, every statement goes through
    # Django's debug cursor, which formats and keeps it, and templates carry their debugging information.
    os.environ.setdefault("DJANGO_DEBUG", "0")
    postgres = os.environ.get("DATABASE_URL", "").startswith("postgres")
    if app_role and postgres:
        os.environ.setdefault("DATABASE_APP_ROLE", "mash_app")
        os.environ.setdefault("DATABASE_SYSTEM_ROLE", "mash_system")
    if postgres:
        ensure_database(os.environ["DATABASE_URL"])
    import django

    django.setup()
    from django.core.management import call_command

    if postgres and os.environ.get("DATABASE_APP_ROLE"):  # asked for here or by the bench itself: a fresh
        call_command("ensure_db_roles", stdout=open(os.devnull, "w"))  # server has no such role yet
    call_command("migrate", verbosity=0)


def as_served() -> int:
    """Settle this process's heap as the web process does before its first request (``mash.wsgi``: every view
    imported, start-up objects frozen out of the garbage collector's passes), so requests timed here pay the
    collections production pays, not those of a process that never settled. Call after loading data."""
    from mash.wsgi import settle_start_up_objects

    return settle_start_up_objects()


def analyze(*tables: str) -> None:
    """After a bulk load, what autovacuum gives production: fresh planner statistics and the visibility map
    (``VACUUM (ANALYZE)``, the owner's: the application role may not). Without the statistics the figures are two
    to three times too slow; without the vacuum, index-only scans visit the table for every row (this machine's
    PostgreSQL runs with autovacuum off: a bench database is otherwise never vacuumed), and the triage queue's
    own SQL took 16-21 ms instead of 11-17 ms. Runs in autocommit, as VACUUM must."""
    from django.db import connection

    from mash.security.rls import owner_mode

    with owner_mode(), connection.cursor() as cursor:
        for table in tables:
            cursor.execute(f"VACUUM (ANALYZE) {connection.ops.quote_name(table)}")


def current_role() -> str:
    """The role the bench's queries run as (printed beside the figures; ``mash_app`` in production)."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT current_user")
        return cursor.fetchone()[0]


# The loop this workplace's notes quote a machine's speed by (``python3 -c "s=0 / for i in range(20_000_000): s+=i"``):
# module-level names, as ``-c`` runs it. 1.20-1.47 s on the fastest machine of this kind seen, 1.8-6.3 s on slow ones.
_SPEED_LOOP = compile("s = 0\nfor i in range(20_000_000):\n    s += i\n", "<speed>", "exec")


def machine_speed() -> str:
    """The machine's speed, for printing beside a bench's figures: this kind of machine's speed moves by more than
    most changes do, between machines and within minutes, so a figure means little without it."""
    started = time.perf_counter()
    exec(_SPEED_LOOP, {})  # nosec B102 - a constant loop compiled above
    return f"machine: the loop of 20 million additions took {time.perf_counter() - started:.2f} s"


def p95(timings: list[float]) -> float:
    """The 95th percentile of the timings (the only one when there is one)."""
    return statistics.quantiles(timings, n=20)[-1] if len(timings) > 1 else timings[0]


def token_client(user):
    """An API client authenticated as ``user`` by DRF token, as partner systems call the API."""
    from rest_framework.authtoken.models import Token
    from rest_framework.test import APIClient

    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.get_or_create(user=user)[0].key}")
    return client


CLOCK_TICKS = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100


def _stat(pid: int) -> tuple[str, list[str]] | None:
    """Process ``pid``'s command name and the fields of ``/proc/<pid>/stat`` after it (from its state, field 3
    of proc(5), on); None when it is gone (or there is no ``/proc``)."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            text = f.read()
    except OSError:
        return None
    name, _, rest = text[text.index("(") + 1 :].rpartition(")")  # the name may hold spaces and parentheses
    return name, rest.split()


def process_cpu(pid: int) -> float | None:
    """Seconds of CPU (user and system) process ``pid`` has used so far; None when it is gone."""
    stat = _stat(pid)
    return None if stat is None else (int(stat[1][11]) + int(stat[1][12])) / CLOCK_TICKS  # utime, stime


def machine_busy() -> float | None:
    """Seconds of CPU the whole machine (every core) has spent busy since boot: user, nice, system and interrupts
    (not idle, nor I/O wait, nor the time a hypervisor gave another machine: steal)."""
    try:
        with open("/proc/stat") as f:
            ticks = [int(v) for v in f.readline().split()[1:]]
    except (OSError, ValueError):
        return None
    user, nice, system, _idle, _iowait, irq, softirq = ticks[:7]
    return (user + nice + system + irq + softirq) / CLOCK_TICKS


def _all_pids() -> list[int]:
    try:
        return [int(name) for name in os.listdir("/proc") if name.isdigit()]
    except OSError:
        return []


def process_tree(root: int) -> set[int]:
    """``root`` and every process descended from it (a web server's master and its workers)."""
    parents = {pid: int(stat[1][1]) for pid in _all_pids() if (stat := _stat(pid))}  # ppid, field 4
    tree, grew = {root}, True
    while grew:
        grew = False
        for pid, parent in parents.items():
            if parent in tree and pid not in tree:
                tree.add(pid)
                grew = True
    return tree


def processes_named(prefix: str) -> set[int]:
    """Every process whose command name starts with ``prefix`` (``postgres``: the server and all its backends)."""
    return {pid for pid in _all_pids() if (stat := _stat(pid)) and stat[0].startswith(prefix)}


class CpuMeter:
    """The CPU each group of processes, and the whole machine, spent while the block ran (Linux ``/proc``).

    ``groups`` maps a name to a function returning that group's process ids; it is asked at the start and at the
    end, so a process started during the block counts all its CPU. A process that ended during the block is
    lost: measure groups whose processes live through it (the web server, the database, the broker). On a
    machine where every core is busy the requests' throughput is bound by these figures, which is why a bench
    prints them beside its rates: they say where the time went, process by process.
    """

    def __init__(self, groups: dict[str, object]):
        self.groups = groups
        self.seconds: dict[str, float] = {}
        self.machine: float | None = None

    def _snapshot(self) -> tuple[dict[str, dict[int, float]], float | None]:
        used = {}
        for name, pids in self.groups.items():
            used[name] = {pid: cpu for pid in pids() if (cpu := process_cpu(pid)) is not None}
        return used, machine_busy()

    def __enter__(self):
        self._before, self._machine_before = self._snapshot()
        return self

    def __exit__(self, *exc):
        after, machine_after = self._snapshot()
        for name, used in after.items():
            before = self._before.get(name, {})
            self.seconds[name] = sum(cpu - before.get(pid, 0.0) for pid, cpu in used.items())
        if machine_after is not None and self._machine_before is not None:
            self.machine = machine_after - self._machine_before
        return False


def signed_in(client, user):
    """Sign ``user`` in on a test ``client`` as the sign-in page does, second factor included (staff must
    have one): a confirmed authenticator device, and the session marked verified as django-otp does."""
    from django_otp import DEVICE_ID_SESSION_KEY

    from mash.security import mfa

    client.force_login(user)
    if mfa.required_for(user):
        session = client.session
        session[DEVICE_ID_SESSION_KEY] = mfa.ensure_confirmed_device(user).persistent_id
        session.save()
    return client


def time_get(client, url: str, runs: int, **headers) -> tuple[list[float], int]:
    """``runs`` GETs of ``url``: each one's time in ms, and the statements one of them runs. The statements are
    counted on an extra, untimed request: counting them routes every statement through Django's debug cursor,
    which is not what production pays. Fails rather than time a page that does not answer 200."""
    import time

    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    connection.queries_log.clear()  # it keeps the last 9,000 statements: a full log would count none
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url, headers=headers)
    if response.status_code != 200:
        raise SystemExit(f"FAILED: {url} answered {response.status_code}")
    queries = len(captured)
    timings = []
    for _ in range(runs):
        started = time.perf_counter()
        response = client.get(url, headers=headers)
        timings.append((time.perf_counter() - started) * 1000)
        if response.status_code != 200:
            raise SystemExit(f"FAILED: {url} answered {response.status_code}")
    return timings, queries
