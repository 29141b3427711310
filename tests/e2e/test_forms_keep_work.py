"""Forms never lose work, in the browser: each error-summary link moves focus to its field, even a field inside a
closed expander; the level-of-need page shows only the chosen level's indicators and keeps what was ticked."""

import pytest

from mash.models import Tenant
from tests.contacts.builders import make_contact
from tests.e2e.conftest import sign_in

pytestmark = pytest.mark.e2e


def _contact():
    return make_contact(Tenant.objects.get(slug="cambridgeshire"), "forms-keep-work")


def test_the_decision_pages_error_link_opens_the_census_codes_and_focuses_the_primary_need(
    page, live_server, demo_data
):
    contact = _contact()
    sign_in(page, live_server, "cambridgeshire-manager")
    page.goto(f"{live_server.url}/triage/contacts/{contact.pk}/decision/")
    assert not page.locator("details.govuk-details").evaluate("d => d.open")
    page.get_by_label("Children and families assessment (section 17)").check()
    page.get_by_label("Reason for the decision").fill("Needs an assessment.")
    with page.expect_navigation():
        page.get_by_role("button", name="Record the decision and tell the referrer").click()
    page.locator(".govuk-error-summary a[href='#id_primary_need']").click()
    assert page.evaluate("() => document.activeElement.id") == "id_primary_need"
    assert page.get_by_label("Reason for the decision").input_value() == "Needs an assessment."


def test_the_level_of_need_shows_the_chosen_levels_indicators_and_keeps_ticks_on_error(page, live_server, demo_data):
    contact = _contact()
    sign_in(page, live_server, "cambridgeshire-triage")
    page.goto(f"{live_server.url}/triage/contacts/{contact.pk}/threshold/")
    injury = page.get_by_label("Suspected non-accidental injury")
    assert not injury.is_visible()  # no level chosen: no indicators on show
    page.get_by_label("Level 4: Statutory intervention").check()
    assert injury.is_visible()
    injury.check()
    with page.expect_navigation():
        page.get_by_role("button", name="Save the level of need").click()
    assert "Enter why this level applies." in page.locator(".govuk-error-summary").inner_text()
    assert page.get_by_label("Suspected non-accidental injury").is_checked()
    page.locator(".govuk-error-summary a[href='#id_rationale']").click()
    assert page.evaluate("() => document.activeElement.id") == "id_rationale"


def test_why_consent_was_not_given_is_asked_only_once_consent_is_refused_or_not_sought(page, live_server, demo_data):
    sign_in(page, live_server, "cambridgeshire-triage")
    page.goto(f"{live_server.url}/contacts/phone/")
    why = page.get_by_role("group", name="If consent was not given or not sought, why?")
    assert not why.is_visible()
    page.get_by_role("group", name="Consent to the referral").get_by_label("Given").check()
    page.get_by_role("group", name="Consent to sharing information").get_by_label("Given").check()
    assert not why.is_visible()
    page.get_by_role("group", name="Consent to sharing information").get_by_label("Not sought").check()
    assert why.is_visible()
    page.get_by_role("group", name="Consent to sharing information").get_by_label("Given").check()
    assert not why.is_visible()


def test_the_outcomes_questions_appear_under_the_chosen_outcome_and_its_error_link_focuses_the_field(
    page, live_server, demo_data
):
    from tests.e2e.test_early_help_journey import _decide_early_help

    request = _decide_early_help()
    sign_in(page, live_server, "cambridgeshire-ehcoord")
    page.goto(f"{live_server.url}/early-help/{request.pk}/outcome/")
    signposted_to = page.get_by_label("Which service outside the hub is the family signposted to?")
    lead = page.get_by_label("Lead professional to support")
    assert not signposted_to.is_visible() and not lead.is_visible()  # no outcome chosen: no questions on show
    page.get_by_label("Signposted to a service outside the hub").check()
    assert signposted_to.is_visible() and not lead.is_visible()
    signposted_to.fill("Parenting group")
    page.get_by_label("Support to the lead professional to review the plan").check()
    assert lead.is_visible() and not signposted_to.is_visible()
    with page.expect_navigation():
        page.get_by_role("button", name="Save", exact=True).click()
    assert page.locator(".govuk-error-summary").inner_text().count("Enter") == 1  # the hidden answer is not asked
    assert page.get_by_label("Lead professional to support").is_visible()  # the error's reveal is open
    page.locator(".govuk-error-summary a[href='#id_support_lead_professional']").click()
    assert page.evaluate("() => document.activeElement.id") == "id_support_lead_professional"
