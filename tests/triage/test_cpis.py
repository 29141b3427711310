"""CP-IS checks (issue 19): triage records the check it made; a decision on a Red (or Amber) contact without one is
refused unless the manager gives an override reason, and the override is recorded and audited."""

from datetime import UTC, datetime

import pytest
import time_machine

from mash import tenancy
from mash.models import AuditEvent
from tests.triage.builders import new_contact
from tests.triage.test_decision import decide
from thresholds.models import Rating

pytestmark = pytest.mark.django_db

NOW = "2026-03-10T11:00:00+00:00"  # a Tuesday


@pytest.fixture
def coventry(make_hub):
    # Coventry's Red asks no agency, so the only thing standing between Red and the decision is CP-IS.
    return make_hub("coventry")


def rated(api_as, hub, rating="red"):
    with time_machine.travel("2026-03-10T09:00:00+00:00", tick=False):
        contact = new_contact(hub)
        response = api_as(hub["triage"]).post(
            f"/api/v1/contacts/{contact.pk}/rating/", {"rating": rating, "rationale": "Bruise to the face."},
            format="json",
        )  # fmt: skip
    assert response.status_code == 200, response.content
    return contact


def check(api_as, user, contact, **body):
    body = {"checked_at": "2026-03-10T10:30:00Z", "result": "child_protection_plan",
            "details": "On a CP plan with Warwickshire since 2025.", **body}  # fmt: skip
    with time_machine.travel(NOW, tick=False):
        return api_as(user).post(f"/api/v1/contacts/{contact.pk}/cpis-check/", body, format="json")


def test_a_red_decision_without_a_cpis_check_is_refused_unless_an_override_reason_is_given(coventry, api_as):
    contact = rated(api_as, coventry)
    with time_machine.travel(NOW, tick=False):
        refused = decide(api_as, coventry["manager"], contact.pk, outcome="assessment", reason="Injury.",
                         primary_need="N1")  # fmt: skip
        assert refused.status_code == 400
        assert "CP-IS" in str(refused.data["override_reason"])
        assert api_as(coventry["manager"]).get(f"/api/v1/contacts/{contact.pk}/").data["status"] != "decided"

        done = decide(api_as, coventry["manager"], contact.pk, outcome="assessment", reason="Injury.",
                      primary_need="N1",
                      override_reason="CP-IS unavailable overnight; police attending now.")  # fmt: skip
    assert done.status_code == 200, done.content
    shown = api_as(coventry["manager"]).get(f"/api/v1/contacts/{contact.pk}/").data
    assert shown["status"] == "decided" and shown["cpis_check"] is None
    with tenancy.tenant_context(coventry["tenant"]):
        assert contact.decision.override_reason.startswith("CP-IS unavailable")
        event = AuditEvent.objects.get(action="contact.decided", object_id=str(contact.pk))
    assert event.changes["cpis_check_missing"] is True
    assert event.changes["override_reason"].startswith("CP-IS unavailable")


def test_once_checked_the_decision_needs_no_override_and_the_contact_shows_the_check(coventry, api_as):
    contact = rated(api_as, coventry)
    response = check(api_as, coventry["triage"], contact)
    assert response.status_code == 201, response.content
    assert response.data["result"] == "child_protection_plan"
    assert response.data["checked_by"] == coventry["triage"].username
    shown = api_as(coventry["manager"]).get(f"/api/v1/contacts/{contact.pk}/").data["cpis_check"]
    assert shown == {"checked_at": "2026-03-10T10:30:00Z", "result": "child_protection_plan",
                     "details": "On a CP plan with Warwickshire since 2025.",
                     "checked_by": coventry["triage"].username}  # fmt: skip
    with time_machine.travel(NOW, tick=False):
        done = decide(
            api_as, coventry["manager"], contact.pk, outcome="assessment", reason="Injury.", primary_need="N1"
        )
    assert done.status_code == 200, done.content
    with tenancy.tenant_context(coventry["tenant"]):
        assert contact.decision.override_reason == ""
        assert AuditEvent.objects.filter(action="contact.cpis_checked", object_id=str(contact.pk)).count() == 1


def test_a_rating_that_does_not_require_a_check_is_decided_without_one(coventry, api_as):
    contact = rated(api_as, coventry, rating="green")
    with time_machine.travel(NOW, tick=False):
        done = decide(api_as, coventry["manager"], contact.pk, outcome="nfa", reason="Housing need only.")
    assert done.status_code == 200, done.content


