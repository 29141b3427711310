"""Pre-birth referrals: an unborn child with an expected date of delivery, through every route the front door has
(the MARF pages, the phone form, the public form, the API), and the field errors of bad input."""

from datetime import UTC, datetime

import pytest
import time_machine
from django.test import Client
from rest_framework.test import APIClient

from contacts.models import Contact, ContactPerson, Person
from mash import tenancy
from tests.contacts.builders import marf, settle_matching, submit

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 1, 16, 10, 0, tzinfo=UTC)  # a Friday morning
DUE = "2026-05-10"
UNBORN = {"unborn": True, "expected_date": DUE, "last_name": "Hart"}
MOTHER = {"role": "parent", "relationship": "mother", "first_name": "Amy", "last_name": "Hart",
          "date_of_birth": "2006-08-19"}  # fmt: skip
STEPS = {
    "family": {"address": "12 Mill Road, Cambridge", "postcode": "cb1 2ab", "gp": "Mill Road Surgery"},
    "referrer": {"source": "3A", "referrer_name": "Dr Priya Shah", "referrer_role": "GP",
                 "referrer_organisation": "Mill Road Surgery", "referrer_email": "p.shah@example.org"},
    "concerns": {"concerns": "Pregnant 19-year-old, about six months, no midwife; did not attend hospital."},
    "consent": {"parents_aware": "yes", "consent_to_referral": "given", "consent_to_sharing": "given"},
    "threshold": {"threshold_level": ""},
}  # fmt: skip


def _unborn_register_entry(tenant, contact_pk):
    settle_matching(tenant)  # a referrer's and the public's contacts are matched by a worker after the request
    with tenancy.tenant_context(tenant):
        child = ContactPerson.objects.select_related("person").get(contact_id=contact_pk, role="child")
        household = list(ContactPerson.objects.filter(contact_id=contact_pk).exclude(role="child"))
    return child, household


def _assert_unborn(child, *, first_name="Unborn"):
    assert child.unborn and child.expected_date.isoformat() == DUE and child.date_of_birth is None
    person = child.person
    assert person.unborn is True and person.expected_date.isoformat() == DUE and person.date_of_birth is None
    assert person.first_name == first_name and person.last_name == "Hart"


@time_machine.travel(NOW, tick=False)
def test_the_api_takes_an_unborn_child_with_an_expected_date_and_the_mother(hub, api_as):
    data = submit(api_as(hub["referrer"]), children=[UNBORN], household=[MOTHER])

    assert data["children"][0]["unborn"] is True
    assert data["children"][0]["expected_date"] == DUE and data["children"][0]["date_of_birth"] is None
    child, household = _unborn_register_entry(hub["tenant"], data["id"])
    _assert_unborn(child)
    assert [(m.first_name, m.relationship) for m in household] == [("Amy", "mother")]
    staff = api_as(hub["triage"]).get(f"/api/v1/contacts/{data['id']}/").json()
    assert staff["children"][0]["unborn"] is True and staff["children"][0]["person"] == child.person_id


@time_machine.travel(NOW, tick=False)
def test_a_public_report_through_the_api_may_be_about_an_unborn_child(hub):
    body = {"concerns": "My neighbour is pregnant and her partner hits her.", "postcode": "CB1 2AB",
            "children": [{"first_name": "Unborn", **UNBORN}], "mother_first_name": "Amy",
            "mother_last_name": "Hart"}  # fmt: skip
    response = APIClient().post("/api/v1/public/alpha/contacts/", body, format="json")

    assert response.status_code == 201, response.content
    with tenancy.tenant_context(hub["tenant"]):
        contact = Contact.objects.get()
    child, household = _unborn_register_entry(hub["tenant"], contact.pk)
    _assert_unborn(child)
    assert [(m.first_name, m.role) for m in household] == [("Amy", "parent")]


