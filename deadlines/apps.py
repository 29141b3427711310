from django.apps import AppConfig


class DeadlinesConfig(AppConfig):
    """The deadline engine: clocks, escalation ladders, notifications and the minute sweep."""

    name = "deadlines"
    label = "deadlines"
    verbose_name = "Deadline engine"
    default_auto_field = "django.db.models.BigAutoField"
