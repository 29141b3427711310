"""PostgreSQL row-level security: with the ORM's scoping bypassed, another tenant's rows cannot be
seen or written, in every tenant-owned table; and no tenant-owned table is left without the policy."""

import pytest
from django.core.management import call_command
from django.db import DatabaseError, connection, transaction

from mash import tenancy
from mash.models import AuditEvent
from mash.security import rls
from tests.security.rls_helpers import insert_sql, plant

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="row-level security is PostgreSQL's"),
]

TENANT_OWNED = sorted(rls.tenant_owned_models(), key=lambda m: m._meta.label)
WALLED = [*TENANT_OWNED, AuditEvent]
APP_ROLE = "mash_app"


@pytest.fixture(scope="session")
def app_role(django_db_setup, django_db_blocker):
    """The application's role exists on the server (bin/test creates it too) and may use the tables."""
    call_command("ensure_db_roles", app_role=APP_ROLE, stdout=open("/dev/null", "w"))
    with django_db_blocker.unblock():
        rls.install()  # grants, had the role not existed when the test database was migrated
    return APP_ROLE


@pytest.fixture
def as_app(app_role, settings):
    """The connection works as the application role (what DATABASE_APP_ROLE does to every connection).

    Afterwards it goes back to what the run uses: still the role when the whole suite runs as it
    (bin/test sets DATABASE_APP_ROLE), the owner otherwise."""
    suite_role = settings.DATABASE_APP_ROLE
    settings.DATABASE_APP_ROLE = app_role
    rls.assume_app_role(connection)
    yield
    if suite_role:
        settings.DATABASE_APP_ROLE = suite_role
        rls.assume_app_role(connection)
    else:
        rls.reset_role(connection)


def _raw(sql, params=()):
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.rowcount, (cursor.fetchall() if cursor.description else None)


def _table(model):
    return connection.ops.quote_name(model._meta.db_table)


def _count(model, pk):
    return _raw(f"SELECT count(*) FROM {_table(model)} WHERE {model._meta.pk.column} = %s", [pk])[1][0][0]


def test_the_application_role_is_neither_superuser_nor_exempt_nor_owner(as_app):
    rows = _raw("SELECT current_user, r.rolsuper, r.rolbypassrls FROM pg_roles r WHERE r.rolname = current_user")[1]
    assert rows == [(APP_ROLE, False, False)]
    owners = _raw(
        "SELECT DISTINCT pg_get_userbyid(relowner) FROM pg_class WHERE relname = ANY(%s)", [rls.tenant_owned_tables()]
    )[1]
    assert APP_ROLE not in {owner for (owner,) in owners}


def test_with_database_app_role_set_every_connection_works_as_that_role(settings):
    # bin/test sets DATABASE_APP_ROLE=mash_app, so the whole suite meets row-level security as production does.
    if not settings.DATABASE_APP_ROLE:
        pytest.skip("this run works as the tables' owner (DATABASE_APP_ROLE is empty)")
    assert _raw("SELECT current_user")[1] == [(settings.DATABASE_APP_ROLE,)]


def test_every_tenant_owned_table_has_forced_row_security_and_the_tenant_policy():
    assert rls.tenant_owned_tables(), "no tenant-owned tables found: the registry walk is broken"
    assert "mash_auditevent" in rls.walled_tables()
    assert rls.missing_protection(connection) == []
    rows = _raw(
        "SELECT tablename FROM pg_policies WHERE policyname = %s AND tablename = ANY(%s)",
        [rls.POLICY, rls.walled_tables()],
    )[1]
    assert {t for (t,) in rows} == set(rls.walled_tables())


def test_a_tenant_owned_table_without_its_policy_is_reported():
    table = rls.walled_tables()[0]
    # Only the tables' owner may change a table (the application role never can: see below).
    with transaction.atomic(), rls.owner_mode():
        _raw(f"ALTER TABLE {connection.ops.quote_name(table)} NO FORCE ROW LEVEL SECURITY")
        assert rls.missing_protection(connection) == [table]
        transaction.set_rollback(True)
    assert rls.missing_protection(connection) == []


def test_installing_again_changes_nothing():
    assert rls.install() == []


