"""Values derived from a tenant's settings, kept in the process under the tenant's settings version.

A deadline is computed from the tenant's working calendar, its clock lengths and its escalation ladders. They
change a few times a year and are read on every contact, so reading them from the database each time was a
third of a MARF's statements (issue 22). Each process keeps what it built from them here, keyed by the tenant,
what was built, and ``Tenant.settings_version``: a number PostgreSQL renews by trigger whenever any row they
come from changes, however it is written, and never reuses (mash migration 0016). The version arrives with the
tenant, which every request reads anyway (the API's token query, the session's user), so a request whose
tenant's settings have not changed reads none of them, and one whose have builds afresh: nothing to forget, no
time-out to wait for, nothing shared between processes to go stale.

Why what is kept is never older than the version it is kept under: the version was read before the rows were
(the tenant first), and a committed change renews the version before anyone can read the changed rows.

Two cases read afresh and keep nothing:

- the embedded SQLite default, which has no triggers (its tenants stay at version 0);
- the transaction that is changing a tenant's settings itself (its ``Tenant`` object still holds the old
  version). :func:`changed` marks it, from the save and delete signals of those models; when that transaction
  commits, the mark ends and the process drops what it kept for the tenant, so its own next read (through the
  same stale object) builds afresh.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import TypeVar

from django.db import connection, transaction
from django.db.models.signals import post_delete, post_save

from .tenancy import AllTenantsManager, TenantQuerySet, TenantScopedManager

T = TypeVar("T")

# Kept per process, least recently used dropped first: a few entries per tenant (a calendar, a length and a
# ladder per kind of clock), so every tenant of a national deployment fits.
MAX_ENTRIES = 4096

_kept: OrderedDict[tuple, object] = OrderedDict()
_lock = threading.Lock()


def _changing() -> set[int]:
    """Tenants whose settings this connection's open transaction has changed: read fresh, never kept."""
    return connection.__dict__.setdefault("_mash_settings_changing", set())


def remembered(tenant, what: Hashable, build: Callable[[], T]) -> T:
    """``build()`` for ``tenant`` (run in its context), or what this process built for the same version.

    ``what`` names the value (e.g. ``("clock-length", kind)``); the value must not be changed by its readers.
    """
    version = getattr(tenant, "settings_version", 0)
    changing = _changing()
    if not connection.in_atomic_block:
        changing.clear()
    if not version or connection.vendor != "postgresql" or tenant.pk in changing:
        return build()
    key = (connection.settings_dict.get("NAME"), tenant.pk, version, what)
    with _lock:
        if key in _kept:
            _kept.move_to_end(key)
            return _kept[key]
    value = build()
    with _lock:
        _kept[key] = value
        while len(_kept) > MAX_ENTRIES:
            _kept.popitem(last=False)
    return value


def changed(tenant_id: int | None) -> None:
    """The tenant's settings are being changed on this connection: its transaction reads them fresh, and this
    process drops what it kept for the tenant (now and when the change commits)."""
    if tenant_id is None:
        return
    _forget(tenant_id)
    if connection.in_atomic_block:
        _changing().add(tenant_id)
        transaction.on_commit(lambda: _committed(tenant_id), robust=True)


def _committed(tenant_id: int) -> None:
    """The change is committed: drop what was kept meanwhile, and end the mark. Without the second, a process
    whose reads all run in transactions (a MARF's, a worker's) read the tenant's settings afresh for good after
    one change: the mark was only ever cleared by a read outside a transaction. A change rolled back leaves its
    mark until such a read (reading afresh is never wrong, only slower)."""
    _forget(tenant_id)
    _changing().discard(tenant_id)


def _forget(tenant_id: int) -> None:
    with _lock:
        for key in [key for key in _kept if key[1] == tenant_id]:
            del _kept[key]


def settings_changed(sender, instance, raw=False, **kwargs) -> None:
    """post_save / post_delete receiver for every model whose rows a tenant's deadlines are computed from."""
    changed(getattr(instance, "tenant_id", None))


class SettingsQuerySet(TenantQuerySet):
    """For the models a tenant's deadlines are computed from. Bulk writes send no save signal, so they mark the
    change themselves (the trigger gives the tenant its new version whatever writes the rows)."""

    def _changed(self, tenant_ids=None):
        for tenant_id in set(self.values_list("tenant_id", flat=True) if tenant_ids is None else tenant_ids):
            changed(tenant_id)

    def update(self, **kwargs):
        self._changed()
        return super().update(**kwargs)

    def bulk_create(self, objs, *args, **kwargs):
        created = super().bulk_create(objs, *args, **kwargs)
        self._changed({obj.tenant_id for obj in created})
        return created

    def bulk_update(self, objs, *args, **kwargs):
        self._changed({obj.tenant_id for obj in objs})
        return super().bulk_update(objs, *args, **kwargs)


class SettingsManager(TenantScopedManager.from_queryset(SettingsQuerySet)):
    """The default manager of a model a tenant's deadlines are computed from: its bulk writes mark the change
    (:class:`SettingsQuerySet`), and so, connected here once for the model, do its saves and deletes."""

    def contribute_to_class(self, cls, name):
        super().contribute_to_class(cls, name)
        if not cls._meta.abstract:
            uid = f"mash.tenant_settings.{cls._meta.label_lower}"
            post_save.connect(settings_changed, sender=cls, dispatch_uid=uid)
            post_delete.connect(settings_changed, sender=cls, dispatch_uid=f"{uid}.deleted")


class AllSettingsManager(AllTenantsManager.from_queryset(SettingsQuerySet)):
    pass
