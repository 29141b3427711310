"""Multi-factor sign-in: staff reach nothing with a password alone; set-up, codes, recovery codes, lockout."""

import re
from datetime import timedelta

import pytest
import time_machine
from django.test import Client
from django.utils import timezone
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from mash.models import AuditEvent
from mash.roles import STAFF_ROLES, Role
from mash.security import mfa
from mash.tenancy import tenant_context
from tests.audit_helpers import audit_events

pytestmark = pytest.mark.django_db
PASSWORD = "correct horse battery"  # tests.factories.UserFactory


@pytest.fixture(autouse=True)
def _mfa_required(settings):
    settings.MASH_MFA_REQUIRED = True
    settings.AXES_ENABLED = True
    # django-otp also slows down guessing by refusing codes for 2^n seconds after n failures; these
    # tests enter a right code right after a wrong one. The lockout is tested on its own below.
    settings.OTP_TOTP_THROTTLE_FACTOR = 0
    settings.OTP_STATIC_THROTTLE_FACTOR = 0


def _code(device, drift=0):
    return f"{totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits, drift=drift):06d}"


def _staff_page(user):
    from mash.pages import ROLE_HOMES

    return f"/home/{ROLE_HOMES[user.role].slug}/"


@pytest.mark.parametrize("role", sorted(STAFF_ROLES))
def test_a_staff_user_with_only_a_password_reaches_no_page_and_no_api(role, tenant_a, make_user):
    user = make_user(tenant_a, role)
    client = Client()
    client.force_login_password_only(user)

    page = client.get(_staff_page(user))
    assert page.status_code == 302 and page.url.startswith("/security/two-factor/set-up/")
    api = client.get("/api/v1/notifications/")
    assert api.status_code == 403
    assert "security code" in api.json()["detail"]


def test_staff_with_a_device_are_sent_to_enter_the_code_not_to_set_up_again(tenant_a, make_user):
    user = make_user(tenant_a, Role.TRIAGE)
    mfa.ensure_confirmed_device(user)
    client = Client()
    client.force_login_password_only(user)
    response = client.get("/contacts/")
    assert response.status_code == 302 and response.url == "/security/two-factor/verify/?next=%2Fcontacts%2F"


def test_an_api_token_still_works_for_staff_it_is_an_administrators_system_credential(tenant_a, make_user, api_as):
    user = make_user(tenant_a, Role.TRIAGE)
    assert api_as(user).get("/api/v1/notifications/").status_code == 200


def test_a_referrer_is_not_required_to_use_a_second_factor(tenant_a, make_user):
    user = make_user(tenant_a, Role.REFERRER)
    client = Client()
    client.force_login_password_only(user)
    assert client.get("/home/referrer/").status_code == 200


def test_the_test_clients_force_login_completes_the_second_factor(tenant_a, make_user):
    user = make_user(tenant_a, Role.MANAGER)
    client = Client()
    client.force_login(user)
    assert client.get(_staff_page(user)).status_code == 200


def test_setting_up_an_authenticator_app_shows_a_qr_code_and_then_recovery_codes(tenant_a, make_user):
    user = make_user(tenant_a, Role.TRIAGE)
    client = Client()
    client.force_login_password_only(user)

    page = client.get("/security/two-factor/set-up/?next=/contacts/")
    html = page.content.decode()
    assert page.status_code == 200 and "<svg" in html and "Set up your authenticator app" in html
    key = re.search(r'data-testid="totp-key">([A-Z2-7 ]+)<', html).group(1)
    device = TOTPDevice.objects.get(user=user, confirmed=False)
    assert key.replace(" ", "") in device.config_url

    wrong = client.post("/security/two-factor/set-up/", {"code": "000000", "next": "/contacts/"})
    assert "The security code is not right" in wrong.content.decode()
    assert client.get("/contacts/").status_code == 302

    done = client.post("/security/two-factor/set-up/", {"code": _code(device), "next": "/contacts/"})
    codes = re.findall(r"<li><code>([0-9a-f]{8})</code></li>", done.content.decode())
    assert len(codes) == mfa.RECOVERY_CODES
    assert client.get("/contacts/").status_code == 200  # the session is now verified
    with tenant_context(user.tenant):  # audit events are walled by tenant (row-level security)
        assert AuditEvent.objects.filter(actor=user, action="mfa.enrolled").exists()


def _sign_in(client, username, password=PASSWORD, code="", **extra):
    return client.post("/sign-in/", {"username": username, "password": password, "otp_token": code, **extra})


