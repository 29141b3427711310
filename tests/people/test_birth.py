"""An unborn child on the person's record, and recording the birth: the same record carries on, with every
contact, an audited change and a "Born" event in the chronology."""

from datetime import UTC, datetime

import pytest
import time_machine

from contacts import services as contact_services
from contacts.models import Person
from mash import tenancy
from mash.exceptions import Conflict, NotAllowed
from tests.audit_helpers import audit_event
from tests.people.builders import contact_about, person_named

pytestmark = pytest.mark.django_db

REFERRED = datetime(2026, 1, 16, 10, 0, tzinfo=UTC)
BORN_AT = datetime(2026, 5, 20, 10, 0, tzinfo=UTC)
UNBORN = {"first_name": "Unborn", "last_name": "Hart", "unborn": True, "expected_date": "2026-05-10",
          "postcode": "CB1 2AB"}  # fmt: skip
CONSENT = {"parents_aware": "yes", "consent_to_referral": "given", "consent_to_sharing": "given"}
BIRTH = {"date_of_birth-day": "8", "date_of_birth-month": "5", "date_of_birth-year": "2026", "first_name": "Rosie"}


def _pre_birth_referral(hub):
    with time_machine.travel(REFERRED, tick=False):
        contact = contact_about(hub, "pre-birth", UNBORN, received_at=REFERRED.isoformat(), **CONSENT)
    return contact, person_named(hub, "Unborn", "Hart")


def test_an_unborn_child_has_no_date_of_birth_but_a_due_date_on_the_record_and_the_api(cambs, client, api_as):
    _contact, person = _pre_birth_referral(cambs)
    client.force_login(cambs["triage"])

    with time_machine.travel(REFERRED, tick=False):
        page = client.get(f"/people/{person.pk}/").content.decode()
        data = api_as(cambs["triage"]).get(f"/api/v1/people/{person.pk}/").json()

    assert "Unborn, due 10 May 2026" in page and "Record the birth" in page
    assert data["date_of_birth"] is None and data["unborn"] is True and data["expected_date"] == "2026-05-10"


def test_recording_the_birth_keeps_the_same_person_and_every_contact(cambs, client, api_as):
    before, person = _pre_birth_referral(cambs)
    client.force_login(cambs["triage"])

    with time_machine.travel(BORN_AT, tick=False):
        form = client.get(f"/people/{person.pk}/birth/")
        response = client.post(f"/people/{person.pk}/birth/", BIRTH)
        after = contact_about(cambs, "after-birth", {"first_name": "Rosie", "last_name": "Hart",
                                                     "date_of_birth": "2026-05-08", "postcode": "CB1 2AB"},
                              **CONSENT)  # fmt: skip
        data = api_as(cambs["triage"]).get(f"/api/v1/people/{person.pk}/").json()
        page = client.get(f"/people/{person.pk}/").content.decode()

    assert form.status_code == 200 and "Record the birth" in form.content.decode()
    assert response.status_code == 302 and response.url == f"/people/{person.pk}/"
    with tenancy.tenant_context(cambs["tenant"]):
        born = Person.objects.get(pk=person.pk)
        assert Person.objects.count() == 1  # the contact after the birth found the same record
    assert born.unborn is False and born.date_of_birth.isoformat() == "2026-05-08"
    assert born.first_name == "Rosie" and born.expected_date.isoformat() == "2026-05-10"
    assert data["id"] == person.pk and sorted(data["contacts"]) == sorted([before.pk, after.pk])
    assert data["date_of_birth"] == "2026-05-08" and data["unborn"] is False
    kinds = [e["kind"] for e in data["chronology"]]
    assert kinds == ["contact", "born", "contact"]  # newest first: the birth between the two contacts
    assert "Born on 8 May 2026 (expected 10 May 2026)" in data["chronology"][1]["summary"]
    assert "8 May 2026 (age 0)" in page and "Unborn, due" not in page and "Record the birth" not in page
    event = audit_event(cambs["tenant"], action="person.birth_recorded")
    assert event.actor_id == cambs["triage"].pk
    assert event.changes["first_name"] == ["Unborn", "Rosie"] and event.changes["date_of_birth"] == "2026-05-08"


