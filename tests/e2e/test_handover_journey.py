"""After the decision, in the browser (issue 20): the manager decides a Green enquiry (an assessment) and hands it
over to the Assessment team with the MASH summary; a member of that team acknowledges it from their notification
and the contact closes; the police navigator, whose agency returned information, reads the outcome; education,
asked but silent, hears nothing."""

import re

import pytest
from playwright.sync_api import expect

from contacts import services as contact_services
from contacts.models import Contact
from contacts.serializers import StaffContactInput
from mash import tenancy
from mash.models import Tenant, User
from navigators import services as navigator_services
from navigators.models import InformationRequest
from tests.contacts.builders import marf
from tests.e2e.conftest import sign_in
from triage import services as triage_services

pytestmark = pytest.mark.e2e

POLICE_SUMMARY = "One call-out to the address in 2025; no markers on the household."


def _enquiry():
    """A MARF triage rated Green asking police and education; the police navigator has returned."""
    tenant = Tenant.objects.get(slug="cambridgeshire")
    triage = User.objects.get(username="cambridgeshire-triage")
    with tenancy.tenant_context(tenant):
        serializer = StaffContactInput(data=marf())
        serializer.is_valid(raise_exception=True)
        contact = contact_services.submit_contact(tenant=tenant, actor=triage, submission=serializer.to_submission())
        triage_services.rate_contact(
            contact=contact, actor=triage, rating_code="green", rationale="Needs support; no immediate risk.",
            agencies=["police", "education"],
        )  # fmt: skip
        police = InformationRequest.objects.get(contact=contact, agency__slug="police")
        navigator_services.submit_return(
            request=police, actor=User.objects.get(username="cambridgeshire-nav-police"),
            values={"known_to_agency": True, "summary": POLICE_SUMMARY, "recommendation": "Single assessment.",
                    "lawful_basis": "public_task", "consent_status": "given"},
        )  # fmt: skip
    return tenant, contact


def _switch_user(page, live_server, username):
    page.context.clear_cookies()
    sign_in(page, live_server, username)


def _click(page, role, name, **kwargs):
    with page.expect_navigation():
        page.get_by_role(role, name=name, **kwargs).click()


def _notifications(page, live_server):
    page.goto(f"{live_server.url}/notifications/")
    assert page.get_by_role("heading", level=1).inner_text() == "Notifications"
    return page.locator("main table tbody tr")


def test_the_manager_hands_over_the_team_acknowledges_and_the_navigator_reads_the_outcome(
    page, axe, live_server, demo_data
):
    tenant, contact = _enquiry()
    ref = contact.reference

    # The manager decides: a children and families assessment, education's return still awaited.
    sign_in(page, live_server, "cambridgeshire-manager")
    page.goto(f"{live_server.url}/triage/contacts/{contact.pk}/")
    _click(page, "link", "Decide next steps")
    page.get_by_label("Children and families assessment (section 17)").check()
    page.get_by_text("Census codes for an assessment or strategy discussion").click()
    page.get_by_label("Primary need (CIN census)").select_option("N1")
    page.get_by_label("Reason for the decision").fill("Needs assessing by the Assessment team; police concur.")
    page.get_by_label("Why decide before every return is in").fill("Police have told us what we need.")
    _click(page, "button", re.compile("^Record the decision"))
    expect(page.locator(".govuk-notification-banner")).to_contain_text("the referrer has been told the outcome")

    # ... and hands it over with the MASH summary, compiled from the record.
    _click(page, "link", "MASH summary and handover")
    assert page.get_by_role("heading", level=1).inner_text() == "MASH summary"
    expect(page.locator("main")).to_contain_text(POLICE_SUMMARY)
    page.get_by_label("Receiving team").select_option(label="Assessment team")
    _click(page, "button", "Send the summary")
    expect(page.locator(".govuk-notification-banner")).to_contain_text(f"{ref} handed over to Assessment team")
    expect(page.locator("#receiving-team")).to_have_text("Assessment team")

    # A member of the Assessment team finds it in their notifications and acknowledges receipt.
    _switch_user(page, live_server, "cambridgeshire-team")
    rows = _notifications(page, live_server)
    handover_row = rows.filter(has_text=f"{ref}: MASH handover to Assessment team")
    expect(handover_row).to_have_count(1)
    with page.expect_navigation():
        handover_row.get_by_role("link", name=f"{ref}: MASH handover to Assessment team").click()
    assert page.get_by_role("heading", level=1).inner_text() == "MASH summary"
    expect(page.locator("main")).to_contain_text("Needs assessing by the Assessment team")
    _click(page, "button", "Acknowledge receipt")
    expect(page.locator(".govuk-notification-banner")).to_contain_text(f"Handover of {ref} acknowledged")
    expect(page.locator("main")).to_contain_text("Acknowledged")
    with tenancy.tenant_context(tenant):
        assert Contact.objects.get(pk=contact.pk).status == "closed"

    # The police navigator, whose agency returned, reads the outcome of the enquiry.
    _switch_user(page, live_server, "cambridgeshire-nav-police")
    outcome = _notifications(page, live_server).filter(has_text=f"{ref}: outcome of the MASH enquiry")
    expect(outcome).to_have_count(1)
    expect(outcome).to_contain_text("Outcome: Children and families assessment (section 17).")
    expect(outcome).not_to_contain_text(POLICE_SUMMARY)

    # Education was asked but returned nothing: told nothing.
    _switch_user(page, live_server, "cambridgeshire-nav-education")
    expect(_notifications(page, live_server).filter(has_text=f"{ref}: outcome")).to_have_count(0)
