"""Work a request leaves to a worker, finished before any of the tenant's staff can read around it.

A referrer's MARF stops at what the referrer waits for (the contact stored, its reference, its clock started);
matching its people against the register follows in a worker a moment after the commit (issue 22). Staff must
never see a contact in that moment as if its child were unknown: their next request, page or API, finishes the
owed work first, in the request, whatever the worker is doing.

The owing is a hint in the cache (Redis in production), one key per kind of work and tenant, so a staff request
that owes nothing pays one cache read and no database statement. The hint is set before the commit (in a test,
whose transaction never commits, and for the request's own later reads) and again after it, so a settle that
ran between the two and found nothing committed yet cannot have cleared it for good. The hint stays while a
settler works (:func:`settle`), so a staff request never reads around a worker's matching not yet committed. When
the cache fails, the
request goes on (logged): the worker and the periodic sweep finish the work regardless.

Apps register their kind of work at start-up (``mash`` cannot import them): :func:`register` with a settler,
a function run in the tenant's context that finishes what is owed and returns True when nothing is left.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable

from django.core.cache import cache
from django.db import transaction

from .roles import STAFF_ROLES

log = logging.getLogger(__name__)

HINT_SECONDS = 24 * 3600  # longer than any retry: the periodic sweep settles what outlives it anyway

_settlers: dict[str, Callable[[], bool]] = {}


def register(name: str, settler: Callable[[], bool]) -> None:
    _settlers[name] = settler


def _key(name: str, tenant_id: int) -> str:
    return f"owed:{name}:{tenant_id}"


def owe(name: str, tenant_id: int) -> None:
    """Note that ``tenant_id`` owes work ``name`` (now and once the transaction commits)."""
    _set(name, tenant_id)
    transaction.on_commit(lambda: _set(name, tenant_id), robust=True)


def _set(name: str, tenant_id: int) -> None:
    try:  # a new value each time: a settler clears only the value it saw (settle)
        cache.set(_key(name, tenant_id), uuid.uuid4().hex, HINT_SECONDS)
    except Exception:  # a hint: the worker does the work without it
        log.warning("Could not note owed %s for tenant %s.", name, tenant_id, exc_info=True)


def settle(name: str, tenant_id: int) -> None:
    """Finish work ``name`` for the current tenant ``tenant_id`` (a worker, or a staff request through
    :func:`settle_for`). The hint stays while the settler works, so a staff request meanwhile settles too (it
    waits for this settler's transaction on the work's lock) rather than reading around work not yet committed.
    It is cleared afterwards only if it still holds the value read before the settler looked: an owing since then
    wrote a new one, which stays for the next reader. A settler that leaves work behind (more than it takes at
    once) or fails leaves the hint too; a failure is raised."""
    key = _key(name, tenant_id)
    try:
        seen = cache.get(key)
    except Exception:
        log.warning("Could not read owed %s for tenant %s.", name, tenant_id, exc_info=True)
        seen = None
    done = _settlers[name]()
    if not done or seen is None:
        return
    try:
        if cache.get(key) == seen:
            cache.delete(key)
    except Exception:  # left set: the next reader settles again, finding nothing
        log.warning("Could not clear owed %s for tenant %s.", name, tenant_id, exc_info=True)


def settle_for(user, tenant) -> None:
    """Before a staff member's request reads anything: finish whatever their tenant owes (usually nothing: one
    cache read). Referrers see only what they sent, so they never wait for it. A failure is logged, never the
    staff member's: the worker and the periodic sweep retry."""
    if tenant is None or getattr(user, "role", None) not in STAFF_ROLES or not _settlers:
        return
    try:
        owed = cache.get_many([_key(name, tenant.pk) for name in _settlers])
    except Exception:
        log.warning("Could not read the owed work of tenant %s; the worker will finish it.", tenant.pk, exc_info=True)
        return
    for name in _settlers:
        if _key(name, tenant.pk) not in owed:
            continue
        try:
            settle(name, tenant.pk)
        except Exception:
            log.exception("Settling owed %s for tenant %s failed; the worker will retry it.", name, tenant.pk)
