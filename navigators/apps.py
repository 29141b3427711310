from django.apps import AppConfig


class NavigatorsConfig(AppConfig):
    name = "navigators"
    default_auto_field = "django.db.models.BigAutoField"
