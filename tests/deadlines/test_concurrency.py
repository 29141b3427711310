"""Two sweeps (or a sweep and a wake-up) at once: one breach and one notice per person per level.

Real PostgreSQL row locks, so committed data and separate connections (transactional_db, threads).
"""

import threading
from collections import Counter
from datetime import timedelta

import pytest
from django.db import connection, connections, transaction

from deadlines import services
from deadlines.models import Clock, Notification
from mash import tenancy
from mash.models import AuditEvent, Tenant
from tests.deadlines.builders import HOUR, T0, as_the_system, make_hub, start

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks need PostgreSQL"),
]


def _in_threads(count, target):
    barrier = threading.Barrier(count)
    results, errors = [], []

    def run():
        try:
            barrier.wait()
            results.append(target())
        except Exception as exc:  # noqa: BLE001 - reported by the assertion below
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run) for _ in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not errors, errors
    return results


def test_concurrent_sweeps_record_one_breach_and_one_notice_per_person_per_level():
    tenants = [Tenant.objects.create(slug=f"t{i}", name=f"T{i}", reference_prefix=f"T{i}") for i in range(2)]
    hubs = [make_hub(tenant) for tenant in tenants]
    clocks = [
        start(hub, subject=subject, label=f"{hub.tenant.slug}-{n}")
        for hub in hubs
        for n, subject in enumerate([hub.police, hub.health, hub.navigator, hub.manager])
    ]
    # Every stage is due: warning skipped (already overdue), breach, and all three levels.
    now = T0 + 12 * HOUR
    results = _in_threads(4, lambda: services.sweep(now=now).events)

    assert sum(results) == len(clocks) * 4  # breach + 3 levels each, done by exactly one sweep
    with as_the_system():
        per_clock = Counter(AuditEvent.objects.filter(action="clock.breached").values_list("object_id", flat=True))
    assert per_clock == {str(c.pk): 1 for c in clocks}
    with as_the_system():
        keys = list(Notification.all_tenants.values_list("clock_id", "recipient_id", "kind", "level"))
        levels = list(Clock.all_tenants.values_list("escalation_level", flat=True))
    assert len(keys) == len(set(keys))
    assert Counter(k[2] for k in keys)["escalation"] == len(clocks) * 3
    assert levels == [3] * len(clocks)


def test_a_clock_held_by_another_worker_is_skipped_not_waited_for():
    tenant = Tenant.objects.create(slug="held", name="Held", reference_prefix="HLD")
    hub = make_hub(tenant)
    clock = start(hub)
    holding, release = threading.Event(), threading.Event()

    def hold():
        try:
            with tenancy.tenant_context(tenant), transaction.atomic():
                Clock.objects.select_for_update().get(pk=clock.pk)
                holding.set()
                release.wait(10)
        finally:
            connections.close_all()

    holder = threading.Thread(target=hold)
    holder.start()
    assert holding.wait(10)
    with tenancy.tenant_context(tenant):
        assert services.process_clock(clock_id=clock.pk, now=T0 + 4 * HOUR) == []  # skipped at once
        release.set()
        holder.join(10)
        assert services.process_clock(clock_id=clock.pk, now=T0 + 4 * HOUR + timedelta(seconds=1)) == [
            "breach",
            "escalation:1",
        ]
