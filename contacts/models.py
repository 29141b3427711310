"""A contact: one approach to the front door about one or more children, and the people it names."""

from django.conf import settings
from django.db import models
from django.db.models import Func, Q, Value
from django.db.models.functions import Concat, Lower

from mash.tenancy import TenantOwned

from .choices import (
    PUBLIC_SOURCES,
    Bounce,
    Channel,
    Consent,
    ConsentReason,
    ContactStatus,
    Ethnicity,
    MatchStatus,
    Outcome,
    ParentsAware,
    PersonRole,
    ReferralSource,
    Sex,
)

# Field sizes: what a referrer can type is bounded, so nothing oversized reaches the database.
NAME_MAX = 100
TEXT_MAX = 200
CONCERNS_MAX = 10_000
NOTES_MAX = 5_000
POSTCODE_MAX = 8
IDENTITY_CHECK_MAX = 500


class ReferenceCounter(TenantOwned):
    """The last contact number given out in a tenant's year: ``CAM-2026-000123``.

    Allocation updates this row first (a row lock), so two submissions never share a number.
    """

    year = models.PositiveSmallIntegerField()
    last_number = models.PositiveIntegerField(default=0)

    class Meta(TenantOwned.Meta):
        constraints = [models.UniqueConstraint(fields=["tenant", "year"], name="one_reference_counter_per_year")]


