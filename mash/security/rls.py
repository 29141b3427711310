"""PostgreSQL row-level security: the database's own wall between tenants, behind the ORM scoping.

* Every walled table (each concrete model inheriting :class:`mash.tenancy.TenantOwned`, and the
  audit log, ``mash_auditevent``) gets ``ENABLE`` and ``FORCE ROW LEVEL SECURITY`` and exactly
  these policies, and no others:

  - :data:`POLICY`, ``TO`` the application role (``settings.DATABASE_APP_ROLE``, ``mash_app``): a
    row is visible and writable only when its ``tenant_id`` is the tenant the application handed
    to the database (:data:`POLICY_EXPRESSION`). There is no other way in: no setting, no flag.
  - :data:`SYSTEM_POLICY`, ``TO`` the system role (``settings.DATABASE_SYSTEM_ROLE``,
    ``mash_system``) only: every row (``USING (true)``). Cross-tenant system work (the named
    reasons in ``mash.tenancy.SYSTEM_REASONS``) runs as that role.
  - on the audit log, :data:`PLATFORM_EVENT_POLICY`: the application role may also *insert* an
    event of no tenant (a platform superuser signing in), and can never read one back.

  :func:`install` runs after every ``migrate`` (``post_migrate``), so tables other apps add later
  are covered without anyone remembering; it is idempotent and cheap when nothing is missing.
* Who may become which role is the database's decision, not the application's. The web process
  logs in *as* the application role (its own credentials); that role is a member of no other
  role, so ``SET ROLE`` / ``set_config('role', ...)`` to the system role, the owner or a superuser
  is refused by PostgreSQL, and nothing it can set opens another tenant. Workers, beat and
  management commands log in as the system role, which is a member of the application role:
  every connection assumes the application role for tenant work, and only inside
  ``system_context`` switches to the system role (``manage.py ensure_db_roles`` sets this up).
  In development and tests the connection logs in as the tables' owner (a superuser) and
  assumes the same roles with ``SET ROLE``. Migrations run as the owner: ``pre_migrate`` resets
  the role, the last ``post_migrate`` installs the policies and assumes the role again.
* The tenant and the role reach the database through an execute wrapper on every connection,
  before each statement that needs them (see :func:`_hand_over`): inside a transaction as
  ``SET LOCAL`` (``set_config(..., true)``, undone with the transaction); in autocommit, where
  each statement is its own transaction and ``SET LOCAL`` would vanish at once, as session
  settings that are re-synchronised before the next statement whenever the wanted ones differ.
  So a pooled connection never carries one request's tenant or role into the next. Either is
  issued only when the wanted tenant or role differs from what the database holds: once per
  transaction at most, again after a rollback to a savepoint (which may have undone it). Celery tasks
  enter ``tenant_context(tenant_id)`` (per task) and reach the same wrapper. When the statement
  is a query with parameters on a client-side binding cursor (the ORM's), the setting travels in
  the same message, ``SELECT set_config(...); <statement>``, one round trip for both: PostgreSQL
  runs such a message's statements in order, stops at the first error, and in autocommit wraps
  them in one transaction, so the statement never runs without its setting, and a failed
  statement takes its setting with it (the wrapper then issues it again).

Under SQLite (the embedded default) there is no row security; the ORM scoping stands alone.
"""

from __future__ import annotations

import functools
import hashlib
import hmac
import logging
import threading
from contextlib import contextmanager

from django.apps import apps
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import DEFAULT_DB_ALIAS, connections
from psycopg import ClientCursor
from psycopg.pq import TransactionStatus

from mash import tenancy

log = logging.getLogger(__name__)

POLICY = "mash_tenant_isolation"
SYSTEM_POLICY = "mash_system_work"
PLATFORM_EVENT_POLICY = "mash_platform_event_insert"
AUDIT_TABLE = "mash_auditevent"
# The tenant reaches the database signed (see signed_tenant); mash_tenant_id() checks the signature.
TENANT_SETTING = "mash.tenant"
TENANT_FUNCTION = "mash_tenant_id"
KEY_SCHEMA = "mash_rls"  # the owner's alone: neither role may use it
KEY_TABLE = f"{KEY_SCHEMA}.handover_key"
# A sub-select: the function runs once per statement (an InitPlan), not once per row.
POLICY_EXPRESSION = f"(tenant_id = (SELECT {TENANT_FUNCTION}()))"
# How PostgreSQL writes each expression back into pg_policies (compared with spaces removed).
_DEPARSED = {
    POLICY_EXPRESSION: f"(tenant_id = ( SELECT {TENANT_FUNCTION}() AS {TENANT_FUNCTION}))",
    "true": "true",
    "(tenant_id IS NULL)": "(tenant_id IS NULL)",
}

