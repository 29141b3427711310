"""The deadline engine's models now belong to the ``deadlines`` app (``deadlines/0001_initial``).

State only: the tables ``mash_clock``, ``mash_escalationstep`` and ``mash_notification`` stay, with
their rows, owned by the deadlines app's models (``db_table``). Runs after ``deadlines/0001`` so
the models always have a home in Django's state.
"""

from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ('mash', '0005_tenant_public_phone_numbers'),
        ('deadlines', '0001_initial'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[],
            state_operations=[
                migrations.RemoveField(model_name='notification', name='clock'),
                migrations.DeleteModel(name='Notification'),
                migrations.DeleteModel(name='Clock'),
                migrations.DeleteModel(name='EscalationStep'),
            ],
        ),
    ]
