"""A tenant administrator's staff accounts: joiners get a single-use set-up link, leavers stop at once,
a lost phone is reset with a reason, and nobody gets round the rules (pages)."""

import re
from datetime import timedelta

import pytest
import time_machine
from django.contrib.sessions.models import Session
from django.test import Client
from django.utils import timezone
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice
from rest_framework.authtoken.models import Token

from mash import tenancy
from mash.models import Team, TeamMember, User
from mash.roles import Role
from mash.security import mfa
from tests.audit_helpers import audit_event, audit_events
from tests.contacts.builders import make_contact
from tests.factories import AgencyFactory, UserFactory, token_for
from tests.navigators.isolation import make_request

PASSWORD = "a-long-new-passphrase-42"


@pytest.fixture(autouse=True)
def _mfa_required(settings):
    settings.MASH_MFA_REQUIRED = True
    settings.OTP_TOTP_THROTTLE_FACTOR = 0
    settings.MASH_SITE_URL = "https://mash.example.org"


@pytest.fixture
def admin(tenant_a, make_user):
    return make_user(tenant_a, Role.ADMIN, username="alpha-admin")


@pytest.fixture
def admin_client(admin):
    client = Client()
    client.force_login(admin)
    return client


def _code(device):
    return f"{totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits):06d}"


def _set_up_path(mail) -> str:
    return re.search(r"https://mash\.example\.org(/account/set-up/\S+/)", mail.body).group(1)


def _add(admin_client, capture, **fields):
    body = {"first_name": "Jo", "last_name": "Smith", "username": "alpha-jsmith", "email": "jo@example.org",
            "role": Role.TRIAGE, "agency": "", "team": "", **fields}  # fmt: skip
    with capture(execute=True):
        return admin_client.post("/settings/users/add/", body)


# --- joiners ------------------------------------------------------------------------------------


def test_an_added_person_sets_a_password_then_an_authenticator_app_through_the_emailed_link(
    admin_client, tenant_a, mailoutbox, django_capture_on_commit_callbacks
):
    with tenancy.tenant_context(tenant_a):
        team = Team.objects.create(name="MASH team A")
    response = _add(admin_client, django_capture_on_commit_callbacks, team=str(team.pk))
    user = User.objects.get(username="alpha-jsmith")
    assert response.status_code == 302 and response.url == f"/settings/users/{user.pk}/"
    assert user.tenant == tenant_a and user.role == Role.TRIAGE and not user.is_superuser and not user.is_staff
    assert not user.has_usable_password()  # nobody, the administrator included, ever knows it
    with tenancy.tenant_context(tenant_a):
        assert TeamMember.objects.get(user=user).team == team
    (mail,) = mailoutbox
    assert mail.to == ["jo@example.org"] and "alpha-jsmith" in mail.body

    new_user = Client()
    link = _set_up_path(mail)
    assert "Set up your account" in new_user.get(link).content.decode()
    short = new_user.post(link, {"password1": "short", "password2": "short"})
    assert short.status_code == 200 and "There is a problem" in short.content.decode()
    done = new_user.post(link, {"password1": PASSWORD, "password2": PASSWORD})
    assert done.status_code == 302 and done.url.startswith("/security/two-factor/set-up/")
    assert new_user.get("/home/triage/").status_code == 302  # not in until the second factor is set up
    new_user.get(done.url)
    device = TOTPDevice.objects.get(user=user, confirmed=False)
    enrolled = new_user.post("/security/two-factor/set-up/", {"code": _code(device), "next": "/"})
    assert "recovery codes" in enrolled.content.decode().lower()
    assert new_user.get("/home/triage/").status_code == 200
    user.refresh_from_db()
    assert user.check_password(PASSWORD)

    again = Client().get(link)  # single use: the password changed, so the link is spent
    assert again.status_code == 404 and "This set-up link does not work" in again.content.decode()
    assert Client().post(link, {"password1": "x" + PASSWORD, "password2": "x" + PASSWORD}).status_code == 404
    user.refresh_from_db()
    assert user.check_password(PASSWORD)
    actions = {e.action for e in audit_events(user.tenant_id, object_id=str(user.pk))}
    assert {"user.created", "user.set_up_link_sent", "user.set_up_password"} <= actions