# The tenant the setting names, when its signature is right for this key and this backend; else NULL.
# SECURITY DEFINER: it reads the key, which its callers cannot. PARALLEL RESTRICTED: it runs in the
# leader, whose backend pid the signature names. PL/pgSQL, not SQL: a SECURITY DEFINER function is never
# inlined, and PostgreSQL plans a SQL function's body again in every statement that calls it (about
# 80 us here), while PL/pgSQL keeps its plan for the session (about 30 us); every walled table in every
# statement calls it once.
TENANT_FUNCTION_SQL = """
CREATE OR REPLACE FUNCTION public.mash_tenant_id() RETURNS bigint
LANGUAGE plpgsql STABLE PARALLEL RESTRICTED SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $fn$
DECLARE
    v text := current_setting('mash.tenant', true);
    k bytea;
BEGIN
    IF v IS NULL OR v !~ '^[1-9][0-9]{0,17}:[0-9a-f]{64}$' THEN
        RETURN NULL;
    END IF;
    SELECT h.key INTO k FROM mash_rls.handover_key h;
    IF split_part(v, ':', 2) = encode(sha256(k || sha256(
            k || convert_to(split_part(v, ':', 1) || ':' || pg_backend_pid(), 'UTF8'))), 'hex') THEN
        RETURN split_part(v, ':', 1)::bigint;
    END IF;
    RETURN NULL;
END
$fn$
"""

# set_config('role', ...) is SET ROLE, with the same permission check; 'none' is RESET ROLE.
_SET_SQL = f"SELECT set_config('{TENANT_SETTING}', %s, {{local}}), set_config('role', %s, {{local}})"
SET_SESSION = _SET_SQL.format(local="false")
SET_LOCAL = _SET_SQL.format(local="true")
NO_ROLE = "none"  # the role the connection logged in as (the owner, in owner mode)
_TRANSACTION_CONTROL = {"SAVEPOIN", "RELEASE ", "ROLLBACK"}
# Statements the setting may share a message with: rows read or written, never a command that refuses to run
# inside a transaction block (a multi-statement message is one), such as VACUUM or CREATE INDEX CONCURRENTLY.
_SHARES_A_MESSAGE = {"SELECT", "INSERT", "UPDATE", "DELETE", "WITH "}
_IDLE = TransactionStatus.IDLE
_UNKNOWN = ("?", "?")  # never wanted: the settings must be issued again


@functools.lru_cache(maxsize=4)
def _key_from(secret: str) -> bytes:
    return hmac.new(secret.encode(), b"mash.security.rls tenant handover", hashlib.sha256).digest()


def handover_key() -> bytes:
    """The key that signs the tenant handed to the database: derived from SECRET_KEY, which every
    process of one installation shares; ``install`` gives the database the same key."""
    return _key_from(settings.SECRET_KEY)


def signed_tenant(tenant_id: int, backend_pid: int) -> str:
    """``<tenant id>:<signature>`` for one database session (backend). A SQL injection can set the
    setting to anything, but cannot sign another tenant's id without the key, and a signature seen
    on another session is worthless on its own: the backend pid is part of what is signed."""
    key = handover_key()
    inner = hashlib.sha256(key + f"{tenant_id}:{backend_pid}".encode()).digest()
    return f"{tenant_id}:{hashlib.sha256(key + inner).hexdigest()}"


class NoSystemRole(ImproperlyConfigured):
    """Cross-tenant system work was asked of a process that has no system role (a web process)."""


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


def system_role() -> str:
    return getattr(settings, "DATABASE_SYSTEM_ROLE", "") or ""


