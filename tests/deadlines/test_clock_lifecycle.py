"""A clock warns once, breaches once, climbs its ladder at the configured intervals, and stops."""

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core import mail
from django.db import IntegrityError

from deadlines import services
from deadlines.models import Clock, EscalationStep, Notification
from mash import tenancy
from mash.exceptions import Conflict, PolicyViolation
from mash.models import AuditEvent
from tests.deadlines.builders import HOUR, T0, as_the_system, notices, refreshed, start
from thresholds.services import ensure_default_policy

pytestmark = pytest.mark.django_db
LONDON = ZoneInfo("Europe/London")


def process(clock, now):
    with tenancy.tenant_context(clock.tenant_id):
        return services.process_clock(clock_id=clock.pk, now=now)


def test_due_and_warning_follow_the_tenants_working_calendar(hub):
    friday_1500 = datetime(2025, 11, 21, 15, 0, tzinfo=LONDON)
    clock = services.start_clock(
        tenant=hub.tenant, kind="decision", subject=hub.police, started_at=friday_1500, amount=4, unit="working_hours"
    )
    # DOMAIN.md: 4 working hours from Fri 15:00 is Mon 11:00; the warning at 3/4 of it, Mon 10:00.
    assert clock.due_at == datetime(2025, 11, 24, 11, 0, tzinfo=LONDON)
    assert clock.warn_at == datetime(2025, 11, 24, 10, 0, tzinfo=LONDON)
    assert clock.policy["unit"] == "working_hours"
    assert clock.policy["time_zone"] == "Europe/London"
    assert [s["who"] for s in clock.policy["ladder"]] == ["manager", "head"]


def test_length_and_warning_default_to_the_tenants_clock_policy(hub):
    with tenancy.tenant_context(hub.tenant):
        ensure_default_policy(tenant=hub.tenant)
    saturday = datetime(2025, 11, 22, 10, 0, tzinfo=LONDON)
    clock = services.start_clock(tenant=hub.tenant, kind="decision", subject=hub.police, started_at=saturday)
    # Working Together: a decision within one working day; from Sat 10:00 that is Mon 17:00.
    assert clock.due_at == datetime(2025, 11, 24, 17, 0, tzinfo=LONDON)
    assert Decimal(clock.policy["warn_fraction"]) == Decimal("0.75")


def test_a_clock_without_a_length_is_refused(hub):
    with pytest.raises(PolicyViolation):
        services.start_clock(tenant=hub.tenant, kind="navigator_return", subject=hub.police, started_at=T0)


def test_starting_the_same_clock_twice_on_one_subject_is_a_conflict(hub):
    start(hub)
    with pytest.raises(Conflict):
        start(hub)


def test_the_warning_goes_once_to_the_people_responsible(hub):
    clock = start(hub)  # 4 clock hours: warn after 3
    assert process(clock, T0 + 2 * HOUR) == []
    assert process(clock, T0 + 3 * HOUR) == ["warning"]
    assert process(clock, T0 + 3 * HOUR + timedelta(minutes=5)) == []
    assert notices(clock) == [("warning", 0, "alpha-nav-police")]
    assert refreshed(clock).warned_at == T0 + 3 * HOUR


def test_the_breach_is_recorded_once_and_the_first_escalation_told_once(hub):
    clock = start(hub)
    assert process(clock, T0 + 4 * HOUR) == ["breach", "escalation:1"]
    assert process(clock, T0 + 4 * HOUR + timedelta(seconds=30)) == []
    clock = refreshed(clock)
    assert clock.breached_at == T0 + 4 * HOUR
    assert clock.escalation_level == 1
    assert clock.next_escalation_at == T0 + 5 * HOUR
    # Level 1 of a navigator return is the lead of *this* agency, not every agency lead.
    assert notices(clock) == [("breach", 0, "alpha-nav-police"), ("escalation", 1, "alpha-lead-police")]
    with tenancy.tenant_context(clock.tenant_id):
        assert AuditEvent.objects.filter(action="clock.breached", object_id=str(clock.pk)).count() == 1


