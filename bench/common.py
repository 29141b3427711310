"""What every benchmark does before measuring: make its database if missing, set Django up, migrate.

Benchmarks import this after putting the repository root on ``sys.path`` (they run as scripts too).
"""

from __future__ import annotations

import os
import statistics


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
    """Fresh planner statistics after a bulk load, as autovacuum gives production (ANALYZE is the
    owner's: the application role may not). Without it the figures are two to three times too slow."""
    from django.db import connection

    from mash.security.rls import owner_mode

    with owner_mode(), connection.cursor() as cursor:
        for table in tables:
            cursor.execute(f"ANALYZE {connection.ops.quote_name(table)}")


def current_role() -> str:
    """The role the bench's queries run as (printed beside the figures; ``mash_app`` in production)."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT current_user")
        return cursor.fetchone()[0]


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
