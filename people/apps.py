from django.apps import AppConfig


class PeopleConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "people"
    verbose_name = "People: search, the person's record and chronology, contacts that belong together"

    def ready(self):
        from django.db.backends.signals import connection_created

        from .search import set_thresholds

        # pg_trgm's thresholds for the search, once per PostgreSQL connection (none under SQLite).
        connection_created.connect(set_thresholds, dispatch_uid="people-trigram-thresholds")
        # "also open: <reference>" on the triage queue and contact page (triage calls it, never imports us).
        from triage.selectors import register_contact_annotator

        from .selectors import attach_also_open

        register_contact_annotator(attach_also_open)
