"""The audit log in words: what happened ("Contact opened", "Second factor set up"), to which record
("Contact CAM-2026-000001"), and what changed ("Rating: Red"), not codes and Python values."""

from __future__ import annotations

import functools
import re
from datetime import date, datetime

from django.apps import apps

from mash import timefmt

# Where the general rule ("information_return.submitted" -> "Information return submitted") reads badly.
ACTION_WORDS = {
    "mfa.enrolled": "Second factor set up",
    "mfa.recovery_codes_replaced": "Recovery codes replaced",
    "user.signed_in": "Signed in",
    "user.session_expired": "Signed out after a time without activity",
    "user.second_factor_verified": "Second factor checked",
    "user.second_factor_reset": "Second factor reset",
    "user.set_up_link_sent": "Set-up link sent",
    "user.set_up_password": "Password set",  # nosec B105 - an audit action in words, not a secret
    "users.imported": "Users imported",
    "contact.enquiry_viewed": "Agencies' returns opened side by side",
    "contact.people_matched": "People matched against the register",
    "contact.rated": "Contact rated",
    "contact.taken": "Contact taken by a social worker",
    "information.shared": "Information shared",
    "person.searched": "People searched",
    "person.birth_recorded": "Birth recorded",
    "reporting.records_viewed": "Reporting records opened",
    "platform_admin.tenant_chosen": "Platform administrator entered this hub",
    "platform_admin.tenant_cleared": "Platform administrator left this hub",
    "retention.removed": "Removed at the end of its retention period",
    "retention_policy.changed": "Retention policy changed",
    "escalation_ladder.changed": "Escalation ladder changed",
    "tenant.suspended": "Hub suspended by the platform operator",
    "tenant.reinstated": "Hub reinstated by the platform operator",
    "tenant.phone_numbers_changed": "Hub phone numbers changed",
    "edt_cover.changed": "Emergency Duty Team cover changed",
    "tenant.bounce_window_changed": "Window for bouncing between tiers changed",
    "contact.bounced": "Contact flagged as bouncing between tiers",
    "early_help.letter_viewed": "Early Help letter opened",
    "early_help.sent_to_mash_without_consent": "Early help request sent to the MASH without the family's consent",
    "early_help.consent_recorded": "Family's consent to early help recorded",
    "early_help.assessment_domains_recorded": "Early Help Assessment (three domains) recorded",
}
# The last part of a code, as a past tense a reader expects.
VERBS = {"viewed": "opened", "listed": "list opened", "searched": "searched"}
# A value stored as one of the models' choice codes ("working_days", "no_record") or an ISO 8601 instant or day
# ("2026-12-04T17:00:00+00:00", "2026-12-04"), as audit.record writes times: shown as the choice's label and in the
# GOV.UK style, in the tenant's zone. Any other value (a username such as "j_smith") is shown as it was stored.
CODE = re.compile(r"[a-z]+(?:_[a-z0-9]+)+")
ISO_DAY = re.compile(r"\d{4}-\d{2}-\d{2}")
ISO_INSTANT = re.compile(r"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})")
# Change keys that are codes of their own.
KEY_WORDS = {"ids": "Records", "mfa": "Second factor", "pk": "Record", "id": "Record"}


def _words(code: str) -> str:
    return code.replace("_", " ").strip()


def action_words(action: str) -> str:
    if action in ACTION_WORDS:
        return ACTION_WORDS[action]
    thing, _, verb = action.partition(".")
    words = f"{_words(thing)} {VERBS.get(verb, _words(verb))}".strip() if verb else _words(thing)
    return words[:1].upper() + words[1:]


def record_kind(object_type: str) -> str:
    """``contacts.contact`` -> ``Contact``; a model no longer installed keeps its code in words."""
    if not object_type:
        return ""
    try:
        name = str(apps.get_model(object_type)._meta.verbose_name)
    except (LookupError, ValueError):
        name = _words(object_type.rpartition(".")[2])
    return name[:1].upper() + name[1:]


def value_words(value) -> str:
    if value is None or value == "":
        return "none"
    if value is True:
        return "Yes"
    if value is False:
        return "No"
    if isinstance(value, list | tuple):
        if len(value) == 2 and not any(isinstance(v, list | tuple | dict) for v in value):
            return f"{value_words(value[0])} to {value_words(value[1])}"  # (before, after)
        return ", ".join(value_words(v) for v in value) or "none"
    if isinstance(value, dict):
        return "; ".join(f"{key_words(k)}: {value_words(v)}" for k, v in value.items()) or "none"
    if isinstance(value, str):
        return _string_words(value)
    return str(value)


@functools.cache
def _choice_labels() -> dict[str, str]:
    """Every code with an underscore that a model field offers as a choice, and its label (the first found)."""
    labels: dict[str, str] = {}
    for model in apps.get_models():
        for field in model._meta.get_fields():
            for code, label in getattr(field, "flatchoices", None) or ():
                if isinstance(code, str) and CODE.fullmatch(code):
                    labels.setdefault(code, str(label))
    return labels


def _string_words(value: str) -> str:
    if CODE.fullmatch(value) and value in _choice_labels():
        return _choice_labels()[value]
    try:
        if ISO_INSTANT.fullmatch(value):
            return timefmt.govuk_datetime(datetime.fromisoformat(value.replace("Z", "+00:00")))
        if ISO_DAY.fullmatch(value):
            return timefmt.govuk_date(date.fromisoformat(value))
    except ValueError:  # shaped like one, but no such day: shown as it was stored
        pass
    return value


def key_words(key: str) -> str:
    if key in KEY_WORDS:
        return KEY_WORDS[key]
    words = _words(str(key))
    return words[:1].upper() + words[1:]


def change_rows(changes) -> list[tuple[str, str]]:
    """(what, how) for each change: ``("Rating", "Amber to Red")``, ``("Records", "12, 14")``."""
    if not changes:
        return []
    if not isinstance(changes, dict):
        return [("Details", value_words(changes))]
    # A pair is (before, after), except a list of records ("ids", "agency_ids"), which is a list.
    return [
        (key_words(k), ", ".join(value_words(i) for i in v) if str(k).endswith("ids") and isinstance(v, list)
         else value_words(v))
        for k, v in changes.items()
    ]  # fmt: skip
