"""The early-help clocks on the deadline engine: an outcome or a plan review not done is breached once and escalates
(time travel, then the engine's own process_due), and the request and review show it."""

from datetime import UTC, date, datetime, timedelta

import pytest
import time_machine
from django.utils import timezone

from deadlines.models import Clock, Notification
from deadlines.services import process_due
from earlyhelp import services
from earlyhelp.models import EarlyHelpRequest, PlanReview
from mash import tenancy
from tests.earlyhelp.builders import stepped_down

pytestmark = pytest.mark.django_db
T0 = datetime(2025, 11, 24, 10, 0, tzinfo=UTC)  # a Monday morning
HOUR = timedelta(hours=1)


def told(clock_kind, level=None, kind=None):
    # What the deadline engine did, across tenants: read as its named system work (row-level security).
    with tenancy.system_context("deadline-report"):
        qs = Notification.all_tenants.filter(clock__kind=clock_kind)
        if level is not None:
            qs = qs.filter(level=level)
        if kind is not None:
            qs = qs.filter(kind=kind)
        return sorted(qs.values_list("recipient__username", flat=True))


def test_an_outcome_not_given_within_48_hours_is_breached_and_escalated_to_coordinators_then_the_head(hub):
    with time_machine.travel(T0, tick=False):
        request = stepped_down(hub)
    assert request.review_due_at == T0 + 48 * HOUR
    process_due(now=T0 + 47 * HOUR)
    with tenancy.tenant_context(hub.tenant):
        assert EarlyHelpRequest.objects.get(pk=request.pk).breached_at is None
    assert told("early_help_review", kind="warning") == ["a-ehcoord", "a-ehcoord2"]  # warned at three quarters
    process_due(now=T0 + 48 * HOUR + timedelta(minutes=1))
    with tenancy.tenant_context(hub.tenant):
        stored = EarlyHelpRequest.objects.get(pk=request.pk)
    assert stored.breached_at == T0 + 48 * HOUR + timedelta(minutes=1)
    assert stored.escalation_level == 1
    assert told("early_help_review", level=1, kind="escalation") == ["a-ehcoord", "a-ehcoord2"]
    process_due(now=T0 + 72 * HOUR + timedelta(minutes=2))
    with tenancy.tenant_context(hub.tenant):
        assert EarlyHelpRequest.objects.get(pk=request.pk).escalation_level == 2
    assert told("early_help_review", level=2, kind="escalation") == ["a-head"]
    process_due(now=T0 + 90 * HOUR)  # once only
    assert len(told("early_help_review", kind="breach")) == 2


def test_an_outcome_given_late_records_how_late_and_stops_the_escalation(hub):
    with time_machine.travel(T0, tick=False):
        request = stepped_down(hub)
    process_due(now=T0 + 49 * HOUR)
    with time_machine.travel(T0 + 50 * HOUR, tick=False), tenancy.tenant_context(hub.tenant):
        services.give_outcome(request=request, actor=hub.ehcoord, outcome="advice")
        clock = Clock.objects.get(kind="early_help_review")
    assert clock.late_by == 2 * HOUR
    assert clock.next_escalation_at is None
    process_due(now=T0 + 100 * HOUR)
    assert told("early_help_review", level=2) == []


