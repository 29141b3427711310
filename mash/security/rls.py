"""PostgreSQL row-level security: the database's own wall between tenants, behind the ORM scoping.

* Every concrete model inheriting :class:`mash.tenancy.TenantOwned` gets, on its table,
  ``ENABLE`` and ``FORCE ROW LEVEL SECURITY`` (FORCE: the tables' owner is walled too, unless a
  superuser) and one policy, :data:`POLICY`: a row is visible and writable only when its
  ``tenant_id`` is the tenant the application handed to the database, or when the work is one
  of the named cross-tenant system paths (``mash.tenancy.SYSTEM_REASONS``).
  :func:`install` runs after every ``migrate`` (``post_migrate``), so tables other apps add
  later are covered without anyone remembering; it is idempotent and cheap when nothing is missing.
* The application works as a role that is neither a superuser nor exempt from row security
  (``settings.DATABASE_APP_ROLE``, e.g. ``mash_app``: ``NOSUPERUSER NOBYPASSRLS``). Either
  ``DATABASE_URL`` names that role (production), or, when it names the owner (development,
  tests), every new connection assumes the role with ``SET ROLE``. Migrations run as the
  owner: ``pre_migrate`` resets the role, the last ``post_migrate`` installs the policies and
  assumes the role again.
* The tenant reaches the database through an execute wrapper on every connection, before
  each statement that needs it (see :func:`_hand_over`): inside a transaction as ``SET LOCAL``
  (``set_config(..., true)``, undone with the transaction); in autocommit, where each
  statement is its own transaction and ``SET LOCAL`` would vanish at once, as a session
  setting that is re-synchronised before the next statement whenever the active tenant
  differs. So a pooled connection never carries one request's tenant into the next.
  Celery tasks enter ``tenant_context(tenant_id)`` (per task) and reach the same wrapper.

Under SQLite (the embedded default) there is no row security; the ORM scoping stands alone.
"""

from __future__ import annotations

import logging
import threading
from contextlib import contextmanager

from django.apps import apps
from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connections

from mash import tenancy

log = logging.getLogger(__name__)

POLICY = "mash_tenant_isolation"
TENANT_SETTING = "mash.tenant_id"
SYSTEM_SETTING = "mash.system"
# ``true``: a missing setting reads as NULL instead of an error; NULL matches no row.
POLICY_EXPRESSION = (
    "(tenant_id = (NULLIF(current_setting('mash.tenant_id', true), ''))::bigint "
    "OR current_setting('mash.system', true) = 'on')"
)

_SET_SQL = "SELECT set_config('mash.tenant_id', %s, {local}), set_config('mash.system', %s, {local})"
SET_SESSION = _SET_SQL.format(local="false")
SET_LOCAL = _SET_SQL.format(local="true")
_TRANSACTION_CONTROL = {"SAVEPOIN", "RELEASE ", "ROLLBACK"}

# Migrations, and the test harness's table flush, run as the owner (see owner_mode); per thread.
_owner = threading.local()


def _depth() -> int:
    return getattr(_owner, "depth", 0)


def _enter_owner(connection) -> None:
    _owner.depth = _depth() + 1
    if _owner.depth == 1:
        reset_role(connection)


def _leave_owner(connection) -> None:
    _owner.depth = max(_depth() - 1, 0)
    if _owner.depth == 0:
        assume_app_role(connection)


def app_role() -> str:
    return getattr(settings, "DATABASE_APP_ROLE", "") or ""


def tenant_owned_models() -> list:
    """Every concrete, managed model whose rows belong to one tenant."""
    from mash.tenancy import TenantOwned

    return [
        model
        for model in apps.get_models()
        if issubclass(model, TenantOwned) and not model._meta.abstract and model._meta.managed
        and not model._meta.proxy
    ]


def tenant_owned_tables() -> list[str]:
    return sorted({model._meta.db_table for model in tenant_owned_models()})


# --- the tenant, handed to the database -----------------------------------------------------


def _wanted() -> tuple[str, str]:
    tenant_id = tenancy.current_tenant_id()
    system = "on" if (tenancy.system_reason() or _depth()) else ""
    return ("" if tenant_id is None else str(tenant_id), system)


def _hand_over(execute, sql, params, many, context):
    """Execute wrapper: make the database's idea of the tenant match the application's first."""
    connection = context["connection"]
    if (
        connection.needs_rollback
        or getattr(connection, "_mash_rls_busy", False)
        or (isinstance(sql, str) and sql[:8].upper() in _TRANSACTION_CONTROL)
    ):
        # Savepoint statements touch no rows, and a rollback must run even in a failed transaction.
        return execute(sql, params, many, context)
    wanted = _wanted()
    in_transaction = not connection.get_autocommit()
    session = getattr(connection, "_mash_rls_session", None)
    statement = None
    if not in_transaction:
        connection._mash_rls_local = None
        if session != wanted:
            statement = SET_SESSION
            connection._mash_rls_session = wanted
    else:
        # Once a SET LOCAL was issued in this transaction, issue it before every statement
        # until the transaction ends: a rolled-back savepoint may have undone it.
        marker = connection.atomic_blocks[0] if connection.atomic_blocks else None
        local = getattr(connection, "_mash_rls_local", None)
        if wanted != session or (local is not None and local is marker) or marker is None:
            statement = SET_LOCAL
            connection._mash_rls_local = marker if marker is not None else False
    if statement is not None:
        connection._mash_rls_busy = True
        try:
            with connection.wrap_database_errors:
                context["cursor"].cursor.execute(statement, wanted)
        finally:
            connection._mash_rls_busy = False
    return execute(sql, params, many, context)


