"""Database guard: a submitted return, its addenda and the information-share log are never changed or deleted.

The service already refuses; the trigger makes the rule hold for any code path (a shell, a bulk update).
PostgreSQL only: other databases (none in use) keep the service-level guard.
"""

from django.db import migrations

FUNCTIONS = """
CREATE OR REPLACE FUNCTION navigators_refuse_submitted_return_change() RETURNS trigger AS $$
BEGIN
    IF OLD.status = 'submitted' THEN
        RAISE EXCEPTION 'A submitted information return cannot be changed or deleted (add an addendum).'
            USING ERRCODE = 'integrity_constraint_violation';
    END IF;
    IF TG_OP = 'DELETE' THEN
        RETURN OLD;
    END IF;
    RETURN NEW;
END;
$$ LANGUAGE plpgsql;

CREATE OR REPLACE FUNCTION navigators_refuse_change() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION '% is append-only.', TG_TABLE_NAME USING ERRCODE = 'integrity_constraint_violation';
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER navigators_return_immutable BEFORE UPDATE OR DELETE ON navigators_informationreturn
    FOR EACH ROW EXECUTE FUNCTION navigators_refuse_submitted_return_change();
CREATE TRIGGER navigators_addendum_append_only BEFORE UPDATE OR DELETE ON navigators_returnaddendum
    FOR EACH ROW EXECUTE FUNCTION navigators_refuse_change();
CREATE TRIGGER navigators_share_append_only BEFORE UPDATE OR DELETE ON navigators_informationshare
    FOR EACH ROW EXECUTE FUNCTION navigators_refuse_change();
"""

DROP = """
DROP TRIGGER IF EXISTS navigators_return_immutable ON navigators_informationreturn;
DROP TRIGGER IF EXISTS navigators_addendum_append_only ON navigators_returnaddendum;
DROP TRIGGER IF EXISTS navigators_share_append_only ON navigators_informationshare;
DROP FUNCTION IF EXISTS navigators_refuse_submitted_return_change();
DROP FUNCTION IF EXISTS navigators_refuse_change();
"""


def _run(sql):
    def apply(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            schema_editor.execute(sql, params=None)

    return apply


class Migration(migrations.Migration):
    dependencies = [("navigators", "0002_returns")]

    operations = [migrations.RunPython(_run(FUNCTIONS), _run(DROP))]
