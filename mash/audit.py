"""The small API every capability uses to record what happened and who saw what."""

from __future__ import annotations

import contextvars
from collections.abc import Iterable
from contextlib import nullcontext

from . import tenancy
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
    if tenant is None and obj is not None:
        tenant = getattr(obj, "tenant", None)
    if tenant is None and actor is not None:
        tenant = getattr(actor, "tenant", None)
    tenant_id = tenant if isinstance(tenant, int) or tenant is None else tenant.pk
    active = tenancy.current_tenant_id()
    if tenant_id is not None and active is not None and active != tenant_id:
        raise tenancy.TenantNotSet(f"Refusing to audit an event of tenant {tenant_id} while tenant {active} is active.")
    context = tenancy.tenant_context(tenant_id) if tenant_id is not None and active is None else nullcontext()
    with context:
        return AuditEvent.objects.create(
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