class Contact(TenantOwned):
    reference = models.CharField(max_length=32, editable=False)
    external_reference = models.CharField(
        max_length=64, blank=True, help_text="The sender's own id, e.g. a police occurrence number."
    )
    status = models.CharField(max_length=20, choices=ContactStatus.choices, default=ContactStatus.RECEIVED)
    channel = models.CharField(max_length=30, choices=Channel.choices)
    source = models.CharField(max_length=3, choices=ReferralSource.choices)
    received_at = models.DateTimeField()
    # Working Together: a decision on next steps within one working day of receipt (tenant's ClockPolicy).
    decision_due_at = models.DateTimeField(null=True, blank=True)
    rating = models.ForeignKey(
        "thresholds.Rating", null=True, blank=True, on_delete=models.PROTECT, related_name="contacts"
    )
    outcome = models.CharField(max_length=30, choices=Outcome.choices, null=True, blank=True)
    # The referrer believes the child is at immediate risk: treated like an immediate-action rating until rated.
    urgent = models.BooleanField(default=False)
    # Received outside the tenant's working calendar (the Emergency Duty Team's hours).
    out_of_hours = models.BooleanField(default=False)
    breached_at = models.DateTimeField(null=True, blank=True)
    escalation_level = models.PositiveSmallIntegerField(default=0)
    # The manager's decision (triage.services.decide): when and by whom; it meets the decision clock.
    decided_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    concerns = models.TextField(max_length=CONCERNS_MAX)
    support_provided = models.TextField(max_length=NOTES_MAX, blank=True)

    # The family's home, school and GP.
    address = models.CharField(max_length=300, blank=True)
    postcode = models.CharField(max_length=POSTCODE_MAX, blank=True)
    school = models.CharField(max_length=TEXT_MAX, blank=True)
    gp = models.CharField(max_length=TEXT_MAX, blank=True)
    language = models.CharField(max_length=NAME_MAX, blank=True)
    interpreter_needed = models.BooleanField(default=False)

    # Consent (information-sharing guidance): record the reason whenever consent is not given.
    parents_aware = models.CharField(max_length=10, choices=ParentsAware.choices, default=ParentsAware.UNKNOWN)
    consent_to_referral = models.CharField(max_length=12, choices=Consent.choices, default=Consent.NOT_SOUGHT)
    consent_to_sharing = models.CharField(max_length=12, choices=Consent.choices, default=Consent.NOT_SOUGHT)
    consent_reason = models.CharField(max_length=20, choices=ConsentReason.choices, blank=True)
    consent_decided_by = models.CharField(max_length=TEXT_MAX, blank=True)

    threshold_level = models.ForeignKey(
        "thresholds.ThresholdLevel", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    # The referrer: a professional's account, a member of the public, a caller, or a police force.
    referrer_name = models.CharField(max_length=TEXT_MAX, blank=True)
    referrer_role = models.CharField(max_length=TEXT_MAX, blank=True)
    referrer_organisation = models.CharField(max_length=TEXT_MAX, blank=True)
    referrer_email = models.EmailField(max_length=254, blank=True)
    referrer_phone = models.CharField(max_length=30, blank=True)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    call_notes = models.TextField(max_length=NOTES_MAX, blank=True)
    # A member of the public is told the outcome only once the hub has confirmed who they are
    # (triage.services.verify_reporter_identity); until then, the reference and nothing else.
    reporter_identity_verified_at = models.DateTimeField(null=True, blank=True)
    reporter_identity_verified_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    reporter_identity_check = models.CharField(
        max_length=IDENTITY_CHECK_MAX, blank=True, help_text="How the hub confirmed who the reporter is."
    )

    # Hub-internal: never shown to the referrer.
    assigned_to = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    internal_notes = models.TextField(max_length=NOTES_MAX, blank=True)

    # Proportionate feedback to the referrer (never other agencies' information).
    feedback_to_referrer = models.TextField(max_length=NOTES_MAX, blank=True)
    feedback_sent_at = models.DateTimeField(null=True, blank=True)

    # Bouncing between tiers (seed 001, issue 20), worked out when it happens (received, stepped down) so the queue
    # reads it from the row: why, and the earlier record (a contact, or an early-help request stepped up) and when.
    bounce = models.CharField(max_length=10, choices=Bounce.choices, blank=True)
    bounced_from = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
        help_text="The earlier contact the child was stepped down or closed from.",
    )  # fmt: skip
    bounce_reference = models.CharField(
        max_length=40, blank=True, help_text="The earlier contact's or early-help request's reference."
    )
    bounce_since = models.DateTimeField(
        null=True, blank=True, help_text="When the earlier decision or step-up was made."
    )

    version = models.PositiveIntegerField(default=1, help_text="Optimistic concurrency: bumped on every change.")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    # Not stored. Set by intake on a contact whose people a worker matches after the commit (a referrer's or the
    # public's): whatever follows its save (the figures) follows that matching instead, which announces each of
    # its people's save when it links them, so the contact's own insert need not queue the same work twice.
    follows_matching = False

    class Meta(TenantOwned.Meta):
        ordering = ["-received_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["tenant", "reference"], name="contact_unique_reference_per_tenant"),
            models.UniqueConstraint(
                fields=["tenant", "external_reference"],
                condition=~Q(external_reference=""),
                name="contact_unique_external_reference_per_tenant",
            ),
            models.CheckConstraint(
                name="contact_reason_when_consent_not_given",
                condition=Q(channel="public")
                | (Q(consent_to_referral="given") & Q(consent_to_sharing="given"))
                | ~Q(consent_reason=""),
            ),
        ]
        indexes = [
            models.Index(fields=["tenant", "status", "-received_at"], name="contact_status_idx"),
            models.Index(fields=["tenant", "submitted_by", "-received_at"], name="contact_submitter_idx"),
            models.Index(fields=["tenant", "received_at"], name="contact_received_idx"),
            models.Index(fields=["tenant", "decided_at"], name="contact_decided_idx"),
            # The triage queue: open contacts, soonest decision deadline first. With the worker, so the strip of
            # counts above the queue (overdue, due soon, not taken: triage.selectors.queue_counts) reads the index
            # alone, never the table (4.4 ms to 1.4 ms for 10,000 open contacts).
            models.Index(
                fields=["tenant", "decision_due_at", "received_at", "id"],
                include=["assigned_to"],
                name="contact_queue_idx",
                condition=Q(status__in=["received", "in_triage", "enquiry"]),
            ),
            # The contacts that stay at the top of the queue whatever the sort (triage.selectors.QueueSlices):
            # an immediate-action rating, or an urgent report not yet rated.
            models.Index(
                fields=["tenant", "rating"],
                name="contact_open_rating_idx",
                condition=Q(status__in=["received", "in_triage", "enquiry"]),
            ),
            models.Index(
                fields=["tenant"],
                name="contact_urgent_unrated_idx",
                condition=Q(status__in=["received", "in_triage", "enquiry"], urgent=True, rating__isnull=True),
            ),
        ]

    def __str__(self):
        return self.reference

    @property
    def needs_immediate_action(self) -> bool:
        """Rated with an immediate-action rating (Red), or reported urgent and not yet rated."""
        if self.rating_id is not None:
            return self.rating.immediate
        return self.urgent

    @property
    def reporter_is_public(self) -> bool:
        """A member of the public (the public form, or a call or report from an individual): no account vouches
        for who they are, so an address they gave is not theirs for certain."""
        return self.submitted_by_id is None and (self.channel == Channel.PUBLIC or self.source in PUBLIC_SOURCES)

    @property
    def reporter_identity_verified(self) -> bool:
        return self.reporter_identity_verified_at is not None

    @property
    def outcome_may_go_to_reporter(self) -> bool:
        """Professionals are told the outcome; a member of the public only once the hub has verified them."""
        return not self.reporter_is_public or self.reporter_identity_verified


