"""The triage queue's index carries the worker (``INCLUDE (assigned_to_id)``), so the strip of counts above the
queue reads the index alone.

On PostgreSQL the new index is built beside the old one without blocking writes (``CREATE INDEX CONCURRENTLY``:
building it scans every contact, and a plain ``CREATE INDEX`` would hold every referrer's MARF for as long), the old
one is dropped the same way, and the new one takes its name. So the migration runs outside a transaction; run again
after a failure it starts over (an invalid half-built index is dropped first). Elsewhere (the embedded SQLite
default, which has no covering indexes) the index is replaced as Django would.
"""

from django.db import migrations, models

OPEN = models.Q(("status__in", ["received", "in_triage", "enquiry"]))
FIELDS = ["tenant", "decision_due_at", "received_at", "id"]
BUILDING = "contact_queue_new_idx"  # the new index's name while both exist


def queue_index(*, covering: bool, name: str = "contact_queue_idx") -> models.Index:
    return models.Index(fields=FIELDS, condition=OPEN, name=name, include=("assigned_to",) if covering else ())


def _replace(apps, schema_editor, *, covering: bool) -> None:
    contact = apps.get_model("contacts", "Contact")
    old, new = queue_index(covering=not covering), queue_index(covering=covering)
    if schema_editor.connection.vendor != "postgresql":
        schema_editor.remove_index(contact, old)
        schema_editor.add_index(contact, new)
        return
    building = queue_index(covering=covering, name=BUILDING)
    schema_editor.execute(f"DROP INDEX CONCURRENTLY IF EXISTS {BUILDING}")
    schema_editor.execute(building.create_sql(contact, schema_editor, concurrently=True))
    schema_editor.execute(f"DROP INDEX CONCURRENTLY IF EXISTS {old.name}")
    schema_editor.execute(f"ALTER INDEX {BUILDING} RENAME TO {new.name}")


def forward(apps, schema_editor):
    _replace(apps, schema_editor, covering=True)


def backward(apps, schema_editor):
    _replace(apps, schema_editor, covering=False)


class Migration(migrations.Migration):
    atomic = False  # CREATE INDEX CONCURRENTLY cannot run in a transaction

    dependencies = [
        ("contacts", "0011_queue_top_indexes"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[migrations.RunPython(forward, backward, elidable=False)],
            state_operations=[
                migrations.RemoveIndex(model_name="contact", name="contact_queue_idx"),
                migrations.AddIndex(model_name="contact", index=queue_index(covering=True)),
            ],
        ),
    ]
