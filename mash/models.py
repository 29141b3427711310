import uuid

from django.contrib.auth.models import AbstractUser, UserManager
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.db.models import Q
from django.db.models.functions import Lower

from .roles import AGENCY_ROLES, STAFF_ROLES, Role
from .tenancy import TenantOwned, TenantQuerySet
from .tenant_settings import AllSettingsManager, SettingsManager

# A UK telephone number as people write it: digits, spaces, and optionally a leading + or brackets.
phone_number_validator = RegexValidator(
    r"^\+?[0-9 ()]{7,25}$", "Enter a telephone number, like 01223 555 0101 or +44 1223 555 0101"
)


# How long after a step-down, step-up or "no further action" a return to the MASH counts as bouncing (days).
BOUNCE_WINDOW_MIN, BOUNCE_WINDOW_MAX = 1, 730


class Tenant(models.Model):
    """A local authority. Tenants never see each other's data."""

    slug = models.SlugField(unique=True)
    name = models.CharField(max_length=200)
    time_zone = models.CharField(max_length=64, default="Europe/London")
    reference_prefix = models.CharField(
        max_length=8, help_text="Prefix of human-readable contact references, e.g. CAM."
    )
    # Shown to the public when their report cannot be sent (blocked or failed), beside "call 999".
    mash_phone = models.CharField(
        "MASH telephone number", max_length=25, blank=True, validators=[phone_number_validator]
    )
    out_of_hours_phone = models.CharField(
        "Out-of-hours telephone number", max_length=25, blank=True, validators=[phone_number_validator]
    )
    # Seed 001: cases should not bounce between tiers. A child stepped down to early help and referred back, stepped
    # up and down again, or referred again after no further action, within this many days, is flagged.
    bounce_window_days = models.PositiveSmallIntegerField(
        "Bouncing between tiers: window in days",
        default=90,
        validators=[MinValueValidator(BOUNCE_WINDOW_MIN), MaxValueValidator(BOUNCE_WINDOW_MAX)],
    )
    created_at = models.DateTimeField(auto_now_add=True)
    # Set by a platform operator (mash.platform.suspend_council): nobody of the council may sign in, its
    # sessions and API tokens are refused, and its public pages say the service is unavailable.
    suspended_at = models.DateTimeField(null=True, blank=True)
    suspended_reason = models.CharField(max_length=500, blank=True)
    # Which state of the settings a deadline is computed from (working calendar, closure days, clock lengths,
    # escalation ladders, teams, this row) the tenant is in: PostgreSQL gives it a new number from one sequence
    # whenever any of them changes, by trigger, however the change is written (mash migration 0016), so a value
    # derived from them can be kept under it (mash.tenant_settings). Never written by the application; read back
    # on insert (the database default, so a new tenant object holds the number its row was given).
    settings_version = models.BigIntegerField(db_default=0, editable=False)

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return self.name

    @property
    def is_suspended(self) -> bool:
        return self.suspended_at is not None


class CouncilSize(models.Model):
    """How many contacts a council received this calendar year, as last counted (mash.platform).

    A platform table like Tenant, not walled by row-level security: it holds counts only. Counting
    reads every council's contacts, which only the system role may do (a worker, never a web
    process), so a worker counts and the platform operators' page reads the result.
    """

    tenant = models.OneToOneField(Tenant, on_delete=models.CASCADE, related_name="size")
    year = models.PositiveSmallIntegerField()
    contacts_received = models.PositiveIntegerField(default=0)
    counted_at = models.DateTimeField()

    def __str__(self):
        return f"{self.tenant}: {self.contacts_received} contacts in {self.year}"


class Agency(TenantOwned):
    """A partner agency of the hub (police, health, education, ...), one navigator desk each."""

    slug = models.SlugField()
    name = models.CharField(max_length=200)
    active = models.BooleanField(default=True)

    class Meta(TenantOwned.Meta):
        verbose_name_plural = "agencies"
        ordering = ["name"]
        constraints = [models.UniqueConstraint(fields=["tenant", "slug"], name="agency_unique_slug_per_tenant")]

    def __str__(self):
        return self.name


