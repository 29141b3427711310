"""What a tenant's deadlines are computed from is kept in each process until it changes, however it changes.

The working calendar, clock lengths and escalation ladders are read once per process and kept under the tenant's
settings version (mash.tenant_settings), which PostgreSQL renews by trigger on every change to their rows
(mash migration 0016). These tests change them in every way the application, a bulk write or an operator's psql
can, and check the next deadline follows, and that a version is never handed out twice.
"""

from datetime import date, datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.db import connection, transaction
from django.utils import timezone

from deadlines.models import EscalationStep
from mash import tenancy, tenant_settings
from mash.models import Team, Tenant
from mash.roles import Role
from tests.contacts.builders import submit
from thresholds.calendars import calendar_for
from thresholds.models import CalendarSettings, ClockKind, ClockPolicy, ClosureDay
from thresholds.services import ensure_default_policy

pytestmark = pytest.mark.django_db

LONDON = ZoneInfo("Europe/London")


def _version(tenant) -> int:
    return Tenant.objects.filter(pk=tenant.pk).values_list("settings_version", flat=True).get()


def _raw(tenant, sql, params):
    """As an operator's psql or a data fix would: no model, no signal, no Python hook. Returns the rows changed."""
    with tenancy.tenant_context(tenant), connection.cursor() as cursor:  # scoping: allowed - as an operator would
        cursor.execute(sql, params)
        return cursor.rowcount


def _policy_save(tenant, team):
    policy = ClockPolicy.objects.get(kind=ClockKind.DECISION)
    policy.amount = Decimal("2")
    policy.save()


WRITES = {
    "a policy saved": _policy_save,
    "policies updated in bulk": lambda tenant, team: ClockPolicy.objects.update(warn_fraction=Decimal("0.5")),
    "a policy changed in raw SQL": lambda tenant, team: _raw(
        tenant, "UPDATE thresholds_clockpolicy SET amount = 3 WHERE tenant_id = %s AND kind = 'decision'", [tenant.pk]
    ),
    "ladder steps created in bulk": lambda tenant, team: EscalationStep.objects.bulk_create(
        [EscalationStep(tenant_id=tenant.pk, kind=ClockKind.DECISION, level=9, who="head", after=timedelta(0))]
    ),
    "a ladder deleted": lambda tenant, team: EscalationStep.objects.filter(kind=ClockKind.DECISION).delete(),
    "a closure day added": lambda tenant, team: ClosureDay.objects.create(date=date(2030, 1, 2), reason="Closed"),
    "the calendar changed in raw SQL": lambda tenant, team: _raw(
        tenant, "UPDATE thresholds_calendarsettings SET day_end = '16:00' WHERE tenant_id = %s", [tenant.pk]
    ),
    "a team a ladder names renamed": lambda tenant, team: Team.objects.filter(pk=team.pk).update(name="Renamed"),
    "the tenant row saved": lambda tenant, team: Tenant.objects.get(pk=tenant.pk).save(),
}


@pytest.fixture
def settled(tenant_a, tenant_b):
    """Both tenants with a calendar, policies, a ladder and a team, as committed long ago."""
    teams = {}
    for tenant in (tenant_a, tenant_b):
        with tenancy.tenant_context(tenant):
            ensure_default_policy(tenant=tenant)
            teams[tenant.pk] = Team.objects.create(name="Front door")
            EscalationStep.objects.create(kind=ClockKind.DECISION, level=1, who="team", team=teams[tenant.pk])
    return teams


@pytest.mark.parametrize("write", WRITES.values(), ids=WRITES.keys())
def test_every_way_of_changing_the_settings_gives_that_tenant_alone_a_new_version(tenant_a, tenant_b, settled, write):
    before, other = _version(tenant_a), _version(tenant_b)
    with tenancy.tenant_context(tenant_a):
        write(tenant_a, settled[tenant_a.pk])
    assert _version(tenant_a) > before
    assert _version(tenant_b) == other


def test_a_new_tenant_object_holds_the_version_its_row_was_given(tenant_a):
    assert tenant_a.settings_version == _version(tenant_a) > 0


def test_a_stale_tenant_object_saved_never_puts_an_old_version_back(tenant_a, settled):
    stale = Tenant.objects.get(pk=tenant_a.pk)
    with tenancy.tenant_context(tenant_a):
        ClockPolicy.objects.update(warn_fraction=Decimal("0.6"))
    changed = _version(tenant_a)
    stale.name = "Alpha Council"
    stale.save()
    assert _version(tenant_a) > changed > stale.settings_version


