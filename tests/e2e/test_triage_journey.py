"""A contact's day in the hub, in the browser: triage takes the oldest contact from the queue, maps it with
Signs of Safety and rates it Red; every agency is asked with a deadline; the manager decides; the referrer
sees the feedback."""

import re

import pytest
from playwright.sync_api import expect

from contacts.models import Contact
from mash import tenancy
from mash.models import Tenant
from tests.e2e.conftest import sign_in

pytestmark = pytest.mark.e2e

AGENCIES = 9  # every demo agency


def _click(page, role, name, **kwargs):
    with page.expect_navigation():
        page.get_by_role(role, name=name, **kwargs).click()


def _switch_user(page, live_server, username):
    page.context.clear_cookies()
    sign_in(page, live_server, username)


def test_triage_rates_red_the_manager_decides_and_the_referrer_sees_the_feedback(page, axe, live_server, demo_data):
    tenant = Tenant.objects.get(slug="cambridgeshire")
    with tenancy.tenant_context(tenant):
        oldest = Contact.objects.filter(status="received").order_by("received_at").first()

    # Triage: the queue, soonest deadline first; take the first (the oldest contact).
    sign_in(page, live_server, "cambridgeshire-triage")
    # From the header, where the queue is one click away on every page.
    with page.expect_navigation():
        page.get_by_role("navigation", name="Menu").get_by_role("link", name="Triage queue").click()
    assert page.get_by_role("heading", level=1).inner_text() == "Triage queue"
    first_row = page.locator("#queue tbody tr").first
    assert oldest.reference in first_row.inner_text()
    with page.expect_navigation():
        first_row.get_by_role("button", name=re.compile("^Take")).click()
    expect(page.locator(".govuk-notification-banner")).to_contain_text(f"You have taken contact {oldest.reference}")
    assert page.get_by_role("heading", level=1).inner_text() == f"Contact {oldest.reference}"

    # Signs of Safety.
    _click(page, "link", "Signs of Safety")
    page.get_by_label("Harm", exact=True).fill("Ruby arrives at school hungry and tired.")
    page.get_by_label("Danger statements").fill("We are worried Ruby is not being fed or cared for.")
    page.get_by_label("Existing strengths").fill("Ruby's school knows her well and offers breakfast club.")
    page.get_by_label("Next steps").fill("Ask every agency what they know.")
    page.get_by_label("Safety scale: professionals").select_option("3")
    _click(page, "button", "Save")
    expect(page.locator(".govuk-notification-banner")).to_contain_text("Signs of Safety analysis saved")
    assert "Ruby's school knows her well" in page.locator("#main-content").inner_text()

    # Rate it Red: every agency is asked, each with its deadline.
    _click(page, "link", "Rate this contact")
    page.get_by_label("Red", exact=True).check()
    page.get_by_label("Why this rating").fill("Ruby looks after her brother and may be neglected.")
    _click(page, "button", "Save rating")
    expect(page.locator(".govuk-notification-banner")).to_contain_text(f"Rated Red: {AGENCIES} agencies asked")
    requests = page.locator("#requests + .mash-table-scroll table tbody tr")
    expect(requests).to_have_count(AGENCIES)
    assert any("Police" in row for row in requests.all_inner_texts())
    for row in requests.all_inner_texts():
        # Time left in the one wording, with its state in words, and the deadline the GOV.UK way.
        assert re.search(r"(On time|Due soon|Overdue)", row), row
        assert re.search(r"\d{1,2} \w+ \d{4} at (\d{1,2}(:\d{2})?[ap]m|midday|midnight)", row), row
    assert "MASH enquiry" in page.locator("main").inner_text()

    # The manager decides before the returns are in, with an override reason.
    _switch_user(page, live_server, "cambridgeshire-manager")
    page.goto(f"{live_server.url}/triage/contacts/{oldest.pk}/")
    _click(page, "link", "Decide next steps")
    expect(page.locator(".govuk-warning-text")).to_contain_text(
        f"{AGENCIES} information requests are still outstanding"
    )
    page.get_by_label("Step down to Early Help").check()
    page.get_by_label("Reason for the decision").fill("Needs are below the statutory threshold; family support.")
    page.get_by_label("Why decide before every return is in").fill("School and health have already told us enough.")
    page.get_by_label("Note for the referrer (optional)").fill("Thank you for the attendance records.")
    _click(page, "button", "Record the decision and tell the referrer")
    expect(page.locator(".govuk-notification-banner")).to_contain_text("the referrer has been told the outcome")
    main = page.locator("main").inner_text()
    assert "Step down to Early Help" in main and "School and health have already told us enough." in main
    assert "Feedback sent to the referrer" in main  # the timeline

    # The referrer sees the outcome and the feedback, and nothing of the enquiry.
    _switch_user(page, live_server, "cambridgeshire-referrer")
    page.goto(f"{live_server.url}/contacts/mine/")
    row = page.get_by_role("row").filter(has_text=oldest.reference)
    text = row.inner_text()
    assert "Step down to Early Help" in text
    assert "The Early Help Hub will contact the family" in text
    assert "Thank you for the attendance records." in text
    _click(page, "link", oldest.reference)
    referral = page.locator("main").inner_text()
    assert "What happens next" in referral
    for hidden in ("Police", "Red", "School and health have already told us enough.", "Signs of Safety"):
        assert hidden not in referral
