"""The advice line: professionals phone the MASH for advice without making a referral (issue 20).

In triage, not contacts: the people who answer the line are triage social workers and managers, a
consultation that leads somewhere is linked to a contact (triage reads contacts, never the reverse), and
contacts' intake services stay about receiving referrals. A child named in a consultation is kept as words
on the consultation: the person register only holds people of contacts.
"""

from __future__ import annotations

from datetime import date

from django.db import transaction
from django.db.models import Count, Q
from django.utils import timezone

from contacts.models import Contact
from mash import audit
from mash.exceptions import NotAllowed, PolicyViolation
from mash.roles import Role

from .handover_models import NAME_MAX, TEXT_MAX, Consultation, ConsultationOutcome, OrganisationType

RECORDERS = frozenset({Role.TRIAGE, Role.MANAGER})
SEARCH_MAX = 100


def _text(value, *, field: str, label: str, max_length: int, required: bool = True) -> str:
    value = value.strip() if isinstance(value, str) else ""
    if required and not value:
        raise PolicyViolation(f"Enter {label}.", field=field)
    if len(value) > max_length:
        raise PolicyViolation(f"Enter {label} in {max_length:,} characters or fewer.", field=field)
    return value


def _contact(raw) -> Contact | None:
    if raw in (None, ""):
        return None
    if isinstance(raw, Contact):
        return raw
    text = str(raw).strip()
    found = Contact.objects.filter(reference__iexact=text).first()
    if found is None and text.isdigit():
        found = Contact.objects.filter(pk=int(text)).first()
    if found is None:
        raise PolicyViolation("No contact in your hub has that reference.", field="contact")
    return found


def consultation_errors(**values) -> dict[str, str]:
    """Every problem with a consultation's answers at once, field -> message ({} when it can be recorded): the
    page shows them all together, as GOV.UK asks; ``record_consultation`` refuses with the first."""
    return _checked(**values)[1]


def _checked(
    *,
    caller_name="",
    caller_organisation="",
    organisation_type="",
    caller_phone="",
    question="",
    advice="",
    outcome="",
    child_name="",
    child_date_of_birth=None,
    contact=None,
) -> tuple[dict, dict]:
    """(cleaned values, errors): each rule checked on its own, so one problem does not hide the next."""
    cleaned: dict = {}
    errors: dict[str, str] = {}

    def check(name, rule):
        try:
            cleaned[name] = rule()
        except PolicyViolation as exc:
            errors.setdefault(exc.field or name, exc.message)

    def organisation():
        if organisation_type in (None, ""):
            return OrganisationType.OTHER
        if organisation_type not in OrganisationType.values:
            raise PolicyViolation("Choose the type of organisation.", field="organisation_type")
        return organisation_type

    def born():
        if child_date_of_birth is not None and not isinstance(child_date_of_birth, date):
            raise PolicyViolation("Enter the child's date of birth as a real date.", field="child_date_of_birth")
        if child_date_of_birth is not None and child_date_of_birth > timezone.localdate():
            raise PolicyViolation("The child's date of birth must be in the past.", field="child_date_of_birth")
        return child_date_of_birth

    def result():
        if outcome not in ConsultationOutcome.values:
            raise PolicyViolation("Say whether advice was given or a contact was opened.", field="outcome")
        return outcome

    def linked():
        found = _contact(contact)
        if outcome == ConsultationOutcome.CONTACT_OPENED and found is None:
            raise PolicyViolation("Give the reference of the contact opened from this call.", field="contact")
        if outcome == ConsultationOutcome.ADVICE_GIVEN and found is not None:
            raise PolicyViolation("Advice only: no contact was opened, so give no contact.", field="contact")
        return found

    check(
        "caller_name", lambda: _text(caller_name, field="caller_name", label="the caller's name", max_length=NAME_MAX)
    )
    check(
        "caller_organisation",
        lambda: _text(
            caller_organisation, field="caller_organisation", label="the caller's organisation", max_length=NAME_MAX
        ),
    )
    check("organisation_type", organisation)
    check(
        "caller_phone",
        lambda: _text(caller_phone, field="caller_phone", label="the phone number", max_length=30, required=False),
    )
    check("question", lambda: _text(question, field="question", label="the caller's question", max_length=TEXT_MAX))
    check("advice", lambda: _text(advice, field="advice", label="the advice given", max_length=TEXT_MAX))
    check(
        "child_name",
        lambda: _text(child_name, field="child_name", label="the child's name", max_length=NAME_MAX, required=False),
    )
    check("child_date_of_birth", born)
    check("outcome", result)
    if "outcome" not in errors:
        check("contact", linked)
    return cleaned, errors  # fmt: skip


