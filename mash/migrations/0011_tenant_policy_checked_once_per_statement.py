"""Reinstall the row-level security policies in their fast form.

The tenant policy compares ``tenant_id`` with a scalar sub-select of the signed-tenant check,
``(SELECT mash_tenant_id())``: PostgreSQL evaluates it once per statement (an InitPlan) instead of
once per row. ``rls.install`` replaces every policy whose text differs from the expected one, so a
database that still carries an older, per-row form is brought up to date here, explicitly, and not
only by the ``post_migrate`` hook that runs after every migrate.
"""

from django.db import migrations


def reinstall(apps, schema_editor):
    from mash.security import rls

    rls.install(schema_editor.connection.alias, verbosity=0)


class Migration(migrations.Migration):

    dependencies = [
        ('mash', '0010_user_role_edt'),
    ]

    operations = [
        migrations.RunPython(reinstall, migrations.RunPython.noop),
    ]