@pytest.mark.parametrize("model", WALLED, ids=lambda m: m._meta.db_table)
def test_raw_sql_as_tenant_a_cannot_see_or_write_tenant_b_rows(model, tenant_a, tenant_b, as_app):
    mine = plant(model, tenant_a.pk)
    theirs = plant(model, tenant_b.pk)
    table, pk = _table(model), model._meta.pk.column

    with tenancy.tenant_context(tenant_a):
        assert _count(model, mine) == 1  # the wall lets a tenant's own rows through
        assert _count(model, theirs) == 0  # SELECT: tenant B's row does not exist for A
        assert _raw(f"SELECT count(*) FROM {table} WHERE tenant_id = %s", [tenant_b.pk])[1][0][0] == 0
        assert _raw(f"UPDATE {table} SET tenant_id = tenant_id WHERE {pk} = %s", [theirs])[0] == 0
        assert _raw(f"DELETE FROM {table} WHERE {pk} = %s", [theirs])[0] == 0
        sql, values, _ = insert_sql(model, tenant_b.pk)
        with pytest.raises(DatabaseError, match="row-level security"), transaction.atomic():
            _raw(sql, values)  # INSERT a row for tenant B
        # Moving A's row into tenant B is refused (append-only tables refuse every UPDATE first).
        with pytest.raises(DatabaseError, match=r"row-level security|append-only"), transaction.atomic():
            _raw(f"UPDATE {table} SET tenant_id = %s WHERE {pk} = %s", [tenant_b.pk, mine])

    with tenancy.tenant_context(tenant_b):
        assert _count(model, theirs) == 1  # untouched by A's UPDATE and DELETE


@pytest.mark.parametrize("model", TENANT_OWNED[:1], ids=lambda m: m._meta.db_table)
def test_no_tenant_sees_nothing_and_only_named_system_work_sees_every_tenant(model, tenant_a, tenant_b, as_app):
    rows = [plant(model, tenant_a.pk), plant(model, tenant_b.pk)]
    assert [_count(model, pk) for pk in rows] == [0, 0]
    with tenancy.system_context("retention"):
        assert [_count(model, pk) for pk in rows] == [1, 1]
        with tenancy.tenant_context(tenant_a):  # entering a tenant walls the work again
            assert [_count(model, pk) for pk in rows] == [1, 0]
    with pytest.raises(ValueError, match="not a named system path"), tenancy.system_context("because"):
        pass


def test_the_orm_sees_only_the_active_tenant_even_through_the_unscoped_manager(tenant_a, tenant_b, as_app):
    from mash.models import Agency

    with tenancy.tenant_context(tenant_a):
        Agency.objects.create(slug="police", name="Police A")
    with tenancy.tenant_context(tenant_b):
        Agency.objects.create(slug="police", name="Police B")
        # all_tenants is the ORM's deliberate bypass; the database still walls the tenant.
        assert list(Agency.all_tenants.values_list("name", flat=True)) == ["Police B"]


def test_a_connection_does_not_carry_one_tenant_into_the_next_piece_of_work(tenant_a, as_app):
    from mash.models import Agency

    with tenancy.tenant_context(tenant_a):
        Agency.objects.create(slug="health", name="Health A")
        assert Agency.all_tenants.count() == 1
    assert Agency.all_tenants.count() == 0  # the same connection, no tenant: nothing


def test_the_application_role_cannot_change_a_table(tenant_a, as_app):
    table = connection.ops.quote_name(rls.tenant_owned_tables()[0])
    with pytest.raises(DatabaseError, match="must be owner"), transaction.atomic():
        _raw(f"ALTER TABLE {table} NO FORCE ROW LEVEL SECURITY")


def test_the_deadline_sweep_still_works_across_tenants_as_named_system_work(tenant_a, tenant_b, as_app):
    from datetime import timedelta

    from deadlines import services
    from deadlines.models import Clock
    from tests.deadlines.builders import T0, make_hub, start

    clocks = [start(make_hub(tenant)) for tenant in (tenant_a, tenant_b)]
    assert tenancy.current_tenant_id() is None  # the sweep runs as beat runs it: in no tenant
    result = services.sweep(now=T0 + timedelta(hours=5))
    assert result.clocks == 2  # one breach each, in both tenants
    for clock in clocks:
        with tenancy.tenant_context(clock.tenant_id):
            assert Clock.objects.get(pk=clock.pk).breached_at is not None
    # Its cross-tenant reads are named system work: once it is over, no tenant's clock is visible.
    assert _raw("SELECT count(*) FROM mash_clock")[1][0][0] == 0


