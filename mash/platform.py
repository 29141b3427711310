"""The platform operators' side: the councils, their size, and suspending or reinstating one.

Sizes: active users are counted live (users are a platform table); contacts received this calendar
year are counted by :func:`count_council_sizes`, cross-tenant system work that only a worker may run
(the web process has no role that sees every tenant: mash.security.rls), every few minutes on beat's
schedule, into :class:`mash.models.CouncilSize`. The page reads both in one query.

A suspended council's users cannot sign in; their sessions and API tokens are refused with a
message saying so; its public pages say the service is unavailable and give its telephone numbers.
Nothing of the council is changed or removed: reinstating it restores everything as it was.
"""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from django.apps import apps
from django.db import transaction
from django.db.models import Count, Q
from django.utils import timezone

from . import audit
from .exceptions import Conflict, PolicyViolation
from .models import CouncilSize, Tenant
from .tenancy import system_context

COUNT_REASON = "council-sizes"
SUSPENDED_MESSAGE = (
    "Your council's use of this service has been suspended by the platform operator. "
    "Contact your council's MASH administrator."
)
MAX_REASON = 500


def councils():
    """Every council with ``active_users`` and its last counted size (``size``, or none yet): one query."""
    return (
        Tenant.objects.annotate(active_users=Count("users", filter=Q(users__is_active=True)))
        .select_related("size")
        .order_by("name")
    )


def year_start(now: datetime, zone: str = "Europe/London") -> datetime:
    """Midnight on 1 January of ``now``'s year, in ``zone`` (a council's calendar year)."""
    local = timezone.localtime(now, ZoneInfo(zone))
    return local.replace(month=1, day=1, hour=0, minute=0, second=0, microsecond=0)


def count_council_sizes(*, now: datetime | None = None) -> int:
    """Count each council's contacts received this calendar year (UK time) into CouncilSize, as the
    named system work ``council-sizes``: one grouped query over every tenant's contacts. Returns how
    many councils were counted. Worker or management command only (needs the system role)."""
    now = now or timezone.now()
    start = year_start(now)
    Contact = apps.get_model("contacts", "Contact")
    with system_context(COUNT_REASON):
        counted = dict(
            Contact.all_tenants.filter(received_at__gte=start)  # scoping: allowed - council-sizes system work
            .values_list("tenant_id")
            .annotate(n=Count("id"))
            .values_list("tenant_id", "n")
        )
    tenants = list(Tenant.objects.values_list("pk", flat=True))
    with transaction.atomic():
        for tenant_id in tenants:
            CouncilSize.objects.update_or_create(
                tenant_id=tenant_id,
                defaults={"year": start.year, "contacts_received": counted.get(tenant_id, 0), "counted_at": now},
            )
    return len(tenants)


def _reason(reason: str, *, verb: str) -> str:
    reason = (reason or "").strip()
    if not reason:
        raise PolicyViolation(f"Enter why the council is being {verb}.", field="reason")
    if len(reason) > MAX_REASON:
        raise PolicyViolation(f"Enter a reason of {MAX_REASON} characters or fewer.", field="reason")
    return reason


@transaction.atomic
def suspend_council(*, actor, tenant: Tenant, reason: str) -> Tenant:
    """Suspend ``tenant`` at once (audited in its own log with the reason)."""
    reason = _reason(reason, verb="suspended")
    tenant = Tenant.objects.select_for_update().get(pk=tenant.pk)
    if tenant.is_suspended:
        raise Conflict("This council is already suspended.", field="reason")
    tenant.suspended_at, tenant.suspended_reason = timezone.now(), reason
    tenant.save(update_fields=["suspended_at", "suspended_reason"])
    audit.record(actor=actor, action="tenant.suspended", obj=tenant, tenant=tenant, changes={"reason": reason})
    return tenant


@transaction.atomic
def reinstate_council(*, actor, tenant: Tenant, reason: str) -> Tenant:
    """Lift ``tenant``'s suspension (audited with the reason); its users may sign in again."""
    reason = _reason(reason, verb="reinstated")
    tenant = Tenant.objects.select_for_update().get(pk=tenant.pk)
    if not tenant.is_suspended:
        raise Conflict("This council is not suspended.", field="reason")
    suspended_since = tenant.suspended_at
    tenant.suspended_at, tenant.suspended_reason = None, ""
    tenant.save(update_fields=["suspended_at", "suspended_reason"])
    audit.record(
        actor=actor,
        action="tenant.reinstated",
        obj=tenant,
        tenant=tenant,
        changes={"reason": reason, "suspended_since": suspended_since.isoformat()},
    )
    return tenant