def test_the_ladder_walks_its_levels_at_the_configured_intervals_and_stops_at_the_top(hub):
    clock = start(hub)
    due = T0 + 4 * HOUR
    seen = []
    for at in [due - timedelta(seconds=1), due, due + 59 * timedelta(minutes=1), due + HOUR, due + 4 * HOUR,
               due + 5 * HOUR - timedelta(seconds=1), due + 5 * HOUR, due + 50 * HOUR]:  # fmt: skip
        with time_machine.travel(at, tick=False):
            services.sweep()
            seen.append(refreshed(clock).escalation_level)
    assert seen == [0, 1, 1, 2, 2, 2, 3, 3]
    clock = refreshed(clock)
    assert clock.next_escalation_at is None  # the top of the ladder: nothing more to wake for
    assert notices(clock, kind="escalation") == [
        ("escalation", 1, "alpha-lead-police"),
        ("escalation", 2, "alpha-manager"),
        ("escalation", 3, "alpha-head"),
    ]


def test_after_an_outage_every_level_due_is_told_once_in_order(hub):
    clock = start(hub)
    assert process(clock, T0 + 12 * HOUR) == ["breach", "escalation:1", "escalation:2", "escalation:3"]
    assert process(clock, T0 + 13 * HOUR) == []
    assert len(notices(clock)) == 4


def test_a_clock_met_before_it_is_due_never_warns_or_breaches(hub):
    clock = start(hub)
    with tenancy.tenant_context(hub.tenant):
        services.meet_clock(clock=clock, at=T0 + HOUR, actor=hub.navigator)
    for hours in (3, 4, 5, 10):
        assert process(clock, T0 + hours * HOUR) == []
    clock = refreshed(clock)
    assert (clock.breached_at, clock.escalation_level, clock.late_by) == (None, 0, None)
    assert notices(clock) == []


def test_a_clock_met_after_its_breach_stops_escalating_and_records_how_late(hub):
    clock = start(hub)
    process(clock, T0 + 4 * HOUR)
    with tenancy.tenant_context(hub.tenant):
        services.meet_clock(clock=clock, at=T0 + 4 * HOUR + timedelta(minutes=20), actor=hub.navigator)
    assert process(clock, T0 + 20 * HOUR) == []
    clock = refreshed(clock)
    assert clock.escalation_level == 1
    assert clock.next_escalation_at is None
    assert clock.late_by == timedelta(minutes=20)
    assert len(notices(clock)) == 2


def test_a_cancelled_clock_stops(hub):
    clock = start(hub)
    with tenancy.tenant_context(hub.tenant):
        with pytest.raises(PolicyViolation):
            services.cancel_clock(clock=clock, actor=hub.manager, reason=" ")
        services.cancel_clock(clock=clock, actor=hub.manager, reason="Contact withdrawn")
    assert process(clock, T0 + 10 * HOUR) == []
    assert notices(clock) == []


def test_retiming_later_is_refused(hub):
    clock = start(hub)
    with tenancy.tenant_context(hub.tenant), pytest.raises(PolicyViolation) as refused:
        services.retime_clock(clock=clock, due_at=clock.due_at + HOUR, actor=hub.manager, reason="Stepped down")
    assert refused.value.field == "due_at"
    assert refreshed(clock).due_at == T0 + 4 * HOUR


def test_retiming_earlier_moves_the_warning_and_the_breach(hub):
    clock = start(hub)
    with tenancy.tenant_context(hub.tenant):
        services.retime_clock(clock=clock, due_at=T0 + 2 * HOUR, actor=hub.manager, reason="Re-rated Red")
    clock = refreshed(clock)
    assert clock.warn_at == T0 + timedelta(minutes=90)
    assert process(clock, T0 + 2 * HOUR) == ["breach", "escalation:1"]


def test_an_escalation_with_nobody_in_the_role_goes_to_the_head_of_service(hub):
    clock = start(hub, agency=None)  # no agency: no agency lead to tell
    process(clock, T0 + 4 * HOUR)
    assert ("escalation", 1, "alpha-head") in notices(clock)


def test_a_tenants_own_ladder_is_copied_when_the_clock_starts(hub):
    with tenancy.tenant_context(hub.tenant):
        EscalationStep.objects.filter(kind="decision").delete()
        EscalationStep.objects.create(kind="decision", level=1, who="head", after=timedelta(minutes=30))
    clock = start(hub, kind="decision")
    with tenancy.tenant_context(hub.tenant):
        EscalationStep.objects.filter(kind="decision").update(after=timedelta(hours=9))  # later change
    assert process(clock, T0 + 4 * HOUR) == ["breach"]
    assert process(clock, T0 + 4 * HOUR + timedelta(minutes=30)) == ["escalation:1"]