def test_the_tenant_decides_which_ratings_need_a_check(coventry, api_as, client):
    with tenancy.tenant_context(coventry["tenant"]):
        required = dict(Rating.objects.values_list("code", "cpis_check_required"))
    assert required == {"red": True, "amber": True, "green": False}
    client.force_login(coventry["admin"])
    form = client.get("/settings/ratings/green/").content.decode()
    assert "A CP-IS check (Child Protection Information Sharing) must be recorded before the decision" in form
    with tenancy.tenant_context(coventry["tenant"]):
        from thresholds.services import change_rating

        change_rating(actor=coventry["admin"], rating=Rating.objects.get(code="green"), cpis_check_required=True)
        assert AuditEvent.objects.filter(action__startswith="rating", changes__has_key="cpis_check_required").exists()
    contact = rated(api_as, coventry, rating="green")
    with time_machine.travel(NOW, tick=False):
        refused = decide(api_as, coventry["manager"], contact.pk, outcome="nfa", reason="Housing need only.")
    assert refused.status_code == 400 and "override_reason" in refused.data


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"result": "maybe"}, "result"),
        ({"checked_at": "yesterday"}, "checked_at"),
        ({"checked_at": "2026-03-10T12:00:00Z"}, "checked_at"),  # after now: not made yet
        ({"checked_at": "2026-03-09T12:00:00Z"}, "checked_at"),  # before the contact was received
        ({"result": "looked_after", "details": ""}, "details"),
    ],
)
def test_a_bad_check_is_a_field_error(coventry, api_as, body, field):
    contact = rated(api_as, coventry)
    response = check(api_as, coventry["triage"], contact, **body)
    assert response.status_code == 400, response.content
    assert field in response.data


def test_a_check_typed_to_the_minute_the_contact_arrived_is_accepted(coventry, api_as):
    # The page offers "now" to the minute: a check straight after a contact arrived at 10:00:40 is at 10:00.
    with time_machine.travel("2026-03-10T10:00:40+00:00", tick=False):
        contact = new_contact(coventry)
    with time_machine.travel("2026-03-10T10:00:55+00:00", tick=False):
        before = api_as(coventry["triage"]).post(f"/api/v1/contacts/{contact.pk}/cpis-check/", {
            "checked_at": "2026-03-10T09:59:00Z", "result": "no_record"}, format="json")  # fmt: skip
        same_minute = api_as(coventry["triage"]).post(f"/api/v1/contacts/{contact.pk}/cpis-check/", {
            "checked_at": "2026-03-10T10:00:00Z", "result": "no_record"}, format="json")  # fmt: skip
    assert before.status_code == 400 and "checked_at" in before.data
    assert same_minute.status_code == 201, same_minute.content


@pytest.mark.parametrize("role", ["head", "ehcoord", "referrer", "admin"])
def test_only_triage_and_managers_record_a_check(coventry, api_as, role):
    contact = rated(api_as, coventry)
    assert check(api_as, coventry[role], contact).status_code in (403, 404)
    assert api_as(coventry["manager"]).get(f"/api/v1/contacts/{contact.pk}/").data["cpis_check"] is None


def test_a_check_of_another_tenants_contact_is_not_found(coventry, make_hub, api_as):
    other = make_hub("durham")
    contact = rated(api_as, coventry)
    assert check(api_as, other["triage"], contact).status_code == 404


def test_triage_records_the_check_on_the_contact_page(coventry, api_as, client):
    contact = rated(api_as, coventry)
    client.force_login(coventry["triage"])
    page = client.get(f"/triage/contacts/{contact.pk}/").content.decode()
    assert "needs a CP-IS check before the decision" in page
    with time_machine.travel(datetime(2026, 3, 10, 11, 0, tzinfo=UTC), tick=False):
        bad = client.post(f"/triage/contacts/{contact.pk}/cpis-check/", {"checked_at": "soon", "result": "no_record"})
        assert bad.status_code == 400 and "Enter the date and time" in bad.content.decode()
        saved = client.post(f"/triage/contacts/{contact.pk}/cpis-check/",
                            {"checked_at": "10/03/2026 10:45", "result": "no_record", "details": ""})  # fmt: skip
    assert saved.status_code == 302
    page = client.get(f"/triage/contacts/{contact.pk}/").content.decode()
    assert "No record" in page and "Tuesday 10 March 2026 at 10:45am" in page
