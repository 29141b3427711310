"""Every change to a staff account: validated, transactional, audited.

The rules an administrator can never get round (pages, API and CSV import all come through here):
accounts are created and changed only in the administrator's own tenant; nobody is made a platform
superuser or Django staff; nobody changes their own role or deactivates themselves; a navigator or
agency lead belongs to one of the tenant's agencies, and nobody else does. Nobody ever sees or sets
another person's password: a new account gets a single-use set-up link by email instead.
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from functools import partial
from importlib import import_module

from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from rest_framework.authtoken.models import Token

from mash import audit, csvsafe
from mash.exceptions import NotAllowed, PolicyViolation
from mash.models import Agency, Team, TeamMember, User
from mash.roles import AGENCY_ROLES, Role
from mash.security import mfa

from .tokens import encode_uid, set_up_tokens

USER_FIELDS = ("username", "first_name", "last_name", "email", "role", "agency", "is_active")
USERNAME_MAX = 150


@dataclass
class UserInput:
    """What an administrator may say about an account (pages, API and CSV rows alike)."""

    username: str = ""
    first_name: str = ""
    last_name: str = ""
    email: str = ""
    role: str = ""
    agency: Agency | None = None
    team: Team | None = None
    given: set[str] = field(default_factory=set)  # which of the above were given (PATCH)


# --- validation (shared by every entry point) -----------------------------------------------


def role_choices() -> list[tuple[str, str]]:
    """Every role of ``Role`` (roles added later, e.g. ``edt``, appear without a change here)."""
    return list(Role.choices)


def agency_by_slug(slug: str, *, allow_retired: Agency | None = None) -> Agency:
    """One of the active tenant's agencies, by slug; a retired one only if it is already the user's."""
    agency = Agency.objects.filter(slug=slug).first()
    if agency is None:
        raise PolicyViolation(f"There is no agency “{slug}” in your local authority.", field="agency")
    if not agency.active and agency != allow_retired:
        raise PolicyViolation(f"{agency.name} is retired: choose an active agency.", field="agency")
    return agency


def team_by_id(team_id, *, allow_retired: Team | None = None) -> Team:
    team = Team.objects.filter(pk=team_id).first() if str(team_id).isdigit() else None
    if team is None:
        raise PolicyViolation("There is no such team in your local authority.", field="team")
    if not team.active and team != allow_retired:
        raise PolicyViolation(f"{team.name} is retired: choose an active team.", field="team")
    return team


def team_by_name(name: str) -> Team:
    team = Team.objects.filter(name__iexact=name.strip()).first()
    if team is None:
        raise PolicyViolation(f"There is no team called “{name}” in your local authority.", field="team")
    if not team.active:
        raise PolicyViolation(f"{team.name} is retired: choose an active team.", field="team")
    return team


def _field_errors(*, data: UserInput, instance: User | None, taken_usernames=frozenset()) -> dict[str, list[str]]:
    """Every problem with ``data`` at once, by field (the same messages on every entry point)."""
    errors: dict[str, list[str]] = {}

    def add(name, message):
        errors.setdefault(name, []).append(message)

    creating = instance is None
    if creating or "username" in data.given:
        username = data.username.strip()
        if not username:
            add("username", "Enter a username")
        elif len(username) > USERNAME_MAX or not all(c.isalnum() or c in "@.+-_" for c in username):
            add("username", "A username may use letters, numbers and @ . + - _ only (150 at most)")
        elif username.lower() in taken_usernames or (
            User.objects.filter(username__iexact=username).exclude(pk=getattr(instance, "pk", None)).exists()
        ):
            add("username", USERNAME_TAKEN)
    if creating or "email" in data.given:
        email = data.email.strip()
        if not email:
            add("email", "Enter an email address: the set-up link is sent there")
        else:
            try:
                validate_email(email)
            except ValidationError:
                add("email", "Enter an email address in the correct format, like name@example.org")
    for name in ("first_name", "last_name"):
        if len(getattr(data, name)) > 150:
            add(name, "Names must be 150 characters or fewer")
    role = data.role if (creating or "role" in data.given) else instance.role
    if creating or "role" in data.given:
        if role not in Role.values:
            add("role", f"“{role}” is not a role. Choose one of: {', '.join(Role.values)}" if role else "Choose a role")
    agency = data.agency if (creating or "agency" in data.given) else instance.agency
    if role in AGENCY_ROLES and agency is None:
        add("agency", "Choose the agency of this navigator or agency lead")
    if role in Role.values and role not in AGENCY_ROLES and agency is not None:
        add("agency", "Only navigators and agency leads belong to an agency: leave the agency empty")
    return errors


USERNAME_TAKEN = "This username is already taken: choose another"


def _save_with_username(user: User, **kwargs) -> None:
    """Save ``user``; a username another administrator's request took between the check above and this save
    (the unique index refuses it) is the same field error the check gives, not a server error."""
    try:
        with transaction.atomic():
            user.save(**kwargs)
    except IntegrityError as exc:
        if "username" not in str(exc):
            raise
        _raise({"username": [USERNAME_TAKEN]})


def _raise(errors: dict[str, list[str]]):
    if errors:
        raise ValidationError({name: [ValidationError(m) for m in messages] for name, messages in errors.items()})


def _require_admin(actor):
    if actor is None or not actor.tenant_id or actor.role != Role.ADMIN or not actor.is_active:
        raise NotAllowed("Only your local authority's administrators manage staff accounts.")


# --- the set-up link --------------------------------------------------------------------------


def set_up_url(user: User) -> str:
    path = reverse("accounts:set-up", kwargs={"uidb64": encode_uid(user), "token": set_up_tokens.make_token(user)})
    return settings.MASH_SITE_URL.rstrip("/") + path


def _send_set_up_email(user: User, *, actor) -> None:
    """Mail the set-up link once the account is committed (the link is built then, from its state)."""
    user.set_unusable_password()  # retires any earlier link (see tokens.py)
    user.save(update_fields=["password"])
    audit.record(actor=actor, action="user.set_up_link_sent", obj=user, tenant=user.tenant)
    hours = settings.PASSWORD_RESET_TIMEOUT // 3600
    body = (
        f"Hello {user.get_full_name() or user.username},\n\n"
        f"An account has been set up for you on {user.tenant.name}'s MASH system. "
        f"Your username is {user.username}.\n\n"
        f"Use this link to choose your password and then set up your authenticator app. "
        f"It works once and expires in {hours} hours:\n\n{set_up_url(user)}\n\n"
        "If you were not expecting this email, tell your MASH administrator and do not use the link."
    )
    transaction.on_commit(
        partial(send_mail, "Set up your MASH account", body, None, [user.email], fail_silently=False), robust=True
    )


@transaction.atomic
def send_set_up_link(*, actor, user: User) -> None:
    """A new link for someone who has not set up their account yet (the old link stops working)."""
    _require_admin(actor)
    if user.has_usable_password():
        raise PolicyViolation("This person has already set up their account.")
    if not user.is_active:
        raise PolicyViolation("Reactivate the account before sending a set-up link.")
    _send_set_up_email(user, actor=actor)


def check_set_up_token(uid: int | None, token: str) -> User | None:
    """The account a set-up link is for, while the link is still good; None otherwise."""
    user = User.objects.filter(pk=uid, is_active=True, tenant__isnull=False).select_related("tenant").first()
    if user is None or not set_up_tokens.check_token(user, token):
        return None
    return user


@transaction.atomic
def complete_set_up(*, user: User, token: str, password: str) -> User:
    """Choose a password through the set-up link. The link is spent as the password changes."""
    user = User.objects.select_for_update().get(pk=user.pk)
    if not user.is_active or not set_up_tokens.check_token(user, token):
        raise PolicyViolation("This set-up link has already been used or has expired.")
    validate_password(password, user)
    user.set_password(password)
    user.save(update_fields=["password"])
    audit.record(actor=user, action="user.set_up_password", obj=user, tenant=user.tenant)
    return user


# --- joiners and movers -------------------------------------------------------------------------


def _set_team(user: User, team: Team | None) -> None:
    if team is None:
        TeamMember.objects.filter(user=user).delete()
    else:
        TeamMember.objects.update_or_create(user=user, defaults={"team": team})


def current_team(user: User) -> Team | None:
    membership = TeamMember.objects.filter(user=user).select_related("team").first()
    return membership.team if membership else None


@transaction.atomic
def create_user(*, actor, data: UserInput, send_email: bool = True) -> User:
    """A new account of the administrator's own tenant, with no password: the person sets it up."""
    _require_admin(actor)
    return _create(actor=actor, tenant=actor.tenant, data=data, send_email=send_email)


