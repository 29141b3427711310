"""What the administrator retires is asked or offered nothing new, and its history stays: a retired agency
gets no information request from a rating, a retired team is no receiving team for a new handover."""

import pytest
from django.test import Client

from mash import tenancy
from navigators.models import InformationRequest
from tests.audit_helpers import audit_event
from tests.triage.builders import new_contact
from tests.triage.handover_helpers import enquiry
from tests.triage.test_handover import _decide

pytestmark = pytest.mark.django_db


def _admin(hub):
    client = Client()
    client.force_login(hub["admin"])
    return client


def _manager(hub):
    client = Client()
    client.force_login(hub["manager"])
    return client


def _asked(hub, contact):
    with tenancy.tenant_context(hub["tenant"]):
        return sorted(InformationRequest.objects.filter(contact=contact).values_list("agency__slug", flat=True))


def test_a_retired_agency_is_asked_nothing_new_and_its_requests_stay(cambs, api_as):
    before = new_contact(cambs, "before")
    triage = api_as(cambs["triage"])
    assert triage.post(f"/api/v1/contacts/{before.pk}/rating/", {"rating": "red", "rationale": "Injury."},
                       format="json").status_code == 200  # fmt: skip
    assert "housing" in _asked(cambs, before)

    assert _admin(cambs).post("/settings/agencies/housing/retire/").status_code == 302
    audit_event(cambs["tenant"], action="agency.retired", object_id=str(cambs["agencies"]["housing"].pk))

    after = new_contact(cambs, "after")
    red = triage.post(f"/api/v1/contacts/{after.pk}/rating/", {"rating": "red", "rationale": "Injury."}, format="json")
    assert red.status_code == 200, red.content
    assert _asked(cambs, after) == sorted(set(cambs["agencies"]) - {"housing"})

    chosen = new_contact(cambs, "chosen")
    green = triage.post(f"/api/v1/contacts/{chosen.pk}/rating/",
                        {"rating": "green", "rationale": "Poor attendance.", "agencies": ["housing", "health"]},
                        format="json")  # fmt: skip
    assert green.status_code == 400 and "Housing is retired" in green.data["agencies"][0]
    assert _asked(cambs, chosen) == []

    # Its history stays: the earlier contact still shows the request to housing.
    listed = triage.get(f"/api/v1/information-requests/?contact={before.pk}").json()
    rows = listed["results"] if isinstance(listed, dict) else listed
    assert "housing" in {r["agency"] for r in rows}
    page = Client()
    page.force_login(cambs["triage"])
    assert cambs["agencies"]["housing"].name in page.get(f"/contacts/{before.pk}/", follow=True).content.decode()


@pytest.fixture
def case(cambs, api_as, make_user):
    return enquiry(cambs, api_as, make_user)


def test_a_retired_team_is_no_receiving_team_for_a_new_handover(cambs, api_as, case):
    _decide(api_as, cambs, case)
    manager, pk, team = _manager(cambs), case["contact"].pk, case["team"]
    assert (
        f'<option value="{team.pk}">{team.name}</option>'
        in manager.get(f"/triage/contacts/{pk}/handover/").content.decode()
    )

    assert _admin(cambs).post(f"/settings/teams/{team.pk}/retire/").status_code == 302

    page = manager.get(f"/triage/contacts/{pk}/handover/").content.decode()
    assert f'<option value="{team.pk}">' not in page
    refused = manager.post(f"/triage/contacts/{pk}/handover/send/", {"team": str(team.pk)})
    assert refused.status_code == 400 and "Choose one of your hub" in refused.content.decode()


def test_a_handover_sent_before_the_team_retired_still_names_it(cambs, api_as, case):
    _decide(api_as, cambs, case)
    manager, pk, team = _manager(cambs), case["contact"].pk, case["team"]
    assert manager.post(f"/triage/contacts/{pk}/handover/send/", {"team": str(team.pk)}).status_code == 302
    _admin(cambs).post(f"/settings/teams/{team.pk}/retire/")
    assert team.name in manager.get(f"/triage/contacts/{pk}/handover/").content.decode()
