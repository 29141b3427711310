"""Another tenant's contact does not exist for triage: every action and page is 404, and nothing changes."""

import pytest
from django.test import Client

from contacts.models import Contact
from mash import tenancy
from navigators.models import InformationRequest
from tests.triage.builders import new_contact
from triage.models import CaseNote, SignsOfSafetyMap

pytestmark = pytest.mark.django_db

API_ACTIONS = [
    ("rating", "triage", {"rating": "red", "rationale": "x"}),
    ("decision", "manager", {"outcome": "nfa", "reason": "x"}),
    ("take", "triage", {}),
]
PAGES = ["", "rating/", "decision/", "signs-of-safety/", "call/", "threshold/", "sharing/"]
POSTS = [
    ("take/", {}),
    ("rating/", {"rating": "red", "rationale": "x"}),
    ("decision/", {"outcome": "nfa", "reason": "x"}),
    ("signs-of-safety/", {"harm": "x"}),
    ("notes/", {"text": "x"}),
    ("call/", {"direction": "outgoing", "spoke_to": "x", "summary": "x"}),
    ("sharing/", {"basis": "with_consent", "explanation": "x"}),
]


@pytest.fixture
def theirs(make_hub):
    return make_hub("cambridgeshire"), make_hub("durham")


def _untouched(hub, contact):
    with tenancy.tenant_context(hub["tenant"]):
        stored = Contact.objects.get(pk=contact.pk)
        assert (stored.status, stored.rating_id, stored.assigned_to_id, stored.version) == ("received", None, None, 1)
        assert not InformationRequest.objects.filter(contact=contact).exists()
        assert not CaseNote.objects.filter(contact=contact).exists()
        assert not SignsOfSafetyMap.objects.filter(contact=contact).exists()


@pytest.mark.parametrize(("action", "role", "body"), API_ACTIONS)
def test_api_actions_on_another_tenants_contact_are_not_found(theirs, api_as, action, role, body):
    mine, other = theirs
    contact = new_contact(other)
    response = api_as(mine[role]).post(f"/api/v1/contacts/{contact.pk}/{action}/", body, format="json")
    assert response.status_code == 404
    _untouched(other, contact)


def test_the_queue_lists_only_the_callers_tenant(theirs, api_as):
    mine, other = theirs
    own, foreign = new_contact(mine), new_contact(other)
    ids = {r["id"] for r in api_as(mine["triage"]).get("/api/v1/triage/queue/").data["results"]}
    assert own.pk in ids and foreign.pk not in ids
    client = Client()
    client.force_login(mine["triage"])
    html = client.get("/triage/").content.decode()
    assert own.reference in html and foreign.reference not in html


@pytest.mark.parametrize("suffix", PAGES)
def test_pages_of_another_tenants_contact_are_not_found(theirs, suffix):
    mine, other = theirs
    contact = new_contact(other)
    client = Client()
    client.force_login(mine["manager"])
    assert client.get(f"/triage/contacts/{contact.pk}/{suffix}").status_code == 404


@pytest.mark.parametrize(("suffix", "body"), POSTS)
def test_page_posts_on_another_tenants_contact_are_not_found_and_change_nothing(theirs, suffix, body):
    mine, other = theirs
    contact = new_contact(other)
    client = Client()
    client.force_login(mine["manager"])
    assert client.post(f"/triage/contacts/{contact.pk}/{suffix}", body).status_code == 404
    _untouched(other, contact)


@pytest.mark.parametrize("who", ["nav_police", "referrer"])
def test_people_outside_the_hub_do_not_see_the_working_record(theirs, who, api_as):
    mine, _ = theirs
    contact = new_contact(mine)
    client = Client()
    client.force_login(mine[who])
    assert client.get(f"/triage/contacts/{contact.pk}/").status_code == 404
    assert api_as(mine[who]).post(f"/api/v1/contacts/{contact.pk}/take/", {}, format="json").status_code == 404
