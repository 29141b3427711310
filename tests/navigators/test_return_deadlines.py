"""Submitting a return meets the request's clock: on time it just stops; after a breach it stops the
escalation at once and records how late it was. The deadline engine is driven by process_due."""

from datetime import UTC, datetime, timedelta

import pytest
import time_machine

from deadlines import services as deadlines
from deadlines.models import Notification
from deadlines.selectors import clocks_for_subject
from mash import tenancy
from navigators import services
from navigators.models import RequestStatus
from tests.navigators.builders import good_return, open_enquiry, refreshed

pytestmark = pytest.mark.django_db

# Monday 24 November 2025, 10:00 London (GMT): Red asks for returns within 4 clock hours, by 14:00.
T0 = datetime(2025, 11, 24, 10, 0, tzinfo=UTC)
HOUR = timedelta(hours=1)


@pytest.fixture
def red(hub):
    with time_machine.travel(T0, tick=False):
        return open_enquiry(hub, at=T0)


def sweep(at):
    with time_machine.travel(at, tick=False):
        return deadlines.process_due(now=at)


def submit(hub, request, at):
    with time_machine.travel(at, tick=False), tenancy.tenant_context(hub.tenant):
        return services.submit_return(request=request, actor=hub.nav_police, values=good_return())


def clock_of(hub, request):
    with tenancy.tenant_context(hub.tenant):
        (clock,) = clocks_for_subject(subject=request)
        return clock


def escalations(clock):
    with tenancy.tenant_context(clock.tenant_id):
        return sorted(
            Notification.objects.filter(clock_id=clock.pk, kind="escalation").values_list(
                "level", "recipient__username"
            )
        )


def test_a_return_before_the_deadline_stops_the_clock(hub, red):
    _contact, requests = red
    police = requests["police"]
    assert police.due_at == T0 + 4 * HOUR
    ret = submit(hub, police, T0 + 2 * HOUR)
    assert ret.submitted_late is False and ret.late_by is None
    clock = clock_of(hub, police)
    assert clock.met_at == T0 + 2 * HOUR and clock.late_by is None
    sweep(T0 + 8 * HOUR)  # long after the deadline: the met clock never breaches
    police = refreshed(police)
    assert police.status == RequestStatus.RETURNED
    assert police.breached_at is None
    assert escalations(clock) == []
    # The health request, still unanswered, did breach and escalate to health's own lead.
    health = refreshed(requests["health"])
    assert health.status == RequestStatus.OVERDUE and health.breached_at is not None
    assert (1, "a-lead-health") in escalations(clock_of(hub, health))


def test_a_return_after_the_breach_stops_escalation_and_records_lateness(hub, red, api_as):
    _contact, requests = red
    police = requests["police"]
    sweep(T0 + 4 * HOUR + timedelta(seconds=1))
    police = refreshed(police)
    assert police.status == RequestStatus.OVERDUE
    assert police.breached_at is not None and police.escalation_level == 1
    clock = clock_of(hub, police)
    assert escalations(clock) == [(1, "a-lead-police")]

    ret = submit(hub, police, T0 + 4 * HOUR + 30 * timedelta(minutes=1))
    assert ret.submitted_late is True
    assert ret.late_by == timedelta(minutes=30)
    clock = clock_of(hub, police)
    assert clock.late_by == timedelta(minutes=30)
    assert clock.next_escalation_at is None

    sweep(T0 + 12 * HOUR)  # the manager (level 2, +1h) and head (level 3) would have been told by now
    assert escalations(clock) == [(1, "a-lead-police")]
    police = refreshed(police)
    assert police.status == RequestStatus.RETURNED and police.escalation_level == 1
    with time_machine.travel(T0 + 12 * HOUR, tick=False):
        data = api_as(hub.manager).get(f"/api/v1/information-returns/{ret.pk}/").data
    assert data["submitted_late"] is True and data["late_by_seconds"] == 30 * 60


def test_a_lead_sees_their_agencys_breaches_and_escalations(hub, red, client):
    _contact, requests = red
    sweep(T0 + 5 * HOUR)
    with time_machine.travel(T0 + 5 * HOUR, tick=False):
        client.force_login(hub.lead_police)
        page = client.get("/navigators/").content.decode()
    breaches = page.split('id="breaches"')[1]
    assert requests["police"].contact.reference in breaches
    assert "Level 2" in breaches  # lead at once, manager an hour later
    assert f"/navigators/requests/{requests['health'].pk}/" not in page


def warned(clock):
    with tenancy.tenant_context(clock.tenant_id):
        return sorted(
            Notification.objects.filter(clock_id=clock.pk, kind="warning").values_list("recipient__username", flat=True)
        )


def test_the_warning_goes_to_the_agencys_navigators_in_post_when_it_falls_due(hub, red):
    """Read when the warning is due, not copied when the request opened: a police navigator who joined since is
    warned, one who left is not, and no other agency's navigator is."""
    from tests.factories import UserFactory

    _contact, requests = red
    clock = clock_of(hub, requests["police"])
    assert clock.responsible_roles == ["navigator"] and clock.responsible_ids == []
    UserFactory(username="a-nav-police-new", tenant=hub.tenant, role="navigator", agency=hub.police)
    hub.nav_police2.is_active = False
    hub.nav_police2.save(update_fields=["is_active"])
    sweep(clock.warn_at + timedelta(seconds=1))
    assert warned(clock) == ["a-nav-police", "a-nav-police-new"]
    assert warned(clock_of(hub, requests["health"])) == ["a-nav-health"]
