from django.apps import AppConfig


class ThresholdsConfig(AppConfig):
    name = "thresholds"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from django.db.models.signals import post_delete, post_save

        from .calendars import calendar_changed
        from .models import CalendarSettings, ClosureDay

        for model in (CalendarSettings, ClosureDay):
            post_save.connect(calendar_changed, sender=model, dispatch_uid=f"thresholds.calendar.{model.__name__}")
            post_delete.connect(calendar_changed, sender=model, dispatch_uid=f"thresholds.calendar.{model.__name__}.d")
