"""The deadline engine becomes an app of its own; its tables stay where they are.

The models were created by ``mash/0003_deadlines`` (and altered by ``mash/0004``) when the engine
lived inside the mash app. This migration only tells Django's state that they are now
``deadlines.Clock``, ``deadlines.EscalationStep`` and ``deadlines.Notification`` on the same tables
(``db_table``): no table, row, index or constraint is touched (``mash/0005`` removes them from the
mash app's state the same way). Their content types are relabelled, so their permissions, and any
object permission or log entry pointing at them, follow them instead of being left stale.
"""

import datetime
import django.db.models.deletion
import django.db.models.manager
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models


MOVED = ("clock", "escalationstep", "notification")


def relabel_content_types(from_label, to_label):
    def relabel(apps, schema_editor):
        ContentType = apps.get_model("contenttypes", "ContentType")
        db = schema_editor.connection.alias
        taken = set(ContentType.objects.using(db).filter(app_label=to_label, model__in=MOVED).values_list("model", flat=True))
        ContentType.objects.using(db).filter(app_label=from_label, model__in=set(MOVED) - taken).update(app_label=to_label)

    return relabel


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        ('mash', '0004_early_help_feedback_clock'),
        ('thresholds', '0002_early_help_feedback_clock'),
        ('contenttypes', '0002_remove_content_type_name'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[],
            state_operations=[
                migrations.CreateModel(
                    name='Clock',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('kind', models.CharField(max_length=30)),
                        ('subject_type', models.CharField(help_text='app_label.model of the subject', max_length=100)),
                        ('subject_id', models.CharField(max_length=64)),
                        ('subject_label', models.CharField(blank=True, help_text='Shown in notifications, e.g. CAM-00042', max_length=200)),
                        ('subject_url', models.CharField(blank=True, max_length=300)),
                        ('started_at', models.DateTimeField()),
                        ('due_at', models.DateTimeField()),
                        ('warn_at', models.DateTimeField(blank=True, null=True)),
                        ('met_at', models.DateTimeField(blank=True, null=True)),
                        ('cancelled_at', models.DateTimeField(blank=True, null=True)),
                        ('cancel_reason', models.CharField(blank=True, max_length=300)),
                        ('warned_at', models.DateTimeField(blank=True, null=True)),
                        ('breached_at', models.DateTimeField(blank=True, help_text='When the engine recorded the breach', null=True)),
                        ('late_by', models.DurationField(blank=True, help_text='How late it was met, if after its due time', null=True)),
                        ('escalation_level', models.PositiveSmallIntegerField(default=0, help_text='0 = not escalated')),
                        ('next_escalation_at', models.DateTimeField(blank=True, null=True)),
                        ('policy', models.JSONField(default=dict)),
                        ('responsible_ids', models.JSONField(default=list, help_text='Users warned before the deadline')),
                        ('created_at', models.DateTimeField(auto_now_add=True)),
                        ('agency', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='mash.agency')),
                        ('tenant', models.ForeignKey(editable=False, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='mash.tenant')),
                    ],
                    options={
                        'db_table': 'mash_clock',
                        'ordering': ['due_at', 'id'],
                        'abstract': False,
                        'base_manager_name': 'all_tenants',
                        'default_manager_name': 'objects',
                    },
                    managers=[
                        ('objects', django.db.models.manager.Manager()),
                        ('all_tenants', django.db.models.manager.Manager()),
                    ],
                ),
                migrations.CreateModel(
                    name='EscalationStep',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('kind', models.CharField(max_length=30)),
                        ('level', models.PositiveSmallIntegerField()),
                        ('who', models.CharField(choices=[('responsible', 'The people responsible'), ('agency_lead', 'Agency lead'), ('manager', 'MASH team manager'), ('ehcoord', 'Early Help coordinator'), ('head', 'Head of service')], max_length=20)),
                        ('after', models.DurationField(default=datetime.timedelta(0))),
                        ('tenant', models.ForeignKey(editable=False, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='mash.tenant')),
                    ],
                    options={
                        'db_table': 'mash_escalationstep',
                        'ordering': ['kind', 'level'],
                        'abstract': False,
                        'base_manager_name': 'all_tenants',
                        'default_manager_name': 'objects',
                    },
                    managers=[
                        ('objects', django.db.models.manager.Manager()),
                        ('all_tenants', django.db.models.manager.Manager()),
                    ],
                ),
                migrations.CreateModel(
                    name='Notification',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('kind', models.CharField(choices=[('warning', 'Due soon'), ('breach', 'Overdue'), ('escalation', 'Escalated'), ('info', 'Information')], max_length=20)),
                        ('level', models.PositiveSmallIntegerField(default=0, help_text='Escalation level; 0 for warnings and breaches')),
                        ('subject', models.CharField(blank=True, help_text='e.g. the contact reference', max_length=200)),
                        ('message', models.TextField()),
                        ('url', models.CharField(blank=True, max_length=300)),
                        ('created_at', models.DateTimeField(default=django.utils.timezone.now)),
                        ('read_at', models.DateTimeField(blank=True, null=True)),
                        ('emailed_at', models.DateTimeField(blank=True, null=True)),
                        ('clock', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.CASCADE, related_name='notifications', to='deadlines.clock')),
                        ('recipient', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='notifications', to=settings.AUTH_USER_MODEL)),
                        ('tenant', models.ForeignKey(editable=False, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='mash.tenant')),
                    ],
                    options={
                        'db_table': 'mash_notification',
                        'ordering': ['-created_at', '-id'],
                        'abstract': False,
                        'base_manager_name': 'all_tenants',
                        'default_manager_name': 'objects',
                    },
                    managers=[
                        ('objects', django.db.models.manager.Manager()),
                        ('all_tenants', django.db.models.manager.Manager()),
                    ],
                ),
                migrations.AddIndex(
                    model_name='clock',
                    index=models.Index(condition=models.Q(('cancelled_at__isnull', True), ('met_at__isnull', True), ('breached_at__isnull', True), ('warn_at__isnull', False), ('warned_at__isnull', True)), fields=['warn_at'], name='clock_open_warn_idx'),
                ),
                migrations.AddIndex(
                    model_name='clock',
                    index=models.Index(condition=models.Q(('cancelled_at__isnull', True), ('met_at__isnull', True), ('breached_at__isnull', True)), fields=['due_at'], name='clock_open_due_idx'),
                ),
                migrations.AddIndex(
                    model_name='clock',
                    index=models.Index(condition=models.Q(('cancelled_at__isnull', True), ('met_at__isnull', True), ('next_escalation_at__isnull', False)), fields=['next_escalation_at'], name='clock_open_escalation_idx'),
                ),
                migrations.AddIndex(
                    model_name='clock',
                    index=models.Index(fields=['tenant', 'subject_type', 'subject_id'], name='clock_subject_idx'),
                ),
                migrations.AddConstraint(
                    model_name='clock',
                    constraint=models.UniqueConstraint(condition=models.Q(('cancelled_at__isnull', True), ('met_at__isnull', True)), fields=('tenant', 'kind', 'subject_type', 'subject_id'), name='one_open_clock_per_subject_and_kind'),
                ),
                migrations.AddConstraint(
                    model_name='clock',
                    constraint=models.CheckConstraint(condition=models.Q(('due_at__gte', models.F('started_at'))), name='clock_due_after_start'),
                ),
                migrations.AddConstraint(
                    model_name='escalationstep',
                    constraint=models.UniqueConstraint(fields=('tenant', 'kind', 'level'), name='one_escalation_step_per_level'),
                ),
                migrations.AddConstraint(
                    model_name='escalationstep',
                    constraint=models.CheckConstraint(condition=models.Q(('level__gte', 1)), name='escalation_level_from_one'),
                ),
                migrations.AddConstraint(
                    model_name='escalationstep',
                    constraint=models.CheckConstraint(condition=models.Q(('after__gte', datetime.timedelta(0))), name='escalation_after_not_negative'),
                ),
                migrations.AddIndex(
                    model_name='notification',
                    index=models.Index(fields=['recipient', '-created_at', '-id'], name='notification_inbox_idx'),
                ),
                migrations.AddIndex(
                    model_name='notification',
                    index=models.Index(condition=models.Q(('read_at__isnull', True)), fields=['recipient'], name='notification_unread_idx'),
                ),
                migrations.AddConstraint(
                    model_name='notification',
                    constraint=models.UniqueConstraint(condition=models.Q(('clock__isnull', False)), fields=('clock', 'recipient', 'kind', 'level'), name='one_notification_per_clock_event_and_recipient'),
                ),
            ],
        ),
        migrations.RunPython(relabel_content_types("mash", "deadlines"), relabel_content_types("deadlines", "mash")),
    ]
