"""A referrer files a MARF end to end in the browser: a page per thing, check your answers, a reference."""

import re

import pytest

from tests.e2e.conftest import sign_in

pytestmark = pytest.mark.e2e


def _continue(page, name="Save and continue"):
    with page.expect_navigation():
        page.get_by_role("button", name=name, exact=True).click()


def test_a_referrer_files_a_marf_and_sees_it_in_their_referrals(page, axe, live_server, demo_data):
    sign_in(page, live_server, "cambridgeshire-referrer")
    page.get_by_role("link", name="Make a referral (MARF)").click()
    assert page.get_by_role("heading", level=1).inner_text() == "Make a referral to the MASH"
    page.get_by_role("button", name="Start now").click()

    # The child.
    page.get_by_label("First name").fill("Leo")
    page.get_by_label("Last name").fill("Hart")
    born = page.get_by_role("group", name="Has the child been born?")
    born.get_by_label("Yes", exact=True).check()  # reveals the date of birth
    page.locator("#id_date_of_birth_0").fill("2")
    page.locator("#id_date_of_birth_1").fill("4")
    page.locator("#id_date_of_birth_2").fill("2025")
    page.get_by_label("Male", exact=True).check()
    page.get_by_label("Ethnicity").select_option("WBRI")
    _continue(page)
    assert "Leo Hart" in page.locator("main").inner_text()
    page.get_by_label("No", exact=True).check()
    _continue(page, "Continue")

    # The household: the mother.
    page.get_by_label("Yes", exact=True).check()
    _continue(page, "Continue")
    page.get_by_label("Parent or carer").check()
    page.get_by_label("Relationship to the child").fill("mother")
    page.get_by_label("First name").fill("Amy")
    page.get_by_label("Last name").fill("Hart")
    _continue(page)
    page.get_by_label("No", exact=True).check()
    _continue(page, "Continue")

    # Home, school and GP.
    page.get_by_label("Home address").fill("12 Mill Road, Cambridge")
    page.get_by_label("Postcode").fill("cb1 2ab")
    page.get_by_label("GP practice").fill("Mill Road Surgery")
    _continue(page)

    # About you: name and email come from the account.
    assert page.get_by_label("Your name").input_value() != ""
    page.get_by_label("Which service are you referring from?").select_option("2A")
    page.get_by_label("Your job title").fill("Designated safeguarding lead")
    page.get_by_label("Your organisation").fill("Ridgeway Primary School")
    _continue(page)

    # A step with a mistake says what to fix.
    _continue(page)
    assert page.locator(".govuk-error-summary").is_visible()
    assert page.title().startswith("Error: ")
    page.get_by_label("What are you worried about?").fill(
        "Leo's mother, 19, is six months pregnant with no midwife input and did not attend hospital."
    )
    _continue(page)

    page.get_by_role("group", name="Do the parents or carers know you are making this referral?").get_by_label(
        "Yes"
    ).check()
    page.get_by_role("group", name="Have they agreed to the referral?").get_by_label("Given").check()
    page.get_by_role("group", name="Have they agreed to information about them being shared?").get_by_label(
        "Given"
    ).check()
    _continue(page)

    assert page.get_by_role("link", name=re.compile("threshold document")).get_attribute("href") == "/thresholds/"
    page.get_by_label("Level 2", exact=False).check()
    _continue(page)

    # Check your answers, then send.
    assert page.get_by_role("heading", level=1).inner_text() == "Check your answers before sending your referral"
    main = page.locator("main").inner_text()
    assert "Leo Hart" in main and "Mill Road Surgery" in main and "Schools" in main
    _continue(page, "Accept and send")

    panel = page.locator(".govuk-panel--confirmation")
    assert "Referral sent" in panel.inner_text()
    reference = re.search(r"CAM-\d{4}-\d{6}", panel.inner_text()).group(0)

    page.locator("#main-content").get_by_role("link", name="your referrals").click()
    row = page.get_by_role("row").filter(has_text=reference)
    assert "Received" in row.inner_text() and "Leo Hart" in row.inner_text()