@time_machine.travel(NOW, tick=False)
def test_a_referrer_files_a_pre_birth_marf_page_by_page(hub):
    browser = Client()
    browser.force_login(hub["referrer"])
    page = browser.get("/contacts/referral/child/").content.decode()
    # GOV.UK conditional reveal: "No, not yet" reveals the expected date of delivery.
    assert 'data-reveals="conditional-id_born-no"' in page and "Expected date of delivery" in page

    child = {"first_name": "Unborn", "last_name": "Hart", "born": "no", "expected_date_0": "10",
             "expected_date_1": "5", "expected_date_2": "2026", "sex": "U", "postcode": "",
             # Typed before choosing "No": hidden by the reveal, and ignored.
             "date_of_birth_0": "3", "date_of_birth_1": "", "date_of_birth_2": ""}  # fmt: skip
    assert browser.post("/contacts/referral/child/", child).url == "/contacts/referral/children/"
    assert "unborn, due 2026-05-10" in browser.get("/contacts/referral/children/").content.decode()
    browser.post("/contacts/referral/children/", {"add_another": "no"})
    browser.post("/contacts/referral/household/", {"add_another": "yes"})
    mother = {"role": "parent", "relationship": "Expectant mother", "first_name": "Amy", "last_name": "Hart"}
    assert browser.post("/contacts/referral/person/", mother).status_code == 302
    browser.post("/contacts/referral/household/", {"add_another": "no"})
    for step, values in STEPS.items():
        response = browser.post(f"/contacts/referral/{step}/", values)
        assert response.status_code == 302, response.content.decode()[:2000]
    check = browser.get("/contacts/referral/check/").content.decode()
    assert "Unborn, due 10 May 2026" in check

    submitted = browser.post("/contacts/referral/check/")

    assert submitted.status_code == 302, submitted.content.decode()[:3000]
    with tenancy.tenant_context(hub["tenant"]):
        contact = Contact.objects.get()
    child_mention, household = _unborn_register_entry(hub["tenant"], contact.pk)
    _assert_unborn(child_mention)
    assert [m.relationship for m in household] == ["Expectant mother"]
    referral = browser.get(f"/contacts/{contact.pk}/").content.decode()
    assert "unborn, due 10 May 2026" in referral


PHONE = {
    "received_date_0": "16", "received_date_1": "1", "received_date_2": "2026", "received_time": "08:15",
    "referrer_name": "Dr Priya Shah", "referrer_role": "GP", "referrer_organisation": "Mill Road Surgery",
    "referrer_phone": "", "source": "3A", "child_first_name": "Unborn", "child_last_name": "Hart",
    "child_born": "no", "child_expected_date_0": "10", "child_expected_date_1": "5", "child_expected_date_2": "2026",
    "mother_first_name": "Amy", "mother_last_name": "Hart", "postcode": "CB1 2AB",
    "concerns": "Pregnant 19-year-old, no midwife.", "call_notes": "", "parents_aware": "yes",
    "consent_to_referral": "given", "consent_to_sharing": "given",
}  # fmt: skip


@time_machine.travel(NOW, tick=False)
def test_triage_records_a_pre_birth_phone_call_with_the_expectant_mother(hub):
    client = Client()
    client.force_login(hub["triage"])
    assert 'data-reveals="conditional-id_child_born-no"' in client.get("/contacts/phone/").content.decode()

    response = client.post("/contacts/phone/", PHONE)

    assert response.status_code == 302, response.content.decode()[:3000]
    with tenancy.tenant_context(hub["tenant"]):
        contact = Contact.objects.get()
    child, household = _unborn_register_entry(hub["tenant"], contact.pk)
    _assert_unborn(child)
    assert [(m.first_name, m.role, m.relationship) for m in household] == [
        ("Amy", "parent", "Mother (expectant parent)")
    ]
    # The contact's identity bar and the queue say "Unborn, due <date>" where an age would be.
    assert "Unborn, due 10 May 2026" in client.get(f"/triage/contacts/{contact.pk}/").content.decode()
    assert "Unborn, due 10 May 2026" in client.get("/triage/").content.decode()


