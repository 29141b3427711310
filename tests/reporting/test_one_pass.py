"""The dashboard reads each figures table once (PostgreSQL's grouping sets) and gives exactly the figures the
one-query-per-breakdown computation gives (the SQLite default's, and the dashboard's before): every count,
percentage, breakdown, trend point, median and 90th percentile, for any range, interval and team."""

from datetime import date

import pytest
import time_machine

from mash import tenancy
from reporting import selectors
from reporting.selectors import Filters
from tests.reporting.conftest import NOW

pytestmark = pytest.mark.django_db

CASES = [
    ("2026-08-01", "2026-09-30", "week", False),
    ("2026-01-01", "2026-12-31", "month", False),
    ("2026-01-01", "2026-12-31", "week", True),
    ("2026-03-01", "2026-06-30", "day", False),
    ("2026-03-01", "2026-06-30", "day", True),
    ("2025-01-01", "2026-12-31", "month", False),
    ("2030-01-01", "2030-01-31", "week", False),  # nothing in it
]


@pytest.mark.parametrize(("start", "end", "interval", "by_team"), CASES)
def test_one_pass_gives_every_figure_the_per_breakdown_queries_give(generated, start, end, interval, by_team):
    tenant = generated["tenant"]
    team = generated["team"] if by_team else None
    filters = Filters(date.fromisoformat(start), date.fromisoformat(end), team, interval)
    with tenancy.tenant_context(tenant):
        one_pass = selectors._timeliness(filters, now=NOW, tenant=tenant, one_pass=True)
        by_query = selectors._timeliness(filters, now=NOW, tenant=tenant, one_pass=False)
    assert one_pass == by_query
    if start.startswith("2026"):
        assert one_pass["contacts"] > 0 and one_pass["times"]["decision"], "the case must cover some figures"
        assert one_pass["times"]["decision"][0]["median"] is not None


def test_the_api_gives_the_per_breakdown_figures(generated, api_as):
    tenant = generated["tenant"]
    query = {"from": "2026-01-01", "to": "2026-12-31", "interval": "month"}
    with time_machine.travel(NOW, tick=False):
        data = api_as(generated["manager"]).get("/api/v1/dashboard/timeliness/", query).data
        with tenancy.tenant_context(tenant):
            expected = selectors._timeliness(
                Filters(date(2026, 1, 1), date(2026, 12, 31), None, "month"), now=NOW, tenant=tenant, one_pass=False
            )
    assert data == expected
    assert data["times"]["return_by_rating"] and data["times"]["early_help_review"]
