"""What a request tells its navigator (API), and how the grant follows the enquiry's life."""

import pytest

from contacts.models import Contact
from mash import tenancy
from navigators import access, services
from tests.navigators.builders import good_return
from triage import services as triage_services

pytestmark = pytest.mark.django_db


def test_the_request_detail_gives_the_people_and_questions_but_not_the_concern(hub, enquiry, api_as):
    _contact, requests = enquiry
    data = api_as(hub.nav_police).get(f"/api/v1/information-requests/{requests['police'].pk}/").data
    assert [(c["first_name"], c["date_of_birth"]) for c in data["children"]] == [("Leo", "2025-04-02")]
    assert [(p["first_name"], p["relationship"]) for p in data["household"]] == [("Amy", "mother")]
    assert data["address"] == "12 Mill Road, Cambridge"
    assert data["rating"] == "red" and data["agency"] == "police"
    assert any("Warning markers" in q for q in data["question_list"])
    assert data["concerns"] is None
    assert data["information_return"] is None
    api_fields = ("id", "contact", "status", "requested_at", "due_at", "returned_at", "breached_at", "escalation_level")
    assert set(api_fields) <= set(data)


def test_the_concern_is_in_the_detail_once_the_tenant_allows_it(hub, enquiry, api_as):
    _contact, requests = enquiry
    with tenancy.tenant_context(hub.tenant):
        services.save_navigator_settings(tenant=hub.tenant, actor=hub.admin, share_concerns_with_agencies=True)
    data = api_as(hub.nav_police).get(f"/api/v1/information-requests/{requests['police'].pk}/").data
    assert "no midwife input" in data["concerns"]


def test_only_the_admin_changes_the_sharing_setting(hub):
    from mash.exceptions import NotAllowed

    with tenancy.tenant_context(hub.tenant), pytest.raises(NotAllowed):
        services.save_navigator_settings(tenant=hub.tenant, actor=hub.manager, share_concerns_with_agencies=True)


def test_deciding_the_contact_makes_every_agencys_grant_read_only(hub, enquiry, api_as):
    contact, requests = enquiry
    with tenancy.tenant_context(hub.tenant):
        ret = services.submit_return(request=requests["police"], actor=hub.nav_police, values=good_return())
        triage_services.decide_contact(
            contact=Contact.objects.get(pk=contact.pk),
            actor=hub.manager,
            outcome="nfa",
            reason="Known to police only; nothing further for the hub.",
            override_reason="Health's answer would not change the decision.",
        )
    navigator = type(hub.nav_police).objects.get(pk=hub.nav_police.pk)
    assert navigator.has_perm(access.VIEW, requests["police"])
    assert not navigator.has_perm(access.CHANGE, requests["police"])
    client = api_as(hub.nav_police)
    assert client.get(f"/api/v1/information-returns/{ret.pk}/").status_code == 200  # still readable
    response = client.post(f"/api/v1/information-returns/{ret.pk}/addenda/", {"text": "Late news"}, format="json")
    assert response.status_code == 409
    assert "closed" in response.data["detail"]


def test_an_addendum_is_possible_while_the_enquiry_is_open(hub, enquiry, api_as):
    _contact, requests = enquiry
    with tenancy.tenant_context(hub.tenant):
        ret = services.submit_return(request=requests["police"], actor=hub.nav_police, values=good_return())
    response = api_as(hub.lead_police).post(f"/api/v1/information-returns/{ret.pk}/addenda/", {"text": "From the lead"})
    assert response.status_code == 201


def test_the_access_command_restores_lost_grants_and_memberships(hub, enquiry, api_as):
    import io

    from django.core.management import call_command
    from guardian.models import GroupObjectPermission

    _contact, requests = enquiry
    GroupObjectPermission.objects.all().delete()
    hub.nav_police.groups.clear()
    assert api_as(hub.nav_police).get(f"/api/v1/information-requests/{requests['police'].pk}/").status_code == 404
    call_command("sync_navigator_access", stdout=io.StringIO())
    assert api_as(hub.nav_police).get(f"/api/v1/information-requests/{requests['police'].pk}/").status_code == 200
    assert api_as(hub.nav_police).get(f"/api/v1/information-requests/{requests['health'].pk}/").status_code == 404
