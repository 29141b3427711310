"""A contact the MASH decides early_help reaches the Early Help Hub coordinator's queue with its deadline; the
coordinator gives the outcome "district service", records the calls, and the plan's first review is scheduled."""

import re
from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from contacts.models import Contact
from earlyhelp import services
from mash import tenancy
from mash.models import Tenant, User
from tests.e2e.conftest import sign_in

pytestmark = pytest.mark.e2e
LONDON = ZoneInfo("Europe/London")


def _decide_early_help():
    """The MASH manager's decision on the demo school-attendance contact (triage's endpoint stands in here)."""
    tenant = Tenant.objects.get(slug="cambridgeshire")
    manager = User.objects.get(username="cambridgeshire-manager")
    with tenancy.tenant_context(tenant):
        contact = Contact.objects.get(external_reference="demo-school-attendance")
        Contact.objects.filter(pk=contact.pk).update(
            status="decided", outcome="early_help", decided_at=timezone.now(), decided_by=manager
        )
        contact.refresh_from_db()
        return services.create_from_contact(contact=contact, actor=manager, reason="Attendance and young carer.")


def _save(page, name="Save"):
    with page.expect_navigation():
        page.get_by_role("button", name=name, exact=True).click()


def _record_call(page, link_name, spoke_to):
    page.get_by_role("link", name=link_name).click()
    page.get_by_label("Who did you call?").fill(spoke_to)
    now = timezone.localtime(timezone.now() - timedelta(minutes=2), LONDON)
    page.get_by_label("Day").fill(str(now.day))
    page.get_by_label("Month").fill(str(now.month))
    page.get_by_label("Year").fill(str(now.year))
    page.get_by_label("Time of the call").fill(now.strftime("%H:%M"))
    page.get_by_label("Spoke to them and gave the decision").check()
    _save(page)


