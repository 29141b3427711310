"""Ofsted Annex A List 2's fields (the Early Help Assessment's dates and organisation) are the hub's to record.

A referrer cannot set them through the API, the request page or the service; MASH triage and Early Help
coordinators can, and coordinators change them afterwards on the request's assessment page.
"""

from datetime import date

import pytest

from earlyhelp import services
from earlyhelp.models import EarlyHelpRequest
from mash import tenancy
from mash.exceptions import PolicyViolation
from tests.earlyhelp.builders import PAGE_CONSENT, direct_body, file_direct

pytestmark = pytest.mark.django_db
URL = "/api/v1/early-help/requests/"
STATUTORY = {
    "assessment_started_on": "2026-01-05",
    "assessment_completed_on": "2026-01-20",
    "assessment_organisation": '=HYPERLINK("https://evil.example","Ridgeway")',
}


def _count(hub):
    with tenancy.tenant_context(hub.tenant):
        return EarlyHelpRequest.objects.count()


@pytest.mark.parametrize("field", list(STATUTORY))
def test_a_referrer_sending_an_annex_a_field_is_told_to_leave_it_out(hub, api_as, field):
    body = direct_body(**{field: STATUTORY[field]}, **({"assessment_started_on": "2026-01-05"}
                                                       if field == "assessment_completed_on" else {}))  # fmt: skip
    response = api_as(hub.referrer).post(URL, body, format="json")
    assert response.status_code == 400
    assert response.data[field] == ["The Early Help Hub records this for Ofsted; leave it out of your request."]
    assert _count(hub) == 0


def test_a_referrer_sending_all_of_them_hears_about_each(hub, api_as):
    response = api_as(hub.referrer).post(URL, direct_body(**STATUTORY), format="json")
    assert response.status_code == 400
    assert set(STATUTORY) <= set(response.data)


def test_a_referrer_may_send_them_empty_as_a_form_would(hub, api_as):
    empty = {"assessment_started_on": None, "assessment_completed_on": None, "assessment_organisation": ""}
    data = file_direct(api_as(hub.referrer), **empty)
    with tenancy.tenant_context(hub.tenant):
        stored = EarlyHelpRequest.objects.get(pk=data["id"])
    assert (stored.assessment_started_on, stored.assessment_organisation) == (None, "")


@pytest.mark.parametrize("role", ["triage", "ehcoord"])
def test_hub_staff_may_give_them_with_a_request(hub, api_as, role):
    data = file_direct(api_as(getattr(hub, role)), **STATUTORY)
    with tenancy.tenant_context(hub.tenant):
        stored = EarlyHelpRequest.objects.get(pk=data["id"])
    assert stored.assessment_started_on == date(2026, 1, 5)
    assert stored.assessment_organisation == STATUTORY["assessment_organisation"]


def test_the_service_refuses_them_from_a_referrer_whatever_the_caller(hub):
    data = {"children": [{"first_name": "Ruby", "last_name": "Ellis", "date_of_birth": date(2014, 6, 30)}],
            "needs": "Attendance.", "assessment_organisation": "Ridgeway"}  # fmt: skip
    with tenancy.tenant_context(hub.tenant), pytest.raises(PolicyViolation) as refused:
        services.request_early_help(tenant=hub.tenant, actor=hub.referrer, data=data)
    assert refused.value.field == "assessment_organisation"


PAGE_BODY = {
    "action": "send", "child1_first_name": "Ava", "child1_last_name": "Moore", "child1_date_of_birth_0": "21",
    "child1_date_of_birth_1": "11", "child1_date_of_birth_2": "2020", "needs": "Nursery place and parenting.",
    "referrer_name": "Ms Grant", "referrer_organisation": "Ridgeway Primary",
    "assessment_started_on_0": "5", "assessment_started_on_1": "1", "assessment_started_on_2": "2026",
    "assessment_organisation": "=HYPERLINK(\"https://evil.example\")", **PAGE_CONSENT,
}  # fmt: skip


def test_the_referrers_request_page_has_no_annex_a_fields_and_ignores_them_if_posted(hub, client):
    client.force_login(hub.referrer)
    page = client.get("/early-help/new/").content.decode()
    assert "Organisation completing the assessment" not in page and "assessment_organisation" not in page
    response = client.post("/early-help/new/", PAGE_BODY)
    assert response.status_code == 302 and response["Location"] == "/early-help/mine/"
    with tenancy.tenant_context(hub.tenant):
        stored = EarlyHelpRequest.objects.get()
    assert (stored.assessment_started_on, stored.assessment_organisation) == (None, "")


def test_a_coordinators_request_page_records_them(hub, client):
    client.force_login(hub.ehcoord)
    assert "Organisation completing the assessment" in client.get("/early-help/new/").content.decode()
    response = client.post("/early-help/new/", PAGE_BODY)
    assert response.status_code == 302
    with tenancy.tenant_context(hub.tenant):
        stored = EarlyHelpRequest.objects.get()
    assert stored.assessment_started_on == date(2026, 1, 5)
    assert stored.assessment_organisation == PAGE_BODY["assessment_organisation"]


def test_a_referrer_cannot_change_them_afterwards(hub, client, api_as):
    own = file_direct(api_as(hub.referrer))
    client.force_login(hub.referrer)
    response = client.post(f"/early-help/{own['id']}/assessment/", {"organisation": "=1+1"})
    assert response.status_code in (403, 404)
    with tenancy.tenant_context(hub.tenant):
        assert EarlyHelpRequest.objects.get(pk=own["id"]).assessment_organisation == ""