def test_default_ladders_are_seeded_once_and_never_overwrite_a_tenants_change(hub):
    with tenancy.tenant_context(hub.tenant):
        EscalationStep.objects.filter(kind="decision", level=2).update(after=timedelta(hours=2))
        services.ensure_default_ladders(tenant=hub.tenant)
        assert EscalationStep.objects.get(kind="decision", level=2).after == timedelta(hours=2)
        assert EscalationStep.objects.filter(kind="navigator_return").count() == 3


def test_the_database_refuses_a_second_notice_for_the_same_clock_event(hub):
    clock = start(hub)
    process(clock, T0 + 4 * HOUR)
    with tenancy.tenant_context(hub.tenant), pytest.raises(IntegrityError):
        Notification.objects.create(recipient=hub.police_lead, clock=clock, kind="escalation", level=1, message="x")


def test_breach_and_escalation_are_emailed_once(hub, django_capture_on_commit_callbacks):
    clock = start(hub)
    with django_capture_on_commit_callbacks(execute=True):
        process(clock, T0 + 4 * HOUR)
    with django_capture_on_commit_callbacks(execute=True):
        process(clock, T0 + 4 * HOUR + timedelta(minutes=1))
    assert sorted(m.to[0] for m in mail.outbox) == ["lead-police@example.org", "nav-police@example.org"]
    assert "ALP-00042" in mail.outbox[0].subject


def test_wake_ups_are_queued_after_commit_only_within_the_horizon(hub, settings, django_capture_on_commit_callbacks,
                                                                  monkeypatch):  # fmt: skip
    settings.CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 7200}
    queued = []
    monkeypatch.setattr("deadlines.tasks.wake_clock.apply_async", lambda args, eta: queued.append((args[0], eta)))
    now = datetime.now(UTC)
    with django_capture_on_commit_callbacks(execute=True):
        near = start(hub, started_at=now, hours=Decimal("0.02"), label="near")  # warns in 54 s
        far = start(hub, started_at=now, hours=Decimal("0.5"), label="far", subject=hub.health)
    # Only stages within the sweep's look-ahead get an exact wake-up: a message a killed worker
    # held is then re-planned by the next sweep, never stranded for the visibility timeout.
    assert queued == [(near.pk, near.warn_at)]
    assert far.pk not in [pk for pk, _eta in queued]


def test_the_sweep_plans_exact_wake_ups_for_the_next_minute_and_records_its_run(
    hub, django_capture_on_commit_callbacks, monkeypatch
):
    from mash.models import Heartbeat

    queued = []
    monkeypatch.setattr("deadlines.tasks.process_due_clocks.apply_async", lambda eta: queued.append(eta))
    clock = start(hub)
    with django_capture_on_commit_callbacks(execute=True):
        result = services.sweep(now=clock.due_at - timedelta(seconds=40))
    # The warning (due an hour ago) is sent now; the breach, 40 s away, gets its exact wake-up.
    assert (result.clocks, result.events, result.planned) == (1, 1, 1)
    assert queued == [clock.due_at]  # on a TICK boundary already
    assert Heartbeat.objects.filter(source=services.SWEEP_HEARTBEAT_SOURCE).exists()


def test_many_clocks_due_in_the_same_moment_share_one_planned_wake_up(hub, django_capture_on_commit_callbacks,
                                                                      monkeypatch):  # fmt: skip
    queued = []
    monkeypatch.setattr("deadlines.tasks.process_due_clocks.apply_async", lambda eta: queued.append(eta))
    for ms, subject in enumerate((hub.police, hub.health, hub.navigator, hub.manager), 1):
        start(hub, subject=subject, started_at=T0 + timedelta(milliseconds=ms * 40))
    with django_capture_on_commit_callbacks(execute=True):
        services.sweep(now=T0 + 4 * HOUR - timedelta(seconds=30))
    assert queued == [T0 + 4 * HOUR + services.TICK]


def test_process_clock_outside_a_tenant_fails_closed(hub):
    clock = start(hub)
    with pytest.raises(tenancy.TenantNotSet):
        services.process_clock(clock_id=clock.pk, now=T0 + 4 * HOUR)


