"""Idle sessions are signed out (and work survives), and responses carry the security headers."""

import os
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest
import time_machine
from django.test import Client
from django.utils import timezone

from mash.models import AuditEvent
from mash.roles import Role
from mash.tenancy import tenant_context

ROOT = Path(__file__).resolve().parents[2]
PASSWORD = "correct horse battery"


@pytest.mark.django_db
@pytest.mark.idle_timeout
def test_an_idle_session_is_signed_out_and_the_referral_draft_is_still_there_after_signing_in(
    tenant_a, make_user, settings
):
    settings.SESSION_IDLE_TIMEOUT = 30 * 60
    referrer = make_user(tenant_a, Role.REFERRER)
    client = Client()
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        client.force_login(referrer)
        saved = client.post("/contacts/referral/autosave/concerns/", {"concerns": "Bruises on both arms, twice"})
        assert saved.status_code == 200 and "Draft saved" in saved.content.decode()

    with time_machine.travel(start + timedelta(minutes=31), tick=False):
        expired = client.get("/contacts/referral/concerns/")
        assert expired.status_code == 302
        assert expired.url == "/sign-in/?next=%2Fcontacts%2Freferral%2Fconcerns%2F"
        with tenant_context(referrer.tenant):  # audit events are walled by tenant (row-level security)
            assert AuditEvent.objects.filter(actor=referrer, action="user.session_expired").exists()
        assert client.get("/contacts/mine/").status_code == 302  # signed out for good

        signed_in = client.post(
            "/sign-in/",
            {"username": referrer.username, "password": PASSWORD, "next": "/contacts/referral/concerns/"},
        )
        assert signed_in.status_code == 302 and signed_in.url == "/contacts/referral/concerns/"
        page = client.get("/contacts/referral/concerns/").content.decode()
        assert "Bruises on both arms, twice" in page


@pytest.mark.django_db
@pytest.mark.idle_timeout
def test_activity_keeps_a_session_alive_and_stay_signed_in_resets_the_clock(tenant_a, make_user, settings):
    settings.SESSION_IDLE_TIMEOUT = 30 * 60
    user = make_user(tenant_a, Role.TRIAGE)
    client = Client()
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        client.force_login(user)
        assert client.get("/home/triage/").status_code == 200
    with time_machine.travel(start + timedelta(minutes=20), tick=False):
        assert client.post("/security/session/keep-alive/").json() == {"signed_in": True, "seconds_left": 1800}
    with time_machine.travel(start + timedelta(minutes=45), tick=False):
        assert client.get("/home/triage/").status_code == 200  # 25 minutes since "stay signed in"
    with time_machine.travel(start + timedelta(minutes=76), tick=False):
        assert client.get("/home/triage/").status_code == 302


@pytest.mark.django_db
@pytest.mark.idle_timeout
def test_pages_carry_the_accessible_timeout_warning_dialog(tenant_a, make_user, settings):
    settings.SESSION_IDLE_TIMEOUT = 30 * 60
    settings.SESSION_IDLE_WARNING = 120
    client = Client()
    client.force_login(make_user(tenant_a, Role.TRIAGE))
    html = client.get("/home/triage/").content.decode()
    assert 'id="mash-timeout-dialog"' in html and 'aria-labelledby="mash-timeout-heading"' in html
    assert 'data-timeout="1800"' in html and 'data-warning="120"' in html
    assert "Stay signed in" in html and 'aria-live="assertive"' in html
    assert "security/timeout-warning.js" in html


@pytest.mark.django_db
def test_inline_scripts_carry_the_csp_nonce_and_the_policy_allows_only_our_origin(tenant_a, make_user):
    client = Client()
    client.force_login(make_user(tenant_a, Role.TRIAGE))
    response = client.get("/home/triage/")
    policy = response["Content-Security-Policy"]
    nonce = policy.split("'nonce-")[1].split("'")[0]
    assert "default-src 'self'" in policy and "frame-ancestors 'none'" in policy and "object-src 'none'" in policy
    assert "unsafe-inline" not in policy and "unsafe-eval" not in policy
    html = response.content.decode()
    inline = [tag for tag in html.split("<script")[1:] if "src=" not in tag.split(">")[0]]
    assert inline and all(f'nonce="{nonce}"' in tag.split(">")[0] for tag in inline)
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"
    assert "camera=()" in response["Permissions-Policy"]
    assert response["Cache-Control"] == "no-store"  # a child's record never sits in a shared browser's cache


