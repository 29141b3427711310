import pytest
from django.db import connection, transaction

from mash import tenancy
from mash.models import AuditEvent
from mash.roles import Role


@pytest.fixture(autouse=True)
def _read_as_the_tenant(tenant_a):
    """Audit events are walled by tenant (row-level security): these tests read them as tenant A."""
    with tenancy.tenant_context(tenant_a):
        yield


@pytest.fixture
def admin_and_agency(tenant_a, make_user, agency_factory):
    return make_user(tenant_a, Role.ADMIN), agency_factory(tenant=tenant_a, slug="housing", name="Housing")


def test_changing_an_agency_writes_who_what_when(admin_and_agency, api_as):
    admin, agency = admin_and_agency
    response = api_as(admin).patch(
        f"/api/v1/agencies/{agency.slug}/", {"name": "Housing options"}, format="json", HTTP_X_REQUEST_ID="req-123"
    )
    assert response.status_code == 200
    event = AuditEvent.objects.get(action="agency.changed")
    assert event.actor == admin
    assert event.actor_label == admin.username
    assert event.tenant == admin.tenant
    assert (event.object_type, event.object_id) == ("mash.agency", str(agency.pk))
    assert event.changes == {"name": ["Housing", "Housing options"]}
    assert event.request_id == "req-123"
    assert event.at is not None


def test_a_change_that_changes_nothing_writes_no_event(admin_and_agency, api_as):
    admin, agency = admin_and_agency
    api_as(admin).patch(f"/api/v1/agencies/{agency.slug}/", {"name": "Housing"}, format="json")
    assert not AuditEvent.objects.filter(action="agency.changed").exists()


def test_audit_events_cannot_be_updated_or_deleted_through_the_orm(admin_and_agency, api_as):
    admin, agency = admin_and_agency
    api_as(admin).patch(f"/api/v1/agencies/{agency.slug}/", {"name": "X"}, format="json")
    event = AuditEvent.objects.get()
    event.action = "tampered"
    with pytest.raises(PermissionError):
        event.save()
    with pytest.raises(PermissionError):
        event.delete()
    with pytest.raises(PermissionError):
        AuditEvent.objects.filter(pk=event.pk).update(action="tampered")
    with pytest.raises(PermissionError):
        AuditEvent.objects.all().delete()
    assert AuditEvent.objects.get().action == "agency.changed"


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the trigger is PostgreSQL's")
def test_the_database_refuses_update_and_delete_of_audit_rows(admin_and_agency, api_as):
    from django.db.utils import DatabaseError

    admin, agency = admin_and_agency
    api_as(admin).patch(f"/api/v1/agencies/{agency.slug}/", {"name": "X"}, format="json")
    for sql in ("UPDATE mash_auditevent SET action = 'tampered'", "DELETE FROM mash_auditevent"):
        with pytest.raises(DatabaseError, match="append-only"), transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(sql)
    assert AuditEvent.objects.get().action == "agency.changed"


def test_removing_an_agency_still_in_use_is_a_clear_conflict(admin_and_agency, api_as, make_user):
    admin, agency = admin_and_agency
    make_user(admin.tenant, Role.NAVIGATOR, agency=agency)
    response = api_as(admin).delete(f"/api/v1/agencies/{agency.slug}/")
    assert response.status_code == 409
    assert "still has staff" in response.data["detail"]


# --- audit.batched(): the events of a block in one INSERT -------------------------------------------------


def _inserts(captured) -> list[str]:
    return [q["sql"] for q in captured.captured_queries if q["sql"].startswith('INSERT INTO "mash_auditevent"')]


def test_a_batched_block_writes_its_events_in_one_insert_in_the_order_recorded(tenant_a, make_user):
    from django.test.utils import CaptureQueriesContext

    from mash import audit

    actor = make_user(tenant_a, Role.TRIAGE)
    with CaptureQueriesContext(connection) as captured, transaction.atomic():
        with audit.batched():
            for n in range(5):
                audit.record(actor=actor, action=f"thing.{n}", tenant=tenant_a, changes={"n": n})
            assert not AuditEvent.objects.filter(action__startswith="thing.").exists()  # not yet: at the end
        written = list(AuditEvent.objects.filter(action__startswith="thing.").order_by("id"))
    assert len(_inserts(captured)) == 1
    assert [e.action for e in written] == [f"thing.{n}" for n in range(5)]
    assert {(e.actor_id, e.actor_label, e.tenant_id) for e in written} == {(actor.pk, actor.username, tenant_a.pk)}
    assert all(e.at is not None for e in written)


def test_a_batched_block_that_fails_writes_none_of_its_events(tenant_a, make_user):
    from mash import audit

    actor = make_user(tenant_a, Role.TRIAGE)
    with pytest.raises(ValueError), transaction.atomic(), audit.batched():
        audit.record(actor=actor, action="thing.half_done", tenant=tenant_a)
        raise ValueError("the work failed")
    assert not AuditEvent.objects.filter(action="thing.half_done").exists()


def test_nested_batched_blocks_write_once_with_the_outer_one(tenant_a, make_user):
    from django.test.utils import CaptureQueriesContext

    from mash import audit

    actor = make_user(tenant_a, Role.TRIAGE)
    with CaptureQueriesContext(connection) as captured, audit.batched():
        audit.record(actor=actor, action="thing.outer", tenant=tenant_a)
        with audit.batched():
            audit.record(actor=actor, action="thing.inner", tenant=tenant_a)
        assert not AuditEvent.objects.filter(action__startswith="thing.").exists()
    assert len(_inserts(captured)) == 1
    assert list(
        AuditEvent.objects.filter(action__startswith="thing.").order_by("id").values_list("action", flat=True)
    ) == [
        "thing.outer",
        "thing.inner",
    ]


def test_an_event_inside_a_savepoint_rolled_back_within_a_batched_block_goes_with_its_change(tenant_a, make_user):
    """A change undone by a rollback to its savepoint must not leave its event behind, batched or not."""
    from mash import audit

    actor = make_user(tenant_a, Role.TRIAGE)
    with transaction.atomic(), audit.batched():
        audit.record(actor=actor, action="thing.kept", tenant=tenant_a)
        try:
            with transaction.atomic():  # a savepoint
                audit.record(actor=actor, action="thing.undone", tenant=tenant_a)
                raise ValueError("the change is undone")
        except ValueError:
            pass
        audit.record(actor=actor, action="thing.after", tenant=tenant_a)
    actions = list(
        AuditEvent.objects.filter(action__startswith="thing.").order_by("id").values_list("action", flat=True)
    )
    assert actions == ["thing.kept", "thing.after"]


def test_an_error_caught_inside_the_transaction_keeps_the_events_recorded_before_it(tenant_a, make_user):
    from mash import audit

    actor = make_user(tenant_a, Role.TRIAGE)
    with transaction.atomic():
        try:
            with audit.batched():
                audit.record(actor=actor, action="thing.changed", tenant=tenant_a)
                raise ValueError("a later step failed; the caller carries on")
        except ValueError:
            pass
    assert AuditEvent.objects.filter(action="thing.changed").count() == 1