def test_the_contact_page_shows_the_birth_once_it_is_recorded(cambs, client):
    contact, person = _pre_birth_referral(cambs)
    client.force_login(cambs["manager"])
    with time_machine.travel(REFERRED, tick=False):
        before = client.get(f"/triage/contacts/{contact.pk}/").content.decode()
    with time_machine.travel(BORN_AT, tick=False):
        client.post(f"/people/{person.pk}/birth/", BIRTH)
        after = client.get(f"/triage/contacts/{contact.pk}/").content.decode()

    assert "Unborn, due 10 May 2026" in before and f"/people/{person.pk}/birth/" in before
    assert "8 May 2026 (0 years)" in after and f"/people/{person.pk}/birth/" not in after


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"date_of_birth-day": "", "date_of_birth-month": "", "date_of_birth-year": ""}, "Enter the date of birth"),
        ({"date_of_birth-month": "13"}, "The date of birth must be a real date"),
        ({"date_of_birth-day": "21"}, "The date of birth must be today or in the past"),
        ({"date_of_birth-day": "1", "date_of_birth-month": "1"}, "The date of birth must be after"),
        ({"first_name": "R" * 101}, "The first name must be 100 characters or fewer"),
    ],
)
def test_a_bad_birth_is_a_field_error_and_nothing_changes(cambs, client, change, message):
    _contact, person = _pre_birth_referral(cambs)
    client.force_login(cambs["triage"])

    with time_machine.travel(BORN_AT, tick=False):
        response = client.post(f"/people/{person.pk}/birth/", {**BIRTH, **change})

    assert response.status_code == 400
    assert message in response.content.decode() and 'class="govuk-error-summary' in response.content.decode()
    with tenancy.tenant_context(cambs["tenant"]):
        assert Person.objects.get(pk=person.pk).unborn is True


def test_only_triage_and_managers_record_a_birth_and_only_once(cambs, client):
    _contact, person = _pre_birth_referral(cambs)
    for role in ("ehcoord", "head", "referrer"):
        client.force_login(cambs[role])
        assert client.post(f"/people/{person.pk}/birth/", BIRTH).status_code == 404
    with time_machine.travel(BORN_AT, tick=False), tenancy.tenant_context(cambs["tenant"]):
        with pytest.raises(NotAllowed):
            contact_services.record_birth(actor=cambs["ehcoord"], person=person, date_of_birth=BORN_AT.date())
        contact_services.record_birth(actor=cambs["manager"], person=person, date_of_birth=BORN_AT.date())
        with pytest.raises(Conflict):
            contact_services.record_birth(actor=cambs["manager"], person=person, date_of_birth=BORN_AT.date())
    client.force_login(cambs["triage"])
    assert client.get(f"/people/{person.pk}/birth/").status_code == 404  # already born


def test_another_tenants_unborn_child_is_not_found(cambs, durham, client):
    _contact, person = _pre_birth_referral(cambs)
    client.force_login(durham["triage"])
    assert client.post(f"/people/{person.pk}/birth/", BIRTH).status_code == 404


def test_search_finds_unborn_children_and_a_date_filter_does_not_trip_on_them(cambs, client, api_as):
    _pre_birth_referral(cambs)
    contact_about(cambs, "born", {"first_name": "Leo", "last_name": "Hart", "date_of_birth": "2025-04-02"}, **CONSENT)
    client.force_login(cambs["triage"])
    api = api_as(cambs["triage"])

    with time_machine.travel(REFERRED, tick=False):
        by_name = api.get("/api/v1/people/", {"q": "Hart"}).json()["results"]
        by_due = api.get("/api/v1/people/", {"q": "Hart", "date_of_birth": "2026-05-10"}).json()["results"]
        by_birth = api.get("/api/v1/people/", {"date_of_birth": "2025-04-02"})
        page = client.get("/people/", {"q": "Unborn Hart", "date_of_birth": "10/5/2026"})

    assert {p["first_name"] for p in by_name} == {"Unborn", "Leo"}
    unborn = next(p for p in by_name if p["first_name"] == "Unborn")
    assert unborn["date_of_birth"] is None and unborn["unborn"] is True
    assert by_due[0]["first_name"] == "Unborn" and by_due[0]["reasons"]["date_of_birth"].startswith("same expected")
    assert by_birth.status_code == 200 and [p["first_name"] for p in by_birth.json()["results"]] == ["Leo"]
    assert page.status_code == 200 and "Unborn, due 10 May 2026" in page.content.decode()