def test_the_set_up_link_expires_after_three_days(admin_client, mailoutbox, django_capture_on_commit_callbacks):
    _add(admin_client, django_capture_on_commit_callbacks)
    link = _set_up_path(mailoutbox[0])
    with time_machine.travel(timezone.now() + timedelta(days=3, hours=1)):
        response = Client().get(link)
    assert response.status_code == 404 and "expired" in response.content.decode()


def test_a_new_link_retires_the_old_one(admin_client, mailoutbox, django_capture_on_commit_callbacks):
    _add(admin_client, django_capture_on_commit_callbacks)
    user = User.objects.get(username="alpha-jsmith")
    with django_capture_on_commit_callbacks(execute=True):
        admin_client.post(f"/settings/users/{user.pk}/set-up-link/")
    old, new = (_set_up_path(m) for m in mailoutbox)
    assert Client().get(old).status_code == 404
    assert Client().get(new).status_code == 200


def test_a_tampered_or_garbled_link_is_refused_not_an_error(
    admin_client, mailoutbox, django_capture_on_commit_callbacks
):
    _add(admin_client, django_capture_on_commit_callbacks)
    link = _set_up_path(mailoutbox[0])
    assert Client().get(link[:-3] + "xx/").status_code == 404
    assert Client().get("/account/set-up/!!!/abc/").status_code == 404


def test_a_navigator_needs_an_agency_and_others_may_not_have_one(
    admin_client, tenant_a, django_capture_on_commit_callbacks
):
    police = AgencyFactory(tenant=tenant_a, slug="police", name="Police")
    missing = _add(admin_client, django_capture_on_commit_callbacks, role=Role.NAVIGATOR)
    assert missing.status_code == 200 and "Choose the agency of this navigator" in missing.content.decode()
    wrong = _add(admin_client, django_capture_on_commit_callbacks, role=Role.TRIAGE, agency="police")
    assert "Only navigators and agency leads belong to an agency" in wrong.content.decode()
    assert not User.objects.filter(username="alpha-jsmith").exists()
    _add(admin_client, django_capture_on_commit_callbacks, role=Role.NAVIGATOR, agency="police")
    with tenancy.tenant_context(tenant_a):
        assert User.objects.get(username="alpha-jsmith").agency == police


def test_a_taken_username_is_a_field_error(admin_client, tenant_b, make_user, django_capture_on_commit_callbacks):
    make_user(tenant_b, Role.TRIAGE, username="alpha-jsmith")
    response = _add(admin_client, django_capture_on_commit_callbacks)
    assert "This username is already taken" in response.content.decode()
    assert User.objects.filter(username="alpha-jsmith").count() == 1


# --- search ----------------------------------------------------------------------------------------------


def test_the_list_searches_the_own_council_only(admin_client, tenant_a, tenant_b, make_user):
    make_user(tenant_a, Role.MANAGER, username="alpha-pat", first_name="Patricia", last_name="Okafor")
    make_user(tenant_a, Role.HEAD, username="alpha-sam", first_name="Sam")
    make_user(tenant_b, Role.MANAGER, username="beta-pat", first_name="Patricia")
    html = admin_client.get("/settings/users/?q=patricia").content.decode()
    assert "alpha-pat" in html and "alpha-sam" not in html and "beta-pat" not in html
    html = admin_client.get(f"/settings/users/?role={Role.HEAD}").content.decode()
    assert "alpha-sam" in html and "alpha-pat" not in html


# --- leavers -------------------------------------------------------------------------------------------


