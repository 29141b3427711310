"""The second factor cannot be skipped: a request reaches staff data only with a valid API token or
a session that has passed the second factor, whatever else it carries.

Every API operation (from the OpenAPI document, every method, and every API route the URL resolver
holds) and every page (from the URL patterns) is tried with a password-only session and each kind
of ``Authorization`` header a browser or script might add.
"""

import base64
import re
from datetime import timedelta

import pytest
import time_machine
from axes.models import AccessAttempt
from django.test import Client
from django.urls import URLResolver, get_resolver
from django.urls.converters import IntConverter, UUIDConverter
from django.urls.resolvers import RoutePattern
from django.utils import timezone
from django_otp.oath import totp
from django_otp.plugins.otp_static.models import StaticToken
from drf_spectacular.generators import SchemaGenerator

from mash.roles import Role
from mash.security import mfa
from mash.security.middleware import OPEN_PREFIXES
from tests.audit_helpers import audit_events
from tests.factories import token_for

pytestmark = pytest.mark.django_db
PASSWORD = "correct horse battery"  # tests.factories.UserFactory

# The headers that must change nothing: none, other schemes, DRF's scheme with a wrong key, junk.
HEADERS = {
    "none": None,
    "bearer": "Bearer x",
    "basic": "Basic {basic}",
    "invalid-token": "Token 0123456789abcdef0123456789abcdef01234567",
    "junk": "x",
}
REFUSED_API = {401, 403}
SECOND_STEP = ("/security/two-factor/verify/", "/security/two-factor/set-up/")


@pytest.fixture(autouse=True)
def _mfa_required(settings):
    settings.MASH_MFA_REQUIRED = True
    settings.OTP_TOTP_THROTTLE_FACTOR = 0
    settings.OTP_STATIC_THROTTLE_FACTOR = 0


def _headers(name, user):
    value = HEADERS[name]
    if value is None:
        return {}
    basic = base64.b64encode(f"{user.username}:{PASSWORD}".encode()).decode()
    return {"HTTP_AUTHORIZATION": value.format(basic=basic)}


def _code(device):
    return f"{totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits):06d}"


# -- what there is to reach --------------------------------------------------------------------


def _schema_operations():
    """(method, path) of every operation the OpenAPI document lists as session-authenticated."""
    document = SchemaGenerator().get_schema(request=None, public=True)
    operations = []
    for path, item in document["paths"].items():
        for method, operation in item.items():
            if any("cookieAuth" in scheme for scheme in operation.get("security", [])):
                operations.append((method.upper(), re.sub(r"\{[^}]+\}", "1", path)))
    return operations


def _routes(patterns=None, prefix="/"):
    """Every URL the resolver holds, with a sample value for each argument."""
    patterns = get_resolver().url_patterns if patterns is None else patterns
    for entry in patterns:
        route = str(entry.pattern)
        if isinstance(entry.pattern, RoutePattern):
            converters = entry.pattern.converters
            route = re.sub(r"<(?:\w+:)?(\w+)>", lambda m, c=converters: _sample(c.get(m.group(1))), route)
        else:  # a regular expression (DRF's router, the admin): a sample for each group
            route = re.sub(r"\(\?P<format>[^)]*\)", "json", route)
            route = re.sub(r"\(\?P<\w+>[^)]*\)", "1", route)
            route = route.replace("^", "").replace("$", "").replace("\\.", ".").replace("/?", "")
        if isinstance(entry, URLResolver):
            yield from _routes(entry.url_patterns, prefix + route)
        else:
            yield prefix + route


def _sample(converter):
    if isinstance(converter, IntConverter):
        return "1"
    if isinstance(converter, UUIDConverter):
        return "00000000-0000-0000-0000-000000000001"
    if converter is not None and type(converter).__name__ == "FormatSuffixConverter":
        return ".json"
    return "x"


def _protected(url):
    return not url.startswith(OPEN_PREFIXES)


API_OPERATIONS = sorted(
    set(_schema_operations()) | {("GET", url) for url in _routes() if url.startswith("/api/") and _protected(url)}
)
# The platform admin's model pages (superusers only) are one admin site behind the same gate as
# its index; they are left out to keep this quick.
PAGES = sorted(
    {url for url in _routes() if not url.startswith("/api/") and _protected(url)}
    - {url for url in _routes() if url.startswith("/platform-admin/") and url != "/platform-admin/"}
)


def test_the_lists_cover_the_api_and_the_pages():
    # A guard on the generators themselves: if they went quiet, every test below would pass.
    assert ("POST", "/api/v1/contacts/1/decision/") in API_OPERATIONS
    assert ("DELETE", "/api/v1/agencies/1/") in API_OPERATIONS
    assert ("GET", "/api/v1/") in API_OPERATIONS and len(API_OPERATIONS) > 60
    assert {"/contacts/1/", "/triage/", "/security/audit/", "/platform-admin/"} <= set(PAGES)
    assert not any(url.startswith(("/sign-in/", "/api/")) for url in PAGES)