def test_a_plan_review_not_held_escalates_and_the_review_shows_it(hub, client):
    with time_machine.travel(T0, tick=False), tenancy.tenant_context(hub.tenant):
        request = stepped_down(hub)
        services.give_outcome(request=request, actor=hub.ehcoord, outcome="district_service", lead_professional="Jo",
                              district_services="Family Work", further_assessment=False)  # fmt: skip
        plan = services.start_plan(request=request, actor=hub.ehcoord, lead_professional="Jo",
                                   services="Family Work", first_review_on=date(2025, 12, 8))  # fmt: skip
        review = plan.reviews.get()
    due = datetime(2025, 12, 8, 17, 0, tzinfo=UTC)  # 17:00 in London (GMT) on the chosen day
    assert review.due_at == due
    process_due(now=due + timedelta(minutes=1))
    with tenancy.tenant_context(hub.tenant):
        review = PlanReview.objects.get(pk=review.pk)
    assert review.breached_at == due + timedelta(minutes=1)
    assert review.escalation_level == 1
    assert told("plan_review", level=1, kind="escalation") == ["a-ehcoord", "a-ehcoord2"]
    process_due(now=due + 72 * HOUR + timedelta(minutes=2))
    with tenancy.tenant_context(hub.tenant):
        assert PlanReview.objects.get(pk=review.pk).escalation_level == 2
    assert told("plan_review", level=2, kind="escalation") == ["a-head"]

    client.force_login(hub.ehcoord)
    with time_machine.travel(due + 73 * HOUR, tick=False):
        body = client.get(f"/early-help/{request.pk}/").content.decode()
        assert "Overdue" in body and "Escalated" in body and "level 2" in body
        queue = client.get("/early-help/").content.decode()
        assert "Early Help Plan reviews due (1)" in queue and "Escalated" in queue
        # Held at last: the clock is met late and the next review is scheduled on its own clock.
        with tenancy.tenant_context(hub.tenant):
            services.record_review(review=review, actor=hub.ehcoord, held_on=date(2025, 12, 11),
                                   progress="some_progress", next_review_on=date(2026, 1, 12))  # fmt: skip
            first, second = Clock.objects.filter(kind="plan_review").order_by("started_at")
    assert first.met_at is not None and first.late_by == timedelta(days=3)
    assert second.is_open and second.due_at == datetime(2026, 1, 12, 17, 0, tzinfo=UTC)


def test_feedback_calls_have_their_own_clock_from_the_tenants_feedback_policy(hub):
    with time_machine.travel(T0, tick=False), tenancy.tenant_context(hub.tenant):
        request = stepped_down(hub)
        services.give_outcome(request=request, actor=hub.ehcoord, outcome="advice")
        calls = Clock.objects.filter(kind="early_help_feedback")
        # One working day (the default EARLY_HELP_FEEDBACK policy) from Monday 10:00 is Tuesday 10:00.
        assert {c.due_at for c in calls} == {T0 + 24 * HOUR}
        assert timezone.is_aware(calls[0].due_at)


def test_the_48_hours_run_in_real_time_across_the_clock_change_and_show_in_london_time(hub, client):
    # Saturday 28 March 2026, 12:00 GMT; the clocks go forward overnight, so the outcome is due Monday 13:00 BST.
    received = datetime(2026, 3, 28, 12, 0, tzinfo=UTC)
    with time_machine.travel(received, tick=False):
        request = stepped_down(hub)
    assert request.review_due_at == received + 48 * HOUR
    client.force_login(hub.ehcoord)
    with time_machine.travel(received + HOUR, tick=False):
        body = client.get("/early-help/").content.decode()
    assert "30 March 2026 at 1pm" in body


def test_a_feedback_call_not_made_escalates_to_the_coordinators_not_the_mash_manager(hub):
    with time_machine.travel(T0, tick=False), tenancy.tenant_context(hub.tenant):
        request = stepped_down(hub)
        services.give_outcome(request=request, actor=hub.ehcoord, outcome="advice")
    process_due(now=T0 + 24 * HOUR + timedelta(minutes=1))  # one working day, Monday to Tuesday 10:00
    escalated = told("early_help_feedback", level=1, kind="escalation")
    assert escalated and set(escalated) <= {"a-ehcoord", "a-ehcoord2"}
    assert not [name for name in told("early_help_feedback") if "manager" in name]


def test_the_outcome_warning_goes_to_the_coordinators_in_post_when_it_falls_due(hub, make_user):
    """Read when the warning is due, not copied when the request arrived: a coordinator who joined since is
    warned, one who left is not."""
    from mash.roles import Role

    with time_machine.travel(T0, tick=False):
        stepped_down(hub)
    make_user(hub.tenant, Role.EHCOORD, username="a-ehcoord-new")
    hub.ehcoord2.is_active = False
    hub.ehcoord2.save(update_fields=["is_active"])
    process_due(now=T0 + 47 * HOUR)
    assert told("early_help_review", kind="warning") == ["a-ehcoord", "a-ehcoord-new"]