def test_the_operations_report_lists_missed_clocks_of_every_tenant(tenant_a, tenant_b, as_app):
    from datetime import timedelta

    from deadlines.selectors import overdue_unprocessed_clocks
    from tests.deadlines.builders import T0, make_hub, start

    clocks = [start(make_hub(tenant)) for tenant in (tenant_a, tenant_b)]
    missed = overdue_unprocessed_clocks(now=T0 + timedelta(hours=5))
    assert [(c.pk, c.tenant.slug) for c in missed] == [(c.pk, c.tenant.slug) for c in clocks]


def test_the_application_role_cannot_rewrite_or_empty_the_audit_log(tenant_a, as_app):
    from mash import audit
    from mash.models import AuditEvent

    with tenancy.tenant_context(tenant_a):
        audit.record(actor=None, action="contact.viewed", tenant=tenant_a)
        # Inside its tenant, where the row is visible, the trigger refuses the change.
        for sql in (
            "UPDATE mash_auditevent SET action = 'tampered'",
            "DELETE FROM mash_auditevent",
            "TRUNCATE mash_auditevent",
        ):
            with pytest.raises(DatabaseError, match=r"append-only|permission denied"), transaction.atomic():
                _raw(sql)
        assert list(AuditEvent.objects.values_list("action", flat=True)) == ["contact.viewed"]
    # Outside it the event does not even exist for the application role.
    assert _raw("UPDATE mash_auditevent SET action = 'tampered'")[0] == 0
    assert AuditEvent.objects.count() == 0


def test_audit_events_are_walled_by_tenant_and_platform_events_are_write_only(tenant_a, tenant_b, make_user, as_app):
    from mash import audit
    from mash.models import AuditEvent, User

    alice = make_user(tenant_a)
    root = User.objects.create_superuser("platform-root", "root@example.org", "x")
    # A sign-in happens before any tenant is active: the event is written in the actor's tenant.
    audit.record(actor=alice, action="user.signed_in")
    with tenancy.tenant_context(tenant_b):
        audit.record(actor=None, action="contact.viewed", tenant=tenant_b)
    platform = audit.record(actor=root, action="user.signed_in")  # no tenant: written, never read back
    assert platform.pk is None and platform.tenant_id is None

    with tenancy.tenant_context(tenant_a):
        assert list(AuditEvent.objects.values_list("action", "actor_label")) == [("user.signed_in", alice.username)]
        assert _raw("SELECT count(*) FROM mash_auditevent WHERE tenant_id IS NULL")[1] == [(0,)]
        with pytest.raises(tenancy.TenantNotSet):
            audit.record(actor=None, action="contact.viewed", tenant=tenant_b)
    with tenancy.tenant_context(tenant_b):
        assert list(AuditEvent.objects.values_list("action", flat=True)) == ["contact.viewed"]
    assert AuditEvent.objects.count() == 0
    with tenancy.system_context("retention"):  # only the system role reads every tenant's and platform's
        assert AuditEvent.objects.count() == 3
        assert AuditEvent.objects.filter(tenant__isnull=True, actor=root).count() == 1


def test_no_policy_lets_the_application_role_past_the_tenant(as_app):
    """The policy text itself: the application role's only way in is the signed tenant (or, for the
    audit log, writing an event of no tenant); every-row access is granted to the system role alone."""
    app_role, system_role = rls.policy_roles()
    policies = _raw(
        "SELECT tablename, policyname, roles::text[], coalesce(qual, ''), coalesce(with_check, '') "
        "FROM pg_policies WHERE tablename = ANY(%s)",
        [rls.walled_tables()],
    )[1]
    assert policies
    for table, name, roles, using, check in policies:
        text = f"{using} {check}"
        assert "mash.system" not in text and "public" not in roles, (table, name)
        if roles == [app_role]:
            platform_event = (name, using, check) == (rls.PLATFORM_EVENT_POLICY, "", "(tenant_id IS NULL)")
            assert platform_event or ("mash_tenant_id()" in using and "mash_tenant_id()" in check), (table, name)
            assert "true" not in text.lower().replace("mash_tenant_id", ""), (table, name)
            assert " or " not in text.lower(), (table, name)
        else:
            assert roles == [system_role], (table, name, roles)


