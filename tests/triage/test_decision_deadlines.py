"""Per-rating decision deadlines (issue 19): Durham processes Red within 4 working hours of receipt.

Rating or re-rating re-times the contact's decision clock to the earlier of the two, never later, and the
contact's timeline says so. The contact's ``decision_due_at`` is always its decision clock's ``due_at``.
"""

from datetime import UTC, datetime

import pytest
import time_machine

from contacts.models import Contact
from deadlines.models import Clock
from mash import tenancy
from tests.triage.builders import new_contact
from tests.triage.test_rating import rate

pytestmark = pytest.mark.django_db

TUESDAY_10 = "2026-03-10T10:00:00+00:00"  # GMT: Durham's local time is UTC in March before the clocks change
FRIDAY_15 = "2026-03-13T15:00:00+00:00"


def decision_state(hub, contact):
    with tenancy.tenant_context(hub["tenant"]):
        contact = Contact.objects.get(pk=contact.pk)
        clock = Clock.objects.get(kind="decision", subject_type="contacts.contact", subject_id=str(contact.pk))
    return contact, clock


def received(hub, at):
    with time_machine.travel(at, tick=False):
        return new_contact(hub)


def rate_at(api_as, hub, contact, at, rating, **extra):
    with time_machine.travel(at, tick=False):
        response = rate(api_as, hub["triage"], contact, rating=rating, rationale="Injury to a baby.", **extra)
    assert response.status_code == 200, response.content
    return response


def test_durham_red_rated_at_11_is_due_for_decision_at_14_the_same_day(durham, api_as):
    contact = received(durham, TUESDAY_10)
    contact, clock = decision_state(durham, contact)
    assert contact.decision_due_at == datetime(2026, 3, 11, 10, 0, tzinfo=UTC)  # one working day before rating
    response = rate_at(api_as, durham, contact, "2026-03-10T11:00:00+00:00", "red")
    assert response.data["decision_due_at"] == "2026-03-10T14:00:00Z"
    contact, clock = decision_state(durham, contact)
    assert contact.decision_due_at == clock.due_at == datetime(2026, 3, 10, 14, 0, tzinfo=UTC)
    page = _contact_page(durham, contact)
    assert "Decision deadline brought forward by the rating" in page


def test_durham_red_received_friday_15_is_due_monday_11(durham, api_as):
    contact = received(durham, FRIDAY_15)
    rate_at(api_as, durham, contact, "2026-03-13T15:30:00+00:00", "red")
    contact, clock = decision_state(durham, contact)
    assert contact.decision_due_at == clock.due_at == datetime(2026, 3, 16, 11, 0, tzinfo=UTC)


def test_durham_red_re_rated_amber_keeps_the_earlier_deadline(durham, api_as):
    contact = received(durham, TUESDAY_10)
    rate_at(api_as, durham, contact, "2026-03-10T11:00:00+00:00", "red")
    rate_at(api_as, durham, contact, "2026-03-10T12:00:00+00:00", "amber-l4", reason="Police: no injury seen.")
    contact, clock = decision_state(durham, contact)
    assert contact.decision_due_at == clock.due_at == datetime(2026, 3, 10, 14, 0, tzinfo=UTC)


def test_amber_then_red_brings_the_decision_forward_once_and_the_engine_breaches_at_the_new_time(durham, api_as):
    from deadlines.services import process_due

    contact = received(durham, TUESDAY_10)
    rate_at(api_as, durham, contact, "2026-03-10T10:30:00+00:00", "amber-l4")  # 1 working day: no change
    contact, clock = decision_state(durham, contact)
    assert clock.due_at == datetime(2026, 3, 11, 10, 0, tzinfo=UTC)
    rate_at(api_as, durham, contact, "2026-03-10T11:00:00+00:00", "red", reason="Bruising seen.")
    process_due(now=datetime(2026, 3, 10, 14, 1, tzinfo=UTC))
    process_due(now=datetime(2026, 3, 10, 14, 2, tzinfo=UTC))
    contact, clock = decision_state(durham, contact)
    assert clock.breached_at is not None
    assert contact.breached_at is not None


def test_a_tenant_without_rating_deadlines_keeps_one_working_day(cambs, api_as):
    contact = received(cambs, TUESDAY_10)
    rate_at(api_as, cambs, contact, "2026-03-10T11:00:00+00:00", "red")
    contact, clock = decision_state(cambs, contact)
    assert contact.decision_due_at == clock.due_at == datetime(2026, 3, 11, 10, 0, tzinfo=UTC)


def test_a_rating_deadline_later_than_the_clock_never_puts_it_back(durham, api_as):
    """An administrator gives Amber Level 3 two working days: the contact stays due in one."""
    with tenancy.tenant_context(durham["tenant"]):
        from thresholds.models import Rating

        Rating.objects.filter(code="amber-l3").update(decision_amount=2, decision_unit="working_days")
    contact = received(durham, TUESDAY_10)
    rate_at(api_as, durham, contact, "2026-03-10T11:00:00+00:00", "amber-l3", agencies=["education"])
    contact, clock = decision_state(durham, contact)
    assert contact.decision_due_at == clock.due_at == datetime(2026, 3, 11, 10, 0, tzinfo=UTC)


def _contact_page(hub, contact):
    from django.test import Client

    client = Client()
    client.force_login(hub["manager"])
    response = client.get(f"/triage/contacts/{contact.pk}/")
    assert response.status_code == 200
    return response.content.decode()
