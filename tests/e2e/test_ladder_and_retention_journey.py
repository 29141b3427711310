"""A council administrator, in the browser: changes the decision clock's escalation ladder (adds a
step telling a named team, previews it, saves it) and shortens a retention period, every page
checked for accessibility on the way."""

import pytest
from playwright.sync_api import expect

from mash import tenancy
from mash.models import Team, Tenant
from tests.e2e.conftest import sign_in

pytestmark = pytest.mark.e2e


def _click(page, role, name, **kwargs):
    with page.expect_navigation():
        page.get_by_role(role, name=name, **kwargs).click()


def test_an_admin_changes_a_ladder_with_a_preview_and_a_retention_period(page, axe, live_server, demo_data):
    tenant = Tenant.objects.get(slug="cambridgeshire")
    with tenancy.tenant_context(tenant):
        Team.objects.get_or_create(name="Duty team A")

    sign_in(page, live_server, "cambridgeshire-admin")
    page.goto(f"{live_server.url}/settings/")
    _click(page, "link", "Change escalation ladders")
    assert page.get_by_role("heading", level=1).inner_text() == "Escalation ladders"
    _click(page, "link", "Change decision on next steps ladder")

    _click(page, "button", "Add a step")
    third = page.get_by_role("group", name="Step 3")
    third.get_by_label("Who is told").select_option(label="A named team")
    third.get_by_label("Team").select_option(label="Duty team A")
    third.get_by_label("Wait").fill("90")
    third.get_by_label("Unit").select_option("minutes")
    _click(page, "button", "Preview", exact=True)
    preview = page.locator("#preview")
    expect(preview).to_contain_text("Duty team A")
    expect(preview).to_contain_text("Head of service")
    _click(page, "button", "Save ladder")
    expect(page.locator("body")).to_contain_text("90 minutes later: Duty team A")

    page.goto(f"{live_server.url}/settings/")
    _click(page, "link", "Change retention policy")
    _click(page, "link", "Change unsent referral drafts (from the last save)")
    page.get_by_label("How long records are kept").fill("0")
    _click(page, "button", "Save retention policy")
    expect(page.locator(".govuk-error-summary")).to_contain_text("Enter a period of at least 1")
    page.get_by_label("How long records are kept").fill("14")
    _click(page, "button", "Save retention policy")
    expect(page.locator("body")).to_contain_text("14 days")
