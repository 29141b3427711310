"""The planner expects the largest tenant's share of a table, not the average tenant's (mash.tenant_statistics).

Under row-level security PostgreSQL plans without knowing which tenant asks; left to itself it expects one row in
as many as there are tenants, and planned the largest council's queue as if it were the average one's (a hash of
the whole register instead of 76 look-ups, bench/national.py). After ``plan_for_the_largest_tenant`` a query as the
largest tenant is planned for its rows."""

import json
from datetime import date, timedelta

import pytest
from django.core.management import call_command
from django.db import connection

from contacts.matching import register_fields
from contacts.models import Person
from mash import tenancy
from mash.security import rls
from mash.tenant_statistics import plan_for_the_largest_tenant
from tests.factories import TenantFactory

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's planner statistics"),
]


def _register(tenant, n):
    with tenancy.tenant_context(tenant):
        Person.objects.bulk_create(
            Person(
                tenant=tenant, **register_fields(f"Kid{i}", "Hart", date(2015, 1, 1) + timedelta(days=i), "CB12AB", "F")
            )
            for i in range(n)
        )


def _planned_rows_as(tenant) -> float:
    """The rows the planner expects a tenant's read of the whole register to return (row-level security alone
    picks them: the query names no tenant)."""
    with tenancy.tenant_context(tenant), connection.cursor() as cursor:  # scoping: allowed - RLS scopes it
        cursor.execute("EXPLAIN (FORMAT JSON) SELECT id FROM contacts_person")
        plan = cursor.fetchone()[0]
    return (json.loads(plan) if isinstance(plan, str) else plan)[0]["Plan"]["Plan Rows"]


def _analyze():
    with rls.owner_mode(), connection.cursor() as cursor:  # scoping: allowed - statistics, as autovacuum takes them
        # The test's transaction holds the rows' deferred foreign-key checks; checked now, the table may be altered
        # in it (production runs this after migrate's or the command's own transactions, with nothing pending).
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        cursor.execute("ANALYZE contacts_person")


def test_a_read_as_the_largest_tenant_is_planned_for_its_rows_not_the_average_tenants():
    large, *small = [TenantFactory(slug=f"council-{i}", reference_prefix=f"C{i:02d}") for i in range(10)]
    _register(large, 900)
    for tenant in small:
        _register(tenant, 10)
    _analyze()
    assert _planned_rows_as(large) < 300, "left to itself, the planner expects the average tenant's rows"

    planned = plan_for_the_largest_tenant()

    assert planned["contacts_person"] == 1  # the large council holds 90 % of the register: one tenant in one
    assert _planned_rows_as(large) >= 900 * 0.8
    _analyze()  # autovacuum's next ANALYZE keeps the setting
    assert _planned_rows_as(large) >= 900 * 0.8


def test_councils_of_one_size_are_planned_as_the_number_of_councils_and_the_command_says_so(capsys):
    councils = [TenantFactory(slug=f"even-{i}", reference_prefix=f"E{i:02d}") for i in range(4)]
    for tenant in councils:
        _register(tenant, 50)
    _analyze()
    call_command("plan_for_the_largest_tenant")
    out = capsys.readouterr().out
    assert "contacts_person: planned as one tenant in 4" in out
    assert 40 <= _planned_rows_as(councils[0]) <= 60