def _manage(*args, **env):
    environment = {k: v for k, v in os.environ.items() if not k.startswith("DJANGO_")}
    environment.update(env)
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_the_deploy_check_is_clean_with_production_settings():
    result = _manage(
        "check",
        "--deploy",
        DJANGO_ENV="production",
        DJANGO_SECRET_KEY="p" * 20 + "-a-long-random-production-secret-value-0123456789",
        DJANGO_ALLOWED_HOSTS="mash.example.gov.uk",
    )
    assert result.returncode == 0, result.stdout + result.stderr
    output = result.stdout + result.stderr
    # Every deployment, security and sign-in check passes. (drf_spectacular's schema-naming notes
    # about other capabilities' serializers are not deployment settings; see the report.)
    issues = [line for line in output.splitlines() if line.startswith("?: (") or line.startswith("mash")]
    assert [line for line in issues if not line.startswith("?: (drf_spectacular.")] == [], output


def test_production_settings_use_secure_cookies_hsts_and_https():
    code = (
        "from django.conf import settings as s; "
        "print('RESULT', s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE, s.SECURE_HSTS_SECONDS >= 31536000, "
        "s.SECURE_SSL_REDIRECT, s.SESSION_COOKIE_HTTPONLY, s.MASH_MFA_REQUIRED)"
    )
    result = _manage(
        "shell",
        "-c",
        code,
        DJANGO_ENV="production",
        DJANGO_SECRET_KEY="p" * 20 + "-a-long-random-production-secret-value-0123456789",
    )
    assert result.returncode == 0, result.stderr
    line = next(line for line in result.stdout.splitlines() if line.startswith("RESULT"))
    assert line.split()[1:] == ["True"] * 6


AUTO_REFRESH = {"HTTP_HX_REQUEST": "true", "HTTP_X_MASH_AUTO_REFRESH": "true"}


@pytest.mark.django_db
@pytest.mark.idle_timeout
def test_a_worklist_refreshing_itself_does_not_keep_an_idle_session_alive(tenant_a, make_user, settings):
    settings.SESSION_IDLE_TIMEOUT = 30 * 60
    user = make_user(tenant_a, Role.TRIAGE)
    client = Client()
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        client.force_login(user)
        assert client.get("/triage/").status_code == 200
    # The queue left open on a screen polls every minute for half an hour: the rows still come back...
    for minute in range(5, 30, 5):
        with time_machine.travel(start + timedelta(minutes=minute), tick=False):
            refreshed = client.get("/triage/", **AUTO_REFRESH)
            assert refreshed.status_code == 200 and "<html" not in refreshed.content.decode()
    # ...but nobody worked, so 31 minutes after the last real request the session is over.
    with time_machine.travel(start + timedelta(minutes=31), tick=False):
        expired = client.get("/triage/", HTTP_HX_CURRENT_URL="http://testserver/triage/?rating=red", **AUTO_REFRESH)
        # htmx is told to load the sign-in page as a whole page, coming back to the queue as it was filtered.
        assert expired.status_code == 204
        assert expired["HX-Redirect"] == "/sign-in/?next=%2Ftriage%2F%3Frating%3Dred"
        assert client.get("/home/triage/").status_code == 302


@pytest.mark.django_db
@pytest.mark.idle_timeout
def test_a_request_the_user_makes_through_htmx_still_counts_as_activity(tenant_a, make_user, settings):
    settings.SESSION_IDLE_TIMEOUT = 30 * 60
    user = make_user(tenant_a, Role.TRIAGE)
    client = Client()
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        client.force_login(user)
        assert client.get("/triage/").status_code == 200
    with time_machine.travel(start + timedelta(minutes=20), tick=False):
        assert client.get("/triage/?rating=red", HTTP_HX_REQUEST="true").status_code == 200  # a filter chosen
    with time_machine.travel(start + timedelta(minutes=45), tick=False):
        assert client.get("/home/triage/").status_code == 200


@pytest.mark.django_db
@pytest.mark.idle_timeout
def test_an_expired_htmx_request_never_redirects_to_another_site(tenant_a, make_user, settings):
    settings.SESSION_IDLE_TIMEOUT = 30 * 60
    client = Client()
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        client.force_login(make_user(tenant_a, Role.TRIAGE))
        client.get("/triage/")
    with time_machine.travel(start + timedelta(minutes=31), tick=False):
        expired = client.get("/triage/", HTTP_HX_CURRENT_URL="https://evil.example/phish", **AUTO_REFRESH)
        assert expired["HX-Redirect"] == "/sign-in/?next=%2F"


def test_the_timeout_warning_says_what_is_and_is_not_saved(tenant_a, make_user, settings, client):
    settings.SESSION_IDLE_TIMEOUT = 30 * 60
    client.force_login(make_user(tenant_a, Role.TRIAGE))
    html = client.get("/home/triage/").content.decode()
    assert "Anything you have not saved will be lost" in html
    assert "Lists that refresh themselves do not keep you signed in" in html
