"""/health/ shows a stopped deadline engine: 503 when the worker's or beat's heartbeat is stale."""

from datetime import timedelta

from django.utils import timezone

from mash.models import Heartbeat


def _beat(source, ago):
    row = Heartbeat.objects.create(source=source)
    Heartbeat.objects.filter(pk=row.pk).update(at=timezone.now() - ago)


def test_health_is_ok_while_worker_and_beat_are_alive(client, db):
    _beat("worker", timedelta(seconds=30))
    _beat("beat", timedelta(seconds=10))
    response = client.get("/health/")
    assert (response.status_code, response.json()) == (200, {"status": "ok"})


def test_health_is_503_and_names_the_silent_part_when_the_worker_stopped(client, db):
    _beat("worker", timedelta(minutes=10))
    _beat("beat", timedelta(seconds=10))
    response = client.get("/health/")
    assert response.status_code == 503
    assert response.json() == {"status": "engine_stopped", "stale": ["worker"]}