class Team(TenantOwned):
    """A team of the hub (e.g. "MASH team A"): the dashboard filter, Annex A's allocated team and the
    receiving team of a handover. In the core so that users (and every app) can name a team; the table
    keeps the name it had in reporting (moved by mash/0100, reporting/0100). A retired team takes no
    new members and is offered nowhere new; its history stays."""

    name = models.CharField(max_length=100)
    active = models.BooleanField(default=True)

    # A ladder step names its team: a renamed or removed team changes what the tenant's ladders say, however
    # it is written (a save, a delete, or a bulk write: mash.tenant_settings).
    objects = SettingsManager()
    all_tenants = AllSettingsManager()  # scoping: allowed - a declaration, no query

    class Meta(TenantOwned.Meta):
        db_table = "reporting_team"
        ordering = ["name"]
        constraints = [models.UniqueConstraint(fields=["tenant", "name"], name="team_unique_name_per_tenant")]

    def __str__(self):
        return self.name


class User(AbstractUser):
    """A person who signs in. Belongs to exactly one tenant, except platform superusers."""

    tenant = models.ForeignKey(Tenant, null=True, blank=True, on_delete=models.PROTECT, related_name="users")
    role = models.CharField(max_length=20, choices=Role.choices, blank=True)
    agency = models.ForeignKey(Agency, null=True, blank=True, on_delete=models.PROTECT, related_name="members")
    job_title = models.CharField(max_length=200, blank=True)

    objects = UserManager()

    class Meta:
        constraints = [
            models.CheckConstraint(
                name="user_tenant_unless_superuser",
                condition=Q(is_superuser=True) | Q(tenant__isnull=False),
            ),
            models.CheckConstraint(
                name="user_agency_iff_agency_role",
                condition=Q(role__in=sorted(AGENCY_ROLES), agency__isnull=False)
                | (~Q(role__in=sorted(AGENCY_ROLES)) & Q(agency__isnull=True)),
            ),
            # Sign-in names differ by more than case: "Sam" and "sam" are one person to everyone who reads
            # them. The services check this first (a field error); the index settles two at the same moment.
            models.UniqueConstraint(Lower("username"), name="user_username_unique_any_case"),
        ]

    def clean(self):
        super().clean()
        if self.role in AGENCY_ROLES and self.agency_id is None:
            raise ValidationError({"agency": "A navigator or agency lead must belong to an agency."})
        if self.agency_id and self.role not in AGENCY_ROLES:
            raise ValidationError({"agency": "Only navigators and agency leads belong to an agency."})
        if self.agency_id and self.tenant_id and self.agency.tenant_id != self.tenant_id:
            raise ValidationError({"agency": "The agency must belong to the user's own local authority."})

    @property
    def is_hub_staff(self) -> bool:
        return self.role in STAFF_ROLES

    def has_role(self, *roles: str) -> bool:
        return self.role in roles


class TeamMember(TenantOwned):
    """A worker's team. A worker is in at most one team; their work counts for the team they are in now."""

    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="members")
    user = models.OneToOneField(User, on_delete=models.CASCADE, related_name="team_membership")

    class Meta(TenantOwned.Meta):
        db_table = "reporting_teammember"

    def __str__(self):
        return f"{self.user} in {self.team}"


class AuditEventQuerySet(TenantQuerySet):
    def update(self, **kwargs):
        raise PermissionError("The audit log is append-only.")

    def delete(self):
        raise PermissionError("The audit log is append-only.")


