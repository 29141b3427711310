"""Breach, escalation and info emails go through an outbox: owed with the notice, marked sent only
once the mail server took them, and sent by the sweep when the worker that wrote them died."""

import smtplib
import threading
from datetime import timedelta

import pytest
from django.core import mail
from django.db import connection, connections
from django.utils import timezone

from deadlines import services
from deadlines.models import Notification
from mash import tenancy
from mash.models import AuditEvent, Tenant
from tests.deadlines.builders import HOUR, T0, as_the_system, make_hub, start


def process(clock, now):
    with tenancy.tenant_context(clock.tenant_id):
        return services.process_clock(clock_id=clock.pk, now=now)


def emails(**filters):
    with as_the_system():
        return list(Notification.all_tenants.filter(email_due_at__isnull=False, **filters).order_by("pk"))


def _refuse(*args, **kwargs):
    raise smtplib.SMTPServerDisconnected("the mail relay hung up")


def test_an_email_never_sent_after_commit_is_sent_once_by_the_next_sweep(hub):
    clock = start(hub)
    # The breach is committed but the worker dies before its after-commit send: the callbacks never run.
    process(clock, T0 + 4 * HOUR)
    owed = emails()
    assert len(owed) == 2  # the breach to the navigator, level 1 to the police lead
    assert mail.outbox == []
    assert all(row.emailed_at is None and row.email_due_at == T0 + 4 * HOUR for row in owed)

    services.sweep(now=T0 + 4 * HOUR + timedelta(minutes=1))
    services.sweep(now=T0 + 4 * HOUR + timedelta(minutes=2))  # a second run sends nothing again

    assert sorted(m.to[0] for m in mail.outbox) == ["lead-police@example.org", "nav-police@example.org"]
    assert {m.subject for m in mail.outbox} == {"MASH overdue: ALP-00042", "MASH escalated: ALP-00042"}
    assert all(row.emailed_at is not None for row in emails())


def test_an_email_claimed_by_a_worker_killed_mid_send_waits_for_its_lease_then_goes_once(hub):
    clock = start(hub)
    process(clock, T0 + 4 * HOUR)
    killed_at = T0 + 4 * HOUR + timedelta(seconds=5)
    with tenancy.tenant_context(hub.tenant):
        claimed = services._claim_emails(Notification.objects.all(), killed_at)  # claimed, then SIGKILL
    assert len(claimed) == 2

    services.sweep(now=killed_at + timedelta(minutes=1))  # the claim still holds: nobody doubles it
    assert mail.outbox == []
    services.sweep(now=killed_at + services.EMAIL_LEASE + timedelta(seconds=1))
    services.sweep(now=killed_at + services.EMAIL_LEASE + timedelta(minutes=1))

    assert sorted(m.to[0] for m in mail.outbox) == ["lead-police@example.org", "nav-police@example.org"]
    assert [row.email_attempts for row in emails()] == [2, 2]


def test_the_normal_path_sends_after_commit_and_the_sweep_adds_nothing(hub, django_capture_on_commit_callbacks):
    clock = start(hub)
    with django_capture_on_commit_callbacks(execute=True):
        process(clock, T0 + 4 * HOUR)
    assert len(mail.outbox) == 2
    services.sweep(now=T0 + 4 * HOUR + services.EMAIL_LEASE * 2)
    assert len(mail.outbox) == 2
    assert [row.email_attempts for row in emails()] == [1, 1]


def test_a_failed_send_stays_owed_and_the_next_sweep_sends_it(hub, monkeypatch, django_capture_on_commit_callbacks):
    monkeypatch.setattr(services, "send_mail", _refuse)
    with tenancy.tenant_context(hub.tenant), django_capture_on_commit_callbacks(execute=True):
        services.notify(recipient=hub.manager, subject="ALP-00042", message="The outcome was recorded.")
    [row] = emails()
    assert row.emailed_at is None and row.email_failed_at is None and row.email_attempts == 1
    assert mail.outbox == []

    monkeypatch.undo()
    services.sweep()

    assert [(m.to, m.subject) for m in mail.outbox] == [(["manager@example.org"], "MASH: ALP-00042")]
    [row] = emails()
    assert row.emailed_at is not None and row.email_attempts == 2


