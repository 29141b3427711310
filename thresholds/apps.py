from django.apps import AppConfig


class ThresholdsConfig(AppConfig):
    name = "thresholds"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from django.db.models.signals import post_delete, post_save

        from mash.tenant_settings import settings_changed

        from .models import CalendarSettings, ClockPolicy, ClosureDay

        for model in (CalendarSettings, ClosureDay, ClockPolicy):  # what a tenant's deadlines are computed from
            uid = f"thresholds.settings.{model.__name__}"
            post_save.connect(settings_changed, sender=model, dispatch_uid=uid)
            post_delete.connect(settings_changed, sender=model, dispatch_uid=f"{uid}.d")
