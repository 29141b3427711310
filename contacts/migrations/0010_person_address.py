"""The person's last known address, searchable: a normalised copy (lower case, punctuation as spaces) indexed by
trigrams (pg_trgm), so "12 Mill Lane" or a street name with a slip finds the people living there. Filled from
the latest contact naming each person that gave an address. Under SQLite the index and the fill are skipped.
The date-of-birth and surname-sound blocking indexes now cover the search's reads (name, merged, id)."""

import logging

import django.db.models.functions.text
from django.db import DatabaseError, migrations, models, transaction

ADDRESS_INDEX = "person_search_address_trgm_idx"
# The address is matched by strict word similarity (``<<%``): as for 0006's operators, row-level security lets
# the planner use the index only when the operator is leakproof (it raises nothing that depends on a row).
LEAKPROOF = "strict_word_similarity_op(text, text)"

# The latest address a contact gave, for each register entry it names (children and the household alike).
FILL = """
UPDATE contacts_person p SET address = latest.address
FROM (
    SELECT DISTINCT ON (cp.person_id) cp.person_id, c.address
    FROM contacts_contactperson cp JOIN contacts_contact c ON c.id = cp.contact_id
    WHERE cp.person_id IS NOT NULL AND c.address <> ''
    ORDER BY cp.person_id, c.received_at DESC, c.id DESC
) latest
WHERE p.id = latest.person_id
"""


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(
        f"CREATE INDEX IF NOT EXISTS {ADDRESS_INDEX} ON contacts_person USING gin (search_address gin_trgm_ops)"
    )
    try:
        with transaction.atomic(using=schema_editor.connection.alias):
            schema_editor.execute(f"ALTER FUNCTION {LEAKPROOF} LEAKPROOF")
    except DatabaseError as exc:
        logging.getLogger(__name__).warning("Could not mark %s leakproof: %s", LEAKPROOF, exc)
    schema_editor.execute(FILL)


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(f"DROP INDEX IF EXISTS {ADDRESS_INDEX}")


class Migration(migrations.Migration):
    dependencies = [
        ('contacts', '0009_unborn'),
    ]

    operations = [
        migrations.AddField(
            model_name="person",
            name="address",
            field=models.CharField(blank=True, max_length=300),
        ),
        migrations.AddField(
            model_name="person",
            name="search_address",
            field=models.GeneratedField(
                db_persist=True,
                expression=models.Func(
                    django.db.models.functions.text.Lower("address"),
                    models.Value("[^a-z0-9]+"),
                    models.Value(" "),
                    models.Value("g"),
                    function="regexp_replace",
                ),
                output_field=models.CharField(max_length=300),
            ),
        ),
        migrations.RunPython(forwards, backwards, elidable=False),
        # The search's date-of-birth and surname-sound lookups read the name from the index (index-only scans).
        migrations.RemoveIndex(model_name="person", name="person_dob_block_idx"),
        migrations.RemoveIndex(model_name="person", name="person_surname_block_idx"),
        migrations.AddIndex(
            model_name="person",
            index=models.Index(
                fields=["tenant", "date_of_birth"],
                include=("search_name", "merged_into", "id"),
                name="person_dob_block_idx",
            ),
        ),
        migrations.AddIndex(
            model_name="person",
            index=models.Index(
                fields=["tenant", "surname_key"],
                include=("search_name", "merged_into", "id"),
                name="person_surname_block_idx",
            ),
        ),
        # A word of the name typed right is a first or last name exactly (people.search, without a date of birth).
        migrations.AddIndex(
            model_name="person",
            index=models.Index(
                fields=["tenant", "norm_first"],
                include=("search_name", "merged_into", "id"),
                name="person_first_name_idx",
            ),
        ),
        migrations.AddIndex(
            model_name="person",
            index=models.Index(
                fields=["tenant", "norm_last"],
                include=("search_name", "merged_into", "id"),
                name="person_last_name_idx",
            ),
        ),
    ]