def policy_roles() -> tuple[str, str]:
    """The (application, system) roles the policies name: the configured ones, else the defaults."""
    return app_role() or "mash_app", system_role() or "mash_system"


def tenant_owned_models() -> list:
    """Every concrete, managed model whose rows belong to one tenant."""
    from mash.tenancy import TenantOwned

    return [
        model
        for model in apps.get_models()
        if issubclass(model, TenantOwned) and not model._meta.abstract and model._meta.managed and not model._meta.proxy
    ]


def tenant_owned_tables() -> list[str]:
    return sorted({model._meta.db_table for model in tenant_owned_models()})


def walled_tables() -> list[str]:
    """Every table row-level security walls: the tenant-owned tables and the audit log."""
    return sorted({*tenant_owned_tables(), AUDIT_TABLE})


# --- the tenant and the role, handed to the database --------------------------------------------


def _wanted_role() -> str:
    if _depth():
        return NO_ROLE  # the owner: migrations, the test harness's table flush
    if tenancy.system_reason():
        role = system_role()
        if role:
            return role
        if app_role():
            raise NoSystemRole(
                f"Cross-tenant system work ({tenancy.system_reason()}) needs DATABASE_SYSTEM_ROLE, and a "
                "database login allowed to become it. Web processes have neither, by design; run this "
                "in a worker or a management command."
            )
        return NO_ROLE  # connected as the owner with no roles configured (DATABASE_APP_ROLE empty)
    return app_role() or NO_ROLE


def _wanted() -> tuple[str, str]:
    tenant_id = tenancy.current_tenant_id()
    return ("" if tenant_id is None else str(tenant_id), _wanted_role())


def _hand_over(execute, sql, params, many, context):
    """Execute wrapper: make the database's idea of the tenant and role match the application's first."""
    connection = context["connection"]
    if (
        connection.needs_rollback
        or getattr(connection, "_mash_rls_busy", False)
        or (isinstance(sql, str) and sql[:8].upper() in _TRANSACTION_CONTROL)
    ):
        # Savepoint statements touch no rows, and a rollback must run even in a failed transaction.
        if isinstance(sql, str) and sql[:8].upper() == "ROLLBACK" and getattr(connection, "_mash_rls_local", None):
            connection._mash_rls_local = _UNKNOWN  # a SET LOCAL may be undone: issue it again
        elif (
            isinstance(sql, str)
            and sql[:8].upper() == "SAVEPOIN"
            and connection.connection.info.transaction_status == _IDLE
        ):
            # It opens a new transaction (an atomic block straight inside another): the last transaction's
            # SET LOCAL ended with it, so the next statement must hand the tenant over again.
            connection._mash_rls_local = None
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
        # What a SET LOCAL made the settings in this transaction: None for none (the session's hold),
        # _UNKNOWN after a rollback to a savepoint (it may have undone one). Reset when this
        # statement opens a new transaction (libpq says idle: no BEGIN yet), so a SET LOCAL is
        # issued once per transaction and tenant, not before every statement.
        if connection.connection.info.transaction_status == _IDLE:
            connection._mash_rls_local = None
        local = getattr(connection, "_mash_rls_local", None)
        if (session if local is None else local) != wanted:
            statement = SET_LOCAL
            connection._mash_rls_local = wanted
    if statement is None:
        return execute(sql, params, many, context)
    tenant, role = wanted
    value = signed_tenant(int(tenant), connection.connection.info.backend_pid) if tenant else ""
    cursor = context["cursor"].cursor
    try:
        if (
            not many
            and isinstance(params, (list, tuple))
            and isinstance(sql, str)
            and sql[:6].upper() in _SHARES_A_MESSAGE
            and isinstance(cursor, ClientCursor)
        ):
            # One message, one round trip (see the module's docstring); the statement's result comes second.
            result = execute(f"{statement}; {sql}", (value, role, *params), many, context)
            cursor.nextset()
            return result
        connection._mash_rls_busy = True
        try:
            with connection.wrap_database_errors:
                cursor.execute(statement, (value, role))
        finally:
            connection._mash_rls_busy = False
    except Exception:
        if statement is SET_SESSION:
            connection._mash_rls_session = None  # unknown: set again before the next statement
        else:
            connection._mash_rls_local = _UNKNOWN
        raise
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
        connection._mash_rls_session = None  # the wrapper re-synchronises before the next statement
        connection._mash_rls_local = _UNKNOWN  # a session SET overrides a SET LOCAL too


