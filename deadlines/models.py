"""Clocks, their escalation ladders and the notifications they send.

The database is the source of truth for every deadline: the broker only carries wake-ups,
and the minute sweep finds whatever a lost wake-up missed. Each stage of a clock (warning,
breach, each escalation level) has a partial index holding only the clocks still waiting
for that stage, so the sweep's range scans touch only work that is actually due.
"""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from mash.roles import Role
from mash.tenancy import TenantOwned
from mash.tenant_settings import AllSettingsManager, SettingsManager
from thresholds.models import ClockKind


class ClockKindField(models.CharField):
    """A kind of clock (:class:`thresholds.models.ClockKind`), validated and displayed with its choices.

    The choices are read from ``ClockKind`` at run time and left out of migrations: they never
    reach the database, and freezing them here made every new kind of clock a migration in two
    apps (thresholds for its policy, this one for its clocks). A new kind is one migration, in
    thresholds; see docs/architecture.md.
    """

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("max_length", 30)
        kwargs["choices"] = ClockKind.choices
        super().__init__(*args, **kwargs)

    def deconstruct(self):
        name, _path, args, kwargs = super().deconstruct()
        kwargs.pop("choices", None)
        return name, "django.db.models.CharField", args, kwargs


# A clock is open until met or cancelled (stopped); only open clocks warn, breach or escalate.
OPEN = Q(met_at__isnull=True, cancelled_at__isnull=True)


class EscalationTarget(models.TextChoices):
    """Who an escalation level tells. Roles are the tenant's; ``agency_lead`` is the subject agency's;
    ``team`` is the active members of the step's named team."""

    RESPONSIBLE = "responsible", "The people responsible"
    AGENCY_LEAD = Role.AGENCY_LEAD.value, "Agency lead"
    MANAGER = Role.MANAGER.value, "MASH team manager"
    EHCOORD = Role.EHCOORD.value, "Early Help coordinator"
    HEAD = Role.HEAD.value, "Head of service"
    TEAM = "team", "A named team"


def step_target_label(step: dict) -> str:
    """Who a ladder step (as a clock copies it) tells, in words: a team's name, else the target's label."""
    if step.get("who") == EscalationTarget.TEAM and step.get("team"):
        return str(step["team"])
    return EscalationTarget(step["who"]).label


