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


# A working day's children: each contact about a different child, as most of a queue is.
FIRST = ["Maya", "Jayden", "Amelia", "Tyler", "Ruby", "Oscar", "Isla", "Noah", "Freya", "Harvey"]
LAST = ["Okafor", "Price", "Nowak", "Bennett", "Hussain"]

# Every column of a worklist inside its scroll region at this width (what overflows is hidden to its right), and
# how far past the region the furthest column ends.
OVERFLOW = "(sel) => { const s = document.querySelector(sel); return s.scrollWidth - s.clientWidth; }"


def _open_contacts(at_least, *, different_children=False):
    tenant = Tenant.objects.get(slug="cambridgeshire")
    with tenancy.tenant_context(tenant):
        have = Contact.objects.filter(status__in=OPEN).count()
    for i in range(max(0, at_least - have)):
        overrides = {}
        if different_children:
            child = {
                "first_name": FIRST[i % 10],
                "last_name": LAST[i // 10 % 5],
                "date_of_birth": f"{2010 + i % 15}-0{1 + i % 9}-1{i % 10}",
            }
            overrides = {"children": [child], "household": []}
        make_contact(tenant, f"busy-{i}", **overrides)
    with tenancy.tenant_context(tenant):
        return Contact.objects.filter(status__in=OPEN).count()


def _rows_above_the_fold(page):
    return page.evaluate(
        "() => [...document.querySelectorAll('#queue tbody tr')].filter(r => r.getBoundingClientRect().bottom <= "
        "window.innerHeight).length"
    )


def test_the_queue_shows_at_least_15_contacts_above_the_fold_at_1280_by_900(page, live_server, demo_data):
    assert _open_contacts(50, different_children=True) >= 50
    sign_in(page, live_server, "cambridgeshire-triage")
    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto(f"{live_server.url}/triage/")
    rows = page.locator("#queue tbody tr")
    assert rows.count() >= 15
    above_fold = _rows_above_the_fold(page)
    assert above_fold >= 15, f"only {above_fold} contacts above the fold"
    # Each row leads with the child, and its rating and time left are words, not colour alone.
    first = rows.first.inner_text()
    assert ("years" in first or "age not known" in first) and ("left" in first or "Overdue by" in first)
    assert page.locator("#queue-counts").inner_text().count("\n") >= 3  # the strip of four counts
    # ... with every column in sight: the worker, and Take for a contact nobody has taken.
    assert page.evaluate(OVERFLOW, "#queue .mash-table-scroll") <= 0
    take = page.locator("#queue tbody").get_by_role("button", name="Take").first
    assert take.bounding_box()["x"] + take.bounding_box()["width"] <= 1280


@pytest.mark.parametrize("width", [1280, 1440])
def test_every_column_of_the_queue_is_in_sight_when_every_row_carries_flags(page, live_server, demo_data, width):
    """Fifty contacts all about one child: each row's contact cell carries its reference, "Re-contact" and "Also
    open". The table used to keep every row on one line whatever it cost, so at 1280 px it ran 363 px past its
    scroll region (at 1440, 203), and the status, the worker and Take were out of sight to the right, with the
    region's scroll bar below the fifty rows. Now the flagged cells wrap instead."""
    assert _open_contacts(50) >= 50
    sign_in(page, live_server, "cambridgeshire-triage")
    page.set_viewport_size({"width": width, "height": 900})
    page.goto(f"{live_server.url}/triage/")
    assert page.evaluate(OVERFLOW, "#queue .mash-table-scroll") <= 0
    headers = page.locator("#queue thead th")
    assert headers.last.inner_text() == "Worker"
    assert headers.last.bounding_box()["x"] + headers.last.bounding_box()["width"] <= width
    take = page.locator("#queue tbody").get_by_role("button", name="Take").first
    assert take.bounding_box()["x"] + take.bounding_box()["width"] <= width
    # A reference never breaks at its hyphens.
    reference = page.locator("#queue tbody tr").first.locator("td").nth(1).locator(".mash-nowrap")
    assert reference.bounding_box()["height"] < 30
    # Every tag (rating, re-contact, also open) holds its words and stays inside its own cell.
    spills = page.evaluate(
        "() => [...document.querySelectorAll('#queue tbody .govuk-tag')].filter(t => t.scrollWidth > t.clientWidth + 1"
        " || t.getBoundingClientRect().right > t.closest('td').getBoundingClientRect().right + 1).map(t => t.innerText)"
    )
    assert not spills, f"tags run into the next column: {spills[:3]}"
    expect(page.locator("#queue tbody .mash-tag--compact").first).to_contain_text("Also open")
    assert _rows_above_the_fold(page) >= 8  # two lines a row at worst


def test_every_count_above_a_worklist_is_in_the_gov_uk_typeface(page, live_server, demo_data):
    """The navigators' "due soon" and "due today" counts are words, not links, and were set in the browser's
    default serif: only a link or a GOV.UK text class carried the typeface."""
    sign_in(page, live_server, "cambridgeshire-nav-police")
    page.goto(f"{live_server.url}/navigators/")
    faces = page.evaluate(
        "() => [...document.querySelectorAll('.mash-count')].map(c => [c.innerText, getComputedStyle(c).fontFamily])"
    )
    assert len(faces) == 4
    assert all(face.startswith('"GDS Transport"') for _, face in faces), faces
