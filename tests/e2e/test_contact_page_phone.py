"""The contact page on a phone (390 px): its actions are one column of full-width buttons, Take among them (it sat
half-width at the top, the only button in its own form), and a reference is never broken across lines."""

import pytest

from mash.models import Tenant
from tests.contacts.builders import make_contact
from tests.e2e.conftest import sign_in

pytestmark = pytest.mark.e2e

# Whether a reference's text starts and ends on the same line.
ONE_LINE = "(e) => { const r = e.getClientRects(); return r.length === 1; }"


def test_on_a_phone_take_is_as_wide_as_every_other_action_and_references_stay_whole(page, live_server, demo_data):
    tenant = Tenant.objects.get(slug="cambridgeshire")
    ava = {"first_name": "Ava", "last_name": "Quinn", "date_of_birth": "2016-05-04", "postcode": "CB1 2AB"}
    make_contact(tenant, "phone-1", children=[ava], household=[])
    contact = make_contact(tenant, "phone-2", children=[ava], household=[])  # also open: the first
    sign_in(page, live_server, "cambridgeshire-triage")
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(f"{live_server.url}/triage/contacts/{contact.pk}/")
    take = page.get_by_role("button", name="Take this contact")
    rate = page.get_by_role("link", name="Rate this contact")
    assert take.bounding_box()["width"] == pytest.approx(rate.bounding_box()["width"], abs=1)
    also_open = page.locator("#also-open")
    references = also_open.locator("tbody a .mash-nowrap")
    assert references.count() >= 1
    for i in range(references.count()):
        assert references.nth(i).evaluate(ONE_LINE), references.nth(i).inner_text()
    link = also_open.get_by_role("button", name="Link to", exact=False).first
    # One line, as the other buttons: the reference is read out with it, not printed down a narrow column.
    assert link.bounding_box()["height"] <= rate.bounding_box()["height"] + 1
