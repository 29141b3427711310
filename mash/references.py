"""Human-readable references (``CAM-2026-000123``, ``EH-CAM-2026-000045``): one allocator for every kind.

Each kind keeps its numbers in a counter table of its own (a TenantOwned model with ``year`` and
``last_number``, unique per tenant and year), so contacts and early-help requests count separately.
"""

from datetime import datetime
from zoneinfo import ZoneInfo

from django.db.models import F
from django.utils import timezone


def allocate_reference(counter, *, tenant, at: datetime, kind_prefix: str = "") -> str:
    """``<kind_prefix><tenant prefix>-<year>-<number>`` for the tenant's local year of ``at``.

    The counter row is updated first, so concurrent allocations queue on its row lock and never share
    a number. Call it inside the transaction that stores the reference, with the tenant active.
    """
    year = timezone.localtime(at, ZoneInfo(tenant.time_zone)).year
    counters = counter.objects.filter(year=year)
    if not counters.update(last_number=F("last_number") + 1):
        counter.objects.bulk_create([counter(tenant_id=tenant.pk, year=year, last_number=0)], ignore_conflicts=True)
        counters.update(last_number=F("last_number") + 1)
    number = counters.values_list("last_number", flat=True).get()
    return f"{kind_prefix}{tenant.reference_prefix}-{year}-{number:06d}"