def test_a_clock_of_another_tenant_is_invisible(hub, tenant_b):
    clock = start(hub)
    with tenancy.tenant_context(tenant_b):
        assert services.process_clock(clock_id=clock.pk, now=T0 + 4 * HOUR) == []
        assert not Clock.objects.exists()


def test_an_inconsistent_clock_cannot_trap_the_sweep_in_a_loop(hub, caplog):
    clock = start(hub)
    with tenancy.tenant_context(hub.tenant):
        Clock.objects.filter(pk=clock.pk).update(breached_at=T0, escalation_level=3, next_escalation_at=T0)
    other = start(hub, subject=hub.health, label="ALP-00043")
    result = services.sweep(now=T0 + 4 * HOUR)
    assert result.events == 2  # the other clock's breach and first level
    assert refreshed(other).escalation_level == 1
    assert "nothing to do" in caplog.text


def test_notices_and_emails_tell_the_time_the_one_govuk_way_in_the_clocks_zone(hub, django_capture_on_commit_callbacks):
    clock = start(hub)  # 10am on 24 November 2025 (GMT), 4 clock hours
    process(clock, T0 + 3 * HOUR)
    with django_capture_on_commit_callbacks(execute=True):
        process(clock, T0 + 4 * HOUR)
    with tenancy.tenant_context(clock.tenant_id):
        messages = dict(Notification.objects.filter(clock=clock).values_list("kind", "message"))
    assert messages["warning"].endswith("is due on 24 November 2025 at 2pm.")
    assert messages["breach"].endswith("is overdue. It was due on 24 November 2025 at 2pm.")
    assert "overdue since 24 November 2025 at 2pm" in messages["escalation"]
    assert all("14:00" not in m for m in messages.values())
    assert any("24 November 2025 at 2pm" in m.body for m in mail.outbox)


def test_an_idle_sweep_is_one_query_then_its_heartbeat_and_touches_no_clock(
    hub, django_assert_max_num_queries, django_capture_on_commit_callbacks, monkeypatch
):
    from mash.models import Heartbeat

    queued = []
    monkeypatch.setattr("deadlines.tasks.process_due_clocks.apply_async", lambda eta: queued.append(eta))
    monkeypatch.setattr("mash.tasks.TRIM_EVERY", 10**9)  # not the rare beat that also trims the table
    clock = start(hub)  # warns at T0 + 3 h, due at T0 + 4 h
    before = Heartbeat.objects.filter(source=services.SWEEP_HEARTBEAT_SOURCE).count()
    # Nothing due, nothing in the next 75 s: whether anything is due is one query (over every tenant), then
    # the heartbeat (its row; the table is trimmed every 50th beat); no planning, no claim, no transaction.
    with django_capture_on_commit_callbacks(execute=True), django_assert_max_num_queries(2):
        result = services.sweep(now=clock.warn_at - services.SWEEP_LOOKAHEAD - timedelta(seconds=1))
    assert (result.clocks, result.events, result.planned, queued) == (0, 0, 0, [])
    assert Heartbeat.objects.filter(source=services.SWEEP_HEARTBEAT_SOURCE).count() == before + 1
    assert refreshed(clock).warned_at is None


@pytest.mark.parametrize("stage", ["warning", "breach", "escalation"])
def test_the_sweep_still_sees_each_stage_that_falls_due_within_the_minute(
    hub, stage, django_capture_on_commit_callbacks, monkeypatch
):
    queued = []
    monkeypatch.setattr("deadlines.tasks.process_due_clocks.apply_async", lambda eta: queued.append(eta))
    clock = start(hub)
    if stage != "warning":
        with tenancy.tenant_context(hub.tenant):
            Clock.objects.filter(pk=clock.pk).update(warned_at=clock.warn_at)
    if stage == "escalation":
        with tenancy.tenant_context(hub.tenant):
            Clock.objects.filter(pk=clock.pk).update(
                breached_at=clock.due_at, escalation_level=1, next_escalation_at=clock.due_at + HOUR
            )
    at = {"warning": clock.warn_at, "breach": clock.due_at, "escalation": clock.due_at + HOUR}[stage]
    with as_the_system():
        assert services.next_stage_at() == at
    with django_capture_on_commit_callbacks(execute=True):
        result = services.sweep(now=at - timedelta(seconds=40))
    assert (result.planned, queued) == (1, [at])
    result = services.sweep(now=at)
    assert result.events >= 1