@time_machine.travel(NOW, tick=False)
def test_a_member_of_the_public_reports_a_worry_about_an_unborn_baby(hub):
    client = Client()
    report = {"concerns": "My neighbour is pregnant and her partner hits her.", "child_first_name": "Baby",
              "child_last_name": "Hart", "child_born": "no", "child_expected_date_0": "10",
              "child_expected_date_1": "5", "child_expected_date_2": "2026", "mother_first_name": "Amy",
              "mother_last_name": "Hart"}  # fmt: skip

    response = client.post("/contacts/report/alpha/", report)

    assert response.status_code == 302, response.content.decode()[:3000]
    with tenancy.tenant_context(hub["tenant"]):
        contact = Contact.objects.get()
    child, household = _unborn_register_entry(hub["tenant"], contact.pk)
    _assert_unborn(child, first_name="Baby")
    assert [m.first_name for m in household] == ["Amy"]


@time_machine.travel(NOW, tick=False)
@pytest.mark.parametrize(
    ("child", "field", "message"),
    [
        ({**UNBORN, "date_of_birth": "2025-12-01"}, "date_of_birth", "An unborn child has no date of birth yet"),
        ({"unborn": True, "last_name": "Hart"}, "expected_date", "Enter the expected date of delivery."),
        ({**UNBORN, "expected_date": "2026-12-01"}, "expected_date", "within the next 10 months"),
        ({**UNBORN, "expected_date": "2025-11-01"}, "expected_date", "If the baby has been born"),
        ({**UNBORN, "expected_date": "2026-02-30"}, "expected_date", "as a real date"),
        ({"first_name": "Leo", "last_name": "Hart", "expected_date": DUE}, "expected_date", "Only an unborn child"),
        ({"first_name": "Leo", "last_name": "Hart"}, "date_of_birth", "Enter the child's date of birth."),
    ],
)
def test_bad_pre_birth_input_to_the_api_is_a_400_naming_the_field(hub, api_as, child, field, message):
    response = api_as(hub["referrer"]).post("/api/v1/contacts/", marf(children=[child]), format="json")

    assert response.status_code == 400
    errors = response.json()["children"]["0"]  # the first child's errors
    assert message in " ".join(errors[field]), errors
    with tenancy.tenant_context(hub["tenant"]):
        assert not Contact.objects.exists() and not Person.objects.exists()


@time_machine.travel(NOW, tick=False)
@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"child_expected_date_0": "", "child_expected_date_1": "", "child_expected_date_2": ""},
         "Enter the expected date of delivery"),
        ({"child_expected_date_2": "2027"}, "The expected date of delivery must be within the next 10 months"),
        ({"child_expected_date_1": "13"}, "Expected date of delivery must be a real date"),
        ({"child_expected_date_1": ""}, "Expected date of delivery must include a day, month and year"),
        ({"mother_first_name": ""}, "Enter the first name of the mother or expectant parent"),
        ({"child_born": "yes"}, "Enter the child&#x27;s date of birth"),
    ],
)  # fmt: skip
def test_bad_pre_birth_input_on_the_phone_form_is_a_field_error_and_keeps_what_was_typed(hub, change, message):
    client = Client()
    client.force_login(hub["triage"])

    page = client.post("/contacts/phone/", {**PHONE, **change}).content.decode()

    assert message in page
    assert 'class="govuk-error-summary' in page
    assert "Pregnant 19-year-old, no midwife." in page and 'value="Hart"' in page  # nothing typed is lost
    with tenancy.tenant_context(hub["tenant"]):
        assert not Contact.objects.exists()


@time_machine.travel(NOW, tick=False)
def test_the_marf_child_page_asks_for_the_expected_date_of_an_unborn_child(hub):
    browser = Client()
    browser.force_login(hub["referrer"])
    child = {"first_name": "Unborn", "last_name": "Hart", "born": "no", "sex": "U"}

    page = browser.post("/contacts/referral/child/", child)

    assert page.status_code == 200
    html = page.content.decode()
    assert "Enter the expected date of delivery" in html and 'href="#id_expected_date_0"' in html
    neither = browser.post("/contacts/referral/child/", {**child, "born": ""}).content.decode()
    assert "Select whether the child has been born" in neither
