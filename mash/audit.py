"""The small API every capability uses to record what happened and who saw what."""

from __future__ import annotations

import contextvars
from collections.abc import Iterable
from contextlib import contextmanager, nullcontext

from . import tenancy
from .models import AuditEvent

_request_id: contextvars.ContextVar[str] = contextvars.ContextVar("mash_request_id", default="")
# The events of an open batched() block, written together when it ends (None: no block open).
_batch: contextvars.ContextVar[list[AuditEvent] | None] = contextvars.ContextVar("mash_audit_batch", default=None)


def set_request_id(value: str) -> contextvars.Token:
    return _request_id.set(value)


def reset_request_id(token: contextvars.Token) -> None:
    _request_id.reset(token)


def _label(actor) -> str:
    if actor is None:
        return "system"
    return actor.get_username()


def record(*, actor, action: str, obj=None, tenant=None, changes: dict | None = None, label: str = "") -> AuditEvent:
    """Append one audit event. ``tenant`` defaults to the object's, then the actor's.

    The event is written in its own tenant (row-level security lets the application role write
    only the active tenant's events): inside that tenant when one is active, entering it when none
    is (a sign-in), refused when another tenant is active. An event of no tenant is a platform
    event (a platform superuser's); the application role can write it but never read it back.
    """
    if tenant is None and obj is not None:  # its id when the object has one: loading the tenant is a query
        tenant = getattr(obj, "tenant_id", None) or getattr(obj, "tenant", None)
    if tenant is None and actor is not None:
        tenant = getattr(actor, "tenant", None)
    tenant_id = tenant if isinstance(tenant, int) or tenant is None else tenant.pk
    active = tenancy.current_tenant_id()
    if tenant_id is not None and active is not None and active != tenant_id:
        raise tenancy.TenantNotSet(f"Refusing to audit an event of tenant {tenant_id} while tenant {active} is active.")
    event = AuditEvent(
        **({"tenant_id": tenant_id} if tenant is None or isinstance(tenant, int) else {"tenant": tenant}),
        actor=actor if actor is not None and actor.pk else None,
        actor_label=_label(actor),
        action=action,
        object_type=obj._meta.label_lower if obj is not None else "",
        object_id=str(obj.pk) if obj is not None else "",
        object_label=(label or str(obj))[:200] if obj is not None else label[:200],
        changes=changes or {},
        request_id=_request_id.get(),
    )
    batch = _batch.get()
    if batch is not None and tenant_id is not None and tenant_id == active:
        batch.append(event)  # written, in this order, when the block ends
        return event
    context = tenancy.tenant_context(tenant_id) if tenant_id is not None and active is None else nullcontext()
    with context:
        event.save(force_insert=True)
    return event


@contextmanager
def batched():
    """Write the events the block records in the active tenant with one INSERT when it ends, in the order they
    were recorded (ids ascending), inside the caller's transaction: a block that raises writes none of them,
    and neither does the transaction it is part of. Events of another tenant, or of none, are written at
    once as usual. Nested blocks write with the outermost one.

    For work that records an event per item (a rating asking nine agencies: a request and a clock each), or
    several in one request the user waits for (a MARF received: the contact and its clock)."""
    if _batch.get() is not None:
        yield
        return
    events: list[AuditEvent] = []
    token = _batch.set(events)
    try:
        yield
    finally:
        _batch.reset(token)
    for tenant_id in dict.fromkeys(event.tenant_id for event in events):  # tenants in first-recorded order
        same = tenancy.current_tenant_id() == tenant_id
        with nullcontext() if same else tenancy.tenant_context(tenant_id):
            AuditEvent.objects.bulk_create([event for event in events if event.tenant_id == tenant_id])


def diff(instance, before: dict, fields: Iterable[str]) -> dict:
    """``{field: [old, new]}`` for the fields whose value changed."""
    changes = {}
    for field in fields:
        old, new = before.get(field), getattr(instance, field)
        if old != new:
            changes[field] = [_jsonable(old), _jsonable(new)]
    return changes


def _jsonable(value):
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    return str(value)
