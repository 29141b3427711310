"""``ensure_db_roles`` run by several processes at once (test workers starting together, two runs sharing one
server): each succeeds, and the roles end as the command makes them."""

import io
import os
import threading

import pytest
from django.core.management import call_command
from django.db import connection

pytestmark = pytest.mark.skipif(
    not os.environ.get("DATABASE_URL", "").startswith(("postgres://", "postgresql://")),
    reason="roles are PostgreSQL's",
)


def test_runs_at_the_same_moment_all_succeed():
    """PostgreSQL refuses a second ALTER ROLE of a role another session is altering ("tuple concurrently updated"):
    without one run at a time, a test worker's session failed at its first fixture, now and then."""
    errors, start = [], threading.Barrier(6)

    def run():
        start.wait()
        try:
            for _ in range(5):
                call_command("ensure_db_roles", app_role="mash_app", system_role="mash_system", stdout=io.StringIO())
        except Exception as exc:  # noqa: BLE001 - asserted below
            errors.append(exc)

    threads = [threading.Thread(target=run) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert errors == []


@pytest.mark.django_db
def test_the_roles_are_as_the_command_makes_them():
    call_command("ensure_db_roles", app_role="mash_app", system_role="mash_system", stdout=io.StringIO())
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT rolname, rolsuper, rolbypassrls, rolcanlogin FROM pg_roles WHERE rolname IN (%s, %s) "
            "ORDER BY rolname",
            ["mash_app", "mash_system"],
        )
        assert cursor.fetchall() == [("mash_app", False, False, True), ("mash_system", False, False, True)]
