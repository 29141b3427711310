"""The dashboard reads each figures table once (PostgreSQL's grouping sets) and gives exactly the figures the
one-query-per-breakdown computation gives (the SQLite default's, and the dashboard's before): every count,
percentage, breakdown, trend point, median and 90th percentile, for any range, interval and team."""

import random
from datetime import date, timedelta

import pytest
import time_machine

from earlyhelp.models import EarlyHelpChild, EarlyHelpRequest
from mash import tenancy
from navigators.models import InformationRequest
from reporting import selectors, services
from reporting.selectors import Filters
from tests.reporting.conftest import _contact, _person, at

pytestmark = pytest.mark.django_db

NOW = at(2026, 12, 20, 12)
OUTCOMES = ["nfa", "advice", "early_help", "assessment", "strategy_discussion", "other_service"]
SOURCES = ["6", "2A", "3A", "5A", "1A"]


@pytest.fixture
def generated(history):
    """The hand-checkable history and 120 seeded-random contacts across 2026: many outcomes, ratings, sources,
    workers (some in the team), decision times in minutes, returns early, late and missing, early help
    reviewed or not, children seen before."""
    rng = random.Random(22)
    tenant, agencies = history["tenant"], list(history["agencies"].values())
    with tenancy.tenant_context(tenant):
        from thresholds.models import Rating

        ratings = list(Rating.objects.all())
        pool = [_person(f"Kid{i}", date(2014, 1, 1) + timedelta(days=i)) for i in range(25)]
        for n in range(120):
            received = at(2026, 1, 5, 8) + timedelta(minutes=rng.randrange(0, 340 * 24 * 60))
            decided = received + timedelta(minutes=rng.randrange(5, 4 * 24 * 60)) if rng.random() < 0.9 else None
            contact = _contact(
                500 + n, received, children=rng.sample(pool, rng.choice([1, 1, 2, 3])), source=rng.choice(SOURCES),
                rating=rng.choice(ratings) if decided else None, outcome=rng.choice(OUTCOMES) if decided else None,
                decided=decided, status="decided" if decided else "in_triage",
                worker=rng.choice([history["worker"], history["triage"], None]),
            )  # fmt: skip
            for agency in rng.sample(agencies, rng.randrange(0, 3)):
                requested = received + timedelta(minutes=rng.randrange(10, 600))
                due = requested + timedelta(hours=rng.choice([6, 24]))
                returned = requested + timedelta(minutes=rng.randrange(30, 3000)) if rng.random() < 0.8 else None
                InformationRequest.objects.create(
                    contact=contact, agency=agency, rating=rng.choice(ratings), requested_at=requested, due_at=due,
                    returned_at=returned, status="returned" if returned else "requested",
                )  # fmt: skip
            if rng.random() < 0.3:
                given = received + timedelta(minutes=rng.randrange(60, 5000)) if rng.random() < 0.7 else None
                request = EarlyHelpRequest.objects.create(
                    reference=f"EH-ALP-2026-{500 + n:06d}", contact=contact if rng.random() < 0.5 else None,
                    received_at=received, review_due_at=received + timedelta(hours=48),
                    outcome=rng.choice(["district_service", "signpost", "advice"]) if given else "",
                    outcome_at=given, status="outcome_given" if given else "received",
                )  # fmt: skip
                EarlyHelpChild.objects.create(request=request, first_name="Kid", last_name="Hart", sex="F")
        services.rebuild(tenant=tenant)
    return history


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
