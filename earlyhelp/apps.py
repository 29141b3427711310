from django.apps import AppConfig


class EarlyhelpConfig(AppConfig):
    name = "earlyhelp"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from . import receivers  # noqa: F401  (connects the clock mirror)
