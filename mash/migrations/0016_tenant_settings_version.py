"""Every change to what a tenant's deadlines are computed from gives the tenant a new ``settings_version``.

The working calendar and its closure days, the clock lengths, the escalation ladders and the teams they name,
and the tenant row itself (its time zone). Triggers do it, so no way of writing those rows is missed: a form's
save, ``QuerySet.update``, ``bulk_create``, a delete, raw SQL, an operator's psql. The number comes from one
sequence, which a rolled-back transaction never gives back, so a version is never reused (not across tenants,
not after a rollback, not when a stale ``Tenant`` object is saved: every update of the tenant row takes a new
number whatever the application wrote). ``mash.tenant_settings`` keeps derived values under it.

PostgreSQL only: the embedded SQLite default keeps the version at 0, which ``mash.tenant_settings`` reads as
"not versioned" and never remembers anything under.
"""

from django.db import migrations, models

# The tables whose rows shape a tenant's deadlines: each has a tenant_id column.
WATCHED = (
    "thresholds_calendarsettings",
    "thresholds_closureday",
    "thresholds_clockpolicy",
    "mash_escalationstep",
    "reporting_team",
)

FORWARD = """
CREATE SEQUENCE IF NOT EXISTS mash_tenant_settings_version;

CREATE OR REPLACE FUNCTION mash_tenant_settings_renew() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public AS $fn$
BEGIN
    NEW.settings_version := nextval('public.mash_tenant_settings_version');
    RETURN NEW;
END
$fn$;
DROP TRIGGER IF EXISTS mash_tenant_settings_renew ON mash_tenant;
CREATE TRIGGER mash_tenant_settings_renew BEFORE INSERT OR UPDATE ON mash_tenant
    FOR EACH ROW EXECUTE FUNCTION mash_tenant_settings_renew();

CREATE OR REPLACE FUNCTION mash_tenant_settings_changed() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public AS $fn$
BEGIN
    IF TG_OP <> 'INSERT' THEN
        UPDATE public.mash_tenant SET settings_version = 0 WHERE id = OLD.tenant_id;
    END IF;
    IF TG_OP = 'INSERT' OR (TG_OP = 'UPDATE' AND NEW.tenant_id IS DISTINCT FROM OLD.tenant_id) THEN
        UPDATE public.mash_tenant SET settings_version = 0 WHERE id = NEW.tenant_id;
    END IF;
    RETURN NULL;
END
$fn$;
"""

WATCH = """
DROP TRIGGER IF EXISTS mash_tenant_settings_changed ON {table};
CREATE TRIGGER mash_tenant_settings_changed AFTER INSERT OR UPDATE OR DELETE ON {table}
    FOR EACH ROW EXECUTE FUNCTION mash_tenant_settings_changed();
"""

BACKWARD = """
DROP TRIGGER IF EXISTS mash_tenant_settings_renew ON mash_tenant;
DROP FUNCTION IF EXISTS mash_tenant_settings_renew();
DROP FUNCTION IF EXISTS mash_tenant_settings_changed() CASCADE;
DROP SEQUENCE IF EXISTS mash_tenant_settings_version;
"""


def forward(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(FORWARD, params=None)
    for table in WATCHED:
        schema_editor.execute(WATCH.format(table=table), params=None)
    schema_editor.execute("UPDATE mash_tenant SET settings_version = 0", params=None)  # each takes its number


def backward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(BACKWARD, params=None)


class Migration(migrations.Migration):
    dependencies = [
        ("mash", "0015_username_unique_any_case"),
        ("thresholds", "0007_edt_cover"),
        ("deadlines", "0003_email_outbox"),
    ]

    operations = [
        migrations.AddField(
            model_name="tenant",
            name="settings_version",
            field=models.BigIntegerField(db_default=0, editable=False),
        ),
        migrations.RunPython(forward, backward),
    ]
