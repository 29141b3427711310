"""Per-tenant policy: the working calendar, the rating scheme, the clocks and the threshold document."""

from datetime import time
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q

from mash.tenancy import TenantOwned
from mash.tenant_settings import AllSettingsManager, SettingsManager

from .workcalendar import NATIONS, Unit


class DeadlineUnit(models.TextChoices):
    CLOCK_HOURS = Unit.CLOCK_HOURS.value, "clock hours"
    WORKING_HOURS = Unit.WORKING_HOURS.value, "working hours"
    WORKING_DAYS = Unit.WORKING_DAYS.value, "working days"


WEEKDAY_NAMES = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]


def _validate_weekdays(value):
    if (
        not isinstance(value, list)
        or not value
        or any(d not in range(7) for d in value)
        or len(set(value)) != len(value)
    ):
        raise ValidationError("Choose at least one working day.")


class EdtCover(models.TextChoices):
    """When the tenant's Emergency Duty Team covers (issue 19): contacts received then are out of hours."""

    OUTSIDE_WORKING_HOURS = "outside_working_hours", "Whenever the hub is not working (outside the working calendar)"
    SET_TIMES = "set_times", "Set times on working days, and all day on days the hub does not work"


class CalendarSettings(TenantOwned):
    """The tenant's working calendar. The time zone is the tenant's own (Tenant.time_zone).

    It also says when the Emergency Duty Team covers: by default whenever the calendar is not working; or, on
    working days, from ``edt_evening_start`` until ``edt_morning_end`` the next morning (local wall time, so
    17:30 stays 17:30 across a clock change) and all day on weekends, bank holidays and closure days.
    """

    nation = models.CharField(
        max_length=3, choices=list(NATIONS.items()), default="ENG", help_text="Whose bank holidays apply."
    )
    working_weekdays = models.JSONField(default=list, validators=[_validate_weekdays])
    day_start = models.TimeField(default=time(9, 0))
    day_end = models.TimeField(default=time(17, 0))
    edt_cover = models.CharField(max_length=30, choices=EdtCover.choices, default=EdtCover.OUTSIDE_WORKING_HOURS)
    edt_evening_start = models.TimeField(null=True, blank=True, help_text="On working days, the EDT covers from.")
    edt_morning_end = models.TimeField(null=True, blank=True, help_text="On working days, the EDT covers until.")
    updated_at = models.DateTimeField(auto_now=True)

    objects = SettingsManager()
    all_tenants = AllSettingsManager()  # scoping: allowed - a declaration, no query

    class Meta(TenantOwned.Meta):
        verbose_name_plural = "calendar settings"
        constraints = [
            models.UniqueConstraint(fields=["tenant"], name="one_calendar_per_tenant"),
            models.CheckConstraint(
                condition=Q(day_start__lt=models.F("day_end")), name="working_day_starts_before_end"
            ),
            models.CheckConstraint(
                name="edt_cover_times_iff_set",
                condition=(
                    Q(edt_cover="outside_working_hours", edt_evening_start__isnull=True, edt_morning_end__isnull=True)
                    | Q(edt_cover="set_times", edt_morning_end__lt=models.F("edt_evening_start"))
                ),
            ),
        ]

    def clean(self):
        super().clean()
        if self.day_start and self.day_end and self.day_start >= self.day_end:
            raise ValidationError({"day_end": "The working day must end after it starts."})
        if self.edt_cover == EdtCover.SET_TIMES:
            if self.edt_evening_start is None:
                raise ValidationError({"edt_evening_start": "Enter the time the Emergency Duty Team starts."})
            if self.edt_morning_end is None:
                raise ValidationError({"edt_morning_end": "Enter the time the Emergency Duty Team hands back."})
            if self.edt_morning_end >= self.edt_evening_start:
                raise ValidationError(
                    {"edt_morning_end": "The morning hand-back must be earlier in the day than the evening start."}
                )

    def save(self, *args, **kwargs):
        if not self.working_weekdays:
            self.working_weekdays = [0, 1, 2, 3, 4]
        super().save(*args, **kwargs)