@transaction.atomic
def create_first_admin(*, tenant, username: str, email: str) -> User:
    """A new council's first administrator (platform onboarding, ``create_tenant``): emailed a set-up
    link like everyone else. Recorded as done by the system."""
    data = UserInput(username=username, email=email, role=Role.ADMIN, first_name="", last_name="")
    return _create(actor=None, tenant=tenant, data=data, send_email=True)


def _create(*, actor, tenant, data: UserInput, send_email: bool) -> User:
    _raise(_field_errors(data=data, instance=None))
    user = User(
        tenant=tenant,
        username=data.username.strip(),
        first_name=data.first_name.strip(),
        last_name=data.last_name.strip(),
        email=data.email.strip(),
        role=data.role,
        agency=data.agency if data.role in AGENCY_ROLES else None,
        is_superuser=False,
        is_staff=False,
    )
    user.set_unusable_password()
    _save_with_username(user)
    _set_team(user, data.team)
    audit.record(
        actor=actor,
        action="user.created",
        obj=user,
        tenant=tenant,
        changes={
            "username": user.username,
            "email": user.email,
            "role": user.role,
            "agency": user.agency.slug if user.agency else None,
            "team": data.team.name if data.team else None,
        },
    )
    if send_email:
        _send_set_up_email(user, actor=actor)
    return user


