"""Human-readable references (``CAM-2026-000123``, ``EH-CAM-2026-000045``): one allocator for every kind.

Each kind keeps its numbers in a counter table of its own (a TenantOwned model with ``year`` and
``last_number``, unique per tenant and year), so contacts and early-help requests count separately.
"""

import logging
from contextlib import contextmanager
from datetime import datetime
from zoneinfo import ZoneInfo

from django.db import connection
from django.utils import timezone

from . import audit

log = logging.getLogger(__name__)


def allocate_reference(counter, *, tenant, at: datetime, kind_prefix: str = "") -> str:
    """``<kind_prefix><tenant prefix>-<year>-<number>`` for the tenant's local year of ``at``.

    The counter row is updated and read in one statement (``UPDATE ... RETURNING``), so concurrent
    allocations queue on its row lock and never share a number. The lock is held until the caller's
    transaction ends: call it inside the transaction that stores the reference, with the tenant active,
    and as late in it as possible (every submission of the tenant waits for it).
    """
    year = timezone.localtime(at, ZoneInfo(tenant.time_zone)).year
    number = _next_number(counter, tenant_id=tenant.pk, year=year)
    if number is None:
        counter.objects.bulk_create([counter(tenant_id=tenant.pk, year=year, last_number=0)], ignore_conflicts=True)
        number = _next_number(counter, tenant_id=tenant.pk, year=year)
    return f"{kind_prefix}{tenant.reference_prefix}-{year}-{number:06d}"


@contextmanager
def taken_first(counter, *, tenant, at: datetime, actor, kind_prefix: str = "", label: str = "contact"):
    """The next reference, taken in a transaction of its own before the work that stores it: yields it.

    A counter row locked until the storing transaction commits makes every submission of the tenant wait for
    the one before it to finish (with four submitting at once, a sixth of a MARF's database time was that
    wait, and a quarter of the machine idle). Taken on its own, the row is locked for one statement. The
    price is that a submission failing after this (a duplicate sender's reference, a database fault) leaves
    its number unused: references stay unique and increasing, not gap-free, and each unused one is audited
    (``<label>.reference_unused``, with the error's kind) so a missing number can be accounted for.

    Inside a caller's transaction it yields None and takes nothing: the caller takes the number in that
    transaction (:func:`allocate_reference`), as late as it can, so a rollback there returns it.
    """
    if connection.in_atomic_block:
        yield None
        return
    reference = allocate_reference(counter, tenant=tenant, at=at, kind_prefix=kind_prefix)
    try:
        yield reference
    except BaseException as exc:
        try:
            audit.record(
                actor=actor,
                action=f"{label}.reference_unused",
                tenant=tenant,
                label=reference,
                changes={"reference": reference, "error": type(exc).__name__},
            )
        except Exception:  # the database that refused the submission may refuse this too: the log keeps it
            log.exception("Reference %s was taken and not used; auditing that failed.", reference)
        raise


def _next_number(counter, *, tenant_id: int, year: int) -> int | None:
    # The ORM's update() cannot return the new value; this is its UPDATE and its read in one round trip,
    # scoped to the tenant by its own WHERE (and by row-level security under the application role).
    table = connection.ops.quote_name(counter._meta.db_table)
    returning = "RETURNING last_number"
    if not connection.in_atomic_block and connection.vendor == "postgresql":
        returning += _COMMIT_UNAWAITED
    with connection.cursor() as cursor:  # scoping: allowed - WHERE tenant_id, and row-level security
        update = f"UPDATE {table} SET last_number = last_number + 1"  # noqa: S608  # nosec B608 - model's table
        cursor.execute(f"{update} WHERE tenant_id = %s AND year = %s {returning}", [tenant_id, year])
        row = cursor.fetchone()
    return None if row is None else row[0]


# A number taken in a transaction of its own (taken_first: this one statement) is committed without waiting for the
# disk (issue 22: a synchronous commit cost 0.1 ms of the server's CPU, and 0.2 ms to over 2 ms of waiting, on top of
# the submission's own). Nothing is lost by it. The work that uses the number commits later, on this connection, and
# waits for the log to reach the disk up to its own commit, which the log holds after this one: whenever that work is
# durable, so is its number. If the server stops before that, the work was never stored and the number never used,
# and it is given again. Local to this statement's transaction (``set_config(..., true)``): the session keeps its
# setting, and a number taken inside a caller's transaction is committed as that transaction is.
_COMMIT_UNAWAITED = ", set_config('synchronous_commit', 'off', true)"