def test_signing_in_asks_for_the_code_after_the_password_and_accepts_a_recovery_code_once(tenant_a, make_user):
    user = make_user(tenant_a, Role.TRIAGE)
    device = mfa.ensure_confirmed_device(user)
    recovery = mfa.new_recovery_codes(user=user)

    # A client posting the code with the password: a wrong code is answered as a wrong password.
    wrong = _sign_in(Client(), user.username, code="123456")
    assert wrong.status_code == 200 and "Enter a correct username and password" in wrong.content.decode()

    client = Client()
    assert _sign_in(client, user.username, code=_code(device)).status_code == 302
    assert client.get("/contacts/").status_code == 200

    with_recovery = Client()
    assert _sign_in(with_recovery, user.username, code=recovery[0]).status_code == 302
    assert with_recovery.get("/contacts/").status_code == 200
    again = _sign_in(Client(), user.username, code=recovery[0])
    assert again.status_code == 200 and "Enter a correct username and password" in again.content.decode()  # once

    # In the browser: the password first; the code on a page of its own, and nothing else until it is given.
    with time_machine.travel(timezone.now() + timedelta(seconds=device.step), tick=False):  # a fresh code
        two_steps = Client()
        first = two_steps.post("/sign-in/", {"username": user.username, "password": PASSWORD, "next": "/contacts/"})
        assert first.status_code == 302 and first.url == "/security/two-factor/verify/?next=/contacts/"
        assert two_steps.get("/contacts/").status_code == 302
        second = two_steps.post("/security/two-factor/verify/", {"code": _code(device), "next": "/contacts/"})
        assert second.status_code == 302 and second.url == "/contacts/"
        assert two_steps.get("/contacts/").status_code == 200


def test_staff_without_a_device_sign_in_to_the_set_up_page(tenant_a, make_user):
    user = make_user(tenant_a, Role.HEAD)
    client = Client()
    response = _sign_in(client, user.username, next="/contacts/")
    assert response.status_code == 302 and response.url.startswith("/security/two-factor/set-up/")
    assert client.get("/contacts/").status_code == 302


def test_the_verify_step_completes_a_password_only_session(tenant_a, make_user):
    user = make_user(tenant_a, Role.TRIAGE)
    device = mfa.ensure_confirmed_device(user)
    client = Client()
    client.force_login_password_only(user)
    response = client.post("/security/two-factor/verify/", {"code": _code(device), "next": "/contacts/"})
    assert response.status_code == 302 and response.url == "/contacts/"
    assert client.get("/contacts/").status_code == 200


def test_repeated_wrong_passwords_lock_the_account_even_with_the_right_one_after(tenant_a, make_user, settings):
    user = make_user(tenant_a, Role.REFERRER)
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        assert _sign_in(Client(), user.username, password="wrong-password").status_code == 200
    assert _sign_in(Client(), user.username, password="wrong-password").status_code == 429
    locked = _sign_in(Client(), user.username)
    assert locked.status_code == 429
    assert "Your account is locked for now" in locked.content.decode()
    # Another user of the same tenant is not locked out by it.
    other = make_user(tenant_a, Role.REFERRER)
    assert _sign_in(Client(), other.username).status_code == 302


def test_wrong_security_codes_count_towards_the_lockout(tenant_a, make_user, settings):
    user = make_user(tenant_a, Role.TRIAGE)
    device = mfa.ensure_confirmed_device(user)
    for _ in range(settings.AXES_FAILURE_LIMIT):
        _sign_in(Client(), user.username, code="000000")
    assert _sign_in(Client(), user.username, code=_code(device)).status_code == 429


def _recovery_page(client, user, device):
    client.post("/sign-in/", {"username": user.username, "password": PASSWORD})
    client.post("/security/two-factor/verify/", {"code": _code(device)})
    with time_machine.travel(timezone.now() + timedelta(seconds=device.step), tick=False):
        return client.post("/security/two-factor/recovery-codes/", {"code": _code(device)})


