import re

from django.apps import AppConfig


class ContactsConfig(AppConfig):
    name = "contacts"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from django.db.backends.signals import connection_created

        from mash import documents, freshness

        from . import receivers, services  # noqa: F401  (receivers: connects the clock mirror)
        from .selectors import document_reader

        documents.register("contacts.contact", document_reader)
        freshness.register(services.MATCHING, services.settle_for_staff)
        connection_created.connect(_sqlite_functions, dispatch_uid="contacts-sqlite-functions")


def _regexp_replace(value, pattern, replacement, flags):
    if value is None:
        return None
    return re.sub(pattern, replacement, value, count=0 if "g" in (flags or "") else 1)


def _sqlite_functions(sender, connection, **kwargs):
    """PostgreSQL's regexp_replace for the embedded default (SQLite), where the person's normalised address
    (``Person.search_address``, a generated column) is computed with it. Deterministic, as SQLite requires of a
    function in a generated column."""
    if connection.vendor == "sqlite":
        connection.connection.create_function("regexp_replace", 4, _regexp_replace, deterministic=True)
