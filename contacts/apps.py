from django.apps import AppConfig


class ContactsConfig(AppConfig):
    name = "contacts"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from mash import documents

        from . import receivers  # noqa: F401  (connects the clock mirror)
        from .selectors import document_reader

        documents.register("contacts.contact", document_reader)
