"""Onboarding a council in minutes: ``create_tenant`` then the first administrator's set-up makes a hub
where a referrer the administrator adds can file a MARF and triage can rate it."""

import re
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.test import Client
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from mash import tenancy
from mash.models import Agency, Tenant, User
from mash.roles import Role
from tests.audit_helpers import audit_events
from tests.contacts.builders import marf

PASSWORD = "norfolk-broads-passphrase-7"


@pytest.fixture(autouse=True)
def _mfa_required(settings):
    settings.MASH_MFA_REQUIRED = True
    settings.OTP_TOTP_THROTTLE_FACTOR = 0
    settings.MASH_SITE_URL = "https://mash.example.org"


def _link(mail) -> str:
    return re.search(r"https://mash\.example\.org(/account/set-up/\S+/)", mail.body).group(1)


def _set_up(mail, *, enrol: bool) -> Client:
    """Follow the emailed link as the new person: password, then (staff) the authenticator app."""
    client = Client()
    response = client.post(_link(mail), {"password1": PASSWORD, "password2": PASSWORD})
    assert response.status_code == 302
    if enrol:
        client.get(response.url)
        user = User.objects.get(email=mail.to[0])
        device = TOTPDevice.objects.get(user=user, confirmed=False)
        code = f"{totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits):06d}"
        client.post("/security/two-factor/set-up/", {"code": code, "next": "/"})
    return client


def _create(capture, *args):
    out = StringIO()
    with capture(execute=True):
        call_command("create_tenant", "norfolk", "Norfolk County Council", *args, stdout=out)
    return out.getvalue()


def test_a_new_council_from_the_template_takes_a_marf_and_triage_rates_it(
    db, mailoutbox, django_capture_on_commit_callbacks
):
    output = _create(django_capture_on_commit_callbacks, "--from", "default", "--admin-email", "admin@norfolk.example")
    assert "Created Norfolk County Council" in output
    tenant = Tenant.objects.get(slug="norfolk")
    with tenancy.tenant_context(tenant):
        assert Agency.objects.count() == 9
        from deadlines.models import EscalationStep
        from navigators.models import QuestionTemplate
        from thresholds.models import CalendarSettings, Rating, ThresholdLevel

        codes = list(Rating.objects.order_by("order").values_list("code", flat=True))
        assert codes == ["red", "amber", "green", "blue"]
        assert CalendarSettings.objects.get().nation == "ENG"
        assert EscalationStep.objects.exists() and ThresholdLevel.objects.exists()
        assert QuestionTemplate.objects.count() >= 8
    admin = User.objects.get(username="norfolk-admin")
    assert admin.tenant == tenant and admin.role == Role.ADMIN and not admin.is_superuser
    assert not admin.has_usable_password()

    (admin_mail,) = mailoutbox
    admin_client = _set_up(admin_mail, enrol=True)
    assert admin_client.get("/settings/users/").status_code == 200
    for username, role in (("norfolk-gp", Role.REFERRER), ("norfolk-sw", Role.TRIAGE)):
        body = {"username": username, "email": f"{username}@norfolk.example", "role": role,
                "first_name": "", "last_name": "", "agency": "", "team": ""}  # fmt: skip
        with django_capture_on_commit_callbacks(execute=True):
            assert admin_client.post("/settings/users/add/", body).status_code == 302
    referrer_mail, triage_mail = mailoutbox[1:]
    referrer = _set_up(referrer_mail, enrol=False)  # referrers need no second factor
    triage = _set_up(triage_mail, enrol=True)

    filed = referrer.post("/api/v1/contacts/", marf(), content_type="application/json")
    assert filed.status_code == 201, filed.content
    contact_id = filed.json()["id"]
    assert filed.json()["reference"].startswith("NOR")
    rated = triage.post(
        f"/api/v1/contacts/{contact_id}/rating/",
        {"rating": "red", "rationale": "Unborn baby, no midwife input."},
        content_type="application/json",
    )
    assert rated.status_code == 200, rated.content
    assert triage.get(f"/api/v1/contacts/{contact_id}/").json()["rating"] == "red"
    assert audit_events(tenant, action="tenant.created")


def test_a_taken_slug_is_refused_and_nothing_changes(db, mailoutbox, django_capture_on_commit_callbacks):
    _create(django_capture_on_commit_callbacks, "--admin-email", "admin@norfolk.example")
    users = User.objects.count()
    with pytest.raises(CommandError, match="already exists"):
        _create(django_capture_on_commit_callbacks, "--admin-email", "other@norfolk.example")
    assert User.objects.count() == users and Tenant.objects.filter(slug="norfolk").count() == 1
    assert len(mailoutbox) == 1


@pytest.mark.parametrize(
    "args, message",
    [
        (["--from", "nowhere", "--admin-email", "a@b.example"], "Unknown template"),
        (["--admin-email", "not-an-email"], "email"),
    ],
)
def test_bad_arguments_are_refused_and_create_nothing(db, django_capture_on_commit_callbacks, args, message):
    with pytest.raises(CommandError, match=message):
        _create(django_capture_on_commit_callbacks, *args)
    assert not Tenant.objects.filter(slug="norfolk").exists()
