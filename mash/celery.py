"""The Celery app. Tasks take ids and the tenant explicitly; the schedule lives in code."""

import os

from celery import Celery
from celery.schedules import crontab

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "mash.settings")

app = Celery("mash")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

# Beat schedule in code. Later capabilities add their sweeps here.
app.conf.beat_schedule = {
    "worker-heartbeat": {"task": "mash.tasks.heartbeat", "schedule": 60.0, "kwargs": {"source": "beat"}},
    # The deadline engine's safety net: breaches and escalations whose wake-up was lost.
    "deadline-sweep": {"task": "mash.deadlines.sweep_clocks", "schedule": 60.0},
    # The dashboards' safety net: recompute the figures tables overnight (02:30 UTC), catching any
    # change made by a bulk update that sent no signal.
    "reporting-rebuild": {"task": "mash.reporting.rebuild_all_figures", "schedule": crontab(hour=2, minute=30)},
    # Matching's safety net: people whose matching failed at intake and whose retry was lost or gave up.
    "pending-matching-sweep": {"task": "contacts.sweep_pending_matching", "schedule": 15 * 60.0},
}


@app.on_after_configure.connect
def _ensure_filesystem_broker_folders(sender, **kwargs):
    options = sender.conf.broker_transport_options or {}
    for key in ("data_folder_in", "data_folder_out", "processed_folder", "control_folder"):
        if options.get(key):
            os.makedirs(options[key], exist_ok=True)
