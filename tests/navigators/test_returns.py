"""The information return: submitted once, complete, never edited; addenda after; every share logged."""

import pytest
from django.db import DatabaseError, connection, transaction

from deadlines.selectors import clocks_for_subject
from mash import tenancy
from mash.exceptions import Conflict, NotAllowed
from navigators import services
from navigators.models import InformationReturn, InformationShare, RequestStatus, ReturnAddendum
from tests.audit_helpers import audit_event, audit_events
from tests.navigators.builders import good_return, refreshed

pytestmark = pytest.mark.django_db


def submit(hub, api_as, request, **overrides):
    return api_as(hub.nav_police).post(
        f"/api/v1/information-requests/{request.pk}/return/", good_return(**overrides), format="json"
    )


def test_the_agencys_navigator_submits_a_return_through_the_api(hub, enquiry, api_as):
    _contact, requests = enquiry
    response = submit(hub, api_as, requests["police"], history=[{"date": "2025-06-01", "details": "Call-out"}])
    assert response.status_code == 201, response.content
    assert response.data["known_to_agency"] is True
    assert response.data["risk_indicators"] == good_return()["risk_indicators"]
    assert response.data["history"] == [{"date": "2025-06-01", "details": "Call-out"}]
    assert response.data["agency"] == "police"
    request = refreshed(requests["police"])
    assert request.status == RequestStatus.RETURNED
    assert request.returned_at is not None
    detail = api_as(hub.triage).get(f"/api/v1/information-requests/{request.pk}/").data
    assert detail["status"] == "returned"
    assert detail["information_return"]["summary"] == good_return()["summary"]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"known_to_agency": None}, "known_to_agency"),
        ({"summary": ""}, "summary"),
        ({"recommendation": "  "}, "recommendation"),
        ({"risk_indicators": "not a list"}, "risk_indicators"),
        ({"lawful_basis": "because"}, "lawful_basis"),
        ({"history": [{"date": "31/02/2025", "details": "x"}]}, "history"),
        ({"history": [{"date": "0001-01-01", "details": "x"}]}, "history"),  # before 1900
        ({"consent_status": "refused", "consent_reason": ""}, "consent_reason"),
        ({"lawful_basis": "consent", "consent_status": "refused", "consent_reason": "risk_to_child"}, "lawful_basis"),
    ],
)
def test_an_incomplete_or_wrong_return_is_a_400_naming_the_field(hub, enquiry, api_as, body, field):
    _contact, requests = enquiry
    response = submit(hub, api_as, requests["police"], **body)
    assert response.status_code == 400, response.content
    assert field in response.data
    assert refreshed(requests["police"]).status == RequestStatus.OPEN


def test_only_the_navigator_may_submit_a_visible_request(hub, enquiry, api_as):
    _contact, requests = enquiry
    url = f"/api/v1/information-requests/{requests['police'].pk}/return/"
    assert api_as(hub.lead_police).post(url, good_return(), format="json").status_code == 403
    assert api_as(hub.triage).post(url, good_return(), format="json").status_code == 403


def test_a_submitted_return_cannot_be_submitted_again_or_edited(hub, enquiry, api_as):
    _contact, requests = enquiry
    assert submit(hub, api_as, requests["police"]).status_code == 201
    again = submit(hub, api_as, requests["police"], summary="Changed my mind")
    assert again.status_code == 409
    with tenancy.tenant_context(hub.tenant):
        ret = InformationReturn.objects.get(request_id=requests["police"].pk)
    client = api_as(hub.nav_police)
    for method in ("patch", "put"):
        response = getattr(client, method)(f"/api/v1/information-returns/{ret.pk}/", {"summary": "x"}, format="json")
        assert response.status_code == 405
    with tenancy.tenant_context(hub.tenant), pytest.raises(Conflict):
        services.update_return(information_return=ret, actor=hub.nav_police, values={"summary": "Edited"})
    with tenancy.tenant_context(hub.tenant), pytest.raises(Conflict):
        services.save_draft(request=requests["police"], actor=hub.nav_police, values={"summary": "Edited"})
    assert refreshed(ret).summary == good_return()["summary"]


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the trigger is PostgreSQL's")
def test_the_database_refuses_to_change_a_submitted_return(hub, enquiry, api_as):
    _contact, requests = enquiry
    submit(hub, api_as, requests["police"])
    for sql in (
        "UPDATE navigators_informationreturn SET summary = 'tampered'",
        "DELETE FROM navigators_informationreturn",
        "UPDATE navigators_informationshare SET why = 'tampered'",
    ):
        # Inside the tenant, so that row-level security (where enabled) lets the statement reach the rows.
        with tenancy.tenant_context(hub.tenant), pytest.raises(DatabaseError, match=r"submitted|append-only"):
            with transaction.atomic(), connection.cursor() as cursor:
                cursor.execute(sql)
    with tenancy.tenant_context(hub.tenant):
        ret = InformationReturn.objects.get(request_id=requests["police"].pk)
    assert ret.summary == good_return()["summary"]


