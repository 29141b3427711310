"""The significant-harm route in the browser (issue 19): a referrer sends an urgent MARF; the manager on duty
finds the immediate-action alert in their notifications; triage takes it from the top of the queue, rates it Red
and records the CP-IS check; the manager decides a strategy discussion and records it, with police and health;
the contact page shows the CP-IS check and the strategy discussion. Every page is checked with axe."""

import re

import pytest
from playwright.sync_api import expect

from contacts.models import Contact
from mash import tenancy
from mash.models import Tenant
from tests.e2e.conftest import sign_in

pytestmark = pytest.mark.e2e

URGENT = "I believe the child is at immediate risk of significant harm"


def _click(page, role, name, **kwargs):
    with page.expect_navigation():
        page.get_by_role(role, name=name, **kwargs).click()


def _continue(page, name="Save and continue"):
    _click(page, "button", name, exact=True)


def _switch_user(page, live_server, username):
    page.context.clear_cookies()
    sign_in(page, live_server, username)


def _send_an_urgent_marf(page, live_server) -> str:
    sign_in(page, live_server, "cambridgeshire-referrer")
    page.get_by_role("link", name="Make a referral (MARF)").click()
    page.get_by_role("button", name="Start now").click()
    page.get_by_label("First name").fill("Mia")
    page.get_by_label("Last name").fill("Stone")
    page.get_by_role("group", name="Has the child been born?").get_by_label("Yes", exact=True).check()
    page.locator("#id_date_of_birth_0").fill("14")
    page.locator("#id_date_of_birth_1").fill("1")
    page.locator("#id_date_of_birth_2").fill("2026")
    page.get_by_label("Female", exact=True).check()
    page.get_by_label("Ethnicity").select_option("WBRI")
    _continue(page)
    page.get_by_label("No", exact=True).check()
    _continue(page, "Continue")
    page.get_by_label("No", exact=True).check()  # no one else in the household to add
    _continue(page, "Continue")
    page.get_by_label("Home address").fill("3 Station Road, Cambridge")
    page.get_by_label("Postcode").fill("cb1 2jb")
    page.get_by_label("GP practice").fill("Station Road Surgery")
    _continue(page)
    page.get_by_label("Which service are you referring from?").select_option("2A")
    page.get_by_label("Your job title").fill("Health visitor")
    page.get_by_label("Your organisation").fill("Cambridgeshire Community Services")
    _continue(page)

    # The concerns: the form says to call 999 first; the referrer ticks "immediate risk".
    expect(page.locator("main .govuk-warning-text")).to_contain_text("call 999 or the police now")
    page.get_by_label("What are you worried about?").fill(
        "Mia, 10 months, has a bruise on her cheek and a swollen arm; her father's explanation does not fit."
    )
    page.get_by_label(URGENT).check()
    _continue(page)
    for question in (
        "Do the parents or carers know you are making this referral?",
        "Have they agreed to the referral?",
        "Have they agreed to information about them being shared?",
    ):
        group = page.get_by_role("group", name=question)
        group.get_by_label("Yes" if question.startswith("Do the") else "Given").check()
    _continue(page)
    page.get_by_label("Level 4", exact=False).check()
    _continue(page)
    assert "Yes: the managers on duty will be alerted at once" in page.locator("main").inner_text()
    _continue(page, "Accept and send")
    panel = page.locator(".govuk-panel--confirmation").inner_text()
    return re.search(r"CAM-\d{4}-\d{6}", panel).group(0)


