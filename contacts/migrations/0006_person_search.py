"""Search the register: a normalised full name indexed by trigrams (PostgreSQL's pg_trgm), postcode and
NHS number indexes. Under SQLite (the embedded default) the extension and the trigram index are skipped;
the search falls back to a simpler query there (people.search)."""

import logging

import django.db.models.functions.text
from django.contrib.postgres.operations import TrigramExtension
from django.db import DatabaseError, migrations, models, transaction

TRIGRAM_INDEX = "person_search_name_trgm_idx"


# Row-level security (mash.security.rls) lets the planner use an index only for leakproof operators; pg_trgm's
# are not marked so, and the search would scan the table. They raise no error and log nothing that depends
# on a row's value, so marking them leakproof discloses nothing. Needs a superuser: where the migration runs
# as a plain owner this is skipped with a warning (the search still works, by sequential scan).
LEAKPROOF = ("similarity_op(text, text)", "word_similarity_op(text, text)")


def create_trigram_index(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(
        f"CREATE INDEX IF NOT EXISTS {TRIGRAM_INDEX} ON contacts_person USING gin (search_name gin_trgm_ops)"
    )
    for function in LEAKPROOF:
        try:
            with transaction.atomic(using=schema_editor.connection.alias):
                schema_editor.execute(f"ALTER FUNCTION {function} LEAKPROOF")
        except DatabaseError as exc:
            logging.getLogger(__name__).warning("Could not mark %s leakproof: %s", function, exc)


def drop_trigram_index(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(f"DROP INDEX IF EXISTS {TRIGRAM_INDEX}")


class Migration(migrations.Migration):

    dependencies = [
        ("contacts", "0005_person_matching_pending"),
    ]

    operations = [
        TrigramExtension(),  # CREATE EXTENSION IF NOT EXISTS pg_trgm; nothing under SQLite
        migrations.AddField(
            model_name="person",
            name="nhs_number",
            field=models.CharField(blank=True, help_text="Ten digits, where one is recorded.", max_length=10),
        ),
        migrations.AddField(
            model_name="person",
            name="search_name",
            field=models.GeneratedField(
                db_persist=True,
                expression=django.db.models.functions.text.Concat("norm_first", models.Value(" "), "norm_last"),
                output_field=models.CharField(max_length=201),
            ),
        ),
        migrations.AddIndex(
            model_name="person",
            index=models.Index(fields=["tenant", "postcode"], name="person_postcode_idx"),
        ),
        migrations.AddIndex(
            model_name="person",
            index=models.Index(
                condition=models.Q(("nhs_number", ""), _negated=True),
                fields=["tenant", "nhs_number"],
                name="person_nhs_number_idx",
            ),
        ),
        migrations.RunPython(create_trigram_index, drop_trigram_index, elidable=False),
    ]
