"""Defence in depth: a SQL injection through the web process cannot reach another tenant's rows.

The web process logs in to PostgreSQL as the application role (``mash_app``) and nothing else. Here a
connection logs in exactly so, is handed tenant A as the application hands it (signed for its own
session), and then runs what an injected statement could: every setting it may set (the old
``mash.system`` switch, the tenant settings, forged and replayed signatures), every role it may try
to become, ``RESET ROLE``, session authorisation and ``row_security``. After each, not one row of
tenant B, nor a platform audit event, is visible in any walled table, while tenant A's rows were.
The rows are committed (a transactional test), so the second connection sees what production would.
"""

import psycopg
import pytest
from django.db import connection
from psycopg import sql

from mash.models import AuditEvent
from mash.security import rls
from tests.security.rls_helpers import plant

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="row-level security is PostgreSQL's"),
]

WALLED = sorted([*rls.tenant_owned_models(), AuditEvent], key=lambda m: m._meta.db_table)


def _login(role):
    params = connection.get_connection_params()
    return psycopg.connect(
        host=params.get("host") or "127.0.0.1",
        port=params.get("port") or 5432,
        dbname=params["dbname"],
        user=role,
        autocommit=True,
        connect_timeout=5,
    )


def _hand_tenant(conn, tenant_id):
    """What mash.security.rls does before a statement of a request in tenant ``tenant_id``."""
    conn.execute("SELECT set_config('mash.tenant', %s, false)", [rls.signed_tenant(tenant_id, conn.info.backend_pid)])


def _visible(conn, predicate, params):
    """Per walled table, how many rows matching ``predicate`` this connection can see."""
    counts = {}
    for model in WALLED:
        query = sql.SQL("SELECT count(*) FROM {} WHERE " + predicate).format(sql.Identifier(model._meta.db_table))
        counts[model._meta.db_table] = conn.execute(query, params).fetchone()[0]
    return counts


@pytest.fixture
def rows(tenant_a, tenant_b):
    """One committed row of every walled table in each tenant, and a platform audit event of none."""
    for model in WALLED:
        plant(model, tenant_a.pk)
        plant(model, tenant_b.pk)
    plant(AuditEvent, None)
    return tenant_a.pk, tenant_b.pk


@pytest.fixture
def web(rows, settings):
    app_role, _ = rls.policy_roles()
    conn = _login(app_role)
    yield conn
    conn.close()


def test_the_web_login_is_the_application_role_and_belongs_to_no_other_role(web):
    app_role, system_role = rls.policy_roles()
    assert web.execute("SELECT current_user, session_user").fetchone() == (app_role, app_role)
    assert web.execute(
        "SELECT rolsuper, rolbypassrls, rolcreaterole FROM pg_roles WHERE rolname = current_user"
    ).fetchone() == (False, False, False)
    granted = web.execute(
        "SELECT count(*) FROM pg_auth_members m JOIN pg_roles u ON u.oid = m.member WHERE u.rolname = %s", [app_role]
    ).fetchone()[0]
    assert granted == 0
    assert web.execute("SELECT pg_has_role(current_user, %s, 'MEMBER')", [system_role]).fetchone() == (False,)