# -- a password-only session reaches nothing ---------------------------------------------------


@pytest.fixture(params=list(HEADERS))
def half_signed_in(request, tenant_a, make_user):
    """(user, client, headers): a tenant administrator (the widest reach) signed in with a password
    only, once per header; every other header's user has an authenticator app set up, so pages
    lead to both the set-up and the verify step."""
    user = make_user(tenant_a, Role.ADMIN)
    if list(HEADERS).index(request.param) % 2:
        mfa.ensure_confirmed_device(user)
    client = Client()
    client.force_login_password_only(user)
    return user, client, _headers(request.param, user)


def _refused_for_want_of_sign_in(response):
    """401, or 403 for the unfinished sign-in: not a 403 for the role, a 404 or a 405, which
    would mean the request got past authentication (and another role's would get further)."""
    if response.status_code == 401:
        return True
    return response.status_code == 403 and "security code" in response.json().get("detail", "")


def _api_leaks(client, headers):
    leaks = []
    for method, url in API_OPERATIONS:
        response = client.generic(method, url, data=b"{}", content_type="application/json", **headers)
        if not _refused_for_want_of_sign_in(response):
            leaks.append(f"{method} {url} -> {response.status_code}")
    return leaks


def test_a_password_only_session_reaches_no_api_operation_with_any_header(half_signed_in):
    _user, client, headers = half_signed_in
    assert _api_leaks(client, headers) == []


def test_the_api_refuses_a_password_only_session_even_without_the_middleware(half_signed_in, settings):
    # The rule lives where DRF decides who the caller is, not only in a middleware's path list.
    settings.MIDDLEWARE = [m for m in settings.MIDDLEWARE if not m.endswith("MultiFactorMiddleware")]
    _user, client, headers = half_signed_in
    assert _api_leaks(client, headers) == []


def test_a_password_only_session_reaches_no_staff_page_with_any_header(half_signed_in):
    user, client, headers = half_signed_in
    step = "/security/two-factor/verify/" if mfa.has_device(user) else "/security/two-factor/set-up/"
    leaks = []
    for url in PAGES:
        for method in ("GET", "POST"):
            response = client.generic(method, url, **headers)
            if response.status_code != 302 or not response.url.startswith(step):
                leaks.append(f"{method} {url} -> {response.status_code}")
    assert leaks == []


# -- the idle timeout applies whatever the headers -----------------------------------------------


@pytest.mark.idle_timeout
@pytest.mark.parametrize("header", HEADERS)
def test_an_idle_session_is_signed_out_whatever_authorization_header_it_sends(header, tenant_a, make_user, settings):
    settings.SESSION_IDLE_TIMEOUT = 30 * 60
    user = make_user(tenant_a, Role.TRIAGE)
    page, api = Client(), Client()
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        page.force_login(user)
        api.force_login(user)
        assert page.get("/triage/", **_headers(header, user)).status_code == 200
        assert api.get("/api/v1/notifications/", **_headers(header, user)).status_code in (200, 401)
    with time_machine.travel(start + timedelta(minutes=31), tick=False):
        expired = page.get("/triage/", **_headers(header, user))
        assert expired.status_code == 302 and expired.url.startswith("/sign-in/")
        refused = api.post("/api/v1/notifications/1/read/", **_headers(header, user))
        assert refused.status_code == 401
        assert api.get("/api/v1/notifications/").status_code in REFUSED_API  # signed out for good
    assert len(audit_events(tenant_a, actor=user, action="user.session_expired")) == 2


# -- recovery codes ------------------------------------------------------------------------------


@pytest.mark.parametrize("has_app", [True, False], ids=["with-app", "without-app"])
def test_a_password_only_session_cannot_mint_recovery_codes(has_app, tenant_a, make_user):
    user = make_user(tenant_a, Role.TRIAGE)
    if has_app:
        device = mfa.ensure_confirmed_device(user)
    client = Client()
    client.force_login_password_only(user)

    for response in (
        client.get("/security/two-factor/recovery-codes/"),
        client.post("/security/two-factor/recovery-codes/"),
        client.post("/security/two-factor/recovery-codes/", {"code": _code(device) if has_app else "123456"}),
    ):
        assert response.status_code == 302 and response.url.startswith(SECOND_STEP)
    assert not StaticToken.objects.filter(device__user=user).exists()
    assert client.get("/api/v1/notifications/").status_code == 403  # still not signed in


