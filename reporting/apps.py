from django.apps import AppConfig


class ReportingConfig(AppConfig):
    """Timeliness dashboards, performance figures and Ofsted Annex A exports (across every capability)."""

    name = "reporting"
    label = "reporting"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from . import receivers  # noqa: F401 - connects the signal receivers
