"""A navigator sees only their own agency's requests and returns: by id, through filters, search and pages.

Another agency's request or return is 404 (its existence is not disclosed), never 403; an agency lead
sees their own agency's only; another tenant's navigator sees nothing at all.
"""

import pytest
from django.contrib.auth.models import Group

from mash import tenancy
from navigators import access, services
from navigators.models import InformationRequest
from tests.navigators.builders import good_return, open_enquiry

pytestmark = pytest.mark.django_db


@pytest.fixture
def police_returned(hub, enquiry):
    contact, requests = enquiry
    with tenancy.tenant_context(hub.tenant):
        ret = services.submit_return(request=requests["police"], actor=hub.nav_police, values=good_return())
    return contact, requests, ret


# Every way a health navigator (or lead) might reach the police request or return.
API_READS = [
    ("get", "/api/v1/information-requests/{request}/"),
    ("get", "/api/v1/information-returns/{ret}/"),
    ("post", "/api/v1/information-requests/{request}/return/"),
    ("post", "/api/v1/information-returns/{ret}/addenda/"),
    ("patch", "/api/v1/information-requests/{request}/"),
    ("delete", "/api/v1/information-returns/{ret}/"),
]
PAGES = [
    ("get", "/navigators/requests/{request}/"),
    ("post", "/navigators/requests/{request}/return/"),
    ("post", "/navigators/requests/{request}/return/autosave/"),
    ("post", "/navigators/requests/{request}/return/addenda/"),
]


@pytest.mark.parametrize("who", ["nav_health", "lead_health"])
@pytest.mark.parametrize(("method", "url"), API_READS)
def test_another_agencys_request_and_return_are_not_found_in_the_api(hub, police_returned, api_as, who, method, url):
    _contact, requests, ret = police_returned
    client = api_as(getattr(hub, who))
    url = url.format(request=requests["police"].pk, ret=ret.pk)
    response = getattr(client, method)(url, good_return(), format="json")
    assert response.status_code == 404, response.content


@pytest.mark.parametrize(("method", "url"), PAGES)
def test_another_agencys_request_is_not_found_on_the_pages(hub, police_returned, client, method, url):
    _contact, requests, _ret = police_returned
    client.force_login(hub.nav_health)
    response = getattr(client, method)(url.format(request=requests["police"].pk), {"text": "x", "summary": "x"})
    assert response.status_code == 404
    assert b"Leo" not in response.content


def test_lead_reassign_page_of_another_agency_is_not_found(hub, enquiry, client):
    _contact, requests = enquiry
    client.force_login(hub.lead_health)
    assert client.get(f"/navigators/requests/{requests['police'].pk}/assign/").status_code == 404


@pytest.mark.parametrize(
    "query",
    ["", "?agency=police", "?status=returned", "?contact={contact}", "?search={reference}", "?search=Leo"],
)
@pytest.mark.parametrize("endpoint", ["information-requests", "information-returns"])
def test_filters_and_search_never_reveal_another_agencys_rows(hub, police_returned, api_as, query, endpoint):
    contact, _requests, _ret = police_returned
    response = api_as(hub.nav_health).get(
        f"/api/v1/{endpoint}/" + query.format(contact=contact.pk, reference=contact.reference)
    )
    assert response.status_code == 200
    agencies = {row["agency"] for row in response.data["results"]}
    assert "police" not in agencies
    if endpoint == "information-requests" and "agency=police" not in query and "returned" not in query:
        assert agencies == {"health"}  # their own request is found by the same filter or search


def test_the_workspace_search_never_shows_another_agencys_request(hub, enquiry, client):
    contact, requests = enquiry
    client.force_login(hub.nav_health)
    page = client.get(f"/navigators/?status=all&q={contact.reference}").content.decode()
    assert f"/navigators/requests/{requests['health'].pk}/" in page
    assert f"/navigators/requests/{requests['police'].pk}/" not in page


def test_an_agency_lead_sees_all_of_their_agencys_requests_and_only_theirs(hub, api_as):
    open_enquiry(hub, "one")
    open_enquiry(hub, "two", agencies=[hub.police])
    open_enquiry(hub, "three", agencies=[hub.health])
    rows = api_as(hub.lead_police).get("/api/v1/information-requests/").data["results"]
    assert len(rows) == 2
    assert {row["agency"] for row in rows} == {"police"}


def test_triage_and_managers_see_every_agencys_requests(hub, enquiry, api_as):
    for user in (hub.triage, hub.manager):
        rows = api_as(user).get("/api/v1/information-requests/").data["results"]
        assert {row["agency"] for row in rows} == {"police", "health"}


def test_another_tenants_navigator_sees_nothing(hub, other_hub, police_returned, api_as, client):
    _contact, requests, ret = police_returned
    theirs = api_as(other_hub.nav_police)
    assert theirs.get("/api/v1/information-requests/").data["results"] == []
    assert theirs.get("/api/v1/information-returns/").data["results"] == []
    assert theirs.get(f"/api/v1/information-requests/{requests['police'].pk}/").status_code == 404
    assert theirs.get(f"/api/v1/information-returns/{ret.pk}/").status_code == 404
    client.force_login(other_hub.nav_police)
    assert client.get(f"/navigators/requests/{requests['police'].pk}/").status_code == 404


def test_referrers_and_other_roles_cannot_list_requests(hub, enquiry, api_as):
    assert api_as(hub.referrer).get("/api/v1/information-requests/").status_code == 403


