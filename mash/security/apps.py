from django.apps import AppConfig


class SecurityConfig(AppConfig):
    name = "mash.security"
    label = "security"
    verbose_name = "Security: row-level security, sign-in factors, retention"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from django.db.backends.signals import connection_created
        from django.db.models.signals import post_migrate, pre_migrate

        from . import rls, schema  # noqa: F401 - schema registers the OpenAPI session scheme

        connection_created.connect(rls.on_connection_created, dispatch_uid="mash-rls-connection")
        pre_migrate.connect(rls.on_pre_migrate, dispatch_uid="mash-rls-pre-migrate")
        post_migrate.connect(rls.on_post_migrate, dispatch_uid="mash-rls-post-migrate")
