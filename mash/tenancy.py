"""Tenant scoping by construction.

Every tenant-owned table has a ``tenant_id`` column and inherits :class:`TenantOwned`.
Its default manager, ``objects``, only ever returns rows of the *current tenant*, and
refuses to run at all when no tenant is active (fail closed). The current tenant is
set in exactly one place per entry point: :func:`tenant_context` (used by the request
middleware, the API base view, Celery tasks and management commands). This is also
the single place a PostgreSQL row-level-security setting will be issued later.

Code that truly must cross tenants (the deadline sweep that then re-enters each tenant,
the operations report) uses ``Model.all_tenants`` inside :func:`system_context` and is
listed in the allow-list checked by ``tests/mash/test_scoping_by_construction.py``.
"""

from __future__ import annotations

import contextvars
import logging
from contextlib import contextmanager

from django.db import models

_current_tenant_id: contextvars.ContextVar[int | None] = contextvars.ContextVar("mash_tenant_id", default=None)
# The reason cross-tenant system work is running (one of SYSTEM_REASONS), or "" for none.
_system_reason: contextvars.ContextVar[str] = contextvars.ContextVar("mash_system_reason", default="")

log = logging.getLogger("mash.security.system")

# The only code paths allowed to read and write across tenants in the database. Each runs as the
# system role (settings.DATABASE_SYSTEM_ROLE), which only worker, beat and management commands can
# become (mash.security.rls); a web process cannot. A new one is a security decision: add it here,
# with its reason, in review. Platform admin is not one: it works inside one chosen tenant.
SYSTEM_REASONS = {
    "deadline-sweep": "the deadline engine claims due clocks across tenants, then re-enters each tenant",
    "deadline-report": "operations report of clocks the engine should already have processed",
    "seed-demo": "seed_demo creates or refreshes the demo tenants",
    "retention": "the retention command reports and removes expired records tenant by tenant",
    "council-sizes": "a worker counts each council's contacts this year for the platform operators' page",
}


# A tenant id no row can have (ids start at 1): schema generation introspects querysets
# without any tenant, and must see nothing rather than fail.
NO_TENANT = 0


class TenantNotSet(RuntimeError):
    """A tenant-owned table was queried with no tenant active: a programming error."""


def current_tenant_id() -> int | None:
    return _current_tenant_id.get()


def require_tenant_id() -> int:
    tenant_id = _current_tenant_id.get()
    if tenant_id is None:
        raise TenantNotSet(
            "No tenant is active. Wrap the work in mash.tenancy.tenant_context(tenant) "
            "or use Model.all_tenants deliberately."
        )
    return tenant_id


def refuse_another_tenant(tenant_id: int, what: str, *, required: bool = False) -> int | None:
    """The active tenant's id, refusing work on a row of ``tenant_id`` while another tenant is active.

    ``required``: a tenant must be active too (the work also reads the active tenant's rows); otherwise none
    active is allowed (system work naming its tenant). ``what`` says what was refused, for the error."""
    active = require_tenant_id() if required else current_tenant_id()
    if active is not None and active != tenant_id:
        raise TenantNotSet(f"Refusing {what} of tenant {tenant_id} while tenant {active} is active.")
    return active


def _tenant_pk(tenant) -> int | None:
    if tenant is None:
        return None
    return tenant if isinstance(tenant, int) else tenant.pk


def activate(tenant):
    """Make ``tenant`` (a Tenant or its id, or None) current; returns a token for :func:`deactivate`.

    Activating a tenant (or none) also leaves system mode: per-tenant work is always walled.
    """
    return (_current_tenant_id.set(_tenant_pk(tenant)), _system_reason.set(""))


def deactivate(token) -> None:
    tenant_token, system_token = token
    _system_reason.reset(system_token)
    _current_tenant_id.reset(tenant_token)


def system_reason() -> str:
    """The named reason cross-tenant system work is running, or "" (see :func:`system_context`)."""
    return _system_reason.get()


@contextmanager
def system_context(reason: str):
    """Run the enclosed block as cross-tenant system work: its statements run as the database's
    system role, which row-level security lets see every tenant. Only for the named reasons in
    :data:`SYSTEM_REASONS`; each entry is logged. In a process with no system role (a web process)
    the first statement fails with ``mash.security.rls.NoSystemRole``.
    """
    if reason not in SYSTEM_REASONS:
        raise ValueError(f"{reason!r} is not a named system path; see mash.tenancy.SYSTEM_REASONS.")
    if _system_reason.get() == reason and _current_tenant_id.get() is None:
        yield  # already inside the same system work (a nested call)
        return
    log.info("system work across tenants: %s", reason)
    tenant_token = _current_tenant_id.set(None)
    token = _system_reason.set(reason)
    try:
        yield
    finally:
        _system_reason.reset(token)
        _current_tenant_id.reset(tenant_token)


@contextmanager
def tenant_context(tenant):
    """Run the enclosed block as ``tenant``: every tenant-owned query is scoped to it."""
    token = activate(tenant)
    try:
        yield
    finally:
        deactivate(token)


class TenantQuerySet(models.QuerySet):
    pass


class TenantScopedManager(models.Manager.from_queryset(TenantQuerySet)):
    """The default manager of tenant-owned models: current tenant only, or an error."""

    def get_queryset(self):
        return super().get_queryset().filter(tenant_id=require_tenant_id())

    def none(self):
        # An empty queryset cannot leak a row; schema generation asks for one with no tenant active.
        return super().get_queryset().none()


class AllTenantsManager(models.Manager.from_queryset(TenantQuerySet)):
    """Deliberately unscoped access, for the few allow-listed cross-tenant paths."""


class TenantOwned(models.Model):
    """Base for every tenant-owned row. ``tenant`` is filled from the active tenant on save."""

    tenant = models.ForeignKey("mash.Tenant", on_delete=models.PROTECT, related_name="+", editable=False)

    objects = TenantScopedManager()
    all_tenants = AllTenantsManager()

    class Meta:
        abstract = True
        default_manager_name = "objects"
        base_manager_name = "all_tenants"

    def save(self, *args, **kwargs):
        if self.tenant_id is None:
            self.tenant_id = require_tenant_id()
        else:
            refuse_another_tenant(self.tenant_id, "to save a row")
        super().save(*args, **kwargs)
