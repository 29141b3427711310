"""The figures tables the dashboards read (teams live in mash: ``mash.models.Team``).

The dashboard must answer in well under a second on years of data, so each contact, information
request and early-help request has one *fact* row here holding what its figures need, already
worked out: the contact's local date of receipt, how many children it names, whether it is a
re-contact within 12 months, whether the decision met its deadline and how long it took in the
clock's own unit (working time needs the tenant's calendar, which SQL cannot apply). Every figure is
then read in one pass over an index range of each table. ``reporting.receivers`` keep the rows
correct as records change (through a task a worker runs after the commit); ``manage.py rebuild_reporting``
and the nightly task recompute them from scratch.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q

from mash.models import Team, TeamMember  # noqa: F401 - moved to mash (0100); re-exported for old imports
from mash.tenancy import TenantOwned


class ContactFact(TenantOwned):
    contact = models.OneToOneField(
        "contacts.Contact", on_delete=models.CASCADE, primary_key=True, related_name="reporting_fact"
    )
    received_at = models.DateTimeField()
    received_on = models.DateField(help_text="Local date of receipt in the tenant's zone.")
    source = models.CharField(max_length=3)
    rating = models.ForeignKey("thresholds.Rating", null=True, on_delete=models.SET_NULL, related_name="+")
    outcome = models.CharField(max_length=30, blank=True)
    status = models.CharField(max_length=20)
    children = models.PositiveSmallIntegerField(default=0)
    # Of them, unborn when the contact came in (a pre-birth referral): counted as children, as Annex A lists them.
    unborn_children = models.PositiveSmallIntegerField(default=0)
    re_contact_children = models.PositiveSmallIntegerField(
        default=0, help_text="Children with another contact in the 12 months before this one."
    )
    decided_at = models.DateTimeField(null=True)
    decision_due_at = models.DateTimeField(null=True)
    decided_in_time = models.BooleanField(null=True, help_text="Decided at or before the decision deadline.")
    decision_elapsed = models.FloatField(null=True, help_text="Receipt to decision, in decision_unit.")
    decision_unit = models.CharField(max_length=20, blank=True)
    breached_at = models.DateTimeField(null=True)
    stepped_up = models.BooleanField(default=False, help_text="Came from an early-help step-up.")
    stepped_down = models.BooleanField(default=False, help_text="Stepped down to early help.")
    bounced = models.BooleanField(default=False, help_text="Bounced between tiers (contacts.Contact.bounce).")
    worker = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")

    class Meta(TenantOwned.Meta):
        indexes = [
            models.Index(fields=["tenant", "received_on"], name="contactfact_received_idx"),
            models.Index(
                fields=["tenant", "breached_at"],
                name="contactfact_open_breach_idx",
                condition=Q(breached_at__isnull=False, decided_at__isnull=True) & ~Q(status="closed"),
            ),
        ]


class ReturnFact(TenantOwned):
    """One information request, counted with the contact it belongs to (its date of receipt)."""

    request = models.OneToOneField(
        "navigators.InformationRequest", on_delete=models.CASCADE, primary_key=True, related_name="reporting_fact"
    )
    contact = models.ForeignKey("contacts.Contact", on_delete=models.CASCADE, related_name="+")
    received_on = models.DateField(help_text="The contact's local date of receipt.")
    agency = models.ForeignKey("mash.Agency", on_delete=models.CASCADE, related_name="+")
    rating = models.ForeignKey("thresholds.Rating", null=True, on_delete=models.SET_NULL, related_name="+")
    requested_at = models.DateTimeField()
    due_at = models.DateTimeField()
    returned_at = models.DateTimeField(null=True)
    on_time = models.BooleanField(null=True, help_text="Returned at or before the due time.")
    elapsed = models.FloatField(null=True, help_text="Request to return, in unit.")
    unit = models.CharField(max_length=20, blank=True)
    outstanding = models.BooleanField(default=False)
    breached_at = models.DateTimeField(null=True)
    worker = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")

    class Meta(TenantOwned.Meta):
        indexes = [
            # Covering: the dashboard's return figures are index-only scans of this one index.
            models.Index(
                fields=["tenant", "received_on"],
                name="returnfact_received_idx",
                include=["request", "agency", "rating", "returned_at", "on_time", "elapsed", "worker"],
            ),
            models.Index(
                fields=["tenant", "breached_at"],
                name="returnfact_open_breach_idx",
                condition=Q(breached_at__isnull=False, outstanding=True),
            ),
        ]


class EarlyHelpFact(TenantOwned):
    request = models.OneToOneField(
        "earlyhelp.EarlyHelpRequest", on_delete=models.CASCADE, primary_key=True, related_name="reporting_fact"
    )
    received_at = models.DateTimeField()
    received_on = models.DateField()
    review_due_at = models.DateTimeField(null=True)
    outcome_at = models.DateTimeField(null=True)
    outcome = models.CharField(max_length=30, blank=True)
    in_time = models.BooleanField(null=True, help_text="Outcome given at or before the review deadline.")
    elapsed = models.FloatField(null=True)
    unit = models.CharField(max_length=20, blank=True)
    from_contact = models.BooleanField(default=False, help_text="Stepped down from a MASH contact.")
    stepped_up = models.BooleanField(default=False)
    children = models.PositiveSmallIntegerField(default=0)
    open = models.BooleanField(default=True, help_text="No outcome yet and not closed or stepped up.")
    breached_at = models.DateTimeField(null=True)
    worker = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")

    class Meta(TenantOwned.Meta):
        indexes = [
            models.Index(fields=["tenant", "received_on"], name="ehfact_received_idx"),
            models.Index(
                fields=["tenant", "breached_at"],
                name="ehfact_open_breach_idx",
                condition=Q(breached_at__isnull=False, open=True),
            ),
        ]


class FiguresVersion(TenantOwned):
    """Which state of this tenant's figures tables the dashboard reads, in all months: a new token at a rebuild
    where months cannot be told apart (SQLite). Refreshes, deletions and rebuilds on PostgreSQL change only the
    months they touched (:class:`FiguresMonth`).
    The dashboard keeps what it read from the tables in the cache under these tokens (``reporting.selectors``),
    so a figure is never served from before a change, and an unchanged month is not read again."""

    token = models.CharField(max_length=32)
    changed_at = models.DateTimeField()

    class Meta(TenantOwned.Meta):
        constraints = [models.UniqueConstraint(fields=["tenant"], name="figuresversion_one_per_tenant")]


class FiguresMonth(TenantOwned):
    """Which state of one month's facts (by local date of receipt) the dashboard reads: a new token each time a
    refresh writes or deletes a fact received in that month, a record's deletion takes one of that month's facts
    with it (once it commits), or a rebuild comes out different for that month. With the tenant's
    :class:`FiguresVersion` it keys what the dashboard keeps of each month, so a change today makes it read today's
    month again and nothing else (``reporting.selectors``)."""

    month = models.DateField(help_text="The month's first day.")
    token = models.CharField(max_length=32)
    changed_at = models.DateTimeField()

    class Meta(TenantOwned.Meta):
        constraints = [models.UniqueConstraint(fields=["tenant", "month"], name="figuresmonth_one_per_month")]