def test_a_stepped_down_contact_is_decided_district_service_called_and_planned(page, axe, live_server, demo_data):
    request = _decide_early_help()
    due = timezone.localtime(request.review_due_at, LONDON)
    assert request.review_due_at - request.received_at == timedelta(hours=48)  # Cambridgeshire: 48 hours

    sign_in(page, live_server, "cambridgeshire-ehcoord")
    page.goto(f"{live_server.url}/early-help/")
    row = page.locator("#queue-table").get_by_role("row").filter(has_text=request.reference)
    text = row.inner_text()
    assert "Ruby Ellis" in text and "MASH contact" in text
    from mash import timefmt

    assert timefmt.govuk_datetime(due, "Europe/London") in text  # the deadline, in London time, the GOV.UK way
    assert "On time" in text and "left" in text

    row.get_by_role("link", name=request.reference).click()
    assert page.get_by_role("heading", level=1).inner_text() == f"Early help {request.reference}"
    page.get_by_role("link", name="Record the outcome").click()

    # A mistake first: a district service needs the lead professional and what is offered.
    page.get_by_label("District Early Help service offered").check()
    _save(page)
    assert page.locator(".govuk-error-summary").is_visible()
    assert page.title().startswith("Error: ")
    page.get_by_label("Lead professional", exact=True).fill("Jo Patel, Family Worker, South District")
    page.get_by_label("Which district Early Help service or services are offered?").fill("Family Work (South)")
    page.get_by_role("group", name="Does the offer include further assessment?").get_by_label("No").check()
    _save(page)
    assert "Outcome recorded" in page.locator(".govuk-notification-banner").inner_text()
    assert "District Early Help service offered" in page.locator("#outcome").inner_text()

    _record_call(page, "Record a call (call the referrer)", "Ms L. Grant")
    _record_call(page, "Record a call (call the family)", "Ruby's mother")
    tasks = page.locator("#feedback-tasks")
    assert tasks.get_by_role("row").filter(has_text="Call the referrer").get_by_text("Done").is_visible()
    assert tasks.get_by_role("row").filter(has_text="Call the family").get_by_text("Done").is_visible()

    page.get_by_role("link", name="Print or send the letter").click()
    assert "Dear Jo Patel" in page.locator("#letter").inner_text()
    page.get_by_label("Printed and posted").check()
    _save(page, "Send the letter")

    page.get_by_role("link", name="Record the Early Help Plan").click()
    review_day = timezone.localdate() + timedelta(days=42)
    page.locator("#id_first_review_on_0").fill(str(review_day.day))
    page.locator("#id_first_review_on_1").fill(str(review_day.month))
    page.locator("#id_first_review_on_2").fill(str(review_day.year))
    # Each action has an owner and a due date (GOV.UK date input); its progress is recorded at each review.
    page.get_by_label("What is the action?", exact=True).fill("Bedtime routine sessions")
    page.get_by_label("Who owns it?", exact=True).fill("Jo Patel")
    page.locator("#id_action1_due_on-day").fill(str(review_day.day))
    page.locator("#id_action1_due_on-month").fill(str(review_day.month))
    page.locator("#id_action1_due_on-year").fill(str(review_day.year))
    _save(page)
    assert "Bedtime routine sessions" in page.locator("#plan-actions").inner_text()
    reviews = page.locator("#plan-reviews").inner_text()
    assert "Review 1" in reviews and "Scheduled" in reviews
    assert re.search(review_day.strftime("%A %-d %B %Y"), reviews)
    assert "Early Help Plan review" in page.locator("main").inner_text()  # the review's clock, on the engine

    # Annex A List 2: when the assessment started and who is completing it.
    page.get_by_role("link", name="Change the assessment details").click()
    started = timezone.localdate() - timedelta(days=3)
    page.locator("#id_started_on_0").fill(str(started.day))
    page.locator("#id_started_on_1").fill(str(started.month))
    page.locator("#id_started_on_2").fill(str(started.year))
    page.get_by_label("Organisation completing the assessment").fill("South District Family Work")
    # The Assessment Framework's three domains, and the child's own views.
    page.get_by_role("group", name="Parenting capacity").get_by_label("Strengths").fill("Mum is warm and keen.")
    page.get_by_label("The child's own views").fill("I want to stay at my school.")
    _save(page)
    domains = page.locator("#assessment-domains").inner_text()
    assert "Mum is warm and keen." in domains and "I want to stay at my school." in domains
    assert "South District Family Work" in page.locator("#assessment").inner_text()

    # The first review is held: the next is scheduled on its own clock; then the plan closes.
    page.get_by_role("link", name="Record review 1").click()
    today, later = timezone.localdate(), timezone.localdate() + timedelta(days=56)
    for prefix, day in (("held_on", today), ("next_review_on", later)):
        page.locator(f"#id_{prefix}_0").fill(str(day.day))
        page.locator(f"#id_{prefix}_1").fill(str(day.month))
        page.locator(f"#id_{prefix}_2").fill(str(day.year))
    page.get_by_label("On track").check()
    page.get_by_role("group", name="Progress of the action: Bedtime routine sessions").get_by_label(
        "In progress"
    ).check()
    _save(page)
    assert "Review 1: In progress" in page.locator("#plan-actions").inner_text()
    reviews = page.locator("#plan-reviews").inner_text()
    assert "Held" in reviews and "Review 2" in reviews
    page.get_by_role("link", name="Close the request").click()
    page.get_by_label("The plan's outcomes were met").check()
    _save(page)
    assert page.locator("#request-status").inner_text().startswith("Closed")


