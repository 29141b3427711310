"""Every read of the tenant's policy that a page or the API needs, scoped to the active tenant.

All of these go through the scoped managers, so they must run inside the tenant's context
(the request middleware and the API base classes provide it). Each fetches what its page
shows in a fixed number of queries, whatever the number of rows.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Prefetch, QuerySet

from mash import tenancy, tenant_settings

from .models import (
    CalendarSettings,
    ClockKind,
    ClockPolicy,
    ClosureDay,
    NeedDomain,
    Rating,
    ThresholdIndicator,
    ThresholdLevel,
)


def ratings(*, active_only: bool = False) -> QuerySet[Rating]:
    """The tenant's rating scheme, most urgent first (one query)."""
    qs = Rating.objects.all()
    return qs.filter(active=True) if active_only else qs


def calendar_settings() -> CalendarSettings:
    """The tenant's working calendar; an unsaved default one if none was saved yet (one query)."""
    found = CalendarSettings.objects.first()
    return found if found is not None else CalendarSettings(working_weekdays=[0, 1, 2, 3, 4])


def closure_days() -> QuerySet[ClosureDay]:
    """Every closure day of the tenant, earliest first (one query)."""
    return ClosureDay.objects.order_by("date")


# Navigator returns take their length from the rating, so they are configured there.
EDITABLE_CLOCKS = (
    ClockKind.DECISION,
    ClockKind.EARLY_HELP_REVIEW,
    ClockKind.REFERRER_FEEDBACK,
    ClockKind.PLAN_REVIEW,
    ClockKind.EARLY_HELP_FEEDBACK,
)


def clock_policies() -> list[ClockPolicy]:
    """The clocks an administrator sets here, in the order of a contact's life (one query).

    A kind the tenant has no row for yet is shown as an unsaved, empty policy.
    """
    stored = {p.kind: p for p in ClockPolicy.objects.filter(kind__in=EDITABLE_CLOCKS)}
    return [stored.get(kind) or ClockPolicy(kind=kind) for kind in EDITABLE_CLOCKS]


def warn_fractions(tenant=None) -> dict[str, Decimal]:
    """Each kind of clock's "due soon" point, as the share of its time elapsed. The tenant sets it on the clock's
    policy; a kind without a policy warns at the model's default (three quarters).

    One query; none given the active ``tenant``'s object once this process has read them under its settings
    version (:mod:`mash.tenant_settings`: a policy changed by any means renews the version)."""

    def read() -> dict[str, Decimal]:
        default = ClockPolicy._meta.get_field("warn_fraction").default
        stored = dict(ClockPolicy.objects.values_list("kind", "warn_fraction"))
        return {kind: stored.get(kind, default) for kind in ClockKind.values}

    if tenant is None or tenancy.current_tenant_id() != tenant.pk:  # kept only under the tenant it was read in
        return read()
    return dict(tenant_settings.remembered(tenant, "warn-fractions", read))


def clock_policy(kind: str) -> ClockPolicy | None:
    """One editable clock's policy (saved or a new unsaved one); None for a kind not set here."""
    if kind not in EDITABLE_CLOCKS:
        return None
    return ClockPolicy.objects.filter(kind=kind).first() or ClockPolicy(kind=kind)


@dataclass
class DomainIndicators:
    domain: str
    label: str
    indicators: list[ThresholdIndicator] = field(default_factory=list)


@dataclass
class LevelOfNeed:
    level: ThresholdLevel
    domains: list[DomainIndicators]

    @property
    def indicator_count(self) -> int:
        return sum(len(d.indicators) for d in self.domains)


def threshold_levels() -> QuerySet[ThresholdLevel]:
    """Levels with their indicators prefetched in domain order (two queries)."""
    indicators = ThresholdIndicator.objects.order_by("domain", "order", "id")
    return ThresholdLevel.objects.order_by("number").prefetch_related(Prefetch("indicators", queryset=indicators))


def threshold_document() -> list[LevelOfNeed]:
    """The threshold document as pages show it: each level, then each domain's indicators (two queries).

    Domains come in the order practitioners read them (child, parents, family), and every
    domain is listed for every level, even one without indicators yet.
    """
    document = []
    for level in threshold_levels():
        by_domain = {value: DomainIndicators(value, label) for value, label in NeedDomain.choices}
        for indicator in level.indicators.all():
            by_domain[indicator.domain].indicators.append(indicator)
        document.append(LevelOfNeed(level=level, domains=list(by_domain.values())))
    return document


def threshold_level(number: int) -> ThresholdLevel | None:
    return ThresholdLevel.objects.filter(number=number).first()


def threshold_indicator(pk: int) -> ThresholdIndicator | None:
    return ThresholdIndicator.objects.select_related("level").filter(pk=pk).first()
