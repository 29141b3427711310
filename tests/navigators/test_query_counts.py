"""The workspace (and the API list) cost the same number of queries however many requests there are."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.navigators.builders import open_enquiry

pytestmark = pytest.mark.django_db


def _queries(client, url, **kwargs):
    client.get(url, **kwargs)  # warm the process-wide caches (content types), as a running server has them
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url, **kwargs)
    assert response.status_code == 200
    return len(captured)


def _open(hub, n, start=0):
    for i in range(start, start + n):
        open_enquiry(
            hub,
            f"busy-{i}",
            rating=("red", "amber", "green")[i % 3],
            children=[
                {"first_name": "Leo", "last_name": f"Hart{i}", "date_of_birth": "2025-04-02"},
                {"first_name": "Mia", "last_name": f"Hart{i}", "date_of_birth": "2021-01-09"},
            ],
        )


@pytest.mark.parametrize("who", ["nav_police", "lead_police"])
def test_the_workspace_costs_a_fixed_number_of_queries(hub, client, who):
    client.force_login(getattr(hub, who))
    _open(hub, 2)
    few = _queries(client, "/navigators/?status=all")
    _open(hub, 12, start=2)
    many = _queries(client, "/navigators/?status=all")
    assert few == many
    # session, user, tenant, requests (the grant checks are sub-selects of it), children, the audit event
    # of the read, ratings for the filter, the header's unread count, the agency's name, (leads) breaches,
    # the tenant's "due soon" point for returns (clock policies), the total and the strip of counts over every
    # request the filters keep (one aggregate: the page shows fifty at a time).
    assert many <= 12


def test_the_htmx_refresh_costs_a_fixed_number_of_queries(hub, client):
    client.force_login(hub.nav_police)
    _open(hub, 1)
    few = _queries(client, "/navigators/", headers={"HX-Request": "true"})
    _open(hub, 10, start=1)
    assert _queries(client, "/navigators/", headers={"HX-Request": "true"}) == few


@pytest.mark.parametrize("who", ["nav_police", "manager"])
def test_the_api_list_costs_a_fixed_number_of_queries(hub, api_as, who):
    client = api_as(getattr(hub, who))
    _open(hub, 2)
    few = _queries(client, "/api/v1/information-requests/")
    _open(hub, 10, start=2)
    assert _queries(client, "/api/v1/information-requests/") == few


def _statements_to_ask(hub, key, agencies) -> list[str]:
    from django.utils import timezone

    from mash import tenancy
    from navigators import services
    from tests.contacts.builders import make_contact
    from thresholds.models import Rating

    contact = make_contact(hub.tenant, key)
    # The hub's calendar was set up in this test's (never committed) transaction, so this connection reads it
    # fresh for each deadline; in production it was committed long ago and is cached: forget that it changed.
    connection.__dict__.pop("_mash_settings_changing", None)
    with tenancy.tenant_context(hub.tenant):
        red = Rating.objects.get(code="red")
        with CaptureQueriesContext(connection) as captured:
            services.open_requests(contact=contact, rating=red, agencies=agencies, actor=hub.triage, at=timezone.now())
    return [q["sql"] for q in captured.captured_queries]


# Each agency asked costs its request and its clock, and nothing read again: the return clock's policy
# and ladder are read once for the rating (deadlines.services.same_policies), and kept in the process until the
# tenant's settings change (mash.tenant_settings), the clocks and the audit events of every request and clock are
# written in one statement (mash.inserts.batched), and no savepoint guards a clock on a request made just before.
# Each more agency cost twelve statements once, then two (its request and its clock), now one (its request).
STATEMENTS_PER_AGENCY_ASKED = 1


def test_asking_each_more_agency_costs_only_its_own_rows(hub):
    _statements_to_ask(hub, "first", [hub.police, hub.health, hub.education])  # makes each agency's group once
    one = _statements_to_ask(hub, "ask-one", [hub.police])
    three = _statements_to_ask(hub, "ask-three", [hub.police, hub.health, hub.education])
    assert (len(three) - len(one)) / 2 <= STATEMENTS_PER_AGENCY_ASKED, "\n".join(three)
    # The return clock's policy, ladder and calendar: kept since the first ask, until the settings change.
    settings = ("thresholds_clockpolicy", "mash_escalationstep", "thresholds_calendarsettings")
    assert not [sql for sql in three if any(f'FROM "{table}"' in sql for table in settings)]
    assert sum('INSERT INTO "mash_auditevent"' in sql for sql in three) == 1
    clocks = [sql for sql in three if 'INSERT INTO "mash_clock"' in sql]
    assert len(clocks) == 1 and 'INSERT INTO "mash_auditevent"' in clocks[0]  # the three clocks, with the events
    savepoints = [sum(sql.startswith("SAVEPOINT") for sql in statements) for statements in (one, three)]
    assert savepoints[0] == savepoints[1]  # none per clock
