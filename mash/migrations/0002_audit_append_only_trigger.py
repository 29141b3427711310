"""The audit log is append-only in the database too: UPDATE and DELETE are refused by a trigger.

PostgreSQL only (the product's database); the embedded SQLite default relies on the ORM guard.
TRUNCATE is left to the table owner for test-database teardown.
"""

from django.db import migrations

FORWARD = """
CREATE OR REPLACE FUNCTION mash_audit_refuse_change() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'mash_auditevent is append-only: % refused', TG_OP USING ERRCODE = 'insufficient_privilege';
END;
$$ LANGUAGE plpgsql;
DROP TRIGGER IF EXISTS mash_auditevent_append_only ON mash_auditevent;
CREATE TRIGGER mash_auditevent_append_only BEFORE UPDATE OR DELETE ON mash_auditevent
    FOR EACH ROW EXECUTE FUNCTION mash_audit_refuse_change();
"""
BACKWARD = """
DROP TRIGGER IF EXISTS mash_auditevent_append_only ON mash_auditevent;
DROP FUNCTION IF EXISTS mash_audit_refuse_change();
"""


def forward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(FORWARD, params=None)


def backward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(BACKWARD, params=None)


class Migration(migrations.Migration):
    dependencies = [("mash", "0001_initial")]
    operations = [migrations.RunPython(forward, backward)]
