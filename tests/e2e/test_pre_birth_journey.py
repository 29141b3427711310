"""A pre-birth referral in the browser: triage records a call about an unborn baby (the reveal shows the expected
date instead of the date of birth), then records the birth on the person's record, which carries on."""

from datetime import date, timedelta

import pytest

from contacts.models import Person
from mash import tenancy
from mash.models import Tenant
from tests.e2e.conftest import sign_in

pytestmark = pytest.mark.e2e


def test_triage_records_a_pre_birth_call_then_the_birth_on_the_same_record(page, axe, live_server, demo_data):
    sign_in(page, live_server, "cambridgeshire-triage")
    page.goto(f"{live_server.url}/contacts/phone/")
    born = page.get_by_role("group", name="Has the child been born?")
    expected = page.get_by_role("group", name="Expected date of delivery")
    birth = page.get_by_role("group", name="Child's date of birth")
    assert not expected.is_visible() and not birth.is_visible()
    born.get_by_label("Yes", exact=True).check()
    assert birth.is_visible() and not expected.is_visible()
    born.get_by_label("No, not yet (a pre-birth referral)").check()
    assert expected.is_visible() and not birth.is_visible()

    page.get_by_label("Caller's name").fill("Dr Priya Shah")
    page.get_by_label("Source of the contact").select_option("3A")
    page.get_by_label("Child's first name").fill("Unborn")
    page.get_by_label("Child's last name").fill("Quill")
    page.locator("#id_child_expected_date_0").fill("1")
    page.locator("#id_child_expected_date_1").fill("1")
    page.locator("#id_child_expected_date_2").fill("2099")  # too far ahead: a field error, nothing lost
    page.get_by_label("Mother's or expectant parent's first name").fill("Amy")
    page.get_by_label("What the caller is worried about").fill("Pregnant 19-year-old, no midwife.")
    page.get_by_role("group", name="Do the parents or carers know about this call?").get_by_label("Yes").check()
    page.get_by_role("group", name="Consent to the referral").get_by_label("Given").check()
    page.get_by_role("group", name="Consent to sharing information").get_by_label("Given").check()
    with page.expect_navigation():
        page.get_by_role("button", name="Record contact").click()
    summary = page.locator(".govuk-error-summary").inner_text()
    assert "The expected date of delivery must be within the next 10 months" in summary
    assert (
        expected.is_visible() and page.get_by_label("Mother's or expectant parent's first name").input_value() == "Amy"
    )
    axe.check()

    tenant = Tenant.objects.get(slug="cambridgeshire")
    due = date.today() + timedelta(days=90)
    for i, part in enumerate((due.day, due.month, due.year)):
        page.locator(f"#id_child_expected_date_{i}").fill(str(part))
    with page.expect_navigation():
        page.get_by_role("button", name="Record contact").click()
    assert "Unborn, due" in page.locator("#identity").inner_text()

    with tenancy.tenant_context(tenant):
        person = Person.objects.get(last_name="Quill", unborn=True)
    with page.expect_navigation():
        page.get_by_role("link", name="Record the birth").first.click()
    page.locator("#id_date_of_birth-day").fill("1")
    page.locator("#id_date_of_birth-month").fill("1")
    page.locator("#id_date_of_birth-year").fill("2099")
    with page.expect_navigation():
        page.get_by_role("button", name="Record the birth").click()
    assert "The date of birth must be today or in the past" in page.locator(".govuk-error-summary").inner_text()
    today = date.today()
    for part, value in zip(("day", "month", "year"), (today.day, today.month, today.year), strict=True):
        page.locator(f"#id_date_of_birth-{part}").fill(str(value))
    page.get_by_label("First name (optional)").fill("Rosie")
    with page.expect_navigation():
        page.get_by_role("button", name="Record the birth").click()

    assert page.url.endswith(f"/people/{person.pk}/")
    assert "Rosie Quill" in page.get_by_role("heading", level=1).inner_text()
    assert "(age 0)" in page.locator("#identity").inner_text()
    assert "Born on" in page.locator("#chronology").inner_text()