class AuditEvent(models.Model):
    """An append-only record of who did or saw what, when. Never updated, never deleted.

    Walled by row-level security like tenant-owned rows (mash.security.rls): the application role
    reads only the active tenant's events. An event of no tenant (a platform superuser's sign-in)
    may be written by it but never read back, so it is inserted without ``RETURNING`` and keeps no
    ``pk``; only the system role and the owner read those.
    """

    tenant = models.ForeignKey(
        Tenant,
        null=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="The tenant the event belongs to; empty only for platform events of no tenant.",
    )
    actor = models.ForeignKey(User, null=True, on_delete=models.PROTECT, related_name="+")
    actor_label = models.CharField(max_length=200, help_text="Who, kept even if the account is renamed.")
    action = models.CharField(max_length=100)
    object_type = models.CharField(max_length=100, blank=True)
    object_id = models.CharField(max_length=64, blank=True)
    object_label = models.CharField(max_length=200, blank=True)
    changes = models.JSONField(default=dict, blank=True)
    request_id = models.CharField(max_length=64, blank=True)
    at = models.DateTimeField(auto_now_add=True, db_index=True)

    objects = models.Manager.from_queryset(AuditEventQuerySet)()

    class Meta:
        ordering = ["-at", "-id"]
        indexes = [
            models.Index(fields=["tenant", "object_type", "object_id"], name="audit_object_idx"),
            models.Index(fields=["tenant", "-at"], name="audit_tenant_at_idx"),
        ]

    def save(self, *args, **kwargs):
        if self.pk is not None or not self._state.adding:
            raise PermissionError("The audit log is append-only.")
        super().save(*args, **kwargs)

    def _do_insert(self, manager, using, fields, returning_fields, raw):
        if self.tenant_id is None:
            # INSERT ... RETURNING must pass the policy that reads rows, which hides events of no
            # tenant from the application role: write the row without reading it back.
            returning_fields = []
        return super()._do_insert(manager, using, fields, returning_fields, raw)

    def delete(self, *args, **kwargs):
        raise PermissionError("The audit log is append-only.")

    def __str__(self):
        return f"{self.at:%Y-%m-%d %H:%M} {self.actor_label} {self.action} {self.object_type} {self.object_id}"


class Heartbeat(models.Model):
    """Last sign of life of a worker or beat: read by the health view. Platform-level, not tenant data."""

    source = models.CharField(max_length=50)
    token = models.CharField(max_length=64, default="", blank=True)
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-at"]
        indexes = [models.Index(fields=["source", "-at"], name="heartbeat_source_at_idx")]


def new_request_id() -> str:
    return uuid.uuid4().hex


class DocumentKind(models.TextChoices):
    """What a document is, as the people who attach them name them."""

    POLICE_REPORT = "police_report", "Police report"
    BODY_MAP = "body_map", "Body map"
    EARLY_HELP_ASSESSMENT = "early_help_assessment", "Early Help Assessment"
    AGENCY_RECORD = "agency_record", "Agency record or extract"
    PHOTOGRAPH = "photograph", "Photograph"
    LETTER = "letter", "Letter or email"
    OTHER = "other", "Other"


class Document(TenantOwned):
    """A file attached to a record (a contact, an information return, ...), kept in the documents storage.

    The record is named as ``app_label.model`` and its id, like a deadline clock's subject, so every app
    can attach documents without the core importing it; the app that owns the record says who may read
    its documents (``mash.documents.register``). The file lives under a random name (``storage_name``):
    the name the user gave is kept here only, for display and for the download's file name.
    """

    subject_type = models.CharField(max_length=100, help_text="app_label.model of the record")
    subject_id = models.PositiveBigIntegerField()
    subject_label = models.CharField(max_length=200, blank=True, help_text="Shown in the audit log, e.g. CAM-00042")
    kind = models.CharField(max_length=30, choices=DocumentKind.choices, default=DocumentKind.OTHER)
    description = models.CharField(max_length=500, blank=True)
    original_name = models.CharField(max_length=200, help_text="The file's name as uploaded, made safe to show.")
    storage_name = models.CharField(max_length=300, editable=False)
    content_type = models.CharField(max_length=100, help_text="Found from the file's content, not its name.")
    size = models.PositiveBigIntegerField(help_text="In bytes.")
    sha256 = models.CharField(max_length=64)
    uploaded_by = models.ForeignKey(User, null=True, on_delete=models.PROTECT, related_name="+")
    uploaded_at = models.DateTimeField()

    class Meta(TenantOwned.Meta):
        ordering = ["-uploaded_at", "-id"]
        constraints = [models.UniqueConstraint(fields=["tenant", "storage_name"], name="document_unique_storage_name")]
        indexes = [models.Index(fields=["tenant", "subject_type", "subject_id"], name="document_subject_idx")]

    def __str__(self):
        return self.original_name