def test_a_leavers_session_and_api_token_stop_working_at_once(admin_client, tenant_a, make_user, api_as):
    leaver = make_user(tenant_a, Role.TRIAGE, username="alpha-leaver")
    browser = Client()
    browser.force_login(leaver)
    token_client = api_as(leaver)
    assert browser.get("/home/triage/").status_code == 200
    assert token_client.get("/api/v1/agencies/").status_code == 200
    assert Session.objects.count() == 2  # the administrator's and the leaver's

    response = admin_client.post(f"/settings/users/{leaver.pk}/deactivate/")
    assert response.status_code == 302
    assert browser.get("/home/triage/").url.startswith("/sign-in/")
    assert token_client.get("/api/v1/agencies/").status_code == 401
    assert not Token.objects.filter(user=leaver).exists()
    assert Session.objects.count() == 1  # the administrator is still signed in
    assert admin_client.get("/settings/users/").status_code == 200
    event = audit_event(leaver.tenant_id, action="user.deactivated", object_id=str(leaver.pk))
    assert event.changes["sessions_ended"] == 1 and event.changes["api_tokens_revoked"] == 1


def test_the_leavers_open_work_is_listed_for_reassignment(admin_client, tenant_a, make_user):
    leaver = make_user(tenant_a, Role.TRIAGE, username="alpha-leaver")
    contact = make_contact(tenant_a, "leaver-1")
    decided = make_contact(tenant_a, "leaver-2")
    request = make_request(tenant_a, "leaver")
    with tenancy.tenant_context(tenant_a):
        type(contact).objects.filter(pk__in=[contact.pk, decided.pk]).update(assigned_to=leaver)
        type(contact).objects.filter(pk=decided.pk).update(status="decided")
        type(request).objects.filter(pk=request.pk).update(assigned_to=leaver)
    html = admin_client.get(f"/settings/users/{leaver.pk}/deactivate/").content.decode()
    assert "Open work to reassign (2)" in html
    assert f'href="/contacts/{contact.pk}/"' in html and contact.reference in html
    assert f'href="/navigators/requests/{request.pk}/"' in html
    assert decided.reference not in html  # decided work is not open
    admin_client.post(f"/settings/users/{leaver.pk}/deactivate/")
    after = admin_client.get(f"/settings/users/{leaver.pk}/").content.decode()
    assert "Deactivated" in after and "Open work to reassign (2)" in after  # still listed after


def test_an_administrator_cannot_deactivate_themselves_or_change_their_own_role(admin_client, admin):
    admin_client.post(f"/settings/users/{admin.pk}/deactivate/")
    admin.refresh_from_db()
    assert admin.is_active
    body = {"username": admin.username, "email": "a@example.org", "role": Role.TRIAGE, "first_name": "",
            "last_name": "", "agency": "", "team": ""}  # fmt: skip
    response = admin_client.post(f"/settings/users/{admin.pk}/change/", body)
    assert "You cannot change your own role" in response.content.decode()
    admin.refresh_from_db()
    assert admin.role == Role.ADMIN


def test_another_councils_account_is_not_found(admin_client, tenant_b, make_user):
    theirs = make_user(tenant_b, Role.TRIAGE)
    for path in ("", "change/", "deactivate/", "second-factor/reset/"):
        assert admin_client.get(f"/settings/users/{theirs.pk}/{path}").status_code == 404
    for path in ("deactivate/", "reactivate/", "set-up-link/", "second-factor/reset/"):
        assert admin_client.post(f"/settings/users/{theirs.pk}/{path}", {"reason": "x"}).status_code == 404
    theirs.refresh_from_db()
    assert theirs.is_active


@pytest.mark.parametrize("role", [r for r in Role.values if r != Role.ADMIN])
def test_only_administrators_open_the_staff_pages(tenant_a, make_user, role):
    client = Client()
    client.force_login(make_user(tenant_a, role))
    assert client.get("/settings/users/").status_code == 403
    assert client.get("/settings/users/import/").status_code == 403


# --- a lost phone ----------------------------------------------------------------------------------------