@transaction.atomic
def change_user(*, actor, user: User, data: UserInput, is_active: bool | None = None) -> User:
    """Change what ``data.given`` names; ``is_active`` False deactivates (see :func:`deactivate_user`)."""
    _require_admin(actor)
    user = User.objects.select_for_update().get(pk=user.pk, tenant=actor.tenant)
    if user.pk == actor.pk and "role" in data.given and data.role != user.role:
        raise NotAllowed("You cannot change your own role. Ask another administrator.", field="role")
    if user.pk == actor.pk and is_active is False:
        raise NotAllowed("You cannot deactivate your own account. Ask another administrator.", field="is_active")
    _raise(_field_errors(data=data, instance=user))
    before = {f: getattr(user, f) for f in USER_FIELDS}
    before_team = current_team(user)
    for name in ("username", "first_name", "last_name", "email"):
        if name in data.given:
            setattr(user, name, getattr(data, name).strip())
    if "role" in data.given:
        user.role = data.role
    if "agency" in data.given or user.role not in AGENCY_ROLES:
        user.agency = data.agency if user.role in AGENCY_ROLES else None
    changes = audit.diff(user, before, USER_FIELDS)
    if changes:
        _save_with_username(user)
    if "team" in data.given and data.team != before_team:
        _set_team(user, data.team)
        changes["team"] = [before_team.name if before_team else None, data.team.name if data.team else None]
    if changes:
        audit.record(actor=actor, action="user.changed", obj=user, changes=changes)
    if is_active is False and user.is_active:
        deactivate_user(actor=actor, user=user)
        user.refresh_from_db()
    elif is_active is True and not user.is_active:
        reactivate_user(actor=actor, user=user)
        user.refresh_from_db()
    return user


# --- leavers ------------------------------------------------------------------------------------------


def end_sessions(user: User) -> int:
    """Delete every session signed in as ``user`` from the session store (database sessions)."""
    store = import_module(settings.SESSION_ENGINE).SessionStore
    Session = store.get_model_class()
    ended = [
        s.session_key
        for s in Session.objects.filter(expire_date__gt=timezone.now()).only("session_key", "session_data").iterator()
        if s.get_decoded().get("_auth_user_id") == str(user.pk)
    ]
    for key in ended:
        store(session_key=key).delete()  # also clears a cached copy (cached_db)
    return len(ended)


def revoke_tokens(user: User) -> int:
    return Token.objects.filter(user=user).delete()[0]


@transaction.atomic
def deactivate_user(*, actor, user: User) -> None:
    """A leaver: they can no longer sign in, and every session and API token they hold stops now."""
    _require_admin(actor)
    if user.pk == actor.pk:
        raise NotAllowed("You cannot deactivate your own account. Ask another administrator.")
    user = User.objects.select_for_update().get(pk=user.pk, tenant=actor.tenant)
    if not user.is_active:
        return
    user.is_active = False
    user.save(update_fields=["is_active"])
    sessions, tokens = end_sessions(user), revoke_tokens(user)
    audit.record(
        actor=actor,
        action="user.deactivated",
        obj=user,
        changes={"is_active": [True, False], "sessions_ended": sessions, "api_tokens_revoked": tokens},
    )


@transaction.atomic
def reactivate_user(*, actor, user: User) -> None:
    _require_admin(actor)
    user = User.objects.select_for_update().get(pk=user.pk, tenant=actor.tenant)
    if user.is_active:
        return
    user.is_active = True
    user.save(update_fields=["is_active"])
    audit.record(actor=actor, action="user.reactivated", obj=user, changes={"is_active": [False, True]})