def on_connection_created(sender, connection, **kwargs):
    """Every new PostgreSQL connection: assume the application's role, and hand over the tenant."""
    if connection.vendor != "postgresql" or connection.alias != DEFAULT_DB_ALIAS:
        return
    connection._mash_rls_session = None
    connection._mash_rls_local = None
    if _hand_over not in connection.execute_wrappers:
        connection.execute_wrappers.append(_hand_over)
    role = app_role()
    if role and not _depth():
        with connection.connection.cursor() as cursor:  # scoping: allowed - session role, no rows
            cursor.execute(f'SET ROLE "{role}"')
        connection._mash_rls_role = role


def assume_app_role(connection) -> None:
    role = app_role()
    if role and connection.vendor == "postgresql" and connection.connection is not None:
        with connection.connection.cursor() as cursor:  # scoping: allowed - session role, no rows
            cursor.execute(f'SET ROLE "{role}"')


def reset_role(connection) -> None:
    if connection.vendor == "postgresql" and connection.connection is not None:
        with connection.connection.cursor() as cursor:  # scoping: allowed - session role, no rows
            cursor.execute("RESET ROLE")


@contextmanager
def owner_mode(using: str = DEFAULT_DB_ALIAS):
    """Work as the tables' owner (migrations, flushing test tables): role reset, every tenant visible."""
    connection = connections[using]
    _enter_owner(connection)
    try:
        yield
    finally:
        _leave_owner(connection)


# --- installing the policies ------------------------------------------------------------------


def missing_protection(connection) -> list[str]:
    """Tenant-owned tables lacking row security, FORCE, or the tenant policy (should be empty)."""
    tables = tenant_owned_tables()
    if connection.vendor != "postgresql" or not tables:
        return []
    with connection.cursor() as cursor:  # scoping: allowed - reads the catalogue, not tenant rows
        cursor.execute(
            """
            SELECT c.relname
            FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
            WHERE n.nspname = current_schema() AND c.relname = ANY(%s)
              AND c.relrowsecurity AND c.relforcerowsecurity
              AND EXISTS (SELECT 1 FROM pg_policies p WHERE p.schemaname = n.nspname
                          AND p.tablename = c.relname AND p.policyname = %s
                          AND p.cmd = 'ALL' AND p.qual LIKE '%%mash.tenant_id%%'
                          AND p.with_check LIKE '%%mash.tenant_id%%')
            """,
            [tables, POLICY],
        )
        protected = {row[0] for row in cursor.fetchall()}
    return [table for table in tables if table not in protected]


def install(using: str = DEFAULT_DB_ALIAS, *, verbosity: int = 1) -> list[str]:
    """Protect every tenant-owned table that is not yet protected; grant the app role. Idempotent."""
    connection = connections[using]
    if connection.vendor != "postgresql":
        return []
    with owner_mode(using):
        missing = missing_protection(connection)
        existing = set(connection.introspection.table_names())
        done = []
        with connection.cursor() as cursor:  # scoping: allowed - DDL installing the policies
            for table in missing:
                if table not in existing:
                    continue
                quoted = connection.ops.quote_name(table)
                cursor.execute(f"ALTER TABLE {quoted} ENABLE ROW LEVEL SECURITY")
                cursor.execute(f"ALTER TABLE {quoted} FORCE ROW LEVEL SECURITY")
                cursor.execute(f"DROP POLICY IF EXISTS {POLICY} ON {quoted}")
                cursor.execute(
                    f"CREATE POLICY {POLICY} ON {quoted} FOR ALL "
                    f"USING {POLICY_EXPRESSION} WITH CHECK {POLICY_EXPRESSION}"
                )
                done.append(table)
            _grant(cursor, connection)
    if done and verbosity:
        log.info("Row-level security installed on %s table(s): %s", len(done), ", ".join(done))
    return done


def _grant(cursor, connection) -> None:
    """The app role may read and write rows (row security decides which), never change the schema."""
    role = app_role() or "mash_app"
    cursor.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", [role])
    if cursor.fetchone() is None:
        return
    quoted = connection.ops.quote_name(role)
    statements = [
        f"GRANT USAGE ON SCHEMA public TO {quoted}",
        f"GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO {quoted}",
        f"GRANT USAGE, SELECT, UPDATE ON ALL SEQUENCES IN SCHEMA public TO {quoted}",
        # The audit log is append-only: its trigger refuses UPDATE and DELETE (mash migration 0002);
        # TRUNCATE fires no row trigger, so the application role never holds it.
        f"REVOKE TRUNCATE ON mash_auditevent FROM {quoted}",
    ]
    for statement in statements:
        cursor.execute(statement)


def on_pre_migrate(sender, using=DEFAULT_DB_ALIAS, **kwargs):
    """Migrations run as the owner: leave the app role for the rest of this migrate run."""
    connection = connections[using]
    if connection.vendor != "postgresql" or getattr(connection, "_mash_migrating", False):
        return
    connection._mash_migrating = True
    _enter_owner(connection)


def on_post_migrate(sender, using=DEFAULT_DB_ALIAS, verbosity=1, **kwargs):
    """After the last app's post_migrate: protect every tenant-owned table, then leave owner mode."""
    last = list(apps.get_app_configs())[-1]
    if sender is not last:
        return
    connection = connections[using]
    if connection.vendor != "postgresql":
        return
    install(using, verbosity=verbosity)
    if getattr(connection, "_mash_migrating", False):
        connection._mash_migrating = False
        _leave_owner(connection)
