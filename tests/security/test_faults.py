"""Faults: the database connection dies mid-request, the broker is down. (A worker killed mid-task is
covered by the deadline engine: tests/deadlines/test_worker.py::test_a_killed_worker_and_a_flushed_broker_
still_breach_and_escalate_every_clock_once.)"""

import logging
from datetime import timedelta

import pytest
import requests
import time_machine
from django.db import connection
from django.db.models.signals import post_save
from django.utils import timezone

from contacts.models import Contact, ContactPerson
from deadlines import services as deadlines
from deadlines.models import Clock
from mash.celery import app as celery_app
from mash.roles import Role
from mash.tenancy import tenant_context
from tests.contacts.builders import marf, submit
from tests.factories import token_for


@pytest.mark.slow
@pytest.mark.skipif(connection.vendor != "postgresql", reason="kills a PostgreSQL backend")
def test_a_database_connection_killed_mid_submission_leaves_no_half_contact_and_the_next_request_works(
    live_server, transactional_db, tenant_a, make_user
):
    from thresholds.services import ensure_default_policy

    with tenant_context(tenant_a):
        ensure_default_policy(tenant=tenant_a)
    headers = {"Authorization": f"Token {token_for(make_user(tenant_a, Role.REFERRER))}"}
    killed = []

    def kill_own_backend(sender, instance, created, **kwargs):
        # The contact is written (its people and clock are next); the server now loses this backend, as if
        # PostgreSQL restarted under the request.
        if created and not killed:
            killed.append(True)
            from django.db import connection as request_connection

            with request_connection.cursor() as cursor:  # scoping: allowed - kills its own backend
                cursor.execute("SELECT pg_terminate_backend(pg_backend_pid())")

    post_save.connect(kill_own_backend, sender=Contact, dispatch_uid="fault-kill")
    try:
        failed = requests.post(f"{live_server.url}/api/v1/contacts/", json=marf(), headers=headers, timeout=30)
    finally:
        post_save.disconnect(dispatch_uid="fault-kill", sender=Contact)
    assert killed and failed.status_code >= 500

    with tenant_context(tenant_a):
        assert Contact.objects.count() == 0  # nothing half-written: the transaction died with the backend
        assert ContactPerson.objects.count() == 0
        assert Clock.objects.count() == 0

    again = requests.post(f"{live_server.url}/api/v1/contacts/", json=marf(), headers=headers, timeout=30)
    assert again.status_code == 201, again.text
    with tenant_context(tenant_a):
        assert Contact.objects.count() == 1 and Clock.objects.count() == 1


@pytest.fixture
def broker_down(monkeypatch):
    """Celery's broker points at a port where nothing listens (Redis stopped)."""
    monkeypatch.setattr(celery_app.conf, "broker_url", "redis://127.0.0.1:1/0")
    # Forget connections made to the live broker by earlier tests, so publishing really connects.
    monkeypatch.setattr(celery_app, "_pool", None)
    monkeypatch.setattr(celery_app.amqp, "_producer_pool", None)
    yield
    celery_app._pool = None
    celery_app.amqp._producer_pool = None


@pytest.mark.django_db
def test_with_the_broker_down_contacts_are_still_accepted_and_the_sweep_catches_their_clocks_up(
    tenant_a, make_user, api_as, broker_down, caplog, django_capture_on_commit_callbacks
):
    from thresholds.services import ensure_default_policy

    with tenant_context(tenant_a):
        ensure_default_policy(tenant=tenant_a)
    referrer = make_user(tenant_a, Role.REFERRER)
    make_user(tenant_a, Role.MANAGER)
    start = timezone.now()
    with django_capture_on_commit_callbacks(execute=True), time_machine.travel(start, tick=False):
        contact = submit(api_as(referrer))  # accepted: the broker is only ever a hint
    assert contact["reference"]
    with tenant_context(tenant_a):
        clock = Clock.objects.get(subject_id=str(contact["id"]))
        assert clock.breached_at is None

    # Just before it is due, the sweep tries to plan an exact wake-up: the broker refuses, it carries on.
    with caplog.at_level(logging.WARNING), django_capture_on_commit_callbacks(execute=True):
        with time_machine.travel(clock.due_at - timedelta(seconds=30), tick=False):
            deadlines.sweep()
    assert "Could not queue the wake-up" in caplog.text
    # The wake-up was lost. When the broker is back, beat's next sweep catches the clock up, once.
    with time_machine.travel(clock.due_at + timedelta(minutes=1), tick=False):
        result = deadlines.sweep()
    assert result.clocks >= 1
    with tenant_context(tenant_a):
        clock.refresh_from_db()
        assert clock.breached_at is not None and clock.escalation_level >= 1
