"""Only managers and heads of service see the dashboard, and only their own tenant's figures."""

import pytest

from mash.roles import Role
from reporting.services import rebuild
from tests.contacts.builders import make_contact
from tests.reporting.builders import RANGE

pytestmark = pytest.mark.django_db

API = "/api/v1/dashboard/timeliness/"
PAGES = [("/dashboard/", RANGE), ("/dashboard/records/contacts/", RANGE), ("/dashboard/figures.csv", RANGE),
         ("/dashboard/annex-a/", {}), ("/dashboard/annex-a/download/", {"list": "1", "on": "2026-09-30"})]  # fmt: skip
BOUNDS = "Enter a date between 1900 and 2100."
REVERSED = "The end date must be the same as or after the start date."
OTHERS = ["triage", "admin", "ehcoord", "referrer", "nav_police", "lead_police"]


@pytest.mark.parametrize("who", OTHERS)
def test_other_roles_may_not_read_the_figures(history, api_as, client, who):
    assert api_as(history[who]).get(API, RANGE).status_code == 403
    client.force_login(history[who])
    for page, query in PAGES:
        assert client.get(page, query).status_code == 403, page


@pytest.mark.parametrize("role", [Role.MANAGER, Role.HEAD])
def test_managers_and_heads_read_the_figures_and_pages(history, api_as, client, role):
    assert api_as(history[role]).get(API, RANGE).data["contacts"] == 5
    client.force_login(history[role])
    for page, query in PAGES:
        assert client.get(page, query).status_code == 200, page


def test_signed_out_people_get_nothing(history, client):
    assert client.get(API, RANGE).status_code in (401, 403)
    assert client.get("/dashboard/", RANGE).status_code == 302


def test_figures_are_only_the_callers_tenant(history, tenant_b, make_user, api_as):
    other = make_contact(tenant_b, "b-1", received_at="2026-09-10T10:00:00+01:00")
    rebuild(tenant=tenant_b)
    theirs = api_as(make_user(tenant_b, Role.MANAGER)).get(API, RANGE).data
    assert (theirs["contacts"], theirs["children"], theirs["returns"]) == (1, 1, 0)
    mine = api_as(history["manager"]).get(API, RANGE).data
    assert mine["contacts"] == 5
    assert other.reference not in str(mine)


def test_another_tenants_team_is_refused_as_unknown(history, tenant_b, api_as):
    from mash import tenancy
    from mash.models import Team

    with tenancy.tenant_context(tenant_b):
        theirs = Team.objects.create(name="Beta team")
    response = api_as(history["manager"]).get(API, {**RANGE, "team": theirs.pk})
    assert response.status_code == 400
    assert response.data == {"team": ["Choose one of your hub's teams."]}


def test_another_tenants_records_never_show_in_the_drill_down(history, tenant_b, client):
    other = make_contact(tenant_b, "b-2", received_at="2026-09-10T10:00:00+01:00")
    rebuild(tenant=tenant_b)
    client.force_login(history["manager"])
    page = client.get("/dashboard/records/contacts/", RANGE).content.decode()
    assert "ALP-2026-000001" in page and other.reference not in page


@pytest.mark.parametrize(
    ("query", "errors"),
    [
        ({}, {"from": ["Enter a date."], "to": ["Enter a date."]}),
        ({"from": "2026-09-30", "to": "2026-09-01"}, {"to": [REVERSED]}),
        ({"from": "2026-02-30", "to": "2026-09-01"}, {"from": ["Enter a real date, for example 2026-03-31."]}),
        ({"from": "yesterday", "to": "2026-09-01"}, {"from": ["Enter a real date, for example 2026-03-31."]}),
        ({**RANGE, "interval": "year"}, {"interval": ["Choose day, week or month."]}),
        ({"from": "0001-01-01", "to": "9999-12-31"}, {"from": [BOUNDS], "to": [BOUNDS]}),
        ({**RANGE, "team": "x"}, {"team": ["Choose one of your hub's teams."]}),
    ],
)
def test_bad_dates_are_a_400_with_the_field_and_the_reason(history, api_as, query, errors):
    response = api_as(history["manager"]).get(API, query)
    assert response.status_code == 400
    assert response.data == errors


def test_a_bad_range_on_the_page_shows_an_error_summary(history, client):
    client.force_login(history["manager"])
    response = client.get("/dashboard/", {"from": "2026-09-30", "to": "2026-09-01"})
    assert response.status_code == 400
    assert "govuk-error-summary" in response.content.decode()


def test_teams_are_listed_for_the_dashboard_filter(history, api_as):
    response = api_as(history["manager"]).get("/api/v1/teams/")
    assert response.status_code == 200
    assert response.data["results"] == [
        {"id": history["team"].pk, "name": "MASH team A", "active": True, "members": ["a-worker"]}
    ]
    assert api_as(history["triage"]).get("/api/v1/teams/").status_code == 403


def test_the_page_takes_its_dates_in_gov_uk_date_inputs_and_still_reads_a_links_dates(history, client):
    """The browser's date picker showed 09/05/2026 or 05/09/2026 by the browser's language; the page now has
    day, month and year boxes, as the audit log. Its links (and bookmarks) still carry ISO dates."""
    from tests.text import read

    client.force_login(history["manager"])
    typed = {
        "from-day": "1",
        "from-month": "8",
        "from-year": "2026",
        "to-day": "30",
        "to-month": "9",
        "to-year": "2026",
    }
    by_boxes = client.get("/dashboard/", typed)
    assert by_boxes.status_code == 200
    html = by_boxes.content.decode()
    assert 'name="from-day"' in html and 'value="30"' in html and 'type="date"' not in html
    assert "Figures for contacts received from 1 August 2026 to 30 September 2026" in read(html)
    assert "/dashboard/records/contacts/?from=2026-08-01&amp;to=2026-09-30" in html  # its links: ISO dates
    by_link = client.get("/dashboard/", RANGE).content.decode()
    assert "5 contacts" in read(by_link) and "5 contacts" in read(html)


def test_a_date_typed_wrong_on_the_page_is_named_linked_to_its_box_and_kept(history, client):
    client.force_login(history["manager"])
    typed = {"from-day": "31", "from-month": "2", "from-year": "2026", "to-day": "", "to-month": "", "to-year": ""}
    response = client.get("/dashboard/", typed)
    assert response.status_code == 400
    html = response.content.decode()
    assert '<a href="#id_from-day">The start date must be a real date</a>' in html
    assert '<a href="#id_to-day">Enter the end date</a>' in html
    assert 'id="id_from-day" name="from-day" type="text" inputmode="numeric" value="31"' in html