def test_a_policy_opening_a_bypass_is_reported_and_removed_by_install(as_app):
    table = connection.ops.quote_name("mash_auditevent")
    with rls.owner_mode():
        _raw(f"CREATE POLICY sneaky ON {table} TO mash_app USING (current_setting('mash.system', true) = 'on')")
    assert rls.missing_protection(connection) == ["mash_auditevent"]
    assert rls.install() == ["mash_auditevent"]
    assert rls.missing_protection(connection) == []
    assert _raw("SELECT count(*) FROM pg_policies WHERE policyname = 'sneaky'")[1] == [(0,)]


def test_a_process_without_the_system_role_cannot_do_system_work(tenant_a, as_app, settings):
    """What a web process is: DATABASE_SYSTEM_ROLE empty. Cross-tenant work fails loudly, not quietly."""
    plant(TENANT_OWNED[0], tenant_a.pk)
    settings.DATABASE_SYSTEM_ROLE = ""
    with pytest.raises(rls.NoSystemRole), tenancy.system_context("deadline-report"):
        _raw(f"SELECT count(*) FROM {_table(TENANT_OWNED[0])}")


def test_a_forged_tenant_setting_shows_nothing_even_through_the_application_connection(tenant_a, tenant_b, as_app):
    model = TENANT_OWNED[0]
    theirs = plant(model, tenant_b.pk)
    with tenancy.tenant_context(tenant_a), transaction.atomic():
        for forged in (str(tenant_b.pk), f"{tenant_b.pk}:{'f' * 64}", f"{tenant_b.pk}:ab:cd"):
            rows = _raw(
                f"SELECT set_config('mash.tenant', %s, true), (SELECT count(*) FROM {_table(model)} WHERE "
                f"{model._meta.pk.column} = %s)",
                [forged, theirs],
            )[1]
            assert rows[0][1] == 0, forged


def test_the_tenant_policy_is_checked_once_per_statement_not_once_per_row(tenant_a, as_app):
    """The fast form: the signed-tenant check is a scalar sub-select, evaluated once (an InitPlan)."""
    qualifiers = _raw(
        "SELECT tablename, qual, with_check FROM pg_policies WHERE policyname = %s AND tablename = ANY(%s)",
        [rls.POLICY, rls.walled_tables()],
    )[1]
    assert {table for table, *_ in qualifiers} == set(rls.walled_tables())
    for table, using, check in qualifiers:
        for text in (using, check):
            assert "".join(text.split()) == "(tenant_id=(SELECTmash_tenant_id()ASmash_tenant_id))", (table, text)
    with tenancy.tenant_context(tenant_a), transaction.atomic():
        plan = "\n".join(row for (row,) in _raw("EXPLAIN (COSTS OFF) SELECT * FROM mash_auditevent")[1])
    assert "InitPlan" in plan, plan


def test_the_tenant_is_handed_over_once_per_transaction_and_again_after_a_rollback(tenant_a, as_app, monkeypatch):
    issued = []
    real = rls.signed_tenant
    monkeypatch.setattr(rls, "signed_tenant", lambda *args: issued.append(args) or real(*args))
    mine = plant(AuditEvent, tenant_a.pk)
    with tenancy.tenant_context(tenant_a), transaction.atomic():
        issued.clear()
        for _ in range(5):
            assert _count(AuditEvent, mine) == 1
        assert len(issued) == 1  # not before every statement
        try:
            with transaction.atomic(), tenancy.tenant_context(None):  # a savepoint, rolled back: it
                assert _count(AuditEvent, mine) == 0  # undoes the SET LOCAL of no tenant made in it
                raise RuntimeError
        except RuntimeError:
            pass
        with tenancy.tenant_context(None):
            assert _count(AuditEvent, mine) == 0  # so no tenant is handed over again, not assumed
        assert _count(AuditEvent, mine) == 1
    with tenancy.tenant_context(tenant_a), transaction.atomic():
        issued.clear()
        assert _count(AuditEvent, mine) == 1
        assert len(issued) <= 1


