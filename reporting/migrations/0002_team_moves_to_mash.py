"""Teams now belong to the core (``mash/0008_team_moves_to_mash``): state only, the tables stay."""

from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ('reporting', '0001_initial'),
        ('mash', '0008_team_moves_to_mash'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[],
            state_operations=[
                migrations.DeleteModel(name='TeamMember'),
                migrations.DeleteModel(name='Team'),
            ],
        ),
    ]
