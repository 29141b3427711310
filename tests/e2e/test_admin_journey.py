"""A council runs its own hub (issue 21) in the browser: the administrator adds a police navigator, who sets
up their account through the emailed link (password, then authenticator app) and answers an information
request; the administrator then deactivates them and their open session stops working at once. On the way
the administrator keeps the council's agencies and teams. Every page is checked with axe."""

import re
from datetime import timedelta

import pytest
from django.utils import timezone
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from contacts import services as contact_services
from contacts.serializers import StaffContactInput
from mash import tenancy
from mash.models import Agency, Team, Tenant, User
from navigators import services
from tests.contacts.builders import marf
from tests.e2e.conftest import AxeAuditor, sign_in
from thresholds.models import Rating

pytestmark = pytest.mark.e2e

PASSWORD = "a-long-navigator-passphrase-9"


@pytest.fixture
def second_page(browser, axe_auditors):
    """A second person's browser (its own cookies), its pages checked with axe like the ``page`` fixture's."""
    context = browser.new_context(locale="en-GB", timezone_id="Europe/London", viewport={"width": 1280, "height": 900})
    context.set_default_timeout(15_000)
    page = context.new_page()
    auditor = AxeAuditor(page)
    auditor.install()
    axe_auditors.append(auditor)
    yield page
    context.close()


def _red_request_to_police():
    tenant = Tenant.objects.get(slug="cambridgeshire")
    triage = User.objects.get(username="cambridgeshire-triage")
    with tenancy.tenant_context(tenant):
        serializer = StaffContactInput(data=marf())
        serializer.is_valid(raise_exception=True)
        contact = contact_services.submit_contact(tenant=tenant, actor=triage, submission=serializer.to_submission())
        (request,) = services.open_requests(
            contact=contact,
            rating=Rating.objects.get(code="red"),
            agencies=[Agency.objects.get(slug="police")],
            actor=triage,
            at=timezone.now() - timedelta(minutes=10),
        )
    return contact, request


def _security_code(username) -> str:
    """What the new navigator's authenticator app shows, from the key it was given on the set-up page."""
    device = TOTPDevice.objects.get(user__username=username, confirmed=False)
    return f"{totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits):06d}"


def test_an_admin_adds_a_navigator_who_sets_up_answers_a_request_and_is_deactivated(
    page, second_page, axe, live_server, demo_data, mailoutbox, settings
):
    settings.MASH_SITE_URL = live_server.url
    admin = page
    sign_in(admin, live_server, "cambridgeshire-admin")

    # The council's partner agencies and teams are its administrator's to keep.
    admin.goto(f"{live_server.url}/settings/")
    admin.get_by_role("link", name="Partner agencies").click()
    assert admin.get_by_role("heading", level=1).inner_text() == "Partner agencies"
    assert admin.get_by_role("row").filter(has_text="Police").count() == 1
    admin.get_by_role("button", name="Add an agency").click()
    with admin.expect_navigation():
        admin.get_by_role("button", name="Add agency").click()
    assert "Enter the agency's name" in admin.locator(".govuk-error-summary").inner_text()
    admin.get_by_label("Agency name").fill("Youth Justice Service")
    with admin.expect_navigation():
        admin.get_by_role("button", name="Add agency").click()
    assert "Youth Justice Service added" in admin.locator(".govuk-notification-banner").inner_text()
    admin.goto(f"{live_server.url}/settings/teams/")
    admin.get_by_role("button", name="Add a team").click()
    admin.get_by_label("Team name").fill("MASH team C")
    admin.get_by_label(re.compile(r"^Triage \(Cambridgeshire\) \(MASH triage")).check()
    with admin.expect_navigation():
        admin.get_by_role("button", name="Add team").click()
    assert admin.get_by_role("row").filter(has_text="MASH team C").count() == 1
    with tenancy.tenant_context(Tenant.objects.get(slug="cambridgeshire")):
        assert Team.objects.get(name="MASH team C").members.get().user.username == "cambridgeshire-triage"

    # The administrator adds a police navigator: nobody but the navigator will know the password.
    admin.get_by_role("link", name="Staff accounts").first.click()
    admin.get_by_role("button", name="Add a person").click()
    admin.get_by_label("First name").fill("Nadia")
    admin.get_by_label("Last name").fill("Rahman")
    admin.get_by_label("Username").fill("cambridgeshire-nrahman")
    admin.get_by_label("Email address").fill("nadia.rahman@police.example")
    admin.get_by_label("Agency navigator").check()
    admin.get_by_label("Agency", exact=True).select_option(label="Police")
    with admin.expect_navigation():
        admin.get_by_role("button", name="Add and send set-up link").click()
    assert "We have emailed nadia.rahman@police.example" in admin.locator(".govuk-notification-banner").inner_text()
    account_url = admin.url

    # The navigator follows the emailed link, chooses a password and sets up the authenticator app.
    (mail,) = [m for m in mailoutbox if m.to == ["nadia.rahman@police.example"]]
    link = re.search(r"(/account/set-up/\S+/)", mail.body).group(1)
    navigator = second_page
    navigator.goto(f"{live_server.url}{link}")
    assert navigator.get_by_role("heading", level=1).inner_text() == "Set up your account"
    navigator.get_by_label("Create a password").fill(PASSWORD)
    navigator.get_by_label("Confirm your password").fill(PASSWORD)
    with navigator.expect_navigation():
        navigator.get_by_role("button", name="Set password and continue").click()
    assert navigator.get_by_role("heading", level=1).inner_text() == "Set up your authenticator app"
    navigator.get_by_label("Security code").fill(_security_code("cambridgeshire-nrahman"))
    with navigator.expect_navigation():
        navigator.get_by_role("button", name="Continue").click()
    assert "Authenticator app set up" in navigator.locator("main").inner_text()
    navigator.goto(f"{live_server.url}{link}")  # the link worked once
    assert "This set-up link does not work" in navigator.locator("main").inner_text()

    # A Red contact asks the police: the new navigator answers it from the workspace.
    contact, request = _red_request_to_police()
    navigator.goto(f"{live_server.url}/navigators/")
    navigator.get_by_role("row").filter(has_text=contact.reference).get_by_role(
        "link", name=re.compile(contact.reference)
    ).click()
    assert navigator.get_by_role("heading", level=1).inner_text() == contact.reference
    navigator.get_by_role("group", name="Is the child or family known to your agency?").get_by_label("No").check()
    navigator.get_by_label("Summary of your agency's involvement").fill("No police records for the household.")
    navigator.get_by_label("Your agency's recommendation").fill("No police action.")
    navigator.get_by_label(re.compile("^Public task")).check()
    with navigator.expect_navigation():
        navigator.get_by_role("button", name="Submit return").click()
    assert "Return submitted" in navigator.locator(".govuk-notification-banner").inner_text()

    # The administrator deactivates the navigator: their open session stops working at once.
    admin.goto(account_url)
    admin.get_by_role("button", name="Deactivate (leaver)").click()
    assert admin.get_by_role("heading", level=1).inner_text() == "Deactivate Nadia Rahman?"
    with admin.expect_navigation():
        admin.get_by_role("button", name="Deactivate", exact=True).click()
    assert "deactivated and signed out everywhere" in admin.locator(".govuk-notification-banner").inner_text()

    navigator.goto(f"{live_server.url}/navigators/requests/{request.pk}/")
    assert navigator.url.startswith(f"{live_server.url}/sign-in/")
    assert "No police records" not in navigator.content()
