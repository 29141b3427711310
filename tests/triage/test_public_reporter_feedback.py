"""Nothing about a child goes to an address the hub has not verified.

A member of the public (the public form, or a call or report from an individual) types an email address that
may not be theirs: they are sent the reference and nothing else, at receipt and at the decision, until hub
staff record that they have confirmed who the reporter is; then the outcome goes to them. A professional's
feedback is unchanged.
"""

import pytest
from django.core import mail
from django.test import Client
from rest_framework.test import APIClient

from contacts.models import Contact
from deadlines.models import Clock, Notification
from mash import tenancy
from mash.models import AuditEvent
from tests.audit_helpers import audit_events
from tests.contacts.builders import submit
from tests.triage.builders import new_contact

pytestmark = pytest.mark.django_db
ADDRESS = "worried.neighbour@example.org"
CHECK = "Called her back on 07700 900777; she described the report and the address."
NOTE = "A social worker is visiting Mia Cole at home tomorrow."
LEAKS = ("Mia", "Cole", "Strategy discussion", "section 47", "Outcome", "social worker is visiting")


def report_from_the_public(hub, capture, **overrides):
    body = {
        "children": [{"first_name": "Mia", "last_name": "Cole", "date_of_birth": "2019-05-04"}],
        "concerns": "The little girl next door is often left alone at night and cries for hours.",
        "postcode": "CB4 1AA", "relationship": "acquaintance", "reporter_name": "", "reporter_email": ADDRESS,
        **overrides,
    }  # fmt: skip
    with capture(execute=True):
        response = APIClient().post(f"/api/v1/public/{hub['tenant'].slug}/contacts/", body, format="json")
    assert response.status_code == 201, response.content
    with tenancy.tenant_context(hub["tenant"]):
        return Contact.objects.get(reference=response.data["reference"])


def decide_section_47(api_as, hub, contact, capture):
    with capture(execute=True):
        response = api_as(hub["manager"]).post(f"/api/v1/contacts/{contact.pk}/decision/", {
            "outcome": "strategy_discussion", "reason": "Left alone at night; police know the family.",
            "primary_need": "N1", "feedback": NOTE,
        }, format="json")  # fmt: skip
    assert response.status_code == 200, response.content


def verify(api_as, user, contact, capture, **body):
    with capture(execute=True):
        return api_as(user).post(f"/api/v1/contacts/{contact.pk}/reporter-identity/", {"check": CHECK, **body},
                                 format="json")  # fmt: skip


def to_reporter(address=ADDRESS):
    return [m for m in mail.outbox if address in m.to]


def stored(hub, contact):
    with tenancy.tenant_context(hub["tenant"]):
        return Contact.objects.get(pk=contact.pk)


def test_an_anonymous_reporter_is_emailed_the_reference_and_nothing_else(
    cambs, api_as, django_capture_on_commit_callbacks
):
    contact = report_from_the_public(cambs, django_capture_on_commit_callbacks)
    decide_section_47(api_as, cambs, contact, django_capture_on_commit_callbacks)
    received, decided = to_reporter()
    for email in (received, decided):
        assert contact.reference in email.subject and contact.reference in email.body
        for leak in LEAKS:
            assert leak not in email.subject and leak not in email.body, (leak, email.body)
    assert "identity" in decided.body and "999" in decided.body
    after = stored(cambs, contact)
    assert after.feedback_sent_at is None  # the outcome has not gone
    assert "Strategy discussion (section 47)" in after.feedback_to_referrer  # written, waiting for a check
    with tenancy.tenant_context(cambs["tenant"]):
        event = AuditEvent.objects.get(action="contact.feedback_withheld", object_id=str(contact.pk))
        clock = Clock.objects.get(kind="referrer_feedback", subject_id=str(contact.pk))
    assert event.changes == {"to": ["email"], "outcome": "strategy_discussion", "sent": "reference only"}
    assert clock.met_at is not None  # they had the answer the hub may give


def test_after_staff_verify_who_they_are_the_outcome_is_sent(cambs, api_as, django_capture_on_commit_callbacks):
    contact = report_from_the_public(cambs, django_capture_on_commit_callbacks)
    decide_section_47(api_as, cambs, contact, django_capture_on_commit_callbacks)
    mail.outbox.clear()
    response = verify(api_as, cambs["triage"], contact, django_capture_on_commit_callbacks)
    assert response.status_code == 200, response.content
    assert response.data["reporter_identity_verified"] is True
    assert response.data["reporter_identity_verified_by"] == cambs["triage"].username
    assert response.data["feedback_sent_at"] is not None
    (email,) = to_reporter()
    assert "Outcome: Strategy discussion (section 47)." in email.body and NOTE in email.body
    assert "Mia Cole" in email.body and email.subject == f"MASH: outcome of referral {contact.reference}"
    with tenancy.tenant_context(cambs["tenant"]):
        event = AuditEvent.objects.get(action="contact.reporter_identity_verified", object_id=str(contact.pk))
    assert event.actor == cambs["triage"] and event.changes == {"check": CHECK}
    assert audit_events(cambs["tenant"], action="contact.feedback_sent", object_id=str(contact.pk))
    detail = api_as(cambs["manager"]).get(f"/api/v1/contacts/{contact.pk}/").data
    assert detail["reporter_identity_verified"] is True and detail["reporter_identity_check"] == CHECK


