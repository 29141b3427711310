from django.apps import AppConfig


class DeadlinesConfig(AppConfig):
    """The deadline engine: clocks, escalation ladders, notifications and the minute sweep."""

    name = "deadlines"
    label = "deadlines"
    verbose_name = "Deadline engine"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from django.db.models.signals import post_delete, post_save

        from mash.tenant_settings import settings_changed

        from .models import EscalationStep

        post_save.connect(settings_changed, sender=EscalationStep, dispatch_uid="deadlines.settings.ladder")
        post_delete.connect(settings_changed, sender=EscalationStep, dispatch_uid="deadlines.settings.ladder.d")
