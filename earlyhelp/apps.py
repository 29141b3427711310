from django.apps import AppConfig


class EarlyhelpConfig(AppConfig):
    name = "earlyhelp"
    default_auto_field = "django.db.models.BigAutoField"
