"""Behind the agency fire-wall in the browser: the police navigator answers a Red request from the police
template; the health navigator cannot see the police return; the manager sees both returns side by side."""

import re
from datetime import timedelta

import pytest
from django.utils import timezone

from contacts import services as contact_services
from contacts.serializers import StaffContactInput
from mash import tenancy
from mash.models import Agency, Tenant, User
from navigators import services
from tests.contacts.builders import marf
from tests.e2e.conftest import sign_in
from thresholds.models import Rating

pytestmark = pytest.mark.e2e


def _red_enquiry():
    """A contact triage has rated Red: every agency of Cambridgeshire is asked within 4 hours."""
    tenant = Tenant.objects.get(slug="cambridgeshire")
    triage = User.objects.get(username="cambridgeshire-triage")
    with tenancy.tenant_context(tenant):
        serializer = StaffContactInput(data=marf())
        serializer.is_valid(raise_exception=True)
        contact = contact_services.submit_contact(tenant=tenant, actor=triage, submission=serializer.to_submission())
        requests = services.open_requests(
            contact=contact,
            rating=Rating.objects.get(code="red"),
            agencies=list(Agency.objects.filter(active=True)),
            actor=triage,
            at=timezone.now() - timedelta(minutes=20),
        )
    return contact, {r.agency.slug: r for r in requests}


def _sign_out(page):
    page.context.clear_cookies()


def test_police_answers_a_red_request_health_cannot_see_it_and_the_manager_sees_both(page, axe, live_server, demo_data):
    contact, requests = _red_enquiry()

    # The police navigator: the Red request is in the workspace, with its colour in words.
    sign_in(page, live_server, "cambridgeshire-nav-police")
    page.goto(f"{live_server.url}/navigators/")
    row = page.get_by_role("row").filter(has_text=contact.reference)
    assert "Red" in row.inner_text() and re.search(r"\d+ (h|min)( \d+ min)? left", row.inner_text())  # time left
    row.get_by_role("link", name=re.compile(contact.reference)).click()
    assert page.get_by_role("heading", level=1).inner_text() == contact.reference
    main = page.locator("main").inner_text()
    assert "Leo Hart" in main and "Amy Hart" in main

    # The police template's questions pre-fill the return.
    page.get_by_role("group", name="Is the child or family known to your agency?").get_by_label("Yes").check()
    page.get_by_label("Summary of your agency's involvement").fill("Two domestic call-outs to the address in 2025.")
    page.get_by_label(re.compile("^Incidents involving the child")).fill("12 June 2025: verbal argument, no arrests.")
    page.get_by_label("Warning markers on any household member").fill("Mother's partner: violence marker.")
    page.get_by_label(re.compile("^Domestic-abuse history")).fill("Two DA notifications, standard risk.")
    page.get_by_label("Date of event 1").fill("2025-06-12")
    page.get_by_label("What happened (event 1)").fill("Domestic call-out, verbal argument.")
    page.get_by_label("Risk indicators").fill("Violence marker on the mother's partner\nRepeat DA call-outs")
    assert "Police National Computer" in page.get_by_label("Sources checked").input_value()
    page.get_by_label("Your agency's recommendation").fill("Strategy discussion; police to attend.")
    page.get_by_label(re.compile("^Public task")).check()
    with page.expect_navigation():
        page.get_by_role("button", name="Submit return").click()
    assert "Return submitted" in page.locator(".govuk-notification-banner").inner_text()
    assert "Two domestic call-outs to the address in 2025." in page.locator("main").inner_text()
    assert page.get_by_role("button", name="Submit return").count() == 0
    _sign_out(page)

    # The health navigator: the police request and its return do not exist for them.
    sign_in(page, live_server, "cambridgeshire-nav-health")
    page.goto(f"{live_server.url}/navigators/requests/{requests['police'].pk}/")
    assert "Two domestic call-outs" not in page.content()
    assert page.get_by_role("heading", level=1).inner_text() == "Page not found"
    page.goto(f"{live_server.url}/navigators/?status=all")
    assert page.get_by_role("row").filter(has_text=contact.reference).count() == 1  # their own request only
    page.goto(f"{live_server.url}/navigators/requests/{requests['health'].pk}/")
    assert "Two domestic call-outs" not in page.locator("main").inner_text()
    page.get_by_role("group", name="Is the child or family known to your agency?").get_by_label("Yes").check()
    page.get_by_label("Summary of your agency's involvement").fill("Registered with Mill Road Surgery; no midwife yet.")
    page.get_by_label("GP registration of the child and the parents").fill("Both registered at Mill Road Surgery.")
    page.get_by_label("Your agency's recommendation").fill("Midwife referral today.")
    with page.expect_navigation():
        page.get_by_role("button", name="Submit return").click()
    assert "Return submitted" in page.locator(".govuk-notification-banner").inner_text()
    _sign_out(page)

    # The manager: both returns side by side, the fullest picture.
    sign_in(page, live_server, "cambridgeshire-manager")
    page.goto(f"{live_server.url}/navigators/enquiries/{contact.pk}/")
    table = page.locator("#returns-side-by-side")
    police_row = table.locator("#agency-police")
    health_row = table.locator("#agency-health")
    assert "Two domestic call-outs to the address in 2025." in police_row.inner_text()
    assert "Repeat DA call-outs" in police_row.inner_text()
    assert "Registered with Mill Road Surgery" in health_row.inner_text()
    assert "Known" in police_row.inner_text() and "Known" in health_row.inner_text()
    assert " left" in table.locator("#agency-education").inner_text()  # still waiting, with its time left
