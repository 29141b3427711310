"""Reading the audit log in tests.

Audit events are walled by row-level security like every tenant-owned row: the application role
reads only the active tenant's events, and with no tenant active it reads none. So a test reads an
event as the tenant it belongs to, which is also what proves the event was recorded in that tenant.
"""

from __future__ import annotations

from mash import tenancy
from mash.models import AuditEvent


def _pk(tenant) -> int:
    return tenant if isinstance(tenant, int) else tenant.pk


def audit_events(tenant, **filters) -> list[AuditEvent]:
    """The audit events of ``tenant`` (a Tenant or its id) matching ``filters``, newest first,
    read inside that tenant. A list: a lazy queryset evaluated outside the tenant would see nothing."""
    with tenancy.tenant_context(tenant):
        return list(AuditEvent.objects.filter(tenant_id=_pk(tenant), **filters).select_related("actor"))


def audit_event(tenant, **filters) -> AuditEvent:
    """The one audit event of ``tenant`` matching ``filters`` (``DoesNotExist`` or
    ``MultipleObjectsReturned`` otherwise), read inside that tenant."""
    with tenancy.tenant_context(tenant):
        return AuditEvent.objects.select_related("actor").get(tenant_id=_pk(tenant), **filters)
