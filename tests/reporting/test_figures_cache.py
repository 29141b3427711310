"""The dashboard keeps what it read from the figures tables in the cache, under the tenant's figures version:
asked again it answers without reading them, and never from before a change (a refresh, a rebuild, a record
deleted, a team's members changed), nor from another tenant's reading."""

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from contacts.models import Contact
from mash import tenancy
from mash.models import TeamMember
from mash.roles import Role
from reporting import selectors
from tests.contacts.builders import make_contact
from tests.reporting.builders import RANGE

pytestmark = pytest.mark.django_db
LONDON = ZoneInfo("Europe/London")
URL = "/api/v1/dashboard/timeliness/"
# The passes over the figures tables (counts grouped, times by percentile); open breaches, the strategy
# discussions and the advice line's calls are read live on every call.
PASSES = ("GROUP", "percentile_cont")


def _read(client, params=RANGE):
    with CaptureQueriesContext(connection) as captured:
        response = client.get(URL, params)
    assert response.status_code == 200, response.content[:300]
    passes = [
        q["sql"] for q in captured.captured_queries if "reporting_" in q["sql"] and any(p in q["sql"] for p in PASSES)
    ]
    return response.data, passes


def _uncached(history, **filters):
    with tenancy.tenant_context(history["tenant"]):
        chosen = selectors.Filters(datetime(2026, 8, 1).date(), datetime(2026, 9, 30).date(), **filters)
        return selectors._timeliness(
            chosen, now=None, tenant=history["tenant"], one_pass=connection.vendor == "postgresql", cached=False
        )


def test_asked_again_the_dashboard_answers_from_the_cache_with_the_same_figures(history, api_as):
    client = api_as(history["manager"])
    first, first_passes = _read(client)
    again, again_passes = _read(client)
    assert first_passes, "the first reading passes over the figures tables"
    assert again_passes == [], "asked again with nothing changed, they are not read again"
    assert again == first
    fresh = _uncached(history)
    for figure in ("contacts", "children", "decisions", "returns", "ratings", "outcomes", "times", "trend"):
        assert again[figure] == fresh[figure], figure


def test_a_decision_recorded_after_a_reading_shows_at_once(history, api_as, django_capture_on_commit_callbacks):
    client = api_as(history["manager"])
    before, _ = _read(client)
    with tenancy.tenant_context(history["tenant"]), django_capture_on_commit_callbacks(execute=True):
        contact = Contact.objects.get(pk=history["c3"].pk)
        contact.outcome, contact.status = "strategy_discussion", "decided"
        contact.decided_at = datetime(2026, 9, 9, 16, 0, tzinfo=LONDON)
        contact.save()
    after, passes = _read(client)
    assert passes, "the refresh gave the figures a new version: read afresh"
    assert (before["decisions"], after["decisions"]) == (4, 5)
    assert after["outcomes"]["strategy_discussion"] == before["outcomes"]["strategy_discussion"] + 1


def test_a_new_contact_and_a_deleted_one_change_the_count(hub, api_as, django_capture_on_commit_callbacks):
    client = api_as(hub["manager"])
    assert _read(client)[0]["contacts"] == 0
    with django_capture_on_commit_callbacks(execute=True):
        added = make_contact(hub["tenant"], "k-cache", received_at="2026-09-10T10:00:00+01:00")
    assert _read(client)[0]["contacts"] == 1
    # Retention's purge deletes the record; its facts go with it (on_delete=CASCADE).
    with tenancy.tenant_context(hub["tenant"]), django_capture_on_commit_callbacks(execute=True):
        Contact.objects.filter(pk=added.pk).delete()
    assert _read(client)[0]["contacts"] == 0


def test_a_rebuild_that_repairs_a_fact_shows_at_once(history, api_as):
    from reporting.services import rebuild

    client = api_as(history["manager"])
    before, _ = _read(client)
    with tenancy.tenant_context(history["tenant"]):
        # A bulk update sends no signal: the facts are wrong until the nightly rebuild repairs them.
        Contact.objects.filter(pk=history["c2"].pk).update(outcome="assessment")
        rebuild(tenant=history["tenant"])
    after, passes = _read(client)
    assert passes, "the repaired month is read again"
    assert after["outcomes"]["assessment"] == before["outcomes"]["assessment"] + 1
    assert after["outcomes"]["nfa"] == before["outcomes"]["nfa"] - 1


def test_a_team_joined_by_a_worker_counts_their_work_at_once(history, api_as):
    client = api_as(history["manager"])
    team = {**RANGE, "team": history["team"].pk}
    before, _ = _read(client, team)
    assert before["contacts"] == 1  # the team's one member decided c1
    with tenancy.tenant_context(history["tenant"]):
        # c2 was decided by nobody in the team; give it a worker, then put that worker in the team (no fact
        # changes when they join: the members decide which facts count).
        Contact.objects.filter(pk=history["c2"].pk).update(assigned_to=history["triage"])
        from reporting.services import refresh

        refresh(tenant_id=history["tenant"].pk, contacts=[history["c2"].pk])
        middle, _ = _read(client, team)
        assert middle["contacts"] == 1
        TeamMember.objects.create(team=history["team"], user=history["triage"])
    after, passes = _read(client, team)
    assert passes, "a change of members is a different reading"
    assert after["contacts"] == 2
    fresh = _uncached(history, team=history["team"])
    for figure in ("contacts", "decisions", "returns", "outcomes", "times", "trend"):
        assert after[figure] == fresh[figure], figure


def test_another_tenant_never_gets_this_tenants_reading(history, api_as, tenant_b, make_user):
    api_as(history["manager"]).get(URL, RANGE)  # tenant A's reading, in the cache
    other = make_user(tenant_b, Role.MANAGER, username="b-manager")
    data, passes = _read(api_as(other))
    assert passes, "tenant B reads its own figures tables"
    assert (data["contacts"], data["decisions"], data["returns"]) == (0, 0, 0)