class EscalationStep(TenantOwned):
    """One rung of a tenant's escalation ladder for a kind of clock.

    ``after`` is measured from the breach for level 1 (usually zero) and from the previous
    level for the others, in real (clock) time: an overdue safeguarding task does not wait
    for office hours to be escalated.
    """

    kind = ClockKindField()
    level = models.PositiveSmallIntegerField()
    who = models.CharField(max_length=20, choices=EscalationTarget.choices)
    # The team told when ``who`` is ``team`` (its active members); empty for every other target.
    team = models.ForeignKey("mash.Team", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    after = models.DurationField(default=timedelta(0))

    objects = SettingsManager()
    all_tenants = AllSettingsManager()  # scoping: allowed - a declaration, no query

    class Meta(TenantOwned.Meta):
        db_table = "mash_escalationstep"  # created when the engine lived in the mash app; kept
        ordering = ["kind", "level"]
        constraints = [
            models.UniqueConstraint(fields=["tenant", "kind", "level"], name="one_escalation_step_per_level"),
            models.CheckConstraint(condition=Q(level__gte=1), name="escalation_level_from_one"),
            models.CheckConstraint(condition=Q(after__gte=timedelta(0)), name="escalation_after_not_negative"),
            models.CheckConstraint(
                condition=Q(who="team", team__isnull=False) | (~Q(who="team") & Q(team__isnull=True)),
                name="escalation_team_iff_team_target",
            ),
        ]

    def __str__(self):
        who = self.team.name if self.team_id else self.get_who_display()
        return f"{self.get_kind_display()} level {self.level}: {who} after {self.after}"


class Clock(TenantOwned):
    """A deadline running on one subject (a contact, an information request, ...)."""

    kind = ClockKindField()
    subject_type = models.CharField(max_length=100, help_text="app_label.model of the subject")
    subject_id = models.CharField(max_length=64)
    subject_label = models.CharField(max_length=200, blank=True, help_text="Shown in notifications, e.g. CAM-00042")
    subject_url = models.CharField(max_length=300, blank=True)
    agency = models.ForeignKey("mash.Agency", null=True, blank=True, on_delete=models.PROTECT, related_name="+")

    started_at = models.DateTimeField()
    due_at = models.DateTimeField()
    warn_at = models.DateTimeField(null=True, blank=True)
    met_at = models.DateTimeField(null=True, blank=True)
    cancelled_at = models.DateTimeField(null=True, blank=True)
    cancel_reason = models.CharField(max_length=300, blank=True)
    warned_at = models.DateTimeField(null=True, blank=True)
    breached_at = models.DateTimeField(null=True, blank=True, help_text="When the engine recorded the breach")
    late_by = models.DurationField(null=True, blank=True, help_text="How late it was met, if after its due time")
    escalation_level = models.PositiveSmallIntegerField(default=0, help_text="0 = not escalated")
    next_escalation_at = models.DateTimeField(null=True, blank=True)

    # What the clock started with: amount, unit, warn_fraction, time_zone and the ladder's
    # steps. Later policy changes never move a running deadline.
    policy = models.JSONField(default=dict)
    responsible_ids = models.JSONField(default=list, help_text="Users warned before the deadline")
    responsible_roles = models.JSONField(
        default=list, blank=True, help_text="Roles whose active members, when a step is due, are warned too"
    )
    # A handover's receiving team: its members as they are when a step is due (one who joins after the handover
    # is warned, one who has left is not). Indexed only where set.
    responsible_team = models.ForeignKey(
        "mash.Team",
        null=True,
        blank=True,
        on_delete=models.PROTECT,  # as a handover's team: teams are retired, never removed
        related_name="+",
        db_index=False,
        help_text="A team whose active members, when a step is due, are warned too",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta(TenantOwned.Meta):
        db_table = "mash_clock"  # created when the engine lived in the mash app; kept
        ordering = ["due_at", "id"]
        indexes = [
            models.Index(
                fields=["responsible_team"],
                condition=Q(responsible_team__isnull=False),
                name="clock_responsible_team_idx",
            ),
            # The sweep's three range scans, each over only the clocks still waiting for that stage.
            models.Index(
                fields=["warn_at"],
                name="clock_open_warn_idx",
                condition=OPEN & Q(warned_at__isnull=True, breached_at__isnull=True, warn_at__isnull=False),
            ),
            models.Index(fields=["due_at"], name="clock_open_due_idx", condition=OPEN & Q(breached_at__isnull=True)),
            models.Index(
                fields=["next_escalation_at"],
                name="clock_open_escalation_idx",
                condition=OPEN & Q(next_escalation_at__isnull=False),
            ),
            models.Index(fields=["tenant", "subject_type", "subject_id"], name="clock_subject_idx"),
        ]
        constraints = [
            # One running clock of a kind per subject: starting it twice is a bug, not a second deadline.
            models.UniqueConstraint(
                fields=["tenant", "kind", "subject_type", "subject_id"],
                condition=OPEN,
                name="one_open_clock_per_subject_and_kind",
            ),
            models.CheckConstraint(condition=Q(due_at__gte=models.F("started_at")), name="clock_due_after_start"),
        ]

    def __str__(self):
        return f"{self.get_kind_display()}: {self.subject_label or self.subject_id}"

    # --- presentation helpers (the clock-state partial) ----------------------------------

    @property
    def is_open(self) -> bool:
        return self.met_at is None and self.cancelled_at is None

    @property
    def is_overdue(self) -> bool:
        return self.is_open and self.due_at <= timezone.now()

    @property
    def is_due_soon(self) -> bool:
        return self.is_open and not self.is_overdue and self.warn_at is not None and self.warn_at <= timezone.now()

    @property
    def time_zone(self) -> str:
        return self.policy.get("time_zone") or settings.TIME_ZONE

    @property
    def ladder(self) -> list[dict]:
        return list(self.policy.get("ladder", []))

    @property
    def top_level(self) -> int:
        return len(self.ladder)

    @property
    def escalated_to(self) -> str:
        """Who the current escalation level told, in words ("" when not escalated)."""
        for step in self.ladder:
            if step["level"] == self.escalation_level:
                return step_target_label(step)
        return ""

    @property
    def met_late(self) -> bool:
        return bool(self.late_by)


class NotificationKind(models.TextChoices):
    WARNING = "warning", "Due soon"
    BREACH = "breach", "Overdue"
    ESCALATION = "escalation", "Escalated"
    INFO = "info", "Information"


class Notification(TenantOwned):
    """A message to one person. A clock sends at most one per recipient per (kind, level)."""

    recipient = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications")
    clock = models.ForeignKey(Clock, null=True, blank=True, on_delete=models.CASCADE, related_name="notifications")
    kind = models.CharField(max_length=20, choices=NotificationKind.choices)
    level = models.PositiveSmallIntegerField(default=0, help_text="Escalation level; 0 for warnings and breaches")
    subject = models.CharField(max_length=200, blank=True, help_text="e.g. the contact reference")
    message = models.TextField()
    url = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    read_at = models.DateTimeField(null=True, blank=True)
    # The email copy is an outbox: ``email_due_at`` says one is owed (written with the notice),
    # ``emailed_at`` says it went (set only after the mail server took it). A sender claims a row
    # for EMAIL_LEASE (``email_claimed_at``); a claim that lapses (a killed worker) is taken again
    # by the minute sweep. ``email_failed_at``: given up after the last attempt or the cut-off.
    emailed_at = models.DateTimeField(null=True, blank=True, help_text="When the email copy was sent")
    email_due_at = models.DateTimeField(null=True, blank=True, help_text="When an email copy became owed")
    email_claimed_at = models.DateTimeField(null=True, blank=True)
    email_attempts = models.PositiveSmallIntegerField(default=0)
    email_failed_at = models.DateTimeField(null=True, blank=True, help_text="When sending the email was given up")

    class Meta(TenantOwned.Meta):
        db_table = "mash_notification"  # created when the engine lived in the mash app; kept
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["recipient", "-created_at", "-id"], name="notification_inbox_idx"),
            models.Index(fields=["recipient"], name="notification_unread_idx", condition=Q(read_at__isnull=True)),
            # The outbox: the few notices whose email is owed and neither sent nor given up.
            models.Index(
                fields=["email_due_at"],
                name="notification_email_owed_idx",
                condition=Q(email_due_at__isnull=False, emailed_at__isnull=True, email_failed_at__isnull=True),
            ),
        ]
        constraints = [
            # The last line of "never doubling an alert": even a bug in the state machine
            # cannot send the same person the same clock event twice.
            models.UniqueConstraint(
                fields=["clock", "recipient", "kind", "level"],
                condition=Q(clock__isnull=False),
                name="one_notification_per_clock_event_and_recipient",
            ),
        ]

    def __str__(self):
        return f"{self.get_kind_display()}: {self.subject}"

    @property
    def read(self) -> bool:
        return self.read_at is not None
