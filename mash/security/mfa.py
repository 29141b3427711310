"""Who must sign in with a second factor, and the factors themselves (django-otp).

Every hub staff role (everyone who works inside the fire-wall: admin, triage, manager, early
help coordinator, head of service, navigators, agency leads) and platform superusers must.
Referrers are external professionals (teachers, GPs) who file referrals and see only their own
referrals' outcome, proportionately; they may set up a second factor and are then asked for it
at every sign-in, but it is not required (``MASH_MFA_FOR_REFERRERS`` makes it so). The public
has no account.
"""

from __future__ import annotations

import secrets

from django.conf import settings
from django.db import transaction
from django_otp import devices_for_user, match_token
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from mash import audit
from mash.roles import STAFF_ROLES, Role

APP_DEVICE_NAME = "Authenticator app"
RECOVERY_DEVICE_NAME = "Recovery codes"
RECOVERY_CODES = 10


# The session key under which new recovery codes wait until the user confirms they have kept them
# (mash.security.views); the header shows no menu meanwhile (mash.context_processors).
RECOVERY_CODES_PENDING = "mash_recovery_codes"


def required_for(user) -> bool:
    """Must this user present a second factor before reaching any page or the API by session?"""
    if not getattr(settings, "MASH_MFA_REQUIRED", False):
        return False
    if user is None or not user.is_authenticated:
        return False
    if user.is_superuser or user.role in STAFF_ROLES:
        return True
    return user.role == Role.REFERRER and getattr(settings, "MASH_MFA_FOR_REFERRERS", False)


def session_complete(user) -> bool:
    """The one rule for a signed-in session: it acts as ``user`` only when ``user`` needs no second
    factor or this session has passed one. Pages (``MultiFactorMiddleware``) and the API
    (``VerifiedSessionAuthentication``) both ask this; nothing else makes a session count.
    Fails closed when the session cannot tell (no ``is_verified``: the OTP middleware did not run).
    """
    if user is None or not user.is_authenticated:
        return False
    if not required_for(user):
        return True
    is_verified = getattr(user, "is_verified", None)
    return bool(is_verified is not None and is_verified())


def has_device(user) -> bool:
    return any(True for _ in devices_for_user(user, confirmed=True))


def verify(user, token: str):
    """The confirmed device (app or recovery code) the token matches, or None. Recovery codes are
    used up by a match."""
    token = "".join((token or "").split())
    if not token:
        return None
    return match_token(user, token)


def pending_app_device(user) -> TOTPDevice:
    """The unconfirmed authenticator-app device being set up (a new secret for each set-up)."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False, name=APP_DEVICE_NAME).first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, confirmed=False, name=APP_DEVICE_NAME)
    return device


@transaction.atomic
def confirm_app_device(*, user, device: TOTPDevice, token: str) -> list[str] | None:
    """Confirm the app device when ``token`` is its current code; returns new recovery codes."""
    token = "".join((token or "").split())
    if not token.isdigit() or not device.verify_token(token):
        return None
    TOTPDevice.objects.filter(user=user, confirmed=True).exclude(pk=device.pk).delete()
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    codes = new_recovery_codes(user=user)
    audit.record(actor=user, action="mfa.enrolled", obj=None, changes={"device": APP_DEVICE_NAME})
    return codes


@transaction.atomic
def replace_recovery_codes(*, user, token: str) -> list[str] | None:
    """New recovery codes when ``token`` is the current code of the user's confirmed authenticator
    app; None otherwise. A recovery code does not mint more: only the app (the factor the codes
    stand in for) can, so a session that got in with a password and a recovery code cannot
    re-arm itself. Wrong codes meet django-otp's throttle as at sign-in."""
    token = "".join((token or "").split())
    device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
    if device is None or not token.isdigit() or not device.verify_token(token):
        return None
    codes = new_recovery_codes(user=user)
    audit.record(actor=user, action="mfa.recovery_codes_replaced", obj=None, changes={"confirmed_by": APP_DEVICE_NAME})
    return codes


@transaction.atomic
def new_recovery_codes(*, user) -> list[str]:
    """Replace the user's recovery codes with :data:`RECOVERY_CODES` fresh single-use ones.

    Only for callers that have just checked a code from the authenticator app
    (:func:`confirm_app_device`, :func:`replace_recovery_codes`) and for seeding and tests: a
    view must never call it for a session on its word alone."""
    device, _ = StaticDevice.objects.get_or_create(user=user, name=RECOVERY_DEVICE_NAME, defaults={"confirmed": True})
    device.token_set.all().delete()
    codes = [f"{secrets.token_hex(4)}" for _ in range(RECOVERY_CODES)]
    StaticToken.objects.bulk_create([StaticToken(device=device, token=code) for code in codes])
    return codes


def ensure_confirmed_device(user) -> TOTPDevice:
    """A confirmed authenticator device for ``user`` (seeding, tests)."""
    device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, confirmed=True, name=APP_DEVICE_NAME)
    return device


@transaction.atomic
def reset_devices(*, user) -> int:
    """Remove every second factor of ``user`` (authenticator app, recovery codes), confirmed or not:
    an administrator's reset after a lost phone. The user must set up an app at their next sign-in.
    Returns how many devices were removed. The caller records the reason and ends their sessions."""
    removed = 0
    for model in (TOTPDevice, StaticDevice):
        removed += model.objects.filter(user=user).count()
        model.objects.filter(user=user).delete()
    return removed
