"""Upgrading a database from before the engine left the mash app (mash/0004 and every other app at its
last migration of that release) to the new layout changes no row, and the pending clocks still breach.

Runs the real migrations backwards and forwards on the test database (transactional: migrations
cannot run inside the test's transaction), and always leaves it migrated to the latest state.
"""

from datetime import timedelta

import pytest
from django.contrib.auth.models import Permission
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from deadlines import services
from deadlines.models import Clock, EscalationStep, Notification
from mash.security import rls
from tests.deadlines.builders import T0, as_the_system

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow]

# The last migration of every app in the release before the move: the engine's models lived in mash.
BEFORE_THE_MOVE = [
    ("mash", "0004_early_help_feedback_clock"),
    ("deadlines", None),
    ("thresholds", "0002_early_help_feedback_clock"),
    ("contacts", "0003_triage_queue_index"),
    ("triage", "0001_initial"),
    ("navigators", "0003_immutable_returns"),
    ("earlyhelp", "0002_hub_workflow"),
    ("reporting", "0001_initial"),
    ("security", "0001_initial"),
]
MOVED = ("clock", "escalationstep", "notification")


def migrate(targets):
    """Run the project's migrations to ``targets`` as the tables' owner (as ``manage.py migrate`` does)."""
    with rls.owner_mode():
        executor = MigrationExecutor(connection)
        executor.migrate(targets)
        executor.loader.build_graph()
        return executor


def latest():
    return MigrationExecutor(connection).loader.graph.leaf_nodes()


def table_columns(table: str) -> str:
    with rls.owner_mode(), connection.cursor() as cursor:
        cursor.execute(f"SELECT * FROM {table} LIMIT 0")  # fixed table names
        return ", ".join(column.name for column in cursor.description)


def table_rows(table: str, columns: str = "*") -> list[tuple]:
    with rls.owner_mode(), connection.cursor() as cursor:
        cursor.execute(f"SELECT {columns} FROM {table} ORDER BY id")  # fixed table and column names
        return cursor.fetchall()


def content_types(app_label: str) -> dict[str, int]:
    ContentType.objects.clear_cache()
    return dict(ContentType.objects.filter(app_label=app_label, model__in=MOVED).values_list("model", "id"))


@pytest.fixture
def engine_types():
    """The engine's content types as the test database was created (current layout)."""
    types = content_types("deadlines")
    assert set(types) == set(MOVED)
    return types


@pytest.fixture
def before_the_move(engine_types):
    executor = migrate(BEFORE_THE_MOVE)
    try:
        yield executor.loader.project_state([node for node in BEFORE_THE_MOVE if node[1]]).apps
    finally:
        migrate(latest())
        ContentType.objects.clear_cache()


def test_the_move_keeps_every_row_and_pending_clocks_still_breach(hub, engine_types, before_the_move):
    tenant = hub.tenant
    migrated_back = content_types("mash")
    # Going back relabels them to the old app (same rows), so a real pre-move database is what we have.
    assert migrated_back == engine_types and content_types("deadlines") == {}
    permissions = Permission.objects.filter(content_type_id__in=engine_types.values())
    permission_ids = set(permissions.values_list("id", flat=True))
    assert permission_ids

    # The release before the move: its models are mash.Clock, mash.EscalationStep, mash.Notification.
    OldClock = before_the_move.get_model("mash", "Clock")
    OldNotification = before_the_move.get_model("mash", "Notification")
    OldEscalationStep = before_the_move.get_model("mash", "EscalationStep")
    with as_the_system():
        steps_before = OldEscalationStep.objects.filter(tenant_id=tenant.pk).count()
        assert steps_before > 0  # hub's ladders, read through the old model
        ladder = [
            {"level": 1, "who": "manager", "after_seconds": 0},
            {"level": 2, "who": "head", "after_seconds": 3600},
        ]
        pending = OldClock.objects.create(
            tenant_id=tenant.pk, kind="decision", subject_type="contacts.contact", subject_id="42",
            subject_label="ALP-00042", subject_url="/triage/contacts/42/", started_at=T0,
            due_at=T0 + timedelta(hours=8),
            warn_at=T0 + timedelta(hours=6), policy={"amount": "1", "unit": "working_days", "warn_fraction": "0.75",
            "time_zone": "Europe/London", "ladder": ladder}, responsible_ids=[hub.triage.pk],
        )  # fmt: skip
        warned = OldClock.objects.create(
            tenant_id=tenant.pk, kind="navigator_return", subject_type="navigators.informationrequest",
            subject_id="7", subject_label="ALP-00043", agency_id=hub.police.pk, started_at=T0,
            due_at=T0 + timedelta(hours=4), warn_at=T0 + timedelta(hours=3), warned_at=T0 + timedelta(hours=3),
            policy={"ladder": [{"level": 1, "who": "agency_lead", "after_seconds": 0}]},
            responsible_ids=[hub.navigator.pk],
        )  # fmt: skip
        OldNotification.objects.create(
            tenant_id=tenant.pk, recipient_id=hub.navigator.pk, clock_id=warned.pk, kind="warning",
            subject="ALP-00043", message="Due soon", created_at=T0 + timedelta(hours=3),
        )  # fmt: skip
    # The columns the tables had before the move: later migrations may add some (a ladder step's team).
    columns = {table: table_columns(table) for table in ("mash_clock", "mash_escalationstep", "mash_notification")}
    before = {table: table_rows(table, columns[table]) for table in columns}

    migrate(latest())

    # No row changed; the content types (and the permissions on them) are the same rows, relabelled.
    assert {table: table_rows(table, columns[table]) for table in before} == before
    assert content_types("deadlines") == engine_types and content_types("mash") == {}
    assert set(permissions.values_list("id", flat=True)) == permission_ids
    with as_the_system():
        assert Clock.all_tenants.filter(pk__in=[pending.pk, warned.pk]).count() == 2
        assert EscalationStep.all_tenants.filter(tenant=tenant).count() == steps_before
        assert Notification.all_tenants.get(clock_id=warned.pk).kind == "warning"

    # The engine, on the new models, breaches what was pending before the upgrade.
    services.process_due(now=T0 + timedelta(hours=8, minutes=30))
    with as_the_system():
        breached = Clock.all_tenants.get(pk=pending.pk)
        assert breached.breached_at is not None and breached.escalation_level == 1
        assert Clock.all_tenants.get(pk=warned.pk).breached_at is not None
        told = set(Notification.all_tenants.filter(clock=breached).values_list("kind", "recipient__username"))
    assert ("breach", hub.triage.username) in told
    assert ("escalation", hub.manager.username) in told


def test_wake_ups_queued_before_the_move_still_find_their_tasks():
    """Messages on the broker carry the task's name: the engine's tasks keep theirs."""
    from deadlines import tasks
    from mash.celery import app
    from reporting import tasks as reporting_tasks

    app.loader.import_default_modules()  # what a worker does at start: autodiscovery of <app>.tasks
    for name, task in [
        ("mash.deadlines.wake_clock", tasks.wake_clock),
        ("mash.deadlines.process_due_clocks", tasks.process_due_clocks),
        ("mash.deadlines.sweep_clocks", tasks.sweep_clocks),
        ("mash.reporting.rebuild_all_figures", reporting_tasks.rebuild_all_figures),
        ("mash.reporting.rebuild_tenant_figures", reporting_tasks.rebuild_tenant_figures),
    ]:
        assert app.tasks[name].run is task.run
    for entry in app.conf.beat_schedule.values():
        assert entry["task"] in app.tasks
