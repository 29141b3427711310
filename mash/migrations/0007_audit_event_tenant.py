"""Every audit event carries its tenant: row-level security walls the audit log like tenant-owned rows.

Events written before the audit log was walled may lack a tenant although their actor has one
(mash.audit.record filled it from the object, then the actor, but callers could leave both out).
Each such event belongs to its actor's tenant; it is filled in here, once, so that after the policies
are installed (post_migrate, mash.security.rls) those events stay visible to that tenant's audit
viewer instead of vanishing for everyone. Events of a tenantless actor (platform superusers) or of
no actor stay without one: platform events, which only the system role and the owner can read.

The append-only trigger (migration 0002) refuses every UPDATE, so it is paused for this one statement,
inside the migration's transaction, by the tables' owner; nothing else changes any event.
"""

import django.db.models.deletion
from django.db import migrations, models

BACKFILL = """
UPDATE mash_auditevent
SET tenant_id = (SELECT u.tenant_id FROM mash_user u WHERE u.id = mash_auditevent.actor_id)
WHERE tenant_id IS NULL
  AND actor_id IN (SELECT u.id FROM mash_user u WHERE u.tenant_id IS NOT NULL)
"""


def backfill_tenant_from_actor(apps, schema_editor):
    postgresql = schema_editor.connection.vendor == "postgresql"
    if postgresql:
        schema_editor.execute("ALTER TABLE mash_auditevent DISABLE TRIGGER mash_auditevent_append_only")
    schema_editor.execute(BACKFILL)
    if postgresql:
        schema_editor.execute("ALTER TABLE mash_auditevent ENABLE TRIGGER mash_auditevent_append_only")


class Migration(migrations.Migration):
    dependencies = [("mash", "0006_deadlines_moved_to_their_own_app")]

    operations = [
        migrations.AlterField(
            model_name="auditevent",
            name="tenant",
            field=models.ForeignKey(
                help_text="The tenant the event belongs to; empty only for platform events of no tenant.",
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to="mash.tenant",
            ),
        ),
        # Filling in a missing attribution cannot be undone meaningfully, and need not be.
        migrations.RunPython(backfill_tenant_from_actor, migrations.RunPython.noop, elidable=True),
    ]
