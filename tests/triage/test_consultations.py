"""The advice line (issue 20): a consultation naming no child creates no person; one that opens a contact is
linked both ways; listed and searchable; triage and managers only."""

import pytest
from django.test import Client

from contacts.models import Person
from mash import tenancy
from mash.models import AuditEvent
from tests.triage.builders import new_contact

pytestmark = pytest.mark.django_db


def body(**overrides):
    data = {
        "caller_name": "Ms Lee", "caller_organisation": "Northfield Primary", "organisation_type": "school",
        "question": "A pupil has bruises she says came from football; should we refer?",
        "advice": "Speak to the DSL, record it, and refer if another injury appears.", "outcome": "advice_given",
        "contact": None,
    }  # fmt: skip
    data.update(overrides)
    return data


def test_a_consultation_naming_no_child_creates_no_person(cambs, api_as):
    with tenancy.tenant_context(cambs["tenant"]):
        before = Person.objects.count()
    response = api_as(cambs["triage"]).post("/api/v1/consultations/", body(), format="json")
    assert response.status_code == 201, response.content
    assert response.data["child_named"] is False and response.data["contact"] is None
    with tenancy.tenant_context(cambs["tenant"]):
        assert Person.objects.count() == before
        assert AuditEvent.objects.filter(action="consultation.recorded").count() == 1
    listed = api_as(cambs["manager"]).get("/api/v1/consultations/?q=northfield").data
    assert [c["caller_name"] for c in listed["results"]] == ["Ms Lee"]
    assert api_as(cambs["manager"]).get("/api/v1/consultations/?q=nobody").data["results"] == []
    assert api_as(cambs["referrer"]).get("/api/v1/consultations/").status_code == 403


def test_one_that_opens_a_contact_links_both_ways(cambs, api_as):
    contact = new_contact(cambs)
    assert (
        api_as(cambs["triage"])
        .post("/api/v1/consultations/", body(outcome="contact_opened"), format="json")
        .status_code
        == 400
    )  # which contact?
    response = api_as(cambs["triage"]).post(
        "/api/v1/consultations/", body(outcome="contact_opened", contact=contact.pk), format="json"
    )
    assert response.status_code == 201, response.content
    assert response.data["contact"] == contact.pk
    client = Client()
    client.force_login(cambs["triage"])
    page = client.get(f"/triage/contacts/{contact.pk}/").content.decode()
    assert "Opened from a call to the advice line" in page and "Northfield Primary" in page
    listing = client.get("/triage/consultations/?q=Lee").content.decode()
    assert contact.reference in listing


def test_the_record_page_keeps_what_was_typed_on_an_error_and_records(cambs):
    client = Client()
    client.force_login(cambs["manager"])
    bad = client.post("/triage/consultations/new/", {"caller_name": "Dr Shah", "outcome": "advice_given"})
    assert bad.status_code == 400
    html = bad.content.decode()
    assert "Enter the caller&#x27;s organisation" in html and "Dr Shah" in html
    # Every problem at once, each beside its field and linked from the summary (not one per attempt).
    for anchor in ("caller_organisation", "question", "advice"):
        assert f'href="#{anchor}"' in html and f'id="{anchor}-error"' in html
    assert 'value="advice_given" checked' in html
    impossible = client.post(
        "/triage/consultations/new/",
        {"child_date_of_birth_0": "31", "child_date_of_birth_1": "2", "child_date_of_birth_2": "2020"},
    )
    assert 'href="#child_date_of_birth_0">Enter the child&#x27;s date of birth as a real date.' in (
        impossible.content.decode()
    )
    assert 'href="#outcome_1">Say whether advice was given' in impossible.content.decode()
    good = client.post(
        "/triage/consultations/new/",
        {**body(caller_name="Dr Shah", organisation_type="health"), "contact": "", "child_name": "Amy Jones",
         "child_date_of_birth_0": "3", "child_date_of_birth_1": "4", "child_date_of_birth_2": "2019"},
        follow=True,
    )  # fmt: skip
    assert good.status_code == 200 and "Dr Shah" in good.content.decode() and "Amy Jones" in good.content.decode()


@pytest.mark.parametrize("day", ["0001-01-01", "9999-12-31"])
def test_a_childs_date_of_birth_outside_1900_to_2100_is_refused_on_its_field(cambs, api_as, day):
    from triage.handover_models import Consultation

    response = api_as(cambs["triage"]).post(
        "/api/v1/consultations/", body(child_name="Ava", child_date_of_birth=day), format="json"
    )
    assert response.status_code == 400
    assert response.data["child_date_of_birth"] == ["Enter a date between 1900 and 2100."]
    with tenancy.tenant_context(cambs["tenant"]):
        assert not Consultation.objects.exists()
