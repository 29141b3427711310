"""Data protection: find and remove records kept longer than their tenant's retention policy.

Each tenant is handled in its own ``tenant_context`` and transaction (row-level security walls
each pass; only listing the tenants is cross-tenant, and the tenants table is not tenant-owned).
Removal goes in dependency order: the record's deadline clocks, then the record (Django cascades
to what it owns: a contact's people on it and their match candidates), then people on the register
that no remaining record mentions. The record's documents go with it, their files deleted from storage
once the removal has committed. A record something else still protects (an information request
and its append-only return, say) is kept and reported with the reason, never half-removed.
Every removal is audited; the audit log itself is append-only and kept.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.apps import apps
from django.db import DatabaseError, transaction
from django.db.models import ProtectedError
from django.utils import timezone

from mash import audit, documents
from mash.exceptions import PolicyViolation
from mash.models import Tenant
from mash.tenancy import tenant_context

from .models import DEFAULT_LEGAL_BASIS, DEFAULT_RETENTION, MAX_RETENTION, RetentionPolicy, RetentionRule


@dataclass
class Finding:
    rule: str
    label: str
    object_type: str
    object_id: int
    expired_since: datetime
    removed: bool = False
    kept_because: str = ""


@dataclass
class TenantReport:
    tenant: Tenant
    findings: list[Finding] = field(default_factory=list)

    @property
    def removed(self) -> int:
        return sum(1 for f in self.findings if f.removed)

    @property
    def kept(self) -> list[Finding]:
        return [f for f in self.findings if f.kept_because]


def period(tenant, rule: str) -> timedelta:
    """The tenant's retention period for ``rule`` (its policy, or the product default)."""
    with tenant_context(tenant):
        policy = RetentionPolicy.objects.filter(rule=rule).first()
    amount, unit = (policy.amount, policy.unit) if policy else DEFAULT_RETENTION[rule]
    return timedelta(days=amount * 365 if unit == "years" else amount)


def _candidates(tenant, now: datetime):
    """(rule, queryset, date field, retention period) of every kind of record past its period, in the active tenant."""
    Contact = apps.get_model("contacts", "Contact")
    MarfDraft = apps.get_model("contacts", "MarfDraft")
    found = [
        (RetentionRule.NFA_CONTACTS, Contact.objects.filter(outcome="nfa"), "decided_at"),
        (RetentionRule.ADVICE_CONTACTS, Contact.objects.filter(outcome="advice"), "decided_at"),
        (RetentionRule.MARF_DRAFTS, MarfDraft.objects.all(), "updated_at"),
    ]
    try:
        EarlyHelpRequest = apps.get_model("earlyhelp", "EarlyHelpRequest")
        found.append((RetentionRule.EARLY_HELP, EarlyHelpRequest.objects.exclude(outcome_at=None), "outcome_at"))
    except LookupError:
        pass
    for rule, queryset, date_field in found:
        keep = period(tenant, rule)
        yield rule, queryset.filter(**{f"{date_field}__lt": now - keep}).order_by(date_field, "pk"), date_field, keep


def review(*, tenant, apply: bool, actor=None, now: datetime | None = None) -> TenantReport:
    """What in ``tenant`` is past its retention period; with ``apply``, remove it (audited)."""
    now = now or timezone.now()
    report = TenantReport(tenant=tenant)
    with tenant_context(tenant):
        for rule, queryset, date_field, keep in _candidates(tenant, now):
            for record in queryset:
                finding = Finding(
                    rule=str(rule),
                    label=getattr(record, "reference", "") or f"{record._meta.verbose_name} {record.pk}",
                    object_type=record._meta.label_lower,
                    object_id=record.pk,
                    expired_since=getattr(record, date_field) + keep,
                )
                report.findings.append(finding)
                if apply:
                    _remove(record, finding, actor=actor)
    return report


def _remove(record, finding: Finding, *, actor) -> None:
    Clock = apps.get_model("deadlines", "Clock")
    people = _people_of(record)
    try:
        with transaction.atomic():
            Clock.objects.filter(subject_type=record._meta.label_lower, subject_id=str(record.pk)).delete()
            # Its documents: the rows now, the files from storage once the removal commits (kept if it fails).
            documents_removed = documents.remove_for(record)
            record.delete()
            orphans = _unmentioned(people)
            for person in orphans:
                person.delete()
            audit.record(
                actor=actor,
                action="retention.removed",
                tenant=record.tenant,
                label=finding.label,
                changes={
                    "rule": finding.rule,
                    "object_type": finding.object_type,
                    "object_id": finding.object_id,
                    "people_removed": len(orphans),
                    "documents_removed": documents_removed,
                },
            )
        finding.removed = True
    except (ProtectedError, DatabaseError) as exc:
        finding.kept_because = _reason(exc)