def test_an_urgent_marf_is_alerted_rated_red_discussed_and_checked_on_cpis(page, axe, live_server, demo_data):
    reference = _send_an_urgent_marf(page, live_server)
    tenant = Tenant.objects.get(slug="cambridgeshire")
    with tenancy.tenant_context(tenant):
        contact = Contact.objects.get(reference=reference)
    assert contact.urgent

    # The manager on duty is alerted at once: the alert is in their notifications, and leads to the contact.
    _switch_user(page, live_server, "cambridgeshire-manager")
    page.goto(f"{live_server.url}/notifications/")
    alert = page.get_by_role("row").filter(has_text=f"Immediate action: {reference}")
    expect(alert).to_have_count(1)

    # Triage: the urgent contact is marked and above every contact not needing immediate action, before rating.
    _switch_user(page, live_server, "cambridgeshire-triage")
    page.goto(f"{live_server.url}/triage/")
    rows = page.locator("#queue tbody tr")
    texts = rows.all_inner_texts()
    mine = next(i for i, text in enumerate(texts) if reference in text)
    assert "Immediate action: reported urgent" in texts[mine]
    assert all("Immediate action" in text for text in texts[:mine])  # in the browser too, after the scripts ran
    _click(page, "button", f"Take contact {reference}")
    expect(page.locator(".govuk-warning-text").first).to_contain_text("the referrer believes the child is at")

    _click(page, "link", "Rate this contact")
    page.get_by_label("Red", exact=True).check()
    page.get_by_label("Why this rating").fill("Unexplained injuries to a non-mobile baby.")
    _click(page, "button", "Save rating")
    expect(page.locator(".govuk-notification-banner")).to_contain_text("Rated Red")
    expect(page.locator("#cpis + .govuk-warning-text")).to_contain_text("needs a CP-IS check before the decision")

    _click(page, "link", "Record the CP-IS check")
    page.get_by_label("On a child protection plan").check()
    page.get_by_label("Details").fill("Plan since March 2026, Peterborough City Council.")
    _click(page, "button", "Save")
    cpis = page.locator("#cpis + .govuk-summary-list")
    expect(cpis).to_contain_text("On a child protection plan")
    expect(cpis).to_contain_text("Plan since March 2026, Peterborough City Council.")

    # The manager decides a strategy discussion (the agencies' returns are not all in yet: say why).
    _switch_user(page, live_server, "cambridgeshire-manager")
    page.goto(f"{live_server.url}/triage/contacts/{contact.pk}/")
    _click(page, "link", "Decide next steps")
    page.get_by_label("Strategy discussion (section 47)").check()
    page.get_by_label("Reason for the decision").fill("Reasonable cause to suspect significant harm.")
    page.get_by_label("Why decide before every return is in").fill("A baby's injuries cannot wait for returns.")
    page.locator("summary", has_text="Census codes").click()
    page.get_by_label("Primary need (CIN census)").select_option("N1")
    _click(page, "button", "Record the decision and tell the referrer")
    expect(page.locator(".govuk-notification-banner")).to_contain_text("the referrer has been told the outcome")

    # The strategy discussion, recorded through its page: police and health attend, social care chairs.
    _click(page, "link", "Record the strategy discussion")
    page.get_by_label("Who chaired it").fill("Sam Patel, MASH team manager")
    page.get_by_label("Who attended from the police").fill("DS Jo Reid")
    page.get_by_label("Who attended from health").fill("Dr Amy Khan")
    page.get_by_label("Who attended from children's social care").fill("Sam Patel")
    page.get_by_label("What was shared").fill("Police: father known for violence. Health: missed appointments.")
    page.get_by_label("Section 47 enquiry jointly with the police").check()
    page.get_by_label("An initial child protection conference is to be convened").check()
    _click(page, "button", "Save")
    expect(page.locator(".govuk-notification-banner")).to_contain_text(f"Strategy discussion recorded for {reference}")

    discussion = page.locator("#strategy-discussion + .govuk-summary-list")
    expect(discussion).to_contain_text("DS Jo Reid")
    expect(discussion).to_contain_text("Dr Amy Khan")
    expect(discussion).to_contain_text("Section 47 enquiry jointly with the police")
    expect(discussion).to_contain_text("an initial child protection conference is to be convened")
    expect(page.locator("#cpis + .govuk-summary-list")).to_contain_text("On a child protection plan")
    assert page.get_by_role("link", name="Record the strategy discussion").count() == 0  # once per contact


def test_an_administrator_sets_when_the_emergency_duty_team_covers(page, axe, live_server, demo_data):
    sign_in(page, live_server, "cambridgeshire-admin")
    page.goto(f"{live_server.url}/settings/")
    _click(page, "link", "Change when the Emergency Duty Team covers")
    page.get_by_label("Set times on working days").check()
    page.get_by_label("On working days, the Emergency Duty Team starts at").fill("18:00")
    page.get_by_label("and hands back to the hub").fill("19:00")
    _click(page, "button", "Save Emergency Duty Team cover")
    assert page.title().startswith("Error: ")
    expect(page.locator(".govuk-error-summary")).to_contain_text("earlier in the day than the evening start")
    assert page.get_by_label("On working days, the Emergency Duty Team starts at").input_value() == "18:00"
    page.get_by_label("and hands back to the hub").fill("08:00")
    _click(page, "button", "Save Emergency Duty Team cover")
    expect(page.locator(".govuk-notification-banner")).to_contain_text("Emergency Duty Team cover saved")
    expect(page.locator("main")).to_contain_text("On working days from 18:00 until 08:00 the next morning")