def reset_role(connection) -> None:
    if connection.vendor == "postgresql" and connection.connection is not None:
        with connection.connection.cursor() as cursor:  # scoping: allowed - session role, no rows
            cursor.execute("RESET ROLE")
        connection._mash_rls_session = None
        connection._mash_rls_local = _UNKNOWN


@contextmanager
def owner_mode(using: str = DEFAULT_DB_ALIAS):
    """Work as the role the connection logged in as, the tables' owner (migrations, flushing test
    tables). A superuser owner is exempt from row security; the application never logs in as it."""
    connection = connections[using]
    _enter_owner(connection)
    try:
        yield
    finally:
        _leave_owner(connection)


# --- installing the policies ------------------------------------------------------------------


def expected_policies(table: str) -> dict[str, tuple[str, str, str | None, str | None]]:
    """The policies ``table`` must carry, and no others: name -> (command, role, USING, WITH CHECK)."""
    app, system = policy_roles()
    policies = {
        POLICY: ("ALL", app, POLICY_EXPRESSION, POLICY_EXPRESSION),
        SYSTEM_POLICY: ("ALL", system, "true", "true"),
    }
    if table == AUDIT_TABLE:
        policies[PLATFORM_EVENT_POLICY] = ("INSERT", app, None, "(tenant_id IS NULL)")
    return policies


def _normal(expression: str | None) -> str | None:
    return None if expression is None else "".join(expression.split())


def missing_protection(connection) -> list[str]:
    """Walled tables lacking row security, FORCE, or exactly the expected policies (should be empty).

    Any policy other than :func:`expected_policies`, or one naming another role or expression, is a
    potential way round the wall, so its table is reported (and :func:`install` replaces it)."""
    tables = walled_tables()
    if connection.vendor != "postgresql" or not tables:
        return []
    with connection.cursor() as cursor:  # scoping: allowed - reads the catalogue, not tenant rows
        cursor.execute(
            """
            SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
            WHERE n.nspname = current_schema() AND c.relname = ANY(%s)
              AND c.relrowsecurity AND c.relforcerowsecurity
            """,
            [tables],
        )
        secured = {row[0] for row in cursor.fetchall()}
        cursor.execute(
            """
            SELECT tablename, policyname, permissive, cmd, roles::text[], qual, with_check FROM pg_policies
            WHERE schemaname = current_schema() AND tablename = ANY(%s)
            """,
            [tables],
        )
        found: dict[str, dict] = {}
        for table, name, permissive, cmd, roles, qual, check in cursor.fetchall():
            found.setdefault(table, {})[name] = (permissive, cmd, list(roles), _normal(qual), _normal(check))
    missing = []
    for table in tables:
        want = {
            name: ("PERMISSIVE", cmd, [role], _normal(_DEPARSED.get(using)), _normal(_DEPARSED.get(check)))
            for name, (cmd, role, using, check) in expected_policies(table).items()
        }
        if table not in secured or found.get(table, {}) != want:
            missing.append(table)
    return missing


def _roles_present(cursor, roles) -> set[str]:
    cursor.execute("SELECT rolname FROM pg_roles WHERE rolname = ANY(%s)", [list(roles)])
    return {row[0] for row in cursor.fetchall()}


