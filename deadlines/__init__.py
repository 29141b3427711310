"""The deadline engine: clocks that warn, record breaches and escalate, for every capability.

``mash.deadlines`` is a package of the ``mash`` app (its models carry the ``mash`` label),
not an installed app of its own, so Celery's autodiscovery (``<app>.tasks``) would miss its
tasks. Importing them here registers them in every process that loads the models.
"""

from . import tasks  # noqa: F401 - registers mash.deadlines.* Celery tasks