def test_a_draft_can_still_be_changed(hub, enquiry):
    _contact, requests = enquiry
    with tenancy.tenant_context(hub.tenant):
        draft = services.save_draft(request=requests["police"], actor=hub.nav_police, values={"summary": "Searching"})
        services.update_return(information_return=draft, actor=hub.nav_police, values={"summary": "Found two"})
        assert InformationReturn.objects.get(pk=draft.pk).summary == "Found two"


def test_an_addendum_is_recorded_audited_and_logged_as_a_share(hub, enquiry, api_as):
    _contact, requests = enquiry
    ret_id = submit(hub, api_as, requests["police"]).data["id"]
    response = api_as(hub.nav_police).post(
        f"/api/v1/information-returns/{ret_id}/addenda/", {"text": "A further call-out last night."}, format="json"
    )
    assert response.status_code == 201, response.content
    with tenancy.tenant_context(hub.tenant):
        addendum = ReturnAddendum.objects.get(pk=response.data["id"])
        share = InformationShare.objects.get(addendum=addendum)
    assert addendum.added_by == hub.nav_police
    event = audit_event(hub.tenant, action="information_return.addendum_added")
    assert event.actor == hub.nav_police and event.changes["text"] == "A further call-out last night."
    assert "A further call-out last night." in share.what
    ret = api_as(hub.manager).get(f"/api/v1/information-returns/{ret_id}/").data
    assert [a["text"] for a in ret["addenda"]] == ["A further call-out last night."]
    assert ret["summary"] == good_return()["summary"]  # the return itself is unchanged


def test_an_empty_addendum_is_refused(hub, enquiry, api_as):
    _contact, requests = enquiry
    ret_id = submit(hub, api_as, requests["police"]).data["id"]
    response = api_as(hub.nav_police).post(f"/api/v1/information-returns/{ret_id}/addenda/", {"text": ""})
    assert response.status_code == 400
    assert "text" in response.data


def test_every_return_is_logged_as_an_information_share(hub, enquiry, api_as):
    contact, requests = enquiry
    submit(hub, api_as, requests["police"], consent_status="not_sought", consent_reason="risk_to_child")
    with tenancy.tenant_context(hub.tenant):
        share = InformationShare.objects.select_related("from_agency").get(request_id=requests["police"].pk)
    assert share.from_agency == hub.police
    assert share.shared_by == hub.nav_police
    assert "MASH team" in share.shared_with
    assert contact.reference in share.why and "Red" in share.why
    assert "known to Police" in share.what
    assert (share.lawful_basis, share.consent_status, share.consent_reason) == (
        "public_task", "not_sought", "risk_to_child",
    )  # fmt: skip
    event = audit_event(hub.tenant, action="information.shared")
    assert set(event.changes) >= {"what", "with", "when", "why"}


def test_every_read_of_a_request_and_return_is_audited(hub, enquiry, api_as, client):
    _contact, requests = enquiry
    ret_id = submit(hub, api_as, requests["police"]).data["id"]
    api_as(hub.manager).get(f"/api/v1/information-requests/{requests['police'].pk}/")
    api_as(hub.manager).get(f"/api/v1/information-returns/{ret_id}/")
    client.force_login(hub.nav_police)
    client.get(f"/navigators/requests/{requests['police'].pk}/")
    viewed = [(e.action, e.actor and e.actor.username) for e in audit_events(hub.tenant, action__endswith=".viewed")]
    assert ("information_request.viewed", "a-manager") in viewed
    assert ("information_return.viewed", "a-manager") in viewed
    assert ("information_request.viewed", "a-nav-police") in viewed
    assert ("information_return.viewed", "a-nav-police") in viewed


def test_a_closed_request_cannot_take_a_return(hub, enquiry):
    contact, requests = enquiry
    with tenancy.tenant_context(hub.tenant):
        services.close_outstanding(contact=contact, actor=hub.manager, reason="Decided")
        with pytest.raises(Conflict, match="closed"):
            services.submit_return(request=requests["police"], actor=hub.nav_police, values=good_return())


def test_another_agencys_navigator_cannot_submit_through_the_service(hub, enquiry):
    _contact, requests = enquiry
    with tenancy.tenant_context(hub.tenant), pytest.raises(NotAllowed):
        services.submit_return(request=requests["police"], actor=hub.nav_health, values=good_return())


def test_the_return_is_prefilled_from_the_agencys_question_template(hub, enquiry):
    _contact, requests = enquiry
    with tenancy.tenant_context(hub.tenant):
        draft = services.save_draft(request=requests["police"], actor=hub.nav_police, values={})
    questions = [a["question"] for a in draft.answers]
    assert any("Warning markers" in q for q in questions)
    assert any("Domestic-abuse history" in q for q in questions)
    assert "Police National Computer" in draft.sources_checked
    assert draft.consent_status == "given"  # from the contact's consent record


def test_submitting_meets_the_clock(hub, enquiry, api_as):
    _contact, requests = enquiry
    submit(hub, api_as, requests["police"])
    with tenancy.tenant_context(hub.tenant):
        (clock,) = clocks_for_subject(subject=requests["police"])
        assert clock.met_at is not None
        (health_clock,) = clocks_for_subject(subject=requests["health"])
        assert health_clock.met_at is None