def test_recovery_codes_come_only_with_a_code_from_the_app_in_the_same_step(tenant_a, make_user):
    user = make_user(tenant_a, Role.TRIAGE)
    client = Client()
    client.force_login_password_only(user)

    # First set-up: a wrong code gives no codes; the app's code gives them, and a verified session.
    setup = client.get("/security/two-factor/set-up/")
    assert setup.status_code == 200
    device = mfa.pending_app_device(user)
    wrong = client.post("/security/two-factor/set-up/", {"code": "000000"})
    assert "The security code is not right" in wrong.content.decode()
    assert not StaticToken.objects.filter(device__user=user).exists()
    done = client.post("/security/two-factor/set-up/", {"code": _code(device)})
    first = re.findall(r"<li><code>([0-9a-f]{8})</code></li>", done.content.decode())
    assert len(first) == mfa.RECOVERY_CODES

    # Replacing them, signed in: a recovery code does not mint more, nor does no code.
    assert client.get("/security/two-factor/recovery-codes/").status_code == 200
    for code in ("", first[0], "000000"):
        refused = client.post("/security/two-factor/recovery-codes/", {"code": code})
        assert refused.status_code == 200 and "<li><code>" not in refused.content.decode()
    assert set(StaticToken.objects.filter(device__user=user).values_list("token", flat=True)) == set(first)

    with time_machine.travel(timezone.now() + timedelta(seconds=device.step), tick=False):
        replaced = client.post("/security/two-factor/recovery-codes/", {"code": _code(device)})
    second = re.findall(r"<li><code>([0-9a-f]{8})</code></li>", replaced.content.decode())
    assert len(second) == mfa.RECOVERY_CODES and not set(second) & set(first)
    assert audit_events(tenant_a, actor=user, action="mfa.recovery_codes_replaced")


# -- the sign-in page does not confirm a password ---------------------------------------------


def _sign_in(username, password=PASSWORD, code=""):
    return Client().post("/sign-in/", {"username": username, "password": password, "otp_token": code})


def _comparable(response):
    """The page without what differs on every response anyway (CSRF token, CSP nonce)."""
    nonce = response["Content-Security-Policy"].split("'nonce-")[1].split("'")[0]
    html = response.content.decode().replace(nonce, "")
    return re.sub(r"[A-Za-z0-9]{64}", "", html)  # masked CSRF tokens


def test_a_wrong_code_is_counted_like_a_wrong_password_and_in_one_post_answered_like_one(tenant_a, make_user, settings):
    settings.AXES_ENABLED = True
    settings.AXES_FAILURE_LIMIT = 5
    user = make_user(tenant_a, Role.TRIAGE)
    device = mfa.ensure_confirmed_device(user)

    wrong_password = _sign_in(user.username, password="not-the-password")
    attempts = [
        _sign_in(user.username, code="000000"),  # right password, wrong code in the same post
        _sign_in(user.username, password="not-the-password", code=_code(device)),
    ]
    assert wrong_password.status_code == 200
    assert "Enter a correct username and password" in wrong_password.content.decode()
    for response in attempts:
        assert response.status_code == wrong_password.status_code
        assert _comparable(response) == _comparable(wrong_password)
        assert "_auth_user_id" not in response.wsgi_request.session

    # In the browser the code is a second step: a wrong code there counts the same way.
    browser = Client()
    browser.post("/sign-in/", {"username": user.username, "password": PASSWORD})
    wrong_code = browser.post("/security/two-factor/verify/", {"code": "222222"})
    assert wrong_code.status_code == 200 and "The security code is not right" in wrong_code.content.decode()

    assert AccessAttempt.objects.get(username=user.username).failures_since_start == 4
    assert _sign_in(user.username, code="111111").status_code == 429  # the fifth failure locks the account
    assert _sign_in(user.username, code=_code(device)).status_code == 429


# -- a valid token still works ---------------------------------------------------------------


@pytest.mark.idle_timeout
def test_a_valid_token_works_and_its_answers_are_not_stored_by_any_cache(tenant_a, make_user, settings):
    settings.SESSION_IDLE_TIMEOUT = 30 * 60
    user = make_user(tenant_a, Role.TRIAGE)
    header = {"HTTP_AUTHORIZATION": f"Token {token_for(user)}"}

    alone = Client().get("/api/v1/notifications/", **header)
    assert alone.status_code == 200 and "results" in alone.json()
    assert alone["Cache-Control"] == "no-store"

    # Beside a password-only or an idle session (a browser holding a token), the token decides.
    half = Client()
    half.force_login_password_only(user)
    assert half.get("/api/v1/notifications/", **header).status_code == 200
    idle = Client()
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        idle.force_login(user)
        idle.get("/triage/")
    with time_machine.travel(start + timedelta(minutes=31), tick=False):
        assert idle.get("/api/v1/notifications/", **header).status_code == 200
        assert idle.get("/triage/").status_code == 302  # the session itself still expired