def install(using: str = DEFAULT_DB_ALIAS, *, verbosity: int = 1) -> list[str]:
    """Wall every walled table that is not exactly as :func:`expected_policies` says; grant the roles.

    Idempotent. Every other policy on those tables is dropped: only this module writes them. The
    roles must exist (``manage.py ensure_db_roles``); without them the tables stay walled for
    everyone but the owner, and are reported by :func:`missing_protection`."""
    connection = connections[using]
    if connection.vendor != "postgresql":
        return []
    with owner_mode(using):
        missing = missing_protection(connection)
        existing = set(connection.introspection.table_names())
        done = []
        with connection.cursor() as cursor:  # scoping: allowed - DDL installing the policies
            absent = set(policy_roles()) - _roles_present(cursor, policy_roles())
            _install_handover(cursor, connection, present=set(policy_roles()) - absent)
            for table in missing:
                if table not in existing:
                    continue
                quoted = connection.ops.quote_name(table)
                cursor.execute(f"ALTER TABLE {quoted} ENABLE ROW LEVEL SECURITY")
                cursor.execute(f"ALTER TABLE {quoted} FORCE ROW LEVEL SECURITY")
                cursor.execute(
                    "SELECT policyname FROM pg_policies WHERE schemaname = current_schema() AND tablename = %s",
                    [table],
                )
                for (name,) in cursor.fetchall():
                    cursor.execute(f"DROP POLICY {connection.ops.quote_name(name)} ON {quoted}")
                if absent:
                    continue
                for name, (cmd, role, using_, check) in expected_policies(table).items():
                    clauses = (f" USING ({using_})" if using_ else "") + (f" WITH CHECK ({check})" if check else "")
                    cursor.execute(
                        f"CREATE POLICY {name} ON {quoted} AS PERMISSIVE FOR {cmd} "
                        f"TO {connection.ops.quote_name(role)}{clauses}"
                    )
                done.append(table)
            if absent:
                log.warning(
                    "Row-level security: role(s) %s missing (run manage.py ensure_db_roles, then migrate); "
                    "walled tables are closed to everyone but their owner until then.",
                    ", ".join(sorted(absent)),
                )
            _grant(cursor, connection)
    if done and verbosity:
        log.info("Row-level security installed on %s table(s): %s", len(done), ", ".join(done))
    return done


def _install_handover(cursor, connection, *, present: set[str]) -> None:
    """The key (in a schema only the owner uses) and the function that checks the signed tenant."""
    cursor.execute(f"CREATE SCHEMA IF NOT EXISTS {KEY_SCHEMA}")
    cursor.execute(f"REVOKE ALL ON SCHEMA {KEY_SCHEMA} FROM PUBLIC")
    cursor.execute(f"CREATE TABLE IF NOT EXISTS {KEY_TABLE} (key bytea NOT NULL)")
    cursor.execute(f"REVOKE ALL ON {KEY_TABLE} FROM PUBLIC")
    cursor.execute("SELECT key FROM mash_rls.handover_key")
    if [bytes(row[0]) for row in cursor.fetchall()] != [handover_key()]:
        cursor.execute("DELETE FROM mash_rls.handover_key")
        cursor.execute("INSERT INTO mash_rls.handover_key (key) VALUES (%s)", [handover_key()])
    cursor.execute(TENANT_FUNCTION_SQL)
    cursor.execute(f"REVOKE ALL ON FUNCTION public.{TENANT_FUNCTION}() FROM PUBLIC")
    for role in sorted(present):
        cursor.execute(f"GRANT EXECUTE ON FUNCTION public.{TENANT_FUNCTION}() TO {connection.ops.quote_name(role)}")


def _grant(cursor, connection) -> None:
    """Both roles may read and write rows (row security decides which), never change the schema."""
    for role in sorted(_roles_present(cursor, policy_roles())):
        quoted = connection.ops.quote_name(role)
        statements = [
            f"GRANT USAGE ON SCHEMA public TO {quoted}",
            f"GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO {quoted}",
            f"GRANT USAGE, SELECT, UPDATE ON ALL SEQUENCES IN SCHEMA public TO {quoted}",
            # The audit log is append-only: its trigger refuses UPDATE and DELETE (mash migration
            # 0002); TRUNCATE fires no row trigger, so neither role ever holds it.
            f"REVOKE TRUNCATE ON {AUDIT_TABLE} FROM {quoted}",
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
    """After the last app's post_migrate: wall every walled table, have the planner expect the largest tenant's
    share of each (``mash.tenant_statistics``), then leave owner mode."""
    last = list(apps.get_app_configs())[-1]
    if sender is not last:
        return
    connection = connections[using]
    if connection.vendor != "postgresql":
        return
    install(using, verbosity=verbosity)
    from mash.tenant_statistics import plan_for_the_largest_tenant

    plan_for_the_largest_tenant(using)
    if getattr(connection, "_mash_migrating", False):
        connection._mash_migrating = False
        _leave_owner(connection)