def test_a_referrer_drafts_and_sends_an_early_help_assessment_then_steps_it_up(page, axe, live_server, demo_data):
    sign_in(page, live_server, "cambridgeshire-referrer")
    page.goto(f"{live_server.url}/early-help/new/")
    assert page.get_by_role("heading", level=1).inner_text() == "Request early help"
    page.locator("#id_child1_first_name").fill("Ella")
    page.locator("#id_child1_last_name").fill("Moss")
    page.locator("#id_child1_date_of_birth_0").fill("3")
    page.locator("#id_child1_date_of_birth_1").fill("9")
    page.get_by_label("What help does the family need?").fill("Ella's mum has asked for help with routines.")
    _save(page, "Save as draft")
    assert "draft has been saved" in page.locator(".govuk-notification-banner").inner_text()
    assert page.locator("#id_child1_first_name").input_value() == "Ella"  # nothing typed is lost

    _save(page, "Send request")  # the year of birth is missing
    assert page.title().startswith("Error: ")
    assert "Date of birth must include a day, month and year" in page.locator(".govuk-error-summary").inner_text()
    page.locator("#id_child1_date_of_birth_2").fill("2016")
    page.get_by_label("Your organisation").fill("Ridgeway Primary School")
    page.get_by_label("School or college").check()
    page.get_by_label("What have they tried?").fill("A weekly check-in with the class teacher.")
    # The reason for proceeding without consent appears only under "No" (GOV.UK conditional radios).
    assert not page.get_by_label("Give the reason in your own words").is_visible()
    page.get_by_label("Yes, the family agreed to early help").check()
    assert not page.get_by_label("Give the reason in your own words").is_visible()
    page.get_by_label("Who in the family agreed?").fill("Ella's mum")
    today = timezone.localdate()
    for part, value in enumerate((today.day, today.month, today.year)):
        page.locator(f"#id_consent_given_on_{part}").fill(str(value))
    _save(page, "Send request")
    banner = page.locator(".govuk-notification-banner").inner_text()
    reference = re.search(r"EH-CAM-\d{4}-\d{6}", banner).group(0)
    row = page.get_by_role("row").filter(has_text=reference)
    assert "Received" in row.inner_text() and "Not decided yet" in row.inner_text()

    row.get_by_role("link", name=reference).click()
    page.get_by_role("link", name="Step up to the MASH").click()
    page.get_by_label("What are the safeguarding concerns?").fill("Ella said her mum's partner hit her.")
    page.get_by_role("group", name="Do the parents or carers know you are referring to the MASH?").get_by_label(
        "No", exact=True
    ).check()
    page.get_by_role("group", name="Have they agreed to the referral?").get_by_label("Not sought").check()
    page.get_by_role("group", name="Have they agreed to information about them being shared?").get_by_label(
        "Not sought"
    ).check()
    page.get_by_label("Asking would increase the risk of significant harm to the child").check()
    page.get_by_label("Who decided to refer without consent?").fill("Ms L. Grant, DSL")
    _save(page, "Step up to the MASH")
    banner = page.locator(".govuk-notification-banner").inner_text()
    assert re.search(r"Stepped up to the MASH as contact CAM-\d{4}-\d{6}", banner)
    assert "Stepped up to the MASH" in page.locator("main").inner_text()


def test_a_request_without_the_familys_consent_goes_to_the_mash_and_the_referrer_is_told(
    page, axe, live_server, demo_data
):
    sign_in(page, live_server, "cambridgeshire-referrer")
    page.goto(f"{live_server.url}/early-help/new/")
    page.locator("#id_child1_first_name").fill("Tom")
    page.locator("#id_child1_last_name").fill("Hale")
    for part, value in enumerate(("4", "5", "2015")):
        page.locator(f"#id_child1_date_of_birth_{part}").fill(value)
    page.get_by_label("What help does the family need?").fill("Tom is often hungry and unkempt.")
    page.get_by_label("Your organisation").fill("Ridgeway Primary School")
    page.get_by_label("School or college").check()
    page.get_by_label("What have they tried?").fill("Breakfast club; two meetings with dad.")
    page.get_by_label("No, the request is proceeding without the family's consent").check()
    assert page.get_by_label("Give the reason in your own words").is_visible()
    _save(page, "Send request")  # the reason is missing
    assert "Enter the reason the request is proceeding" in page.locator(".govuk-error-summary").inner_text()
    assert page.get_by_label("What have they tried?").input_value() == "Breakfast club; two meetings with dad."
    page.get_by_label("Asking would cause undue delay").check()
    page.get_by_label("Give the reason in your own words").fill("Dad refuses every offer; Tom is losing weight.")
    _save(page, "Send request")
    assert "gone to the MASH" in page.get_by_role("heading", level=1).inner_text()
    assert re.match(r"CAM-\d{4}-\d{6}", page.locator("#contact-reference").inner_text())
    assert "Dad refuses every offer" in page.locator("#consent-reason").inner_text()