def test_a_version_a_rolled_back_change_took_is_never_given_again(tenant_a, settled):
    with pytest.raises(RuntimeError), transaction.atomic(), tenancy.tenant_context(tenant_a):
        ClockPolicy.objects.update(warn_fraction=Decimal("0.6"))
        abandoned = _version(tenant_a)
        raise RuntimeError("rolled back")
    with tenancy.tenant_context(tenant_a):
        ClockPolicy.objects.update(warn_fraction=Decimal("0.7"))
    assert _version(tenant_a) > abandoned


def _forget_that_this_test_changed_them():
    """The fixtures wrote the settings in this test's (never committed) transaction, so this connection reads them
    fresh; in production they were committed long ago and are kept: forget that they changed."""
    connection.__dict__.pop("_mash_settings_changing", None)


def _due(client, tenant) -> datetime:
    """A referrer's MARF's decision deadline (not shown to them: read as triage would)."""
    from contacts.models import Contact

    filed = submit(client)["id"]
    with tenancy.tenant_context(tenant):
        return Contact.objects.values_list("decision_due_at", flat=True).get(pk=filed)


def test_a_marf_follows_a_decision_length_changed_behind_the_applications_back(settled, make_user, tenant_a, api_as):
    """The first MARF keeps the policy in the process; an operator then shortens the decision clock in psql (no
    signal, no hook): the next MARF's deadline is the new one, with no restart and no time-out waited for."""
    client = api_as(make_user(tenant_a, Role.REFERRER))
    _forget_that_this_test_changed_them()
    before = timezone.now()
    assert _due(client, tenant_a) - before > timedelta(hours=5)  # one working day (at least the rest of today's hours)
    assert _due(client, tenant_a) - before > timedelta(hours=5)  # kept: the same
    assert _raw(
        tenant_a,
        "UPDATE thresholds_clockpolicy SET amount = 4, unit = 'clock_hours' WHERE tenant_id = %s AND kind = %s",
        [tenant_a.pk, ClockKind.DECISION],
    )
    started = timezone.now()
    due = _due(client, tenant_a)
    assert started + timedelta(hours=4) <= due <= timezone.now() + timedelta(hours=4)


def test_a_clock_copies_a_ladder_changed_behind_the_applications_back(settled, make_user, tenant_a, api_as):
    from deadlines.models import Clock

    client = api_as(make_user(tenant_a, Role.REFERRER))
    _forget_that_this_test_changed_them()
    submit(client)
    assert _raw(tenant_a, "UPDATE reporting_team SET name = 'MASH duty desk' WHERE id = %s", [settled[tenant_a.pk].pk])
    contact = submit(client)
    with tenancy.tenant_context(tenant_a):
        clock = Clock.objects.get(subject_type="contacts.contact", subject_id=str(contact["id"]))
    assert clock.policy["ladder"][0]["team"] == "MASH duty desk"


def test_the_calendar_follows_a_closure_day_added_behind_the_applications_back(settled, tenant_a):
    _forget_that_this_test_changed_them()
    monday = datetime(2030, 1, 7, 10, 0, tzinfo=LONDON)  # a Monday, no bank holiday
    with tenancy.tenant_context(tenant_a):
        tenant = Tenant.objects.get(pk=tenant_a.pk)
        assert calendar_for(tenant).add(monday, Decimal(1), "working_days").date() == date(2030, 1, 8)
        _raw(
            tenant_a,
            "INSERT INTO thresholds_closureday (tenant_id, date, reason) VALUES (%s, '2030-01-08', 'Training')",
            [tenant_a.pk],
        )
        assert calendar_for(tenant).add(monday, Decimal(1), "working_days").date() == date(2030, 1, 8)  # as read
        tenant = Tenant.objects.get(pk=tenant_a.pk)  # the next request reads the tenant again
        assert calendar_for(tenant).add(monday, Decimal(1), "working_days").date() == date(2030, 1, 9)


def test_the_transaction_that_changes_the_calendar_reads_its_change(settled, tenant_a):
    """Its Tenant object still holds the old version: the save marks the change, so it reads afresh."""
    _forget_that_this_test_changed_them()
    with tenancy.tenant_context(tenant_a):
        before = calendar_for(tenant_a)
        assert before.day_end == time(17, 0)
        settings = CalendarSettings.objects.get()
        settings.day_end = time(16, 0)
        settings.save()
        assert calendar_for(tenant_a).day_end == time(16, 0)


def test_a_tenant_without_a_version_is_never_kept(tenant_a):
    """The embedded SQLite default has no triggers: its tenants stay at 0 and every read builds."""
    unversioned = Tenant(pk=tenant_a.pk, settings_version=0)
    built = []
    for _ in range(2):
        tenant_settings.remembered(unversioned, "probe", lambda: built.append(1))
    assert len(built) == 2
    versioned = Tenant.objects.get(pk=tenant_a.pk)
    for _ in range(2):
        tenant_settings.remembered(versioned, "probe", lambda: built.append(1))
    assert len(built) == 3


