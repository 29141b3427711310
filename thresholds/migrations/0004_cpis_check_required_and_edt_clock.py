from decimal import Decimal

from django.db import migrations, models


def seed_existing_tenants(apps, schema_editor):
    """Existing tenants get what a new one is seeded with: a CP-IS check before deciding a Red or Amber contact,
    and an Emergency Duty Team response clock of one clock hour."""
    Rating = apps.get_model("thresholds", "Rating")
    ClockPolicy = apps.get_model("thresholds", "ClockPolicy")
    Rating._base_manager.filter(colour__in=["red", "amber"]).update(cpis_check_required=True)
    Rating._base_manager.filter(code__startswith="amber").update(cpis_check_required=True)
    for tenant_id in set(ClockPolicy._base_manager.values_list("tenant_id", flat=True)):
        ClockPolicy._base_manager.get_or_create(
            tenant_id=tenant_id, kind="edt_response", defaults={"amount": Decimal("1"), "unit": "clock_hours"}
        )


class Migration(migrations.Migration):
    dependencies = [
        ("thresholds", "0003_rating_decision_deadline_and_strategy_clock"),
    ]

    operations = [
        migrations.AddField(
            model_name="rating",
            name="cpis_check_required",
            field=models.BooleanField(
                default=False,
                help_text="A CP-IS check must be recorded before the decision (or an override reason given).",
            ),
        ),
        migrations.AlterField(
            model_name="clockpolicy",
            name="kind",
            field=models.CharField(
                choices=[
                    ("decision", "Decision on next steps"),
                    ("navigator_return", "Navigator information return"),
                    ("early_help_review", "Early Help Hub review"),
                    ("referrer_feedback", "Feedback to the referrer"),
                    ("plan_review", "Early Help Plan review"),
                    ("early_help_feedback", "Early Help Hub feedback (calls and letter)"),
                    ("strategy_discussion", "Strategy discussion held"),
                    ("edt_response", "Emergency Duty Team response (urgent, out of hours)"),
                ],
                max_length=30,
            ),
        ),
        migrations.RunPython(seed_existing_tenants, migrations.RunPython.noop),
    ]