@pytest.mark.django_db(transaction=True)
def test_a_transaction_that_opens_with_a_savepoint_is_still_handed_its_own_tenant(tenant_a, tenant_b, as_app):
    """A transaction whose first statement is a savepoint (an atomic block opened straight inside another: intake
    saving a police notification, whose occurrence number may clash) was not seen to begin, so the tenant handed
    to the one before it was taken as still set, though its SET LOCAL had ended with it. What the database then
    held was the session's tenant: the last one read outside a transaction on this connection. Here that is
    tenant B, and tenant A's next transaction could read B's rows (and could not insert its own)."""
    from mash.models import Agency

    theirs = plant(AuditEvent, tenant_b.pk)
    with tenancy.tenant_context(tenant_b):
        assert _count(AuditEvent, theirs) == 1  # outside a transaction: the session's tenant is now B
    with tenancy.tenant_context(tenant_a):
        with transaction.atomic():
            assert _count(AuditEvent, theirs) == 0  # this transaction is handed A
        with transaction.atomic(), transaction.atomic():  # the next one opens with a SAVEPOINT
            assert _count(AuditEvent, theirs) == 0
            Agency.objects.create(slug="health", name="Health A")
        with transaction.atomic():
            assert Agency.objects.filter(slug="health").count() == 1


@pytest.fixture
def sent(monkeypatch):
    """Every message the connection sends the server through a cursor (the statements, with any tenant setting)."""
    import psycopg

    messages = []
    real = psycopg.Cursor.execute

    def execute(self, query, params=None, **kwargs):
        messages.append(query if isinstance(query, str) else str(query))
        return real(self, query, params, **kwargs)

    monkeypatch.setattr(psycopg.Cursor, "execute", execute)
    return messages


@pytest.mark.django_db(transaction=True)
def test_the_tenant_travels_in_the_same_message_as_the_statement_that_needs_it(tenant_a, tenant_b, as_app, sent):
    """A round trip saved on the first statement of every request (and every tenant change) outside a transaction,
    and on the first of every transaction: the setting and the statement go to the server together."""
    mine, theirs = plant(AuditEvent, tenant_a.pk), plant(AuditEvent, tenant_b.pk)
    with tenancy.tenant_context(tenant_b):
        assert _count(AuditEvent, theirs) == 1
    sent.clear()
    with tenancy.tenant_context(tenant_a):
        assert (_count(AuditEvent, mine), _count(AuditEvent, theirs)) == (1, 0)
    assert len(sent) == 2, sent  # two statements, two messages: the first carried tenant A's setting
    assert sent[0].startswith(rls.SET_SESSION) and not sent[1].startswith("SELECT set_config"), sent
    sent.clear()
    with tenancy.tenant_context(tenant_b), transaction.atomic():
        assert (_count(AuditEvent, mine), _count(AuditEvent, theirs)) == (0, 1)
    assert len(sent) == 2 and sent[0].startswith(rls.SET_LOCAL), sent


@pytest.mark.django_db(transaction=True)
def test_a_statement_sharing_the_message_reports_its_own_rows(tenant_a, tenant_b, as_app):
    """Its result, row count and columns are the statement's, not the setting's."""
    from mash.models import Agency

    with tenancy.tenant_context(tenant_a):
        Agency.objects.create(slug="police", name="Police A")
    with tenancy.tenant_context(tenant_b):
        Agency.objects.create(slug="police", name="Police B")
    with tenancy.tenant_context(tenant_a):
        assert Agency.objects.filter(slug="police").update(name="Police (A)") == 1
    with tenancy.tenant_context(tenant_b):
        assert list(Agency.objects.filter(slug="police").values_list("name", flat=True)) == ["Police B"]
    with tenancy.tenant_context(tenant_a):
        rowcount, rows = _raw("UPDATE mash_agency SET name = name WHERE slug = %s RETURNING name", ["police"])
    assert (rowcount, rows) == (1, [("Police (A)",)])


