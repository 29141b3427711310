"""Find the child, in the browser: a triage worker searches from the header box with a misspelled name, opens the
person, reads the chronology, and links the new contact to the one still open about the same child."""

import pytest
from playwright.sync_api import expect

from mash.models import Tenant
from tests.contacts.builders import make_contact
from tests.e2e.conftest import sign_in

pytestmark = pytest.mark.e2e

OTTILIE = {"first_name": "Ottilie", "last_name": "Brackenbury", "date_of_birth": "2016-07-14", "postcode": "CB4 1ZZ",
           "sex": "F"}  # fmt: skip


def test_triage_searches_from_the_header_reads_the_chronology_and_links_the_new_contact(
    page, axe, live_server, demo_data
):
    tenant = Tenant.objects.get(slug="cambridgeshire")
    earlier = make_contact(tenant, "e2e-ottilie-1", children=[OTTILIE], household=[], address="7 Mill Lane, Histon")
    newer = make_contact(
        tenant, "e2e-ottilie-2", children=[OTTILIE], household=[], address="7 Mill Lane, Histon",
        concerns="School report Ottilie has not been collected three days running.",
    )  # fmt: skip

    sign_in(page, live_server, "cambridgeshire-triage")
    # The header's search box, with the surname misspelled.
    page.get_by_role("searchbox", name="Search for a child or adult").fill("Ottilie Brakenbury")
    with page.expect_navigation():
        page.get_by_role("button", name="Search people").click()
    assert page.get_by_role("heading", level=1).inner_text() == "Search people"
    first = page.locator("#results tbody tr").first
    expect(first).to_contain_text("Ottilie Brackenbury")
    expect(first).to_contain_text("14 July 2016")
    expect(first).to_contain_text("7 Mill Lane, Histon")  # the last known address
    expect(first).to_contain_text(newer.reference)  # the latest contact

    # The person's record: both contacts in the chronology, newest first.
    with page.expect_navigation():
        first.get_by_role("link", name="Ottilie Brackenbury").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Ottilie Brackenbury")
    chronology = page.locator("#chronology tbody")
    expect(chronology).to_contain_text(earlier.reference)
    text = chronology.inner_text()
    assert text.index(newer.reference) < text.index(earlier.reference)

    # From the chronology to the new contact, which says the earlier one is also open; link them.
    with page.expect_navigation():
        chronology.get_by_role("link", name=newer.reference).first.click()
    also_open = page.locator("#also-open")
    expect(also_open).to_contain_text(f"Also open: {earlier.reference}")
    with page.expect_navigation():
        also_open.get_by_role("button", name=f"Link to {earlier.reference}").click()
    expect(page.locator(".govuk-notification-banner")).to_contain_text(
        f"{newer.reference} is linked to {earlier.reference}"
    )
    expect(also_open.get_by_role("button", name=f"Undo the link to {earlier.reference}")).to_be_visible()