_SEARCH_COVER = ["search_name", "merged_into", "id"]


class Person(TenantOwned):
    """The tenant's register of people named in contacts. Blocking keys make matching an index lookup."""

    first_name = models.CharField(max_length=NAME_MAX)
    last_name = models.CharField(max_length=NAME_MAX)
    norm_first = models.CharField(max_length=NAME_MAX)
    norm_last = models.CharField(max_length=NAME_MAX)
    date_of_birth = models.DateField(null=True, blank=True)
    sex = models.CharField(max_length=1, choices=Sex.choices, default=Sex.UNKNOWN)
    postcode = models.CharField(max_length=POSTCODE_MAX, blank=True, help_text="Normalised: upper case, no space.")
    # Blocking keys (see contacts.matching): phonetic surname + birth year; postcode + first initial.
    surname_key = models.CharField(max_length=24, blank=True)
    postcode_key = models.CharField(max_length=12, blank=True)
    merged_into = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    # The normalised full name the search reads; PostgreSQL indexes it by trigrams (migration 0100).
    search_name = models.GeneratedField(
        expression=Concat("norm_first", Value(" "), "norm_last"),
        output_field=models.CharField(max_length=2 * NAME_MAX + 1),
        db_persist=True,
    )
    nhs_number = models.CharField(max_length=10, blank=True, help_text="Ten digits, where one is recorded.")
    # A pre-birth referral names an unborn child: no date of birth yet, an expected date of delivery. When staff
    # record the birth (services.record_birth) the same entry carries on with its date of birth; the expected
    # date is kept, as history.
    unborn = models.BooleanField(default=False)
    expected_date = models.DateField(null=True, blank=True, help_text="Expected date of delivery.")
    birth_recorded_at = models.DateTimeField(null=True, blank=True)
    # The last known address, as the latest contact naming them gave it; the search reads it normalised
    # (lower case, punctuation as spaces), indexed by trigrams (migration 0010_person_address).
    address = models.CharField(max_length=300, blank=True)
    search_address = models.GeneratedField(
        expression=Func(Lower("address"), Value("[^a-z0-9]+"), Value(" "), Value("g"), function="regexp_replace"),
        output_field=models.CharField(max_length=300),
        db_persist=True,
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta(TenantOwned.Meta):
        indexes = [
            # Covering the search's reads (people.search ranks a date's children by name likeness): an
            # index-only scan, no visit to the table for each of the day's children.
            models.Index(fields=["tenant", "date_of_birth"], name="person_dob_block_idx", include=_SEARCH_COVER),
            models.Index(fields=["tenant", "surname_key"], name="person_surname_block_idx", include=_SEARCH_COVER),
            models.Index(fields=["tenant", "norm_first"], name="person_first_name_idx", include=_SEARCH_COVER),
            models.Index(fields=["tenant", "norm_last"], name="person_last_name_idx", include=_SEARCH_COVER),
            models.Index(fields=["tenant", "postcode_key"], name="person_postcode_block_idx"),
            models.Index(fields=["tenant", "postcode"], name="person_postcode_idx"),
            models.Index(fields=["tenant", "nhs_number"], name="person_nhs_number_idx", condition=~Q(nhs_number="")),
            models.Index(fields=["tenant", "expected_date"], name="person_expected_idx", condition=Q(unborn=True)),
        ]
        constraints = [
            models.CheckConstraint(
                name="person_unborn_has_expected_date_only",
                condition=Q(unborn=False) | Q(date_of_birth__isnull=True, expected_date__isnull=False),
            ),
        ]

    def __str__(self):
        return f"{self.first_name} {self.last_name}"


class ContactPerson(TenantOwned):
    """A person as this contact names them (the referrer's spelling), linked to the register."""

    contact = models.ForeignKey(Contact, on_delete=models.CASCADE, related_name="people")
    person = models.ForeignKey(Person, null=True, blank=True, on_delete=models.PROTECT, related_name="mentions")
    role = models.CharField(max_length=20, choices=PersonRole.choices)
    relationship = models.CharField(max_length=NAME_MAX, blank=True, help_text="To the child, e.g. mother.")
    first_name = models.CharField(max_length=NAME_MAX)
    last_name = models.CharField(max_length=NAME_MAX)
    date_of_birth = models.DateField(null=True, blank=True)
    # A pre-birth referral: the child is not born yet, and the referrer gives the expected date of delivery.
    unborn = models.BooleanField(default=False)
    expected_date = models.DateField(null=True, blank=True, help_text="Expected date of delivery.")
    sex = models.CharField(max_length=1, choices=Sex.choices, default=Sex.UNKNOWN)
    postcode = models.CharField(max_length=POSTCODE_MAX, blank=True)
    ethnicity = models.CharField(max_length=4, choices=Ethnicity.choices, blank=True)
    disability = models.CharField(max_length=TEXT_MAX, blank=True)
    phone = models.CharField(max_length=30, blank=True)
    order = models.PositiveSmallIntegerField(default=0)
    # Matching failed when the contact was received: not yet linked to the register; a worker retries.
    matching_pending = models.BooleanField(default=False)

    class Meta(TenantOwned.Meta):
        ordering = ["contact_id", "order", "id"]
        indexes = [
            models.Index(fields=["tenant", "person", "role"], name="contactperson_person_idx"),
            models.Index(
                fields=["tenant", "contact"], name="contactperson_pending_idx", condition=Q(matching_pending=True)
            ),
        ]
        constraints = [
            models.CheckConstraint(
                name="contactperson_unborn_has_expected_date_only",
                condition=Q(unborn=False) | Q(date_of_birth__isnull=True, expected_date__isnull=False),
            ),
        ]

    def __str__(self):
        return f"{self.first_name} {self.last_name}"


class PersonMatchCandidate(TenantOwned):
    """An earlier register entry that may be the same person as this mention; triage confirms or rejects."""

    contact_person = models.ForeignKey(ContactPerson, on_delete=models.CASCADE, related_name="match_candidates")
    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="+")
    score = models.DecimalField(max_digits=4, decimal_places=3)
    reasons = models.JSONField(default=dict, blank=True)
    status = models.CharField(max_length=10, choices=MatchStatus.choices, default=MatchStatus.POSSIBLE)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta(TenantOwned.Meta):
        ordering = ["-score", "id"]
        constraints = [
            models.UniqueConstraint(fields=["contact_person", "person"], name="one_candidate_per_mention_and_person")
        ]
        indexes = [models.Index(fields=["tenant", "person", "status"], name="candidate_person_idx")]


class MarfDraft(TenantOwned):
    """A referrer's unfinished MARF, saved on every step so nothing typed is lost."""

    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    data = models.JSONField(default=dict, blank=True)
    step = models.CharField(max_length=30, blank=True, help_text="The last step the referrer saved.")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta(TenantOwned.Meta):
        constraints = [models.UniqueConstraint(fields=["tenant", "owner"], name="one_marf_draft_per_owner")]