def _people_of(record) -> list:
    if record._meta.label_lower != "contacts.contact":
        return []
    return [cp.person for cp in record.people.select_related("person") if cp.person_id]


def _unmentioned(people) -> list:
    ContactPerson = apps.get_model("contacts", "ContactPerson")
    mentioned = set(ContactPerson.objects.filter(person__in=people).values_list("person_id", flat=True))
    return [p for p in people if p.pk not in mentioned]


def _reason(exc) -> str:
    if isinstance(exc, ProtectedError):
        kinds = sorted({obj._meta.verbose_name_plural for obj in exc.protected_objects})
        return "still needed by " + ", ".join(kinds)
    return str(exc).splitlines()[0][:200]


def review_all(*, apply: bool, tenants=None, now=None) -> list[TenantReport]:
    """Tenant by tenant (each its own transactions), in a stable order."""
    tenants = tenants if tenants is not None else Tenant.objects.order_by("slug")
    return [review(tenant=tenant, apply=apply, now=now) for tenant in tenants]


# --- the tenant administrator's policy page -------------------------------------------------


@dataclass
class PolicyRow:
    rule: str
    label: str
    amount: int
    unit: str
    legal_basis: str
    is_default: bool

    @property
    def period(self) -> str:
        noun = self.unit[:-1] if self.amount == 1 else self.unit
        return f"{self.amount} {noun}"


def policies() -> list[PolicyRow]:
    """Every kind of record with its period and legal basis in the active tenant (its own, else the
    product's default), in one query."""
    own = {p.rule: p for p in RetentionPolicy.objects.all()}
    rows = []
    for rule in RetentionRule:
        policy = own.get(rule.value)
        amount, unit = (policy.amount, policy.unit) if policy else DEFAULT_RETENTION[rule]
        basis = (policy.legal_basis if policy else "") or DEFAULT_LEGAL_BASIS[rule]
        rows.append(PolicyRow(rule.value, rule.label, amount, unit, basis, is_default=policy is None))
    return rows


@transaction.atomic
def change_policy(*, actor, tenant, rule: str, amount: int, unit: str, legal_basis: str) -> RetentionPolicy:
    """Set how long ``tenant`` keeps records of kind ``rule`` and the legal basis for it (audited).
    The next retention run uses it; nothing is removed now."""
    try:
        rule = RetentionRule(rule)
    except ValueError:
        raise PolicyViolation("There is no such kind of record.", field="rule") from None
    if unit not in MAX_RETENTION:
        raise PolicyViolation("Choose years or days.", field="unit")
    if not 1 <= amount <= MAX_RETENTION[unit]:
        raise PolicyViolation(f"Enter a period from 1 to {MAX_RETENTION[unit]} {unit}.", field="amount")
    legal_basis = legal_basis.strip()
    if not legal_basis:
        raise PolicyViolation("Enter the legal basis for keeping these records.", field="legal_basis")
    with tenant_context(tenant):
        policy = RetentionPolicy.objects.select_for_update().filter(rule=rule).first()
        before = (
            {"amount": policy.amount, "unit": policy.unit, "legal_basis": policy.legal_basis}
            if policy
            else {"amount": DEFAULT_RETENTION[rule][0], "unit": DEFAULT_RETENTION[rule][1], "legal_basis": ""}
        )
        if policy is None:
            policy = RetentionPolicy(rule=rule)
        policy.amount, policy.unit, policy.legal_basis = amount, unit, legal_basis
        policy.save()
        after = {"amount": amount, "unit": unit, "legal_basis": legal_basis}
        audit.record(
            actor=actor,
            action="retention_policy.changed",
            obj=policy,
            tenant=tenant,
            changes={"rule": rule.value, "before": before, "after": after},
        )
    return policy


def preview(*, tenant, now: datetime | None = None) -> list[tuple[str, str, int]]:
    """What the next run would remove in ``tenant``: (rule, label, how many), found by the very
    selection :func:`review` removes from, counted and never loaded nor deleted. Records something
    else still needs are counted here and kept by the run (it reports them)."""
    now = now or timezone.now()
    with tenant_context(tenant):
        return [
            (str(rule), RetentionRule(rule).label, queryset.count())
            for rule, queryset, _date_field, _keep in _candidates(tenant, now)
        ]