@transaction.atomic
def reset_second_factor(*, actor, user: User, reason: str) -> None:
    """Lost phone: remove the person's authenticator app and recovery codes, with the reason recorded.
    They must set up a new app at their next sign-in; their current sessions end now, and they are
    told by email (so someone who did not ask for it can raise the alarm)."""
    _require_admin(actor)
    reason = (reason or "").strip()
    if not reason:
        raise PolicyViolation("Give the reason for resetting the second factor", field="reason")
    if len(reason) > 500:
        raise PolicyViolation("The reason must be 500 characters or fewer", field="reason")
    user = User.objects.select_for_update().get(pk=user.pk, tenant=actor.tenant)
    removed = mfa.reset_devices(user=user)
    sessions = end_sessions(user)
    audit.record(
        actor=actor,
        action="user.second_factor_reset",
        obj=user,
        changes={"reason": reason, "devices_removed": removed, "sessions_ended": sessions},
    )
    if user.email:
        body = (
            f"Hello {user.get_full_name() or user.username},\n\n"
            f"An administrator of {user.tenant.name}'s MASH system has reset your second factor "
            f"(authenticator app and recovery codes). Reason given: {reason}\n\n"
            "The next time you sign in you will be asked to set up your authenticator app again.\n\n"
            "If you did not ask for this, tell your MASH administrator straight away."
        )
        transaction.on_commit(
            partial(send_mail, "Your MASH second factor was reset", body, None, [user.email], fail_silently=True),
            robust=True,
        )


# --- bulk import ------------------------------------------------------------------------------------

CSV_COLUMNS = [
    ("username", "required; unique, e.g. durham-jsmith"),
    ("first_name", "optional"),
    ("last_name", "optional"),
    ("email", "required; the set-up link is sent here"),
    ("role", "required; one of " + ", ".join(Role.values)),
    ("agency", "the agency's identifier (e.g. police); required for navigator and agency_lead, empty otherwise"),
    ("team", "optional; the team's name exactly as on the teams page"),
]
CSV_MAX_ROWS = 2000
CSV_MAX_BYTES = 2 * 1024 * 1024


@dataclass
class ImportResult:
    created: list[User] = field(default_factory=list)
    errors: list[tuple[int, str]] = field(default_factory=list)  # (line number, message)


def import_users(*, actor, content: bytes) -> ImportResult:
    """Create one account per row, all or nothing: every row is checked first, and any error in any
    row means no account is created. Errors are ``(line, message)``, line 1 being the header."""
    _require_admin(actor)
    result = ImportResult()
    if len(content) > CSV_MAX_BYTES:
        result.errors.append((0, "The file is larger than 2 MB: split it into smaller files"))
        return result
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError:
        result.errors.append((0, "The file must be a CSV saved as UTF-8"))
        return result
    reader = csvsafe.DictReader(io.StringIO(text))
    header = [h.strip().lower() for h in (reader.fieldnames or [])]
    required = {"username", "email", "role"}
    known = {name for name, _ in CSV_COLUMNS}
    if not header:
        result.errors.append((1, "The file is empty: the first line must name the columns"))
        return result
    if missing := sorted(required - set(header)):
        result.errors.append((1, f"The first line must include the columns: {', '.join(missing)}"))
    if unknown := sorted(set(header) - known):
        result.errors.append((1, f"Unknown columns: {', '.join(unknown)}. Allowed: {', '.join(sorted(known))}"))
    if result.errors:
        return result
    reader.fieldnames = header
    rows: list[tuple[int, UserInput]] = []
    seen_usernames: set[str] = set()
    for row in reader:
        line = reader.line_num
        if len(rows) >= CSV_MAX_ROWS:
            result.errors.append((line, f"At most {CSV_MAX_ROWS} rows can be imported at once"))
            break
        if None in row:
            result.errors.append((line, "This row has more values than there are columns"))
            continue
        values = {k: (v or "").strip() for k, v in row.items()}
        if not any(values.values()):
            continue  # a blank line
        data = UserInput(
            username=values.get("username", ""),
            first_name=values.get("first_name", ""),
            last_name=values.get("last_name", ""),
            email=values.get("email", ""),
            role=values.get("role", "").lower(),
        )
        errors = []
        if values.get("agency"):
            try:
                data.agency = agency_by_slug(values["agency"])
            except PolicyViolation as exc:
                errors.append(exc.message)
        if values.get("team"):
            try:
                data.team = team_by_name(values["team"])
            except PolicyViolation as exc:
                errors.append(exc.message)
        field_errors = _field_errors(data=data, instance=None, taken_usernames=seen_usernames)
        if values.get("agency") and data.agency is None:
            field_errors.pop("agency", None)  # the unknown agency is already said
        errors += [m for messages in field_errors.values() for m in messages]
        seen_usernames.add(data.username.lower())
        if errors:
            result.errors.append((line, "; ".join(errors)))
        rows.append((line, data))
    if not rows and not result.errors:
        result.errors.append((2, "The file has no rows to import"))
    if result.errors:
        return result
    with transaction.atomic():
        for _line, data in rows:
            result.created.append(create_user(actor=actor, data=data))
        audit.record(
            actor=actor,
            action="users.imported",
            tenant=actor.tenant,
            changes={"count": len(result.created), "usernames": [u.username for u in result.created][:500]},
        )
    return result
