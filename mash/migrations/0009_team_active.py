"""A team can be retired (no new members, offered nowhere new) and keep its history."""

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('mash', '0008_team_moves_to_mash'),
        # The table is created by reporting/0001 and handed over by reporting/0002.
        ('reporting', '0002_team_moves_to_mash'),
    ]

    operations = [
        migrations.AddField(
            model_name='team',
            name='active',
            field=models.BooleanField(default=True),
        ),
    ]
