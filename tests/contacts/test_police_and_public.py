"""Police notifications in bulk, each accepted or rejected on its own; reports from the public."""

import pytest
from django.test import override_settings
from rest_framework.test import APIClient

from contacts.models import Contact, ContactPerson
from mash import tenancy
from tests.audit_helpers import audit_events
from tests.contacts.builders import marf

pytestmark = pytest.mark.django_db
URL = "/api/v1/contacts/police-notifications/"


def notification(number, **overrides):
    body = marf(
        external_reference=f"CC-2026-{number:05d}",
        concerns="Domestic abuse incident at the home overnight; the children were present.",
        parents_aware="unknown",
        consent_to_referral="not_sought",
        consent_to_sharing="not_sought",
        consent_reason="serious_crime",
        consent_decided_by="PS 1234 Smith",
        received_at="2026-01-10T02:30:00Z",
    )
    del body["source"]  # a police notification is source 6 unless it says otherwise
    body.update(overrides)
    return body


def _contacts(tenant):
    with tenancy.tenant_context(tenant):
        return list(Contact.objects.order_by("id"))


def test_each_notification_is_accepted_or_rejected_on_its_own(hub, api_as):
    batch = [
        notification(1),
        notification(2, children=[]),  # no child
        notification(3),
        notification(4, consent_reason=""),  # no reason for sharing without consent
        notification(1),  # the same occurrence again
        "not an object",
    ]
    response = api_as(hub["nav_police"]).post(URL, {"notifications": batch}, format="json")

    assert response.status_code == 200, response.content
    results = response.data["results"]
    assert [r["index"] for r in results] == [0, 1, 2, 3, 4, 5]
    assert results[0]["reference"].startswith("ALP-") and results[2]["reference"].startswith("ALP-")
    assert results[1]["errors"] == {"children": ["Add at least one child."]}
    assert results[3]["errors"] == {"consent_reason": ["Select why consent was not given or not sought."]}
    assert results[4]["errors"] == {"external_reference": ["A contact with this reference has already been received."]}
    assert "non_field_errors" in results[5]["errors"]
    assert (response.data["accepted"], response.data["rejected"]) == (2, 4)

    contacts = _contacts(hub["tenant"])
    assert [c.reference for c in contacts] == [results[0]["reference"], results[2]["reference"]]
    assert {(c.channel, c.source) for c in contacts} == {("police_notification", "6")}
    with tenancy.tenant_context(hub["tenant"]):
        # Nothing half-saved: only the accepted notifications left people behind.
        assert ContactPerson.objects.count() == 4
    assert len(audit_events(hub["tenant"], action="contact.received")) == 2


def test_a_resent_batch_files_nothing_twice(hub, api_as):
    client = api_as(hub["triage"])
    batch = {"notifications": [notification(1), notification(2)]}
    assert client.post(URL, batch, format="json").data["accepted"] == 2
    again = client.post(URL, batch, format="json").data
    assert again["accepted"] == 0
    assert len(_contacts(hub["tenant"])) == 2


def test_more_than_500_notifications_is_a_400(hub, api_as):
    response = api_as(hub["nav_police"]).post(
        URL, {"notifications": [notification(i) for i in range(501)]}, format="json"
    )
    assert response.status_code == 400
    assert response.data == {"notifications": ["Send at most 500 notifications at a time."]}
    assert _contacts(hub["tenant"]) == []


@pytest.mark.parametrize("who", ["nav_health", "lead_health", "referrer", "manager", "admin"])
def test_only_triage_and_the_police_send_police_notifications(hub, api_as, who):
    response = api_as(hub[who]).post(URL, {"notifications": [notification(1)]}, format="json")
    assert response.status_code == 403


# --- the public ----------------------------------------------------------------------------------

PUBLIC = "/api/v1/public/alpha/contacts/"


def public_report(**overrides):
    body = {
        "children": [{"first_name": "Mia", "last_name": "Cole"}],
        "concerns": "The little girl next door is often left alone at night and cries for hours.",
        "postcode": "CB4 1AA",
        "relationship": "acquaintance",
        "reporter_name": "",
    }
    body.update(overrides)
    return body


def test_a_member_of_the_public_gets_only_a_reference(hub):
    response = APIClient().post(PUBLIC, public_report(), format="json")
    assert response.status_code == 201
    assert set(response.data) == {"reference"}
    [contact] = _contacts(hub["tenant"])
    assert response.data["reference"] == contact.reference
    assert (contact.channel, contact.source) == ("public", "9")  # no name given: anonymous


def test_a_named_neighbour_is_recorded_as_an_acquaintance(hub):
    APIClient().post(PUBLIC, public_report(reporter_name="Sam Green"), format="json")
    assert _contacts(hub["tenant"])[0].source == "1B"


def test_an_unknown_local_authority_is_not_found(hub):
    response = APIClient().post("/api/v1/public/nowhere/contacts/", public_report(), format="json")
    assert response.status_code == 404


def test_a_public_report_without_a_child_or_worry_says_what_is_missing(hub):
    response = APIClient().post(PUBLIC, public_report(children=[], concerns=""), format="json")
    assert response.status_code == 400
    assert response.data == {
        "children": ["Tell us about at least one child."],
        "concerns": ["Enter what you are worried about."],
    }


def test_public_reports_are_rate_limited_per_client(hub, settings):
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": {"public_marf": "3/hour"}}
    client = APIClient(REMOTE_ADDR="203.0.113.7")
    statuses = [client.post(PUBLIC, public_report(), format="json").status_code for _ in range(4)]
    assert statuses == [201, 201, 201, 429]
    # Inventing a forwarding header does not reset the count ...
    spoofed = client.post(PUBLIC, public_report(), format="json", HTTP_X_FORWARDED_FOR="198.51.100.1")
    assert spoofed.status_code == 429
    # ... while another client is unaffected.
    assert APIClient(REMOTE_ADDR="203.0.113.8").post(PUBLIC, public_report(), format="json").status_code == 201
    assert len(_contacts(hub["tenant"])) == 4


@override_settings()
def test_a_signed_in_session_does_not_change_what_the_public_endpoint_answers(hub, client):
    client.force_login(hub["triage"])
    response = client.post(PUBLIC, public_report(), content_type="application/json")
    assert response.status_code == 201
    assert set(response.json()) == {"reference"}