def test_resetting_a_second_factor_needs_a_reason_and_makes_them_set_up_again(
    admin_client, tenant_a, make_user, mailoutbox, django_capture_on_commit_callbacks
):
    user = make_user(tenant_a, Role.MANAGER, username="alpha-lostphone", email="lost@example.org")
    browser = Client()
    browser.force_login(user)  # signed in with a confirmed app (see tests/conftest.py)
    assert mfa.has_device(user)
    url = f"/settings/users/{user.pk}/second-factor/reset/"
    assert "Give the reason" in admin_client.post(url, {"reason": "  "}).content.decode()
    assert mfa.has_device(user)
    with django_capture_on_commit_callbacks(execute=True):
        admin_client.post(url, {"reason": "Lost phone, rang the duty line"})
    assert not mfa.has_device(user)
    assert browser.get("/home/manager/").url.startswith("/sign-in/")  # signed out now
    signed_in = Client()
    response = signed_in.post("/sign-in/", {"username": user.username, "password": "correct horse battery"})
    assert response.url.startswith("/security/two-factor/set-up/")
    (mail,) = mailoutbox
    assert mail.to == ["lost@example.org"] and "Lost phone, rang the duty line" in mail.body
    event = audit_event(user.tenant_id, action="user.second_factor_reset", object_id=str(user.pk))
    assert event.changes["reason"] == "Lost phone, rang the duty line" and event.actor.username == "alpha-admin"


# --- bulk import ----------------------------------------------------------------------------------------


def _csv(rows):
    from django.core.files.uploadedfile import SimpleUploadedFile

    text = "username,first_name,last_name,email,role,agency,team\n" + "\n".join(rows) + "\n"
    return SimpleUploadedFile("staff.csv", text.encode(), content_type="text/csv")


def test_an_import_of_200_rows_with_three_bad_ones_imports_nothing_and_lists_the_three(
    admin_client, tenant_a, mailoutbox
):
    AgencyFactory(tenant=tenant_a, slug="police", name="Police")
    rows = [f"alpha-u{i},First{i},Last{i},u{i}@example.org,triage,," for i in range(200)]
    rows[10] = "alpha-u10,Bad,Role,u10@example.org,wizard,,"  # line 12
    rows[99] = "alpha-u99,No,Agency,u99@example.org,navigator,,"  # line 101
    rows[150] = "alpha-u5,Dup,Name,dup@example.org,triage,,"  # line 152: alpha-u5 is on line 7
    before = User.objects.count()
    response = admin_client.post("/settings/users/import/", {"file": _csv(rows)})
    html = response.content.decode()
    assert response.status_code == 400
    assert User.objects.count() == before and not mailoutbox
    lines = re.findall(r'<td class="govuk-table__cell">(\d+)</td>', html)
    assert lines == ["12", "101", "152"]
    assert "“wizard” is not a role" in html and "Choose the agency" in html and "already taken" in html
    assert "nothing was imported" in html


def test_a_clean_import_creates_every_account_and_emails_each_person(
    admin_client, tenant_a, mailoutbox, django_capture_on_commit_callbacks
):
    AgencyFactory(tenant=tenant_a, slug="police", name="Police")
    with tenancy.tenant_context(tenant_a):
        Team.objects.create(name="MASH team A")
    rows = ["alpha-one,One,A,one@example.org,triage,,MASH team A", "alpha-two,Two,B,two@example.org,navigator,police,"]
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post("/settings/users/import/", {"file": _csv(rows)})
    assert response.status_code == 302
    with tenancy.tenant_context(tenant_a):
        assert User.objects.get(username="alpha-two").agency.slug == "police"
    assert sorted(m.to[0] for m in mailoutbox) == ["one@example.org", "two@example.org"]
    assert audit_event(tenant_a, action="users.imported").changes["count"] == 2


@pytest.mark.parametrize(
    "content, message",
    [
        (b"", "The file is empty"),
        (b"name,email\nx,y\n", "must include the columns: role, username"),
        (b"\xff\xfe\x00bad", "saved as UTF-8"),
    ],
)
def test_a_bad_file_is_explained_not_an_error(admin_client, content, message):
    from django.core.files.uploadedfile import SimpleUploadedFile

    upload = SimpleUploadedFile("staff.csv", content, content_type="text/csv")
    response = admin_client.post("/settings/users/import/", {"file": upload})
    assert response.status_code in (200, 400) and message in response.content.decode()


def test_a_platform_superuser_is_never_listed_nor_reachable(admin_client, db):
    platform = UserFactory(tenant=None, role="", is_superuser=True, is_staff=True, username="platform-op")
    assert "platform-op" not in admin_client.get("/settings/users/").content.decode()
    assert admin_client.get(f"/settings/users/{platform.pk}/").status_code == 404
    token_for(platform)
