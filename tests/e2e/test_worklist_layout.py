"""The caseworking layout in the browser: the triage worklist shows a working day's contacts above the fold.
(Every page of every role passing axe and fitting at 1280 and 390 px: tests/e2e/test_every_page.py.)"""

import pytest
from playwright.sync_api import expect

from contacts.choices import ContactStatus
from contacts.models import Contact
from mash import tenancy
from mash.models import Tenant
from tests.contacts.builders import make_contact
from tests.e2e.conftest import sign_in

pytestmark = pytest.mark.e2e

OPEN = (ContactStatus.RECEIVED, ContactStatus.IN_TRIAGE, ContactStatus.ENQUIRY)


def _open_contacts(at_least):
    tenant = Tenant.objects.get(slug="cambridgeshire")
    with tenancy.tenant_context(tenant):
        have = Contact.objects.filter(status__in=OPEN).count()
    for i in range(max(0, at_least - have)):
        make_contact(tenant, f"busy-{i}")
    with tenancy.tenant_context(tenant):
        return Contact.objects.filter(status__in=OPEN).count()


def test_the_queue_shows_at_least_15_contacts_above_the_fold_at_1280_by_900(page, live_server, demo_data):
    assert _open_contacts(50) >= 50
    sign_in(page, live_server, "cambridgeshire-triage")
    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto(f"{live_server.url}/triage/")
    rows = page.locator("#queue tbody tr")
    assert rows.count() >= 15
    above_fold = page.evaluate(
        "() => [...document.querySelectorAll('#queue tbody tr')].filter(r => r.getBoundingClientRect().bottom <= "
        "window.innerHeight).length"
    )
    assert above_fold >= 15, f"only {above_fold} contacts above the fold"
    # Each row leads with the child, and its rating and time left are words, not colour alone.
    first = rows.first.inner_text()
    assert ("years" in first or "age not known" in first) and ("left" in first or "Overdue by" in first)
    assert page.locator("#queue-counts").inner_text().count("\n") >= 3  # the strip of four counts
    # Every tag (rating, re-contact, also open: these 50 are all about one child) holds its words and stays
    # inside its own cell.
    spills = page.evaluate(
        "() => [...document.querySelectorAll('#queue tbody .govuk-tag')].filter(t => t.scrollWidth > t.clientWidth + 1"
        " || t.getBoundingClientRect().right > t.closest('td').getBoundingClientRect().right + 1).map(t => t.innerText)"
    )
    assert not spills, f"tags run into the next column: {spills[:3]}"
    expect(page.locator("#queue tbody .mash-tag--compact").first).to_contain_text("Also open")
