from django.apps import AppConfig


class ThresholdsConfig(AppConfig):
    name = "thresholds"
    default_auto_field = "django.db.models.BigAutoField"
