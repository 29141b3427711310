"""In the browser: setting up the authenticator app on first sign-in, the audit viewer, and the
timeout warning, each page checked by axe-core."""

import base64
import re

import pytest
from django_otp.oath import totp
from playwright.sync_api import expect

pytestmark = pytest.mark.e2e


def _code(key: str) -> str:
    secret = base64.b32decode(key.replace(" ", "") + "=" * (-len(key.replace(" ", "")) % 8))
    return f"{totp(secret):06d}"


def test_a_manager_sets_up_the_authenticator_app_at_first_sign_in(page, live_server, demo_data, settings):
    settings.MASH_MFA_REQUIRED = True
    page.goto(f"{live_server.url}/sign-in/")
    page.locator("#id_username").fill("durham-manager")
    page.locator("#id_password").fill(settings.DEMO_PASSWORD)
    with page.expect_navigation():
        page.get_by_role("button", name="Sign in", exact=True).click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Set up your authenticator app")
    expect(page.get_by_role("img", name="QR code for your authenticator app")).to_be_visible()
    key = page.get_by_test_id("totp-key").inner_text()
    page.get_by_label("Security code").fill(_code(key))
    with page.expect_navigation():
        page.get_by_role("button", name="Continue").click()

    expect(page.get_by_role("heading", name="Authenticator app set up")).to_be_visible()
    codes = page.get_by_test_id("recovery-codes").locator("li")
    expect(codes).to_have_count(10)
    # No menu until the second factor is set up and the codes are kept; the codes can be kept three ways.
    expect(page.get_by_role("link", name="Dashboard")).to_have_count(0)  # no menu but sign-out
    expect(page.get_by_role("search")).to_have_count(0)
    expect(page.get_by_role("button", name="Print the codes")).to_be_visible()
    with page.expect_download() as download:
        page.get_by_role("link", name="Download the codes").click()
    kept = download.value.path().read_text()
    assert all(code in kept for code in codes.all_inner_texts())
    with page.expect_navigation():
        page.get_by_role("button", name="Continue").click()  # without saying they are kept
    expect(page.get_by_role("alert")).to_contain_text("Confirm that you have saved your recovery codes")
    page.axe.check()
    page.get_by_role("link", name="Confirm that you have saved your recovery codes").click()
    expect(page.get_by_label("I have saved my recovery codes somewhere safe")).to_be_focused()
    page.get_by_label("I have saved my recovery codes somewhere safe").check()
    with page.expect_navigation():
        page.get_by_role("button", name="Continue").click()
    assert re.search(r"/home/manager/$", page.url)
    expect(page.get_by_role("navigation", name="Menu").get_by_role("link", name="Dashboard")).to_be_visible()


def test_an_admin_searches_the_audit_log(page, live_server, demo_data):
    from tests.e2e.conftest import sign_in

    sign_in(page, live_server, "coventry-admin")
    page.goto(f"{live_server.url}/security/audit/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Audit log")
    page.get_by_label("User name").fill("coventry-admin")
    with page.expect_navigation():
        page.get_by_role("button", name="Filter").click()
    expect(page.get_by_role("table")).to_contain_text("Signed in")  # the action in words, not its code


@pytest.mark.idle_timeout
def test_the_timeout_warning_opens_before_sign_out_and_stay_signed_in_keeps_the_session(
    page, live_server, demo_data, settings
):
    from tests.e2e.conftest import sign_in

    # Warn 1 s after a page loads (timeout 75 s, less the 60 s the server's activity record may lag,
    # less the 14 s warning).
    settings.SESSION_IDLE_TIMEOUT = 75
    settings.SESSION_IDLE_WARNING = 14
    sign_in(page, live_server, "cambridgeshire-triage")
    dialog = page.get_by_role("dialog", name=re.compile("about to be signed out"))
    expect(dialog).to_be_visible(timeout=10_000)
    expect(dialog.get_by_role("button", name="Stay signed in")).to_be_focused()
    page.axe.check()  # the page with its modal dialog open
    dialog.get_by_role("button", name="Stay signed in").click()
    expect(dialog).to_be_hidden()
    assert page.url.endswith("/home/triage/")


@pytest.mark.idle_timeout
def test_the_queue_refreshing_itself_tells_the_server_it_is_not_the_user(page, live_server, demo_data, settings):
    from tests.e2e.conftest import sign_in

    settings.SESSION_IDLE_TIMEOUT = 30 * 60
    sign_in(page, live_server, "cambridgeshire-triage")
    page.clock.install()
    page.goto(f"{live_server.url}/triage/")
    with page.expect_request(lambda request: "/triage/" in request.url and request.headers.get("hx-request")) as poll:
        page.clock.fast_forward("01:01")  # the worklist polls every 60 seconds
    assert poll.value.headers.get("x-mash-auto-refresh") == "true"
    expect(page.get_by_role("dialog", name=re.compile("about to be signed out"))).to_be_hidden()
