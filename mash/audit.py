"""The small API every capability uses to record what happened and who saw what."""

from __future__ import annotations

import contextvars
from collections.abc import Iterable
from contextlib import contextmanager, nullcontext

from django.db import DatabaseError, transaction

from . import tenancy
from .models import AuditEvent

_request_id: contextvars.ContextVar[str] = contextvars.ContextVar("mash_request_id", default="")


class _Batch(list):
    """The events of an open batched() block, and the savepoints open where it began (its level)."""

    def __init__(self, level: tuple):
        super().__init__()
        self.level = level


# The innermost open batched() block (None: none open).
_batch: contextvars.ContextVar[_Batch | None] = contextvars.ContextVar("mash_audit_batch", default=None)


def _level() -> tuple:
    """The savepoints open on the connection now (an atomic block without one adds none): an event held back
    at one level is written at that level, so rolling back a savepoint still takes its events with it."""
    return tuple(sid for sid in transaction.get_connection().savepoint_ids if sid is not None)


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
        object_id=str(obj.pk) if obj is not None else "",
        object_label=(label or str(obj))[:200] if obj is not None else label[:200],
        changes=changes or {},
        request_id=_request_id.get(),
    )
    batch = _batch.get()
    if batch is not None and tenant_id is not None and tenant_id == active and batch.level == _level():
        batch.append(event)  # written, in this order, when the block ends
        return event
    context = tenancy.tenant_context(tenant_id) if tenant_id is not None and active is None else nullcontext()
    with context:
        event.save(force_insert=True)
    return event


@contextmanager
def batched():
    """Write the events the block records in the active tenant with one INSERT when it ends, in the order they
    were recorded (ids ascending), inside the caller's transaction. Held back only at the block's own level:
    an event recorded inside a savepoint opened in the block (an atomic block within it) is written at once,
    inside that savepoint, so a rollback to it undoes the event with the change, as without a block; a block
    opened inside that savepoint batches its own. Events of another tenant, or of none, and events outside a
    transaction are written at once as usual. A block inside another at the same level writes with it.

    A block that raises still writes what it recorded before the error, as record() alone would have, so a
    caller that catches the error and commits keeps the events of the changes that were made; when the error
    has broken the transaction the write is skipped, since the transaction and everything in it is lost anyway.

    For work that records an event per item (a rating asking nine agencies: a request and a clock each), or
    several in one request the user waits for (a MARF received: the contact and its clock)."""
    current = _batch.get()
    if not transaction.get_connection().in_atomic_block or (current is not None and current.level == _level()):
        yield
        return
    events = _Batch(_level())
    token = _batch.set(events)
    try:
        yield
    except BaseException:
        _batch.reset(token)
        try:
            _write(events)
        except DatabaseError:
            pass  # the transaction failed: it is rolled back, and these events with it
        raise
    _batch.reset(token)
    _write(events)


def _write(events: list[AuditEvent]) -> None:
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
