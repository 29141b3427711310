"""Teams belong to the core (``mash.Team``, ``mash.TeamMember``); their tables stay where they are.

State only: the tables ``reporting_team`` and ``reporting_teammember`` (created by
``reporting/0001_initial``) keep their rows, indexes and constraints, now owned by the mash app's
models (``db_table``); ``reporting/0100`` removes them from the reporting app's state. Users can then
name a team without the core importing reporting (docs/architecture.md, "Where teams live").
Content types are relabelled so permissions and object grants follow the models.
"""

import django.db.models.deletion
import django.db.models.manager
from django.conf import settings
from django.db import migrations, models

MOVED = ("team", "teammember")


def relabel_content_types(from_label, to_label):
    def relabel(apps, schema_editor):
        ContentType = apps.get_model("contenttypes", "ContentType")
        db = schema_editor.connection.alias
        taken = set(ContentType.objects.using(db).filter(app_label=to_label, model__in=MOVED).values_list("model", flat=True))
        ContentType.objects.using(db).filter(app_label=from_label, model__in=set(MOVED) - taken).update(app_label=to_label)

    return relabel


MANAGERS = [
    ('objects', django.db.models.manager.Manager()),
    ('all_tenants', django.db.models.manager.Manager()),
]


class Migration(migrations.Migration):

    dependencies = [
        ('mash', '0007_audit_event_tenant'),
        ('contenttypes', '0002_remove_content_type_name'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[],
            state_operations=[
                migrations.CreateModel(
                    name='Team',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('name', models.CharField(max_length=100)),
                        ('tenant', models.ForeignKey(editable=False, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='mash.tenant')),
                    ],
                    options={
                        'db_table': 'reporting_team',
                        'ordering': ['name'],
                        'abstract': False,
                        'base_manager_name': 'all_tenants',
                        'default_manager_name': 'objects',
                        'constraints': [models.UniqueConstraint(fields=('tenant', 'name'), name='team_unique_name_per_tenant')],
                    },
                    managers=MANAGERS,
                ),
                migrations.CreateModel(
                    name='TeamMember',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('team', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='members', to='mash.team')),
                        ('tenant', models.ForeignKey(editable=False, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='mash.tenant')),
                        ('user', models.OneToOneField(on_delete=django.db.models.deletion.CASCADE, related_name='team_membership', to=settings.AUTH_USER_MODEL)),
                    ],
                    options={
                        'db_table': 'reporting_teammember',
                        'abstract': False,
                        'base_manager_name': 'all_tenants',
                        'default_manager_name': 'objects',
                    },
                    managers=MANAGERS,
                ),
            ],
        ),
        migrations.RunPython(relabel_content_types("reporting", "mash"), relabel_content_types("mash", "reporting")),
    ]