class ClosureDay(TenantOwned):
    """A day the tenant's hub is closed besides bank holidays (e.g. a Christmas closure)."""

    date = models.DateField()
    reason = models.CharField(max_length=200)

    objects = SettingsManager()
    all_tenants = AllSettingsManager()  # scoping: allowed - a declaration, no query

    class Meta(TenantOwned.Meta):
        ordering = ["date"]
        constraints = [models.UniqueConstraint(fields=["tenant", "date"], name="one_closure_per_day")]

    def __str__(self):
        return f"{self.date:%d %B %Y}: {self.reason}"


class AgenciesAsked(models.TextChoices):
    ALL = "all", "All agencies"
    SELECTED = "selected", "Selected agencies"
    NONE = "none", "No agencies"


class RatingColour(models.TextChoices):
    RED = "red", "Red"
    AMBER = "amber", "Amber"
    YELLOW = "yellow", "Yellow"
    GREEN = "green", "Green"
    BLUE = "blue", "Blue"
    PURPLE = "purple", "Purple"
    GREY = "grey", "Grey"


class Rating(TenantOwned):
    """One rating of the tenant's scheme (the default is BRAG) and what it asks of navigators."""

    code = models.SlugField(max_length=30)
    label = models.CharField(max_length=60)
    colour = models.CharField(max_length=10, choices=RatingColour.choices)
    description = models.TextField(blank=True)
    examples = models.TextField(blank=True)
    order = models.PositiveSmallIntegerField(default=0, help_text="Most urgent first.")
    agencies_asked = models.CharField(max_length=10, choices=AgenciesAsked.choices)
    return_amount = models.DecimalField(
        max_digits=6, decimal_places=2, null=True, blank=True, validators=[MinValueValidator(Decimal("0.01"))]
    )
    return_unit = models.CharField(max_length=20, choices=DeadlineUnit.choices, blank=True)
    can_route_to_early_help = models.BooleanField(default=False)
    # A rating may shorten the decision on next steps, counted from receipt (Durham: Red within 4 working hours).
    decision_amount = models.DecimalField(
        max_digits=6, decimal_places=2, null=True, blank=True, validators=[MinValueValidator(Decimal("0.01"))]
    )
    decision_unit = models.CharField(max_length=20, choices=DeadlineUnit.choices, blank=True)
    immediate = models.BooleanField(
        default=False, help_text="Immediate action: alert the managers on duty at once and put the contact first."
    )
    # CP-IS (issue 19): the tenant decides which ratings need a check of the NHS CP-IS record before the decision
    # (default: Red and Amber); deciding without one then needs an override reason.
    cpis_check_required = models.BooleanField(
        default=False, help_text="A CP-IS check must be recorded before the decision (or an override reason given)."
    )
    active = models.BooleanField(default=True)

    class Meta(TenantOwned.Meta):
        ordering = ["order", "code"]
        constraints = [
            models.UniqueConstraint(fields=["tenant", "code"], name="rating_unique_code_per_tenant"),
            models.CheckConstraint(
                name="rating_deadline_iff_agencies_asked",
                condition=(Q(agencies_asked="none") & Q(return_amount__isnull=True) & Q(return_unit=""))
                | (~Q(agencies_asked="none") & Q(return_amount__isnull=False) & ~Q(return_unit="")),
            ),
            models.CheckConstraint(
                name="rating_decision_deadline_whole",
                condition=(Q(decision_amount__isnull=True) & Q(decision_unit=""))
                | (Q(decision_amount__isnull=False) & ~Q(decision_unit="")),
            ),
        ]

    def __str__(self):
        return self.label

    def clean(self):
        super().clean()
        if (self.decision_amount is None) != (not self.decision_unit):
            raise ValidationError({"decision_amount": "Give the decision deadline's amount and unit, or neither."})
        if self.agencies_asked == AgenciesAsked.NONE:
            if self.return_amount is not None or self.return_unit:
                raise ValidationError({"return_amount": "A rating that asks no agencies has no return deadline."})
        else:
            if self.return_amount is None:
                raise ValidationError({"return_amount": "Enter how long agencies have to return information."})
            if not self.return_unit:
                raise ValidationError({"return_unit": "Choose the unit of the return deadline."})

    @property
    def return_deadline(self):
        if self.return_amount is None:
            return None
        return {"amount": self.return_amount, "unit": self.return_unit}

    @property
    def decision_deadline(self):
        """How soon after receipt this rating wants the decision, or None (the tenant's decision clock stands)."""
        if self.decision_amount is None:
            return None
        return {"amount": self.decision_amount, "unit": self.decision_unit}


