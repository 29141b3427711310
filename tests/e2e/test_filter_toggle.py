"""On a phone the worklists lead with their list: the filter panel waits behind MoJ's "Show filter" button (it
used to fill the first screen and a half of the triage queue at 390 px). By keyboard it opens, takes focus, and
closes back to its button. On a wider screen the panel is always beside the list, with no button."""

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import sign_in

pytestmark = pytest.mark.e2e

PHONE = {"width": 390, "height": 844}
WORKLISTS = [
    ("cambridgeshire-triage", "/triage/", "#queue"),
    ("cambridgeshire-ehcoord", "/early-help/", "main table"),
    ("cambridgeshire-nav-police", "/navigators/", "main table"),
]


def _top(page, selector) -> float:
    return page.locator(selector).first.bounding_box()["y"]


@pytest.mark.parametrize(("username", "path", "table"), WORKLISTS, ids=["triage", "early-help", "navigators"])
def test_on_a_phone_the_list_comes_first_and_the_filter_opens_and_closes_by_keyboard(
    page, live_server, demo_data, username, path, table
):
    sign_in(page, live_server, username)
    page.set_viewport_size(PHONE)
    page.goto(f"{live_server.url}{path}")
    show = page.get_by_role("button", name="Show filter")
    expect(show).to_be_visible()
    expect(page.locator(".mash-filter .moj-filter")).to_be_hidden()
    assert _top(page, table) < PHONE["height"], "the list starts below the first screen"

    show.focus()
    page.keyboard.press("Enter")
    panel = page.locator(".mash-filter")
    expect(page.get_by_role("button", name="Apply filters")).to_be_visible()
    expect(panel).to_be_focused()
    assert page.get_by_role("button", name="Hide filter").get_attribute("aria-expanded") == "true"
    # Shown, it sits above the list in the page's flow, not over it.
    assert panel.bounding_box()["y"] + panel.bounding_box()["height"] <= _top(page, table)

    page.get_by_role("button", name="Close").press("Enter")
    expect(page.get_by_role("button", name="Apply filters")).to_be_hidden()
    expect(page.get_by_role("button", name="Show filter")).to_be_focused()


def test_a_filtered_queue_on_a_phone_says_how_many_filters_apply_before_it_is_opened(page, live_server, demo_data):
    sign_in(page, live_server, "cambridgeshire-triage")
    page.set_viewport_size(PHONE)
    page.goto(f"{live_server.url}/triage/?worker=none&due=overdue")
    expect(page.get_by_role("button", name="Show filter (2 applied)")).to_be_visible()


def test_on_a_wide_screen_the_filter_is_always_beside_the_list_with_no_button(page, live_server, demo_data):
    sign_in(page, live_server, "cambridgeshire-triage")
    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto(f"{live_server.url}/triage/")
    expect(page.get_by_role("button", name="Apply filters")).to_be_visible()
    expect(page.get_by_role("button", name="Hide filter")).to_be_hidden()
    filter_box, list_box = page.locator(".mash-filter").bounding_box(), page.locator("#queue").bounding_box()
    assert filter_box["x"] + filter_box["width"] <= list_box["x"]  # beside it


def test_on_a_phone_the_workspaces_caption_is_read_without_scrolling_sideways(page, live_server, demo_data):
    sign_in(page, live_server, "cambridgeshire-nav-police")
    page.set_viewport_size(PHONE)
    page.goto(f"{live_server.url}/navigators/")
    when = page.locator("#workspace-caption .mash-secondary")
    expect(when).to_contain_text("refreshed every minute")
    right = when.evaluate(
        "(e) => { const r = document.createRange(); r.selectNodeContents(e); return r.getBoundingClientRect().right; }"
    )
    assert right <= PHONE["width"], "the caption runs past the screen's edge"
