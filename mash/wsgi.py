"""The web process's WSGI application (gunicorn imports it in each worker).

Before the first request, every view is imported, every template compiled (``mash.templating``), and everything
start-up made is moved out of the garbage collector's sight (``gc.freeze()``, as Python's documentation advises
for servers that fork workers): the collector's full passes then walk only what requests make, not Django's tens
of thousands of start-up objects.
On the triage queue (bench/triage_queue.py, 10,000 open contacts) those passes were the gap between the median
and the 95th percentile: p95 235 ms against a median of 127 ms, and 131 ms with collection switched off.

The collector's first threshold is raised from 700 new objects to 20,000 (``REQUEST_GC_THRESHOLD``): a request
that builds many objects, such as a MARF's models and compiled SQL, set off a collection every 700 and a full
pass every 70,000. ``bench/ab_http.py`` (one worker each, 16 blocks of 100 alternating): a MARF's web CPU 5.70
against 5.50 ms with it, every block the same or lower; a light read's 3.60 against 3.60. What a collection frees
it frees as before; at most 20,000 more objects wait for it.
"""

import gc
import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "mash.settings")

REQUEST_GC_THRESHOLD = 20_000  # new objects between the collector's young passes (Python's default: 700)


def settle_start_up_objects() -> int:
    """Import every view (the URL patterns), compile every template, collect once, and freeze what is left: it
    lives as long as the process; then collect less often. Returns how many objects were frozen."""
    from django.urls import get_resolver

    from mash.templating import compile_every_template

    get_resolver().url_patterns  # noqa: B018 - importing every view module is the point
    compile_every_template()
    gc.collect()
    gc.freeze()
    _, older, oldest = gc.get_threshold()
    gc.set_threshold(REQUEST_GC_THRESHOLD, older, oldest)
    return gc.get_freeze_count()


application = get_wsgi_application()
settle_start_up_objects()
