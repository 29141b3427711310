"""Direct early-help requests and the scoped list/record: who may file, who sees what, bad input, reads logged."""

from datetime import timedelta

import pytest
from django.utils.dateparse import parse_datetime

from tests.audit_helpers import audit_event, audit_events
from tests.earlyhelp.builders import ASSESSMENT, direct_body, file_direct, referrers_contact, stepped_down

pytestmark = pytest.mark.django_db
URL = "/api/v1/early-help/requests/"


@pytest.mark.parametrize("role", ["referrer", "triage", "ehcoord"])
def test_referrers_triage_and_coordinators_file_a_direct_request_due_in_48_clock_hours(hub, api_as, role):
    data = file_direct(api_as(getattr(hub, role)))
    assert data["reference"].startswith(f"EH-{hub.tenant.reference_prefix}-")
    assert data["contact"] is None
    assert data["status"] == "received"
    received, due = parse_datetime(data["received_at"]), parse_datetime(data["review_due_at"])
    assert due - received == timedelta(hours=48)  # the tenant's EARLY_HELP_REVIEW policy: 48 clock hours


@pytest.mark.parametrize("role", ["manager", "head", "navigator", "admin"])
def test_other_roles_may_not_file_a_request(hub, api_as, role):
    response = api_as(getattr(hub, role)).post(URL, direct_body(), format="json")
    assert response.status_code == 403


def test_a_request_without_children_or_needs_says_which_fields_to_fix(hub, api_as):
    response = api_as(hub.referrer).post(URL, direct_body(children=[], needs=""), format="json")
    assert response.status_code == 400
    assert response.data["children"] == ["Add at least one child."]
    assert "needs" in response.data


def test_an_assessment_completed_before_it_started_is_refused(hub, api_as):
    body = direct_body(assessment_started_on="2026-02-10", assessment_completed_on="2026-02-01")
    response = api_as(hub.ehcoord).post(URL, body, format="json")
    assert response.status_code == 400
    assert response.data["assessment_completed_on"] == ["The assessment cannot be completed before it started."]


@pytest.mark.parametrize("field", ["assessment_started_on", "assessment_completed_on", "consent_given_on"])
@pytest.mark.parametrize("day", ["0001-01-01", "1899-12-31"])
def test_a_date_before_1900_is_refused_on_its_field_and_nothing_is_filed(hub, api_as, field, day):
    from earlyhelp.models import EarlyHelpRequest
    from mash import tenancy

    extra = {"consent": "given", "consent_given_by": "Sam Ellis (mother)"} if field == "consent_given_on" else {}
    response = api_as(hub.ehcoord).post(URL, direct_body(**{**ASSESSMENT, **extra, field: day}), format="json")
    assert response.status_code == 400
    assert response.data[field] == ["Enter a date between 1900 and 2100."]
    with tenancy.tenant_context(hub.tenant):
        assert not EarlyHelpRequest.objects.exists()


@pytest.mark.parametrize("body", [[], "text", {"children": "x", "needs": 5}, {"children": [{"first_name": 1}]}])
def test_malformed_bodies_are_400_never_500(hub, api_as, body):
    assert api_as(hub.ehcoord).post(URL, body, format="json").status_code == 400


def test_the_annex_a_list_2_fields_are_stored(hub, api_as):
    data = file_direct(api_as(hub.ehcoord), **ASSESSMENT, assessment_completed_on="2026-01-20")
    detail = api_as(hub.ehcoord).get(f"{URL}{data['id']}/").data
    assert detail["assessment_started_on"] == "2026-01-05"
    assert detail["assessment_completed_on"] == "2026-01-20"
    assert detail["assessment_organisation"] == "Ridgeway Primary School"


@pytest.mark.parametrize("role", ["ehcoord", "manager", "head"])
def test_coordinators_managers_and_heads_see_every_request_of_the_tenant(hub, api_as, role):
    mine = file_direct(api_as(hub.referrer))["id"]
    theirs = file_direct(api_as(hub.triage))["id"]
    down = stepped_down(hub).pk
    ids = {row["id"] for row in api_as(getattr(hub, role)).get(URL).data["results"]}
    assert {mine, theirs, down} <= ids
    row = api_as(getattr(hub, role)).get(f"{URL}{down}/").data
    for field in ("id", "reference", "contact", "status", "received_at", "review_due_at", "outcome", "breached_at",
                  "escalation_level"):  # fmt: skip
        assert field in row


def test_a_referrer_sees_only_their_own_requests_status_and_feedback(hub, api_as):
    own = file_direct(api_as(hub.referrer))["id"]
    from_their_marf = referrers_contact(hub, api_as).pk  # stepped down from a MARF they filed
    other = file_direct(api_as(hub.referrer2))["id"]
    client = api_as(hub.referrer)
    rows = client.get(URL).data["results"]
    assert {r["id"] for r in rows} == {own, from_their_marf}
    assert set(rows[0]) == {"id", "reference", "contact", "status", "received_at", "review_due_at", "outcome",
                            "feedback"}  # fmt: skip
    assert "needs" not in rows[0] and "lead_professional" not in rows[0]
    assert client.get(f"{URL}{other}/").status_code == 404


@pytest.mark.parametrize("role", ["triage", "navigator"])
def test_roles_without_early_help_access_cannot_list_and_find_nothing(hub, api_as, role):
    request_id = file_direct(api_as(hub.referrer))["id"]
    client = api_as(getattr(hub, role))
    assert client.get(URL).status_code == 403
    assert client.get(f"{URL}{request_id}/").status_code == 404


def test_filters_by_contact_and_status(hub, api_as):
    down = stepped_down(hub)
    file_direct(api_as(hub.referrer))
    client = api_as(hub.ehcoord)
    rows = client.get(URL, {"contact": down.contact_id}).data["results"]
    assert [r["id"] for r in rows] == [down.pk]
    assert client.get(URL, {"status": "closed"}).data["count"] == 0
    assert client.get(URL, {"status": "received"}).data["count"] == 2
    assert client.get(URL, {"status": "nonsense"}).status_code == 400


def test_reading_a_request_is_logged(hub, api_as):
    request_id = file_direct(api_as(hub.referrer))["id"]
    api_as(hub.manager).get(f"{URL}{request_id}/")
    event = audit_event(hub.tenant, action="early_help.viewed", object_id=str(request_id))
    assert event.actor == hub.manager


def test_filing_is_audited(hub, api_as):
    request_id = file_direct(api_as(hub.referrer))["id"]
    assert audit_events(hub.tenant, action="early_help.received", object_id=str(request_id))


@pytest.mark.parametrize("method", ["patch", "put", "delete"])
def test_a_request_cannot_be_changed_or_deleted_directly(hub, api_as, method):
    request_id = file_direct(api_as(hub.referrer))["id"]
    assert getattr(api_as(hub.ehcoord), method)(f"{URL}{request_id}/", {}, format="json").status_code == 405
    assert getattr(api_as(hub.navigator), method)(f"{URL}{request_id}/", {}, format="json").status_code == 404