@transaction.atomic
def record_consultation(
    *,
    actor,
    caller_name,
    caller_organisation,
    question,
    advice,
    outcome,
    organisation_type=OrganisationType.OTHER,
    caller_phone="",
    child_name="",
    child_date_of_birth=None,
    contact=None,
) -> Consultation:
    """Record one call to the advice line. ``contact_opened`` links the contact opened from it (both ways)."""
    if actor is None or actor.role not in RECORDERS:
        raise NotAllowed("Only triage social workers and MASH managers record consultations.")
    cleaned, errors = _checked(
        caller_name=caller_name, caller_organisation=caller_organisation, organisation_type=organisation_type,
        caller_phone=caller_phone, question=question, advice=advice, outcome=outcome, child_name=child_name,
        child_date_of_birth=child_date_of_birth, contact=contact,
    )  # fmt: skip
    if errors:
        field, message = next(iter(errors.items()))
        raise PolicyViolation(message, field=field)
    caller_name, caller_organisation = cleaned["caller_name"], cleaned["caller_organisation"]
    organisation_type, caller_phone = cleaned["organisation_type"], cleaned["caller_phone"]
    question, advice, child_name = cleaned["question"], cleaned["advice"], cleaned["child_name"]
    linked = cleaned["contact"]
    consultation = Consultation.objects.create(
        caller_name=caller_name, caller_organisation=caller_organisation, organisation_type=organisation_type,
        caller_phone=caller_phone, question=question, advice=advice, child_named=bool(child_name),
        child_name=child_name, child_date_of_birth=child_date_of_birth, outcome=outcome, contact=linked,
        recorded_by=actor, recorded_at=timezone.now(),
    )  # fmt: skip
    audit.record(
        actor=actor,
        action="consultation.recorded",
        obj=consultation,
        label=f"Consultation with {caller_organisation}",
        changes={
            "caller": caller_name,
            "organisation": caller_organisation,
            "organisation_type": organisation_type,
            "child_named": bool(child_name),
            "outcome": outcome,
            "contact": linked.reference if linked else None,
        },
    )
    if linked is not None:
        audit.record(
            actor=actor,
            action="contact.consultation_linked",
            obj=linked,
            changes={"consultation": consultation.pk, "caller_organisation": caller_organisation},
        )
    return consultation


def consultations(*, q: str = ""):
    """The tenant's consultations, newest first; ``q`` searches caller, organisation, question, advice, child."""
    rows = Consultation.objects.select_related("contact", "recorded_by")
    q = (q or "").strip()[:SEARCH_MAX]
    if q:
        rows = rows.filter(
            Q(caller_name__icontains=q) | Q(caller_organisation__icontains=q) | Q(question__icontains=q)
            | Q(advice__icontains=q) | Q(child_name__icontains=q) | Q(contact__reference__iexact=q)
        )  # fmt: skip
    return rows.order_by("-recorded_at", "-id")


def counts_by_organisation_type(*, since=None) -> list[tuple[str, int]]:
    """How many consultations each type of organisation made (the dashboard), largest first."""
    rows = Consultation.objects.all()
    if since is not None:
        rows = rows.filter(recorded_at__gte=since)
    labels = dict(OrganisationType.choices)
    counted = rows.values("organisation_type").annotate(n=Count("id")).order_by("-n", "organisation_type")
    return [(labels.get(r["organisation_type"], r["organisation_type"]), r["n"]) for r in counted]
