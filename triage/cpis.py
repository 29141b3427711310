"""CP-IS (Child Protection Information Sharing, issue 19): the NHS service that tells unscheduled-care settings
about children on a child protection plan or looked after. The product cannot reach it, so triage records the
check it made; the tenant's ratings say when a check is required before the decision."""

from __future__ import annotations

from datetime import datetime

from django.db import transaction
from django.utils import timezone

from contacts.models import Contact
from mash import audit
from mash.exceptions import NotAllowed, PolicyViolation
from mash.roles import Role

from .choices import CpisResult
from .models import TEXT_MAX, CpisCheck

CHECKERS = frozenset({Role.TRIAGE, Role.MANAGER})


def check_for(contact: Contact) -> CpisCheck | None:
    return CpisCheck.objects.filter(contact=contact).select_related("checked_by").first()


def check_required(contact: Contact) -> bool:
    """The contact's rating requires a CP-IS check before the decision (the tenant's policy, per rating)."""
    return bool(contact.rating_id and contact.rating.cpis_check_required)


def missing_required_check(contact: Contact) -> bool:
    """A check is required and none has been recorded: deciding now needs an override reason."""
    return check_required(contact) and not CpisCheck.objects.filter(contact=contact).exists()


@transaction.atomic
def record_cpis_check(*, contact: Contact, actor, checked_at, result: str, details: str = "") -> CpisCheck:
    """Record the CP-IS check triage made: when, by whom, what it said (replacing an earlier one). Audited."""
    if actor is None or actor.role not in CHECKERS:
        raise NotAllowed("Only MASH triage social workers and managers may record a CP-IS check.")
    if not isinstance(checked_at, datetime) or timezone.is_naive(checked_at):
        raise PolicyViolation("Give when the check was made, with its time zone.", field="checked_at")
    if checked_at > timezone.now():
        raise PolicyViolation("Record a check once it has been made: the time is in the future.", field="checked_at")
    if result not in CpisResult.values:
        raise PolicyViolation(
            "Choose what CP-IS said: no record, a child protection plan, looked after, or unborn on a pre-birth plan.",
            field="result",
        )
    details = details.strip() if isinstance(details, str) else ""
    if len(details) > TEXT_MAX:
        raise PolicyViolation(f"Enter the details in {TEXT_MAX:,} characters or fewer.", field="details")
    if result != CpisResult.NO_RECORD and not details:
        raise PolicyViolation("Say what CP-IS shows (the plan or placement, and the responsible authority).",
                              field="details")  # fmt: skip
    contact = Contact.objects.select_for_update(of=("self",)).get(pk=contact.pk)
    # Times are typed to the minute: a check in the minute the contact arrived is not before it.
    if checked_at < contact.received_at.replace(second=0, microsecond=0):
        raise PolicyViolation("A check for this contact cannot be before it was received.", field="checked_at")
    previous = CpisCheck.objects.filter(contact=contact).first()
    check, _ = CpisCheck.objects.update_or_create(
        contact=contact,
        defaults={"checked_at": checked_at, "result": result, "details": details, "checked_by": actor,
                  "recorded_at": timezone.now()},
    )  # fmt: skip
    audit.record(
        actor=actor,
        action="contact.cpis_checked",
        obj=contact,
        changes={
            "checked_at": checked_at.isoformat(),
            "result": [previous.result, result] if previous else result,
        },
    )
    return check