def test_a_send_that_keeps_failing_is_given_up_after_the_last_attempt_and_audited(hub, monkeypatch):
    calls = []
    monkeypatch.setattr(services, "send_mail", lambda **kwargs: calls.append(kwargs) or _refuse())
    with tenancy.tenant_context(hub.tenant):
        services.notify(recipient=hub.manager, subject="ALP-00042", message="The outcome was recorded.")
    for _ in range(services.EMAIL_MAX_ATTEMPTS + 2):
        services.sweep()

    assert len(calls) == services.EMAIL_MAX_ATTEMPTS
    [row] = emails()
    assert row.emailed_at is None and row.email_failed_at is not None
    with tenancy.tenant_context(hub.tenant):
        [event] = AuditEvent.objects.filter(action="notification.email_failed")
        assert Notification.objects.get(pk=row.pk).subject == "ALP-00042"  # the in-app notice stands
    assert event.object_id == str(row.pk) and event.actor_label == "system"
    assert event.changes["to"] == hub.manager.username
    assert event.changes["attempts"] == services.EMAIL_MAX_ATTEMPTS
    assert "SMTPServerDisconnected" in event.changes["reason"]


def test_an_email_owed_longer_than_the_cut_off_is_given_up_not_sent(hub):
    clock = start(hub)
    process(clock, T0 + 4 * HOUR)
    stale = [row.pk for row in emails()]
    services.sweep(now=T0 + 4 * HOUR + services.EMAIL_CUTOFF + timedelta(minutes=1))
    # The day-old breach and level 1 are not sent; the levels this sweep just recorded are.
    assert sorted(m.to[0] for m in mail.outbox) == ["head@example.org", "manager@example.org"]
    assert all(row.email_failed_at is not None and row.emailed_at is None for row in emails(pk__in=stale))
    with tenancy.tenant_context(hub.tenant):
        assert AuditEvent.objects.filter(action="notification.email_failed").count() == 2


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks need PostgreSQL")
def test_concurrent_senders_send_each_owed_email_once(monkeypatch):
    tenants = [Tenant.objects.create(slug=f"m{i}", name=f"M{i}", reference_prefix=f"M{i}") for i in range(2)]
    hubs = [make_hub(tenant) for tenant in tenants]
    # The notices are committed, but their after-commit sends never run (the worker died).
    monkeypatch.setattr(services, "send_emails", lambda **kwargs: 0)
    for hub in hubs:
        with tenancy.tenant_context(hub.tenant):
            for n in range(30):
                services.notify(recipient=hub.manager, subject=f"{hub.tenant.slug}-{n}", message="Outcome recorded.")
    monkeypatch.undo()
    real_send = services.send_mail
    monkeypatch.setattr(services, "send_mail", lambda **kwargs: real_send(**kwargs) or threading.Event().wait(0.005))
    ids = {hub.tenant.pk: [row.pk for row in emails(tenant_id=hub.tenant.pk)] for hub in hubs}
    barrier = threading.Barrier(4)
    errors = []

    def run(work):
        try:
            barrier.wait()
            work()
        except Exception as exc:  # noqa: BLE001 - reported by the assertion below
            errors.append(exc)
        finally:
            connections.close_all()

    now = timezone.now()
    work = [
        lambda: services.send_owed_emails(now=now),
        lambda: services.send_owed_emails(now=now),
        *[lambda hub=hub: services.send_emails(ids=ids[hub.tenant.pk], tenant_id=hub.tenant.pk) for hub in hubs],
    ]
    threads = [threading.Thread(target=run, args=(job,)) for job in work]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert not errors, errors
    subjects = sorted(m.subject for m in mail.outbox)
    assert len(subjects) == 60
    assert len(set(subjects)) == 60
    assert all(row.emailed_at is not None and row.email_attempts == 1 for row in emails())