def test_a_change_rolled_back_leaves_nothing_behind_in_the_process(settled, tenant_a):
    """An administrator's request (its tenant read at its start) saves the calendar, reads it back, then fails.
    It read its change, but kept nothing it built: after the rollback the version is the old one again, and so
    must be what is read under it."""
    _forget_that_this_test_changed_them()
    with tenancy.tenant_context(tenant_a):
        tenant = Tenant.objects.get(pk=tenant_a.pk)
        assert calendar_for(tenant).day_end == time(17, 0)
        with pytest.raises(RuntimeError), transaction.atomic():
            settings = CalendarSettings.objects.get()
            settings.day_end = time(15, 0)
            settings.save()
            assert calendar_for(tenant).day_end == time(15, 0)
            raise RuntimeError("the administrator's request failed after the save")
        assert calendar_for(tenant).day_end == time(17, 0)
        assert calendar_for(Tenant.objects.get(pk=tenant_a.pk)).day_end == time(17, 0)


def test_the_transaction_that_renames_a_team_in_bulk_reads_the_ladder_it_names(settled, tenant_a):
    """A bulk update sends no save signal: the team's manager marks the change itself, so the same request (its
    Tenant object holding the old version) starts its next clock with the ladder naming the team as renamed."""
    from deadlines.services import plan_clock

    _forget_that_this_test_changed_them()
    with tenancy.tenant_context(tenant_a):
        tenant = Tenant.objects.get(pk=tenant_a.pk)

        def ladder_team():
            return plan_clock(tenant=tenant, kind=ClockKind.DECISION, started_at=timezone.now()).policy["ladder"][0]

        assert ladder_team()["team"] == "Front door"
        with transaction.atomic():
            Team.objects.filter(pk=settled[tenant_a.pk].pk).update(name="MASH duty desk")
            assert ladder_team()["team"] == "MASH duty desk"


def test_warning_points_are_kept_only_under_the_tenant_they_were_read_in(settled, tenant_a, tenant_b):
    """Asked with another tenant's object, the active tenant's points are read (row-level security decides what is
    read) and nothing is kept, so the other tenant never gets them."""
    from thresholds.selectors import warn_fractions

    _forget_that_this_test_changed_them()
    with tenancy.tenant_context(tenant_a):
        ClockPolicy.objects.filter(kind=ClockKind.DECISION).update(warn_fraction=Decimal("0.5"))
    _forget_that_this_test_changed_them()
    b = Tenant.objects.get(pk=tenant_b.pk)
    with tenancy.tenant_context(tenant_a):
        assert warn_fractions(b)[ClockKind.DECISION] == Decimal("0.5")  # tenant A's, read under A
    with tenancy.tenant_context(tenant_b):
        assert warn_fractions(b)[ClockKind.DECISION] == Decimal("0.75")


@pytest.mark.django_db(transaction=True)
def test_once_a_change_commits_the_settings_are_kept_again_though_every_read_is_in_a_transaction():
    """A process changes a decision length (an administrator's request), and then only ever reads the settings
    inside transactions, as a MARF's request or a worker's task does. After the change commits, the next
    transaction builds the clock's plan afresh, and the one after reads nothing: the mark of the change ended with
    its transaction. (Before, it lasted until a read outside any transaction, so such a process read the policy
    and the ladder again on every MARF: six statements more each, in the bench's first run.)"""
    from django.test.utils import CaptureQueriesContext

    from deadlines.services import plan_clock
    from tests.factories import TenantFactory

    tenant = TenantFactory(slug="kept", reference_prefix="KPT")
    with tenancy.tenant_context(tenant):
        ensure_default_policy(tenant=tenant)

        def plan(reader):
            with transaction.atomic(), CaptureQueriesContext(connection) as read:
                plan_clock(tenant=reader, kind=ClockKind.DECISION, started_at=timezone.now())
            return [q["sql"] for q in read.captured_queries if "thresholds_clockpolicy" in q["sql"]]

        with transaction.atomic():  # the administrator's change, committed
            policy = ClockPolicy.objects.get(kind=ClockKind.DECISION)
            policy.amount = Decimal("2")
            policy.save()
        reader = Tenant.objects.get(pk=tenant.pk)  # the next request's tenant, with the new version
        first = plan(reader)
        again = plan(reader)
    assert first  # built afresh once, under the new version
    assert again == []
