"""The small API every capability uses to record what happened and who saw what."""

from __future__ import annotations

import contextvars
from collections.abc import Iterable
from contextlib import nullcontext

from . import inserts, tenancy
from .models import AuditEvent

_request_id: contextvars.ContextVar[str] = contextvars.ContextVar("mash_request_id", default="")


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
    if tenant_id is None:
        active = tenancy.current_tenant_id()
    else:
        active = tenancy.refuse_another_tenant(tenant_id, "to audit an event")
    event = AuditEvent(
        **({"tenant_id": tenant_id} if tenant is None or isinstance(tenant, int) else {"tenant": tenant}),
        actor=actor if actor is not None and actor.pk else None,
        actor_label=_label(actor),
        action=action,
        object_type=obj._meta.label_lower if obj is not None else "",
        # A row held to be written with the event (a clock started with its contact) is named by the id it gets.
        object_id=(inserts.id_of(obj, text=True) if inserts.is_held(obj) else str(obj.pk)) if obj is not None else "",
        object_label=(label or str(obj))[:200] if obj is not None else label[:200],
        changes=changes or {},
        request_id=_request_id.get(),
    )
    if tenant_id is not None and tenant_id == active and inserts.hold(event):
        return event  # written with the open batched() block's rows, in the order recorded, when it ends
    context = tenancy.tenant_context(tenant_id) if tenant_id is not None and active is None else nullcontext()
    with context:
        event.save(force_insert=True)
    return event


# Events recorded in a block are written with its other held rows when it ends (mash.inserts.batched): in the order
# recorded, inside the caller's transaction; one held inside a savepoint opened in the block is written at once in
# it, so a rollback to the savepoint undoes it with its change. For work that records an event per item (a rating
# asking nine agencies: a request and a clock each), or several in one request the user waits for (a MARF
# received: the contact and its clock).
batched = inserts.batched


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
