"""The caseworking layout in the browser: the triage worklist shows a working day's contacts above the fold, and
the main staff pages pass axe with no violation of any impact and never scroll sideways, at 1280 and 390 px."""

import pytest

from contacts.choices import ContactStatus
from contacts.models import Contact
from mash import tenancy
from mash.models import Tenant
from tests.contacts.builders import make_contact
from tests.e2e.conftest import _RUN_AXE, sign_in

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


def _all_violations(page):
    """axe's violations of every impact (the harness fails a journey on serious and critical ones only)."""
    page.axe.check()  # injects axe-core and records this document as checked
    return [f"{v['id']} ({v['impact']}): {v['help']} -- {', '.join(v['targets'][:3])}"
            for v in page.evaluate(_RUN_AXE)]  # fmt: skip


def _sideways_scroll(page) -> int:
    return page.evaluate("() => document.documentElement.scrollWidth - document.documentElement.clientWidth")


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


STAFF_PAGES = [
    ("cambridgeshire-triage", ["/triage/", "/contacts/", "/home/triage/", "/notifications/"]),
    ("cambridgeshire-manager", ["/early-help/", "/dashboard/"]),
    ("cambridgeshire-head", ["/security/audit/"]),
    ("cambridgeshire-admin", ["/settings/"]),
    ("cambridgeshire-nav-police", ["/navigators/"]),
]


@pytest.mark.parametrize("width", [1280, 390])
def test_main_staff_pages_have_no_axe_violations_and_no_sideways_scroll(page, live_server, demo_data, width):
    _open_contacts(50)
    problems = []
    for username, paths in STAFF_PAGES:
        page.context.clear_cookies()
        page.set_viewport_size({"width": 1280, "height": 900})
        sign_in(page, live_server, username)
        page.set_viewport_size({"width": width, "height": 900})
        for path in [*paths, "first-contact"] if username.endswith("-triage") else paths:
            if path == "first-contact":
                page.goto(f"{live_server.url}/triage/")
                path = page.locator("#queue tbody tr a").first.get_attribute("href")
            response = page.goto(f"{live_server.url}{path}")
            assert response.status == 200, f"{username} {path}: {response.status}"
            problems += [f"{width}px {path}: {v}" for v in _all_violations(page)]
            scroll = _sideways_scroll(page)
            if scroll > 0:
                problems.append(f"{width}px {path}: scrolls sideways by {scroll}px")
    assert not problems, "\n".join(problems)
