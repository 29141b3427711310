from celery import shared_task

from . import platform
from .models import Heartbeat

TRIM_EVERY = 50


@shared_task(name="mash.tasks.heartbeat", ignore_result=True)
def heartbeat(source: str = "worker", token: str = ""):
    """Record that a worker (or beat, through its schedule) is alive. Platform-level: no tenant."""
    beat = Heartbeat.objects.create(source=source, token=token)
    # Keep the table small: the last hundred beats per source are plenty for the health view. Trimmed every
    # TRIM_EVERY beats, not on each: the idle deadline sweep (every minute) is then two statements, not six.
    if beat.pk % TRIM_EVERY:
        return
    stale = Heartbeat.objects.filter(source=source).order_by("-at").values_list("pk", flat=True)[100:1000]
    Heartbeat.objects.filter(pk__in=list(stale)).delete()


@shared_task(name="mash.tasks.count_council_sizes", ignore_result=True)
def count_council_sizes():
    """Count each council's contacts this year for the platform operators' page (system work)."""
    platform.count_council_sizes()