@pytest.mark.django_db(transaction=True)
def test_a_failed_statement_takes_its_setting_with_it_and_the_next_is_handed_the_tenant_again(
    tenant_a, tenant_b, as_app
):
    """In autocommit the setting and the statement are one transaction: a failing statement undoes the setting, so
    the database still holds the tenant before it. The next statement must not be taken as already handed over."""
    from django.db import DataError

    mine, theirs = plant(AuditEvent, tenant_a.pk), plant(AuditEvent, tenant_b.pk)
    with tenancy.tenant_context(tenant_b):
        assert _count(AuditEvent, theirs) == 1  # the session now holds tenant B
    with tenancy.tenant_context(tenant_a):
        with pytest.raises(DataError):
            _raw("SELECT 1 / %s", [0])  # shares its message with tenant A's setting, and fails
        assert (_count(AuditEvent, mine), _count(AuditEvent, theirs)) == (1, 0)


@pytest.mark.django_db(transaction=True)
def test_statements_that_cannot_share_a_message_are_still_handed_the_tenant_first(tenant_a, tenant_b, as_app, sent):
    mine = plant(AuditEvent, tenant_a.pk)
    sent.clear()
    with tenancy.tenant_context(tenant_a), connection.cursor() as cursor:
        cursor.execute(f"SELECT count(*) FROM mash_auditevent WHERE id = {int(mine)}")  # no parameters
        assert cursor.fetchone() == (1,)
    assert len(sent) == 2 and sent[0] == rls.SET_SESSION, sent  # autocommit: the session's setting, alone


_SQL_LANGUAGE_CHECK = """
CREATE OR REPLACE FUNCTION public.mash_tenant_id() RETURNS bigint
LANGUAGE sql STABLE PARALLEL RESTRICTED SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $fn$
    SELECT CASE WHEN split_part(s.v, ':', 2) = encode(sha256(k.key || sha256(
                    k.key || convert_to(split_part(s.v, ':', 1) || ':' || pg_backend_pid(), 'UTF8'))), 'hex')
                THEN split_part(s.v, ':', 1)::bigint END
    FROM (SELECT current_setting('mash.tenant', true) AS v) s, mash_rls.handover_key k
    WHERE s.v ~ '^[1-9][0-9]{0,17}:[0-9a-f]{64}$'
$fn$
"""


def _the_check():
    return _raw(
        "SELECT l.lanname, p.prosecdef, p.proconfig FROM pg_proc p JOIN pg_language l ON l.oid = p.prolang "
        "WHERE p.oid = 'public.mash_tenant_id()'::regprocedure"
    )[1]


def test_the_tenant_check_keeps_its_plan_for_the_session_and_installing_brings_older_databases_to_it(
    tenant_a, tenant_b, as_app
):
    """Every statement on a walled table calls the check once. As a SQL function (how databases before this change
    hold it) PostgreSQL planned its body again in every statement, 50 us more each than PL/pgSQL's kept plan.
    Installing replaces the old form, and the check still tells a signed tenant from anything else."""
    mine = plant(AuditEvent, tenant_a.pk)
    with transaction.atomic(), rls.owner_mode():
        _raw(_SQL_LANGUAGE_CHECK)
        assert _the_check()[0][0] == "sql"
        rls.install()
        assert _the_check() == [("plpgsql", True, ["search_path=pg_catalog, pg_temp"])]
        transaction.set_rollback(True)
    with tenancy.tenant_context(tenant_a):
        assert _count(AuditEvent, mine) == 1
    with tenancy.tenant_context(tenant_b):
        assert _count(AuditEvent, mine) == 0
    with transaction.atomic():
        for forged in (f"{tenant_a.pk}:{'0' * 64}", str(tenant_a.pk), "", f"{tenant_a.pk}:{'a' * 63}"):
            _, rows = _raw(
                "SELECT set_config('mash.tenant', %s, true), (SELECT count(*) FROM mash_auditevent WHERE id = %s)",
                [forged, mine],
            )
            assert rows[0][1] == 0, forged