class ClockKind(models.TextChoices):
    DECISION = "decision", "Decision on next steps"
    NAVIGATOR_RETURN = "navigator_return", "Navigator information return"
    EARLY_HELP_REVIEW = "early_help_review", "Early Help Hub review"
    REFERRER_FEEDBACK = "referrer_feedback", "Feedback to the referrer"
    PLAN_REVIEW = "plan_review", "Early Help Plan review"
    EARLY_HELP_FEEDBACK = "early_help_feedback", "Early Help Hub feedback (calls and letter)"
    STRATEGY_DISCUSSION = "strategy_discussion", "Strategy discussion held"
    EDT_RESPONSE = "edt_response", "Emergency Duty Team response (urgent, out of hours)"
    HANDOVER_ACKNOWLEDGEMENT = "handover_acknowledgement", "Receiving team acknowledges the handover"


class ClockPolicy(TenantOwned):
    """How long each kind of clock runs and when to warn. Navigator returns take their length from the rating."""

    kind = models.CharField(max_length=30, choices=ClockKind.choices)
    amount = models.DecimalField(
        max_digits=6, decimal_places=2, null=True, blank=True, validators=[MinValueValidator(Decimal("0.01"))]
    )
    unit = models.CharField(max_length=20, choices=DeadlineUnit.choices, blank=True)
    warn_fraction = models.DecimalField(
        max_digits=3,
        decimal_places=2,
        default=Decimal("0.75"),
        validators=[MinValueValidator(Decimal("0.05")), MaxValueValidator(Decimal("0.99"))],
        help_text="Warn when this share of the time has elapsed.",
    )

    objects = SettingsManager()
    all_tenants = AllSettingsManager()  # scoping: allowed - a declaration, no query

    class Meta(TenantOwned.Meta):
        verbose_name_plural = "clock policies"
        ordering = ["kind"]
        constraints = [models.UniqueConstraint(fields=["tenant", "kind"], name="one_policy_per_clock_kind")]

    def clean(self):
        super().clean()
        if self.kind != ClockKind.NAVIGATOR_RETURN and (self.amount is None or not self.unit):
            raise ValidationError({"amount": "Enter the length of this clock and its unit."})


class NeedDomain(models.TextChoices):
    DEVELOPMENT = "development", "Child's developmental needs"
    PARENTING = "parenting", "Parental capacity"
    FAMILY = "family", "Family and environmental factors"


class ThresholdLevel(TenantOwned):
    """A level of need in the tenant's threshold document ("Right help at the right time")."""

    number = models.PositiveSmallIntegerField(validators=[MinValueValidator(1), MaxValueValidator(9)])
    name = models.CharField(max_length=100)
    description = models.CharField(max_length=300)

    class Meta(TenantOwned.Meta):
        ordering = ["number"]
        constraints = [models.UniqueConstraint(fields=["tenant", "number"], name="one_threshold_level_per_number")]

    def __str__(self):
        return f"Level {self.number}: {self.name}"


class ThresholdIndicator(TenantOwned):
    level = models.ForeignKey(ThresholdLevel, on_delete=models.CASCADE, related_name="indicators")
    domain = models.CharField(max_length=20, choices=NeedDomain.choices)
    text = models.CharField(max_length=300)
    order = models.PositiveSmallIntegerField(default=0)

    class Meta(TenantOwned.Meta):
        ordering = ["level__number", "domain", "order", "id"]

    def __str__(self):
        return self.text
