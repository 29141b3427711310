"""Role edt: the Emergency Duty Team, who cover the hub out of hours (issue 19)."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("mash", "0009_team_active"),
    ]

    operations = [
        migrations.AlterField(
            model_name="user",
            name="role",
            field=models.CharField(
                blank=True,
                choices=[
                    ("admin", "Tenant administrator"),
                    ("triage", "MASH triage social worker"),
                    ("manager", "MASH team manager"),
                    ("referrer", "Referrer"),
                    ("ehcoord", "Early Help coordinator"),
                    ("head", "Head of service"),
                    ("navigator", "Agency navigator"),
                    ("agency_lead", "Agency lead"),
                    ("edt", "Emergency Duty Team"),
                ],
                max_length=20,
            ),
        ),
    ]
