"""mash.inserts: rows held to the end of a block and written together, one statement for every table."""

from datetime import timedelta
from unittest import mock

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from deadlines.models import Clock, Notification
from mash import audit, inserts, tenancy
from mash.models import AuditEvent
from mash.roles import Role

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _in_tenant_a(tenant_a):
    with tenancy.tenant_context(tenant_a):
        yield


def _clock(label="ALP-2026-000001") -> Clock:
    now = timezone.now()
    return Clock(
        kind="decision", subject_type="contacts.contact", subject_id=label[-4:], subject_label=label,
        started_at=now, due_at=now + timedelta(days=1), warn_at=now + timedelta(hours=20),
    )  # fmt: skip


def _writes(captured, table: str) -> list[str]:
    return [q["sql"] for q in captured.captured_queries if f'INSERT INTO "{table}"' in q["sql"]]


def test_rows_of_several_tables_are_written_in_one_statement_when_the_block_ends(tenant_a, make_user):
    actor = make_user(tenant_a, Role.TRIAGE)
    with CaptureQueriesContext(connection) as captured, transaction.atomic(), inserts.batched():
        clock = _clock()
        assert inserts.hold(clock)
        event = audit.record(actor=actor, action="clock.started", obj=clock, changes={"kind": "decision"})
        told = Notification(recipient=actor, kind="info", subject="ALP-2026-000001", message="Received.", url="")
        assert inserts.hold(told)
        audit.record(actor=actor, action="thing.after", tenant=tenant_a)
        assert clock.pk is None and not Clock.objects.filter(subject_label="ALP-2026-000001").exists()  # not yet
    statements = _writes(captured, "mash_clock")
    assert len(statements) == 1
    assert 'INSERT INTO "mash_auditevent"' in statements[0] and 'INSERT INTO "mash_notification"' in statements[0]
    assert len(_writes(captured, "mash_auditevent")) == 1
    # Each row has its id, and the event names the clock written beside it.
    assert Clock.objects.get(pk=clock.pk).subject_label == "ALP-2026-000001"
    assert Notification.objects.get(pk=told.pk).recipient == actor
    assert event.object_id == str(clock.pk)
    stored = list(AuditEvent.objects.filter(action__in=["clock.started", "thing.after"]).order_by("pk"))
    assert [(e.action, e.object_type, e.object_id) for e in stored] == [
        ("clock.started", "deadlines.clock", str(clock.pk)),
        ("thing.after", "", ""),
    ]
    assert stored[0].pk == event.pk and not clock._state.adding


def test_each_tables_rows_keep_the_order_they_were_held_in(tenant_a, make_user):
    actor = make_user(tenant_a, Role.TRIAGE)
    with transaction.atomic(), inserts.batched():
        clocks = [_clock(f"ALP-2026-00000{n}") for n in range(1, 5)]
        for clock in clocks:
            inserts.hold(clock)
            audit.record(actor=actor, action="clock.started", obj=clock)
    assert [c.pk for c in clocks] == sorted(c.pk for c in clocks)
    for clock in clocks:
        assert Clock.objects.get(pk=clock.pk).subject_label == clock.subject_label
    named = list(AuditEvent.objects.filter(action="clock.started").order_by("pk").values_list("object_id", flat=True))
    assert named[-4:] == [str(c.pk) for c in clocks]


def test_a_row_of_another_tenant_or_inside_a_savepoint_is_not_held(tenant_a, tenant_b, make_user):
    """The caller writes those at once: another tenant's in its own, a savepoint's inside it (a rollback to it
    takes the row with its change)."""
    with transaction.atomic(), inserts.batched():
        elsewhere = _clock()
        elsewhere.tenant_id = tenant_b.pk
        assert not inserts.hold(elsewhere)
        with transaction.atomic():  # a savepoint
            assert not inserts.hold(_clock())
        assert inserts.hold(_clock())


def test_nothing_is_held_without_an_open_block():
    assert not inserts.hold(_clock())


def test_the_id_of_a_row_neither_saved_nor_held_is_refused():
    with pytest.raises(ValueError, match="neither saved nor held"):
        inserts.id_of(_clock())


def test_rows_that_name_a_row_of_their_own_table_are_refused(tenant_a, make_user):
    """A WITH clause cannot read its own rows: an event naming another held event fails, and writes nothing."""
    actor = make_user(tenant_a, Role.TRIAGE)
    with pytest.raises(ValueError, match="circle"), transaction.atomic(), inserts.batched():
        first = audit.record(actor=actor, action="thing.first", tenant=tenant_a)
        audit.record(actor=actor, action="thing.second", obj=first, label="the first")
    assert not AuditEvent.objects.filter(action__startswith="thing.").exists()


def test_a_write_too_large_for_one_statement_goes_table_by_table_in_the_order_needed(tenant_a, make_user):
    actor = make_user(tenant_a, Role.TRIAGE)
    with (
        mock.patch.object(inserts, "_MOST_PARAMETERS", 0),
        CaptureQueriesContext(connection) as captured,
        transaction.atomic(),
        inserts.batched(),
    ):
        audit.record(actor=actor, action="thing.before", tenant=tenant_a)  # the events' table held first
        clock = _clock()
        inserts.hold(clock)
        audit.record(actor=actor, action="clock.started", obj=clock)
    writes = [q["sql"] for q in captured.captured_queries if q["sql"].startswith("INSERT")]
    assert [sql.split('"')[1] for sql in writes] == ["mash_clock", "mash_auditevent"]  # the clock first
    assert AuditEvent.objects.get(action="clock.started").object_id == str(clock.pk)


def test_a_row_naming_a_row_held_in_another_block_is_refused(tenant_a, make_user):
    """An id is filled in only from the statement that writes its row: one held by an outer block, read from an
    inner block's write (inside a savepoint), has no clause to read it from."""
    actor = make_user(tenant_a, Role.TRIAGE)
    with pytest.raises(ValueError, match="not written with it"), transaction.atomic(), inserts.batched():
        clock = _clock()
        inserts.hold(clock)
        reference = inserts.id_of(clock, text=True)
        with transaction.atomic(), inserts.batched():  # a savepoint: a block of its own
            event = AuditEvent(tenant_id=tenant_a.pk, actor=actor, actor_label="x", action="thing.inner")
            event.object_id = reference
            assert inserts.hold(event)
            inserts.hold(Notification(recipient=actor, kind="info", subject="s", message="m", url=""))