def test_without_the_guardian_grant_the_agencys_own_navigator_gets_404(hub, enquiry, api_as):
    """The object grant is a second lock: the agency filter alone does not open the door."""
    _contact, requests = enquiry
    request = requests["police"]
    client = api_as(hub.nav_police)
    assert client.get(f"/api/v1/information-requests/{request.pk}/").status_code == 200
    from guardian.models import GroupObjectPermission

    GroupObjectPermission.objects.filter(object_pk=str(request.pk)).delete()
    assert client.get(f"/api/v1/information-requests/{request.pk}/").status_code == 404
    assert client.get("/api/v1/information-requests/").data["results"] == []


def test_a_grant_to_the_navigator_alone_opens_the_list_and_the_request_as_the_group_grant_did(hub, enquiry, api_as):
    """guardian's grants to one user count as a group's do (mash.drf.granted_objects reads both); a grant of
    another permission, or on another request, does not."""
    from guardian.models import GroupObjectPermission
    from guardian.shortcuts import assign_perm

    _contact, requests = enquiry
    request, health = requests["police"], requests["health"]
    GroupObjectPermission.objects.filter(object_pk=str(request.pk)).delete()
    client = api_as(hub.nav_police)
    assign_perm("navigators.change_informationrequest", hub.nav_police, request)  # not "view"
    assign_perm("navigators.view_informationrequest", hub.nav_police, health)  # another agency's: still walled
    assert client.get("/api/v1/information-requests/").data["results"] == []
    assign_perm("navigators.view_informationrequest", hub.nav_police, request)
    assert [r["id"] for r in client.get("/api/v1/information-requests/").data["results"]] == [request.pk]
    assert client.get(f"/api/v1/information-requests/{request.pk}/").status_code == 200
    assert client.get(f"/api/v1/information-requests/{health.pk}/").status_code == 404


def test_a_request_is_granted_to_its_agencys_group_when_opened(hub, enquiry):
    _contact, requests = enquiry
    police = requests["police"]
    assert hub.nav_police.has_perm(access.VIEW, police)
    assert hub.nav_police.has_perm(access.CHANGE, police)
    assert hub.lead_police.has_perm(access.VIEW, police)
    assert not hub.nav_health.has_perm(access.VIEW, police)
    assert Group.objects.get(name=access.group_name(hub.police.pk)).user_set.count() == 3


def test_moving_a_navigator_to_another_agency_moves_their_access(hub, enquiry, api_as):
    _contact, requests = enquiry
    navigator = hub.nav_police
    navigator.agency = hub.health
    navigator.save()
    client = api_as(navigator)
    assert client.get(f"/api/v1/information-requests/{requests['police'].pk}/").status_code == 404
    assert client.get(f"/api/v1/information-requests/{requests['health'].pk}/").status_code == 200


def test_the_grant_narrows_to_read_only_when_the_enquiry_closes(hub, enquiry, api_as):
    contact, requests = enquiry
    with tenancy.tenant_context(hub.tenant):
        services.close_outstanding(contact=contact, actor=hub.manager, reason="Decided on what the hub holds.")
    with tenancy.tenant_context(hub.tenant):
        police = InformationRequest.objects.get(pk=requests["police"].pk)
    navigator = type(hub.nav_police).objects.get(pk=hub.nav_police.pk)  # fresh permission cache
    assert navigator.has_perm(access.VIEW, police)
    assert not navigator.has_perm(access.CHANGE, police)
    client = api_as(hub.nav_police)
    assert client.get(f"/api/v1/information-requests/{police.pk}/").status_code == 200
    response = client.post(f"/api/v1/information-requests/{police.pk}/return/", good_return(), format="json")
    assert response.status_code == 409
    assert "closed" in response.data["detail"]


@pytest.mark.parametrize("lookup", ["abc", "999999", "-1"])
@pytest.mark.parametrize("method", ["get", "patch", "delete"])
def test_odd_or_unknown_ids_are_404_never_500(hub, enquiry, api_as, lookup, method):
    response = getattr(api_as(hub.nav_police), method)(f"/api/v1/information-requests/{lookup}/", {}, format="json")
    assert response.status_code == 404


def test_changing_a_visible_request_through_the_api_is_405(hub, enquiry, api_as):
    contact, requests = enquiry
    with tenancy.tenant_context(hub.tenant):
        services.close_outstanding(contact=contact, actor=hub.manager, reason="Decided")
    url = f"/api/v1/information-requests/{requests['police'].pk}/"
    assert api_as(hub.nav_police).patch(url, {"status": "open"}, format="json").status_code == 405


def test_the_workspace_and_request_page_need_the_agencys_grant_and_membership_of_its_group(hub, client):
    """The pages' grant check reads the agency group's grants only: without the grant, or outside the group,
    the agency's own navigator sees neither the row nor the page."""
    from guardian.models import GroupObjectPermission

    _c, kept = open_enquiry(hub, "kept", agencies=[hub.police])
    _c, ungranted = open_enquiry(hub, "ungranted", agencies=[hub.police])
    GroupObjectPermission.objects.filter(object_pk=str(ungranted["police"].pk)).delete()
    client.force_login(hub.nav_police)
    page = client.get("/navigators/").content.decode()
    assert f"/navigators/requests/{kept['police'].pk}/" in page
    assert f"/navigators/requests/{ungranted['police'].pk}/" not in page
    assert ">1 request <" in page  # the total counts only what is granted
    assert client.get(f"/navigators/requests/{ungranted['police'].pk}/").status_code == 404
    assert client.get(f"/navigators/requests/{kept['police'].pk}/").status_code == 200
    hub.nav_police.groups.clear()  # still police, but no longer in the police group
    assert f"/navigators/requests/{kept['police'].pk}/" not in client.get("/navigators/").content.decode()
    assert client.get(f"/navigators/requests/{kept['police'].pk}/").status_code == 404