def test_verified_before_the_decision_they_hear_the_outcome_with_it(cambs, api_as, django_capture_on_commit_callbacks):
    contact = report_from_the_public(cambs, django_capture_on_commit_callbacks, reporter_name="Jo Green")
    assert verify(api_as, cambs["manager"], contact, django_capture_on_commit_callbacks).status_code == 200
    decide_section_47(api_as, cambs, contact, django_capture_on_commit_callbacks)
    received, decided = to_reporter()
    assert "Mia" not in received.body  # the acknowledgement at receipt went before anyone checked
    assert "Outcome: Strategy discussion (section 47)." in decided.body and NOTE in decided.body
    assert stored(cambs, contact).feedback_sent_at is not None


def test_a_caller_from_the_public_recorded_by_triage_is_held_back_too(
    cambs, api_as, django_capture_on_commit_callbacks
):
    contact = new_contact(
        cambs,
        source="1A",
        referrer_email=ADDRESS,
        children=[{"first_name": "Mia", "last_name": "Cole", "date_of_birth": "2019-05-04", "postcode": "CB4 1AA"}],
    )
    decide_section_47(api_as, cambs, contact, django_capture_on_commit_callbacks)
    for email in to_reporter():
        assert contact.reference in email.body
        assert not any(leak in email.body for leak in LEAKS), email.body


def test_a_professionals_feedback_is_unchanged(cambs, api_as, django_capture_on_commit_callbacks):
    # A referrer's account (the MARF), and a GP's call recorded by triage: both told the outcome.
    own = submit(api_as(cambs["referrer"]), referrer_email="dsl@school.example.org")
    phoned = new_contact(cambs, referrer_email="gp@surgery.example.org")  # source 3A: GP
    for contact_id in (own["id"], phoned.pk):
        decide_section_47(api_as, cambs, Contact(pk=contact_id), django_capture_on_commit_callbacks)
    for address in ("dsl@school.example.org", "gp@surgery.example.org"):
        (email,) = [m for m in to_reporter(address) if "outcome" in m.subject]
        assert "Outcome: Strategy discussion (section 47)." in email.body and NOTE in email.body
        assert "Leo Hart" in email.body  # the child named on the referral
    with tenancy.tenant_context(cambs["tenant"]):
        notice = Notification.objects.filter(recipient=cambs["referrer"]).order_by("-id").first()
        assert "Strategy discussion (section 47)" in notice.message
        assert Contact.objects.get(pk=own["id"]).feedback_sent_at is not None
    # Nothing to verify for a professional.
    refused = verify(api_as, cambs["triage"], phoned, django_capture_on_commit_callbacks)
    assert refused.status_code == 400 and "professional" in refused.data["check"][0]


@pytest.mark.parametrize(("role", "status"), [("head", 403), ("admin", 403), ("ehcoord", 403), ("referrer", 404),
                                              ("nav_police", 404)])  # fmt: skip
def test_only_triage_and_managers_verify_a_reporter(cambs, api_as, django_capture_on_commit_callbacks, role, status):
    contact = report_from_the_public(cambs, django_capture_on_commit_callbacks)
    assert verify(api_as, cambs[role], contact, django_capture_on_commit_callbacks).status_code == status
    assert stored(cambs, contact).reporter_identity_verified_at is None


def test_verifying_needs_how_and_happens_once(cambs, api_as, django_capture_on_commit_callbacks):
    contact = report_from_the_public(cambs, django_capture_on_commit_callbacks)
    empty = verify(api_as, cambs["triage"], contact, django_capture_on_commit_callbacks, check="  ")
    assert empty.status_code == 400 and empty.data["check"] == ["Say how you confirmed who they are."]
    long = verify(api_as, cambs["triage"], contact, django_capture_on_commit_callbacks, check="x" * 501)
    assert long.status_code == 400 and "500" in long.data["check"][0]
    assert verify(api_as, cambs["triage"], contact, django_capture_on_commit_callbacks).status_code == 200
    again = verify(api_as, cambs["manager"], contact, django_capture_on_commit_callbacks)
    assert again.status_code == 409
    assert stored(cambs, contact).reporter_identity_verified_by == cambs["triage"]


def test_the_contact_page_shows_the_check_and_records_it(cambs, api_as, django_capture_on_commit_callbacks):
    contact = report_from_the_public(cambs, django_capture_on_commit_callbacks)
    decide_section_47(api_as, cambs, contact, django_capture_on_commit_callbacks)
    client = Client()
    client.force_login(cambs["triage"])
    page = client.get(f"/triage/contacts/{contact.pk}/").content.decode()
    assert "Not verified" in page and "they were emailed the reference only" in page
    form_url = f"/triage/contacts/{contact.pk}/reporter-identity/"
    assert form_url in page
    assert client.post(form_url, {"check": ""}).status_code == 400
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(form_url, {"check": CHECK, "version": stored(cambs, contact).version})
    assert response.status_code == 302
    page = client.get(f"/triage/contacts/{contact.pk}/").content.decode()
    assert "Verified</strong>" in page and CHECK in page and form_url not in page
    assert "Reporter&#x27;s identity verified" in page or "Reporter's identity verified" in page  # the timeline
    assert any("Outcome: Strategy discussion" in m.body for m in to_reporter())
