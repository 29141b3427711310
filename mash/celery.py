"""The Celery app. Tasks take ids and the tenant explicitly; the schedule lives in code."""

import logging
import os
import time
import uuid

from celery import Celery
from celery.beat import PersistentScheduler
from celery.schedules import crontab

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "mash.settings")

log = logging.getLogger(__name__)


def _guard_redis_restore_unacked():
    """Keep the worker alive when Redis goes away while it holds unacknowledged messages.

    kombu 5.7.0 (the pinned release; no later release in this venv fixes it, see
    celery/kombu#582 and #970 for the same path): on a lost connection Celery closes the
    channel, whose QoS then tries to restore the unacknowledged messages (every ETA wake-up
    the worker holds) to Redis through a connection that is already closed. Building a client
    for it reads ``connection.client.hostname`` with ``client`` None, the AttributeError
    escapes ``ignore_errors`` (which only swallows connection errors) and the worker dies
    (``Unrecoverable error``), so nothing is breached until someone restarts it.

    Restoring cannot work at that moment anyway (Redis is unreachable). The messages are
    either still in Redis's unacked hash (restored to the queue after the visibility timeout
    by any worker) or were lost with Redis's data; either way the deadline sweep (beat, every
    minute) finds whatever falls due from the database and re-plans the next minute's
    wake-ups. So the guard forgets the held messages locally, logs, and lets Celery reconnect.
    Remove it once kombu builds the client safely on a closed channel.
    """
    try:
        from kombu.transport import redis as redis_transport
    except ImportError:  # no Redis client installed: the filesystem broker has no such path
        return
    original = redis_transport.QoS.restore_unacked
    if getattr(original, "mash_guarded", False):
        return

    def restore_unacked(self, client=None):
        try:
            return original(self, client)
        except AttributeError:
            if client is not None or getattr(self.channel.connection, "client", None) is not None:
                raise  # not the closed-connection case: a real bug, let it show
            held = len(self._delivered)
            self._delivered.clear()
            log.warning(
                "Broker connection closed with %s unacknowledged message(s) held; not restoring them "
                "(Redis keeps them until the visibility timeout; the deadline sweep covers wake-ups).",
                held,
            )
            return None

    restore_unacked.mash_guarded = True
    redis_transport.QoS.restore_unacked = restore_unacked

    # The same closed connection reached through an acknowledgement: a task that finished while Redis was
    # down acks through ``conn_or_acquire`` and dies the same way ('NoneType' object has no attribute
    # 'client'; seen by tests/deadlines/test_chaos.py). The work is done and recorded in PostgreSQL (a
    # redelivered wake-up finds its clock already processed), so forget the tag locally and go on.
    for name in ("ack", "reject"):
        _guard_closed_connection(redis_transport.QoS, name)


def _guard_closed_connection(qos_class, name):
    original = getattr(qos_class, name)

    def guarded(self, delivery_tag, *args, **kwargs):
        try:
            return original(self, delivery_tag, *args, **kwargs)
        except AttributeError:
            if getattr(self.channel.connection, "client", None) is not None:
                raise  # not the closed-connection case: a real bug, let it show
            self._delivered.pop(delivery_tag, None)
            log.warning("Broker connection closed; message %s left in Redis's unacked hash (%s).", delivery_tag, name)
            return None

    guarded.mash_guarded = True
    setattr(qos_class, name, guarded)


_guard_redis_restore_unacked()

app = Celery("mash")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

# Beat schedule in code. Later capabilities add their sweeps here.
app.conf.beat_schedule = {
    # Run by a worker: proves a worker consumes (beat records its own heartbeat, see below).
    "worker-heartbeat": {"task": "mash.tasks.heartbeat", "schedule": 60.0, "kwargs": {"source": "worker"}},
    # The deadline engine's safety net: breaches and escalations whose wake-up was lost.
    "deadline-sweep": {"task": "mash.deadlines.sweep_clocks", "schedule": 60.0},
    # The dashboards' safety net: recompute the figures tables overnight (02:30 UTC), catching any
    # change made by a bulk update that sent no signal.
    "reporting-rebuild": {"task": "mash.reporting.rebuild_all_figures", "schedule": crontab(hour=2, minute=30)},
    # Matching's safety net: people whose matching failed at intake and whose retry was lost or gave up.
    "pending-matching-sweep": {"task": "contacts.sweep_pending_matching", "schedule": 15 * 60.0},
    # The platform operators' page: each council's contacts this year (cross-tenant, so a worker counts).
    "council-sizes": {"task": "mash.tasks.count_council_sizes", "schedule": 10 * 60.0},
}


class SingleBeatScheduler(PersistentScheduler):
    """Beat that may run twice (highly available) without scheduling twice.

    Only the holder of a lease in Redis (``SET NX`` with a 30 s expiry, renewed at every tick,
    at most every 10 s) sends anything; a standby beat checks every few
    seconds and takes over within 30 s when the leader dies. The leader also records a
    ``beat`` heartbeat every 30 s for ``/health/``. Without Redis (the filesystem broker of a
    single-machine run) there is nobody to share with: it always leads. A take-over may repeat
    one minute's sweep, which is harmless (the sweep claims with SKIP LOCKED).
    """

    LEASE_KEY = "mash:beat:leader"
    LEASE_SECONDS = 30
    STANDBY_RECHECK = 5.0
    HEARTBEAT_EVERY = 30.0

    def __init__(self, *args, **kwargs):
        self._token = f"{uuid.uuid4().hex}"
        self._redis = None
        self._leading = None
        self._last_heartbeat = 0.0
        super().__init__(*args, **kwargs)

    def _lease(self) -> bool:
        url = self.app.conf.broker_url or ""
        if not url.startswith(("redis://", "rediss://")):
            return True
        try:
            if self._redis is None:
                import redis

                self._redis = redis.Redis.from_url(url, socket_timeout=5, socket_connect_timeout=5)
            if self._redis.set(self.LEASE_KEY, self._token, nx=True, ex=self.LEASE_SECONDS):
                return True
            if self._redis.get(self.LEASE_KEY) == self._token.encode():
                self._redis.expire(self.LEASE_KEY, self.LEASE_SECONDS)
                return True
            return False
        except Exception:  # Redis unreachable: nothing could be sent anyway; try again shortly
            log.warning("beat: cannot reach Redis for the leader lease; retrying.", exc_info=True)
            return False

    def _heartbeat(self) -> None:
        if time.monotonic() - self._last_heartbeat < self.HEARTBEAT_EVERY:
            return
        try:
            from django.db import close_old_connections

            from mash.models import Heartbeat

            close_old_connections()
            Heartbeat.objects.create(source="beat", token=self._token[:64])
            self._last_heartbeat = time.monotonic()
        except Exception:  # the database being away must not stop beat
            log.warning("beat: could not record its heartbeat.", exc_info=True)

    def tick(self, *args, **kwargs):
        leading = self._lease()
        if leading != self._leading:
            log.warning("beat: %s", "leading: sending the schedule" if leading else "standing by: another beat leads")
            self._leading = leading
        if not leading:
            return self.STANDBY_RECHECK
        self._heartbeat()
        return min(super().tick(*args, **kwargs), self.LEASE_SECONDS / 3)


app.conf.beat_scheduler = "mash.celery:SingleBeatScheduler"


@app.on_after_configure.connect
def _ensure_filesystem_broker_folders(sender, **kwargs):
    options = sender.conf.broker_transport_options or {}
    for key in ("data_folder_in", "data_folder_out", "processed_folder", "control_folder"):
        if options.get(key):
            os.makedirs(options[key], exist_ok=True)
