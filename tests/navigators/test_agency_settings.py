"""A council's administrator keeps its partner agencies: sees each with its navigators, leads and questions,
adds one (its identifier made from the name), renames it, retires and reinstates it. Audited; another
council's agency is not found; other roles are refused."""

import pytest
from django.test import Client

from mash import tenancy
from mash.models import Agency
from mash.roles import Role
from navigators.models import InformationRequest
from tests.audit_helpers import audit_event, audit_events
from tests.factories import AgencyFactory, UserFactory
from tests.navigators.builders import open_enquiry

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(hub):
    client = Client()
    client.force_login(hub.admin)
    return client


def _agency(tenant, slug):
    with tenancy.tenant_context(tenant):
        return Agency.objects.get(slug=slug)


def test_the_list_shows_each_agency_with_its_navigators_leads_and_questions(hub, admin_client):
    open_enquiry(hub)
    html = admin_client.get("/settings/agencies/").content.decode()
    assert "Partner agencies" in html
    for name in ("a-nav-police", "a-nav-police-2", "a-lead-police", "a-nav-health", "a-lead-health"):
        assert name in html
    assert "Agency lead" in html and "Agency navigator" in html
    assert 'href="/navigators/settings/questions/police/"' in html
    assert "1 sent, 1 open" in html  # police and health were each asked once


def test_adding_an_agency_makes_its_identifier_from_the_name_and_goes_on_to_its_questions(hub, admin_client):
    response = admin_client.post("/settings/agencies/add/", {"name": "  Youth Justice   Service "})
    assert response.status_code == 302 and response.url == "/navigators/settings/questions/youth-justice-service/"
    agency = _agency(hub.tenant, "youth-justice-service")
    assert agency.name == "Youth Justice Service" and agency.active and agency.tenant == hub.tenant
    event = audit_event(hub.tenant, action="agency.created", object_id=str(agency.pk))
    assert event.actor == hub.admin and event.changes["name"] == "Youth Justice Service"
    assert "Youth Justice Service" in admin_client.get("/settings/agencies/").content.decode()


@pytest.mark.parametrize(
    "name, message",
    [
        ("", "Enter the agency&#x27;s name"),
        ("police", "Your hub already has an agency called Police."),
        ("!!!", "Enter a name with at least one letter or number."),
        ("x" * 201, "The agency&#x27;s name must be 200 characters or fewer"),
    ],
)
def test_a_bad_or_taken_name_is_a_field_error_that_keeps_what_was_typed(hub, admin_client, name, message):
    with tenancy.tenant_context(hub.tenant):
        count = Agency.objects.count()
    response = admin_client.post("/settings/agencies/add/", {"name": name})
    html = response.content.decode()
    assert response.status_code == 400
    assert "There is a problem" in html and 'href="#id_name"' in html and message in html
    assert f'value="{name}"' in html
    with tenancy.tenant_context(hub.tenant):
        assert Agency.objects.count() == count


def test_the_same_name_in_another_council_is_fine(hub, other_hub, admin_client):
    response = admin_client.post("/settings/agencies/add/", {"name": "Fire and Rescue"})
    assert response.status_code == 302
    other = Client()
    other.force_login(other_hub.admin)
    assert other.post("/settings/agencies/add/", {"name": "Fire and Rescue"}).status_code == 302
    assert _agency(hub.tenant, "fire-and-rescue").tenant == hub.tenant
    assert _agency(other_hub.tenant, "fire-and-rescue").tenant == other_hub.tenant


def test_a_retired_agencys_name_is_refused_with_a_pointer_to_reinstate_it(hub, admin_client):
    admin_client.post("/settings/agencies/education/retire/")
    html = admin_client.post("/settings/agencies/add/", {"name": "EDUCATION"}).content.decode()
    assert "Your hub already has an agency called Education (retired: reinstate it instead)." in html