def test_new_recovery_codes_can_be_downloaded_and_must_be_confirmed_as_kept(tenant_a, make_user):
    user = make_user(tenant_a, Role.MANAGER)
    device = mfa.ensure_confirmed_device(user)
    client = Client()
    shown = _recovery_page(client, user, device)
    codes = re.findall(r"<li><code>([0-9a-f]{8})</code></li>", shown.content.decode())
    assert len(codes) == mfa.RECOVERY_CODES

    download = client.get("/security/two-factor/recovery-codes/download/")
    assert download.status_code == 200 and download["Content-Disposition"].startswith("attachment")
    assert download["Content-Type"].startswith("text/plain") and download["Cache-Control"] == "no-store"
    assert all(code in download.content.decode() for code in codes)

    # Carrying on without saying they are kept: the codes again, with the error, nothing lost.
    unconfirmed = client.post("/security/two-factor/recovery-codes/kept/", {})
    page = unconfirmed.content.decode()
    assert unconfirmed.status_code == 400
    assert "Confirm that you have saved your recovery codes somewhere safe" in page
    assert re.findall(r"<li><code>([0-9a-f]{8})</code></li>", page) == codes

    kept = client.post("/security/two-factor/recovery-codes/kept/", {"kept": "yes"})
    assert kept.status_code == 302 and kept.url == "/"
    assert audit_events(tenant_a, actor=user, action="mfa.recovery_codes_kept")
    assert audit_events(tenant_a, actor=user, action="mfa.recovery_codes_downloaded")
    # Once kept, the codes are nowhere to be had again.
    assert client.get("/security/two-factor/recovery-codes/download/").status_code == 404


def test_nobody_can_download_codes_without_having_just_made_them(tenant_a, make_user):
    user = make_user(tenant_a, Role.MANAGER)
    mfa.ensure_confirmed_device(user)
    half = Client()
    half.post("/sign-in/", {"username": user.username, "password": PASSWORD})  # the password alone
    assert half.get("/security/two-factor/recovery-codes/download/").status_code in (302, 404)
    assert Client().get("/security/two-factor/recovery-codes/download/").status_code == 302  # signed out


def test_a_password_only_session_sees_no_menu(tenant_a, make_user):
    user = make_user(tenant_a, Role.TRIAGE)
    mfa.ensure_confirmed_device(user)
    client = Client()
    client.post("/sign-in/", {"username": user.username, "password": PASSWORD})
    html = client.get("/security/two-factor/verify/").content.decode()
    assert 'role="search"' not in html and "Triage queue" not in html and "Notifications" not in html
    assert "Sign out" in html  # the one way on from here besides the code


def test_a_right_password_does_not_wipe_the_count_of_wrong_codes(tenant_a, make_user, settings):
    settings.AXES_ENABLED = True
    settings.AXES_FAILURE_LIMIT = 5
    user = make_user(tenant_a, Role.TRIAGE)
    device = mfa.ensure_confirmed_device(user)
    client = Client()
    for _ in range(2):  # someone with the password guesses codes, signing in again between guesses
        client.post("/sign-in/", {"username": user.username, "password": PASSWORD})
        for _ in range(2):
            client.post("/security/two-factor/verify/", {"code": "000000"})
    client.post("/sign-in/", {"username": user.username, "password": PASSWORD})
    locked = client.post("/security/two-factor/verify/", {"code": "111111"})  # the fifth wrong code
    assert locked.status_code == 429
    assert Client().post("/sign-in/", {"username": user.username, "password": PASSWORD}).status_code == 429
    # The right code now is no way in either.
    assert _sign_in(Client(), user.username, code=_code(device)).status_code == 429


def test_a_completed_sign_in_forgives_earlier_failures(tenant_a, make_user, settings):
    settings.AXES_ENABLED = True
    settings.AXES_FAILURE_LIMIT = 5
    user = make_user(tenant_a, Role.TRIAGE)
    device = mfa.ensure_confirmed_device(user)
    for _ in range(4):
        _sign_in(Client(), user.username, password="not-the-password")
    client = Client()
    client.post("/sign-in/", {"username": user.username, "password": PASSWORD})
    assert client.post("/security/two-factor/verify/", {"code": _code(device)}).status_code == 302
    with time_machine.travel(timezone.now() + timedelta(seconds=device.step), tick=False):
        assert _sign_in(Client(), user.username, password="not-the-password").status_code == 200  # not locked


@pytest.mark.parametrize(
    ("posted", "message"),
    [({"username": "someone"}, "Enter your password"), ({"password": "secret"}, "Enter your username")],
    ids=["no password", "no username"],
)
def test_a_missing_field_gets_one_error_saying_what_to_enter(posted, message, db):
    from django.test import Client

    response = Client().post("/sign-in/", posted)
    errors = response.context["form"].errors
    assert response.status_code == 200
    assert [str(e) for field_errors in errors.values() for e in field_errors] == [message]
    assert "Enter a correct username and password" not in response.content.decode()
    assert response.content.decode().count(message) == 2  # once in the summary, once beside its field
