"""API.md round 2: the timeliness figures count the advice line's consultations (by the local date recorded)
and the share of strategy discussions held by their clock's due time (conftest.py's history)."""

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine

from mash.roles import Role
from tests.reporting.builders import RANGE, consultation, strategy_discussion

pytestmark = pytest.mark.django_db

URL = "/api/v1/dashboard/timeliness/"
LONDON = ZoneInfo("Europe/London")
AFTER = "2026-10-05T12:00:00+00:00"  # every clock below is past its due time


def at(y, m, d, hh=0, mm=0):
    return datetime(y, m, d, hh, mm, tzinfo=LONDON)


def figures(api_as, user, query=RANGE):
    with time_machine.travel(AFTER, tick=False):
        response = api_as(user).get(URL, query)
    assert response.status_code == 200, response.content
    return response.data


def test_consultations_in_the_range_count_by_the_local_date_recorded(history, api_as):
    tenant, triage = history["tenant"], history["triage"]
    consultation(tenant, triage, at(2026, 8, 1, 0, 15))  # 31 July 23:15 UTC: 1 August in London
    consultation(tenant, triage, at(2026, 9, 10, 11), organisation_type="health")
    consultation(tenant, history["manager"], at(2026, 9, 30, 23, 30))
    consultation(tenant, triage, at(2026, 10, 1, 0, 30))  # 30 September 23:30 UTC, but 1 October here
    data = figures(api_as, history["manager"])
    assert data["consultations"] == 3
    assert data["consultations_by_organisation_type"] == {"school": 2, "health": 1}


def test_another_tenants_consultations_are_never_counted(history, api_as, tenant_b, make_user):
    consultation(history["tenant"], history["triage"], at(2026, 9, 10, 11))
    other = make_user(tenant_b, Role.TRIAGE, username="b-triage")
    for day in (2, 3):
        consultation(tenant_b, other, at(2026, 9, day, 11))
    assert figures(api_as, history["manager"])["consultations"] == 1
    head_b = make_user(tenant_b, Role.HEAD, username="b-head")
    assert figures(api_as, head_b)["consultations"] == 2


def test_no_consultations_is_zero_and_no_strategy_discussions_is_null(history, api_as):
    data = figures(api_as, history["manager"])
    assert data["consultations"] == 0
    assert data["strategy_discussions_within_deadline_pct"] is None


def test_half_the_strategy_discussions_were_held_by_their_due_time(history, api_as):
    # c2 decided Tue 8 Sep 12:00: due Wed 9 Sep 12:00, held the same afternoon.
    on_time = strategy_discussion(history, history["c2"], held_at=at(2026, 9, 8, 15))
    # c4 decided Tue 15 Sep 14:00: due Wed 16 Sep 14:00, held on Thursday.
    late = strategy_discussion(history, history["c4"], held_at=at(2026, 9, 17, 10))
    assert on_time.late_by is None and late.late_by is not None
    # c6 was received after the range: its discussion (held late) is not counted.
    strategy_discussion(history, history["c6"], held_at=at(2026, 10, 5, 10))
    data = figures(api_as, history["manager"])
    assert data["strategy_discussions_within_deadline_pct"] == 50.0


def test_one_never_recorded_past_its_due_time_is_not_within_the_deadline(history, api_as, client):
    strategy_discussion(history, history["c2"], held_at=at(2026, 9, 8, 15))
    unrecorded = strategy_discussion(history, history["c4"])  # due Wed 16 Sep 14:00, still open
    assert unrecorded.met_at is None
    assert figures(api_as, history["manager"])["strategy_discussions_within_deadline_pct"] == 50.0
    # Before its due time it is not yet counted either way.
    with time_machine.travel("2026-09-16T09:00:00+00:00", tick=False):
        early = api_as(history["manager"]).get(URL, RANGE).data
    assert early["strategy_discussions_within_deadline_pct"] == 100.0
    client.force_login(history["manager"])
    with time_machine.travel(AFTER, tick=False):
        page = client.get("/dashboard/", RANGE).content.decode()
    assert "1 of 2 due: 50.0%" in page


def test_the_dashboard_page_shows_both_figures(history, client):
    consultation(history["tenant"], history["triage"], at(2026, 9, 10, 11), organisation_type="police")
    client.force_login(history["manager"])
    page = client.get("/dashboard/", RANGE).content.decode()
    assert "1 consultation recorded in this period" in page
    assert 'id="table-consultations"' in page and "Police" in page
    assert "Strategy discussions within deadline" in page and "none due yet" in page


def test_contacts_bouncing_between_tiers_are_counted_and_listed(
    history, api_as, client, tenant_b, make_user, django_capture_on_commit_callbacks
):
    """Issue 20: Dan's c2 ended in no further action on Tue 8 Sep 2026; he is referred again on 20 September
    (within the default 90 days: bounced, counted) and on 2 October (bounced too, but after the range)."""
    from contacts.models import ReferenceCounter
    from mash import tenancy
    from tests.contacts.builders import make_contact

    dan = {"first_name": "Dan", "last_name": "Hart", "date_of_birth": "2012-09-16", "postcode": "CB1 2AB", "sex": "F"}
    tenant = history["tenant"]
    with tenancy.tenant_context(tenant):
        ReferenceCounter.objects.create(year=2026, last_number=200)  # after the history's own references
    assert figures(api_as, history["manager"])["bounced_contacts"] == 0
    with django_capture_on_commit_callbacks(execute=True):
        back = make_contact(tenant, "dan-back", children=[dan], received_at=at(2026, 9, 20, 10).isoformat())
        make_contact(tenant, "dan-later", children=[dan], received_at=at(2026, 10, 2, 10).isoformat())
        other = make_user(tenant_b, Role.HEAD, username="b-head")
        for key, day in (("b-first", 1), ("b-again", 10)):
            contact = make_contact(tenant_b, key, children=[dan], received_at=at(2026, 9, day, 10).isoformat())
            if key == "b-first":
                with tenancy.tenant_context(tenant_b):
                    type(contact).objects.filter(pk=contact.pk).update(
                        outcome="nfa", status="decided", decided_at=at(2026, 9, 1, 12)
                    )
    assert back.bounce == "after_nfa" and back.bounce_reference == "ALP-2026-000002"
    data = figures(api_as, history["manager"])
    assert data["bounced_contacts"] == 1
    assert figures(api_as, other)["bounced_contacts"] == 1  # tenant B's own child, never tenant A's
    client.force_login(history["manager"])
    with time_machine.travel(AFTER, tick=False):
        page = client.get("/dashboard/", RANGE).content.decode()
        listed = client.get("/dashboard/records/bounced/", RANGE).content.decode()
    assert "Bounced between tiers" in page and "/dashboard/records/bounced/?from=2026-08-01&amp;to=2026-09-30" in page
    assert back.reference in listed and "ALP-2026-000201" == back.reference
    assert "ALP-2026-000202" not in listed