def _attacks(web, tenant_b):
    """Every setting and role change an injected statement in the web connection could try."""
    app_role, system_role = rls.policy_roles()
    owner = web.execute("SELECT tableowner FROM pg_tables WHERE tablename = 'mash_auditevent'").fetchone()[0]
    granted = [
        name
        for (name,) in web.execute(
            "SELECT r.rolname FROM pg_auth_members m JOIN pg_roles r ON r.oid = m.roleid "
            "JOIN pg_roles u ON u.oid = m.member WHERE u.rolname = %s",
            [app_role],
        ).fetchall()
    ]
    # A valid signature of tenant B, as another web connection holds it for its own session.
    with _login(app_role) as other:
        replayed = rls.signed_tenant(tenant_b, other.info.backend_pid)
        _hand_tenant(other, tenant_b)
        assert _visible(other, "tenant_id = %s", [tenant_b])["mash_auditevent"] == 1  # valid there
    a_signature = web.execute("SELECT current_setting('mash.tenant')").fetchone()[0].split(":")[1]
    attacks = [
        "SET mash.system = on",
        "SELECT set_config('mash.system', 'on', false)",
        f"SELECT set_config('mash.tenant_id', '{tenant_b}', false), set_config('mash.system', 'on', false)",
        f"SELECT set_config('mash.tenant', '{tenant_b}', false)",
        "SELECT set_config('mash.tenant', '', false), set_config('mash.tenant_id', '', false)",
        f"SELECT set_config('mash.tenant', '{tenant_b}:{a_signature}', false)",  # A's signature, B's id
        f"SELECT set_config('mash.tenant', '{replayed}', false)",  # B's, replayed from another session
        f"SELECT set_config('mash.tenant', '{tenant_b}:{'0' * 64}', false)",
        "RESET ROLE",
        "SET SESSION AUTHORIZATION DEFAULT",
        "SET row_security = off",
        *(f'SET ROLE "{role}"' for role in sorted({system_role, owner, "postgres", *granted})),
        f"SELECT set_config('role', '{system_role}', false)",
        f'SET SESSION AUTHORIZATION "{owner}"',
        "SELECT * FROM mash_rls.handover_key",  # the key that would sign tenant B
        "SELECT set_config('search_path', 'pg_temp, public', false)",
        f"CREATE FUNCTION pg_temp.mash_tenant_id() RETURNS bigint LANGUAGE sql AS 'SELECT {tenant_b}::bigint'",
        "ALTER TABLE mash_auditevent DISABLE ROW LEVEL SECURITY",
        "DROP POLICY mash_tenant_isolation ON mash_auditevent",
        "CREATE POLICY open_door ON mash_auditevent USING (true)",
    ]
    return attacks


def test_no_setting_or_role_the_web_connection_can_change_shows_another_tenant(web, rows):
    tenant_a, tenant_b = rows
    _hand_tenant(web, tenant_a)
    # The control: the application's own handover shows tenant A's row in every walled table.
    assert set(_visible(web, "tenant_id = %s", [tenant_a]).values()) == {1}
    refused = []
    for attack in _attacks(web, tenant_b):
        _hand_tenant(web, tenant_a)
        try:
            web.execute(attack)
        except psycopg.errors.InsufficientPrivilege:
            refused.append(attack)
        assert web.execute("SELECT current_user").fetchone()[0] == rls.policy_roles()[0], attack
        try:
            foreign = _visible(web, "tenant_id IS DISTINCT FROM %s", [tenant_a])
        except psycopg.errors.InsufficientPrivilege as error:  # row_security = off: refused, not bypassed
            assert "row-level security" in str(error), attack
            web.execute("SET row_security = on")
            continue
        assert set(foreign.values()) == {0}, (attack, foreign)
    assert any("SET ROLE" in attack for attack in refused)
    assert any("handover_key" in attack for attack in refused)
    assert any("SESSION AUTHORIZATION" in attack for attack in refused)
    assert any("DISABLE ROW LEVEL SECURITY" in attack for attack in refused)


def test_everything_at_once_shows_no_other_tenant_either(web, rows):
    tenant_a, tenant_b = rows
    _hand_tenant(web, tenant_a)
    for attack in _attacks(web, tenant_b):
        try:
            web.execute(attack)
        except psycopg.errors.InsufficientPrivilege:
            pass
    web.execute("SET row_security = on")
    assert set(_visible(web, "tenant_id IS DISTINCT FROM %s", [tenant_a]).values()) == {0}


def test_the_system_role_is_for_workers_and_sees_every_tenant(rows):
    """The control on the other side: the worker's login does cross tenants, but only as itself."""
    tenant_a, tenant_b = rows
    app_role, system_role = rls.policy_roles()
    with _login(system_role) as worker:
        attributes = "SELECT rolsuper, rolbypassrls FROM pg_roles WHERE rolname = current_user"
        assert worker.execute(attributes).fetchone() == (False, False)
        counts = _visible(worker, "tenant_id IN (%s, %s) OR tenant_id IS NULL", [tenant_a, tenant_b])
        assert counts == {table: 3 if table == "mash_auditevent" else 2 for table in counts}
        # Tenant work in a worker steps down to the application role, and is walled like the web.
        worker.execute(sql.SQL("SET ROLE {}").format(sql.Identifier(app_role)))
        _hand_tenant(worker, tenant_a)
        assert set(_visible(worker, "tenant_id IS DISTINCT FROM %s", [tenant_a]).values()) == {0}