def test_renaming_keeps_the_identifier_and_the_history(hub, admin_client):
    _contact, requests = open_enquiry(hub)
    response = admin_client.post("/settings/agencies/police/rename/", {"name": "Constabulary"})
    assert response.status_code == 302 and response.url == "/settings/agencies/"
    police = _agency(hub.tenant, "police")
    assert police.name == "Constabulary"
    with tenancy.tenant_context(hub.tenant):
        assert InformationRequest.objects.get(pk=requests["police"].pk).agency == police
    event = audit_event(hub.tenant, action="agency.renamed", object_id=str(police.pk))
    assert event.changes == {"name": ["Police", "Constabulary"]}
    taken = admin_client.post("/settings/agencies/police/rename/", {"name": "health"})
    assert taken.status_code == 400 and "Your hub already has an agency called Health." in taken.content.decode()
    assert _agency(hub.tenant, "police").name == "Constabulary"


def test_retiring_and_reinstating_are_audited_and_shown(hub, admin_client):
    open_enquiry(hub)
    confirm = admin_client.get("/settings/agencies/police/retire/").content.decode()
    assert "Retire Police?" in confirm and "1 request is still open" in confirm
    assert admin_client.post("/settings/agencies/police/retire/").status_code == 302
    police = _agency(hub.tenant, "police")
    assert not police.active
    listing = admin_client.get("/settings/agencies/").content.decode()
    assert "Retired" in listing and "Reinstate<span" in listing
    settings_page = admin_client.get("/navigators/settings/").content.decode()
    assert "/navigators/settings/questions/police/" not in settings_page  # asked nothing new: no questions
    again = admin_client.post("/settings/agencies/police/retire/", follow=True).content.decode()
    assert "Police is already retired." in again
    admin_client.post("/settings/agencies/police/reinstate/")
    assert _agency(hub.tenant, "police").active
    actions = [e.action for e in audit_events(hub.tenant, object_id=str(police.pk), action__startswith="agency.")]
    assert sorted(actions) == ["agency.reinstated", "agency.retired"]


def test_a_retired_agencys_staff_still_see_and_answer_their_open_requests(hub, admin_client):
    _contact, requests = open_enquiry(hub)
    admin_client.post("/settings/agencies/police/retire/")
    navigator = Client()
    navigator.force_login(hub.nav_police)
    page = navigator.get(f"/navigators/requests/{requests['police'].pk}/")
    assert page.status_code == 200 and requests["police"].contact.reference in page.content.decode()


def test_another_councils_agency_is_not_found_and_unchanged(hub, admin_client, tenant_b):
    theirs = AgencyFactory(tenant=tenant_b, slug="beta-only", name="Beta Only")
    assert admin_client.get("/settings/agencies/beta-only/rename/").status_code == 404
    assert admin_client.get("/settings/agencies/beta-only/retire/").status_code == 404
    for path in ("rename/", "retire/", "reinstate/"):
        assert admin_client.post(f"/settings/agencies/beta-only/{path}", {"name": "Mine now"}).status_code == 404
    theirs = _agency(tenant_b, "beta-only")
    assert theirs.name == "Beta Only" and theirs.active
    assert "Beta Only" not in admin_client.get("/settings/agencies/").content.decode()


@pytest.mark.parametrize("role", [r for r in Role.values if r != Role.ADMIN])
def test_only_administrators_open_the_agency_pages(hub, role):
    client = Client()
    user = UserFactory(
        tenant=hub.tenant, role=role, agency=hub.police if role in ("navigator", "agency_lead") else None
    )
    client.force_login(user)
    assert client.get("/settings/agencies/").status_code == 403
    assert client.get("/settings/agencies/add/").status_code == 403
    assert client.post("/settings/agencies/add/", {"name": "Sneaky"}).status_code == 403
    assert client.post("/settings/agencies/police/retire/").status_code == 403
    assert _agency(hub.tenant, "police").active


def test_the_list_costs_the_same_queries_however_many_agencies_and_staff(
    hub, admin_client, django_assert_max_num_queries
):
    admin_client.get("/settings/agencies/")
    with django_assert_max_num_queries(12) as few:
        admin_client.get("/settings/agencies/")
    for i in range(6):
        agency = AgencyFactory(tenant=hub.tenant, slug=f"extra-{i}", name=f"Extra {i}")
        UserFactory(tenant=hub.tenant, role=Role.NAVIGATOR, agency=agency)
        UserFactory(tenant=hub.tenant, role=Role.AGENCY_LEAD, agency=agency)
    open_enquiry(hub, "more", agencies=[hub.police, hub.health, hub.education])
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = admin_client.get("/settings/agencies/")
    assert "Extra 5" in response.content.decode()
