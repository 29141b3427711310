"""What the person's record adds: events known from elsewhere, and contacts that belong together."""

from django.conf import settings
from django.db import models
from django.db.models import F, Q

from mash.tenancy import TenantOwned

SUMMARY_MAX = 2_000


class ChronologyEntry(TenantOwned):
    """An event staff know from another system (a police call-out, a hospital admission), added by hand."""

    person = models.ForeignKey("contacts.Person", on_delete=models.PROTECT, related_name="+")
    occurred_on = models.DateField(help_text="When it happened.")
    source = models.CharField(max_length=200, help_text="Where it is known from, e.g. Police niche record.")
    summary = models.TextField(max_length=SUMMARY_MAX)
    significant = models.BooleanField(default=False)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField()
    removed_at = models.DateTimeField(null=True, blank=True)
    removed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    removal_reason = models.CharField(max_length=500, blank=True)

    class Meta(TenantOwned.Meta):
        ordering = ["-occurred_on", "-id"]
        verbose_name_plural = "chronology entries"
        indexes = [models.Index(fields=["tenant", "person", "-occurred_on"], name="chronology_person_idx")]


class ContactLink(TenantOwned):
    """A new contact linked to an open contact or early-help request about the same child: one worker, one
    decision. Undoing a link keeps the row (``unlinked_at``), so the record shows it was once linked."""

    contact = models.ForeignKey("contacts.Contact", on_delete=models.PROTECT, related_name="+")
    linked_contact = models.ForeignKey(
        "contacts.Contact", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    linked_early_help = models.ForeignKey(
        "earlyhelp.EarlyHelpRequest", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    reason = models.CharField(max_length=500, blank=True)
    linked_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    linked_at = models.DateTimeField()
    unlinked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    unlinked_at = models.DateTimeField(null=True, blank=True)

    class Meta(TenantOwned.Meta):
        ordering = ["-linked_at", "-id"]
        constraints = [
            # A link names a contact or an early-help request (services.link_contact takes exactly one).
            models.CheckConstraint(
                name="contact_link_has_a_target",
                condition=Q(linked_contact__isnull=False) | Q(linked_early_help__isnull=False),
            ),
            models.CheckConstraint(name="contact_link_not_to_itself", condition=~Q(contact=F("linked_contact"))),
            models.UniqueConstraint(
                fields=["tenant", "contact", "linked_contact"],
                condition=Q(unlinked_at__isnull=True, linked_contact__isnull=False),
                name="one_live_link_per_contact_pair",
            ),
            models.UniqueConstraint(
                fields=["tenant", "contact", "linked_early_help"],
                condition=Q(unlinked_at__isnull=True, linked_early_help__isnull=False),
                name="one_live_link_per_contact_and_early_help",
            ),
        ]
        indexes = [models.Index(fields=["tenant", "contact"], name="contact_link_contact_idx")]

    @property
    def linked_reference(self) -> str:
        return str(self.linked_contact or self.linked_early_help)


class PersonMerge(TenantOwned):
    """One merge of a duplicate register entry into the kept one, and exactly what it moved, so that it can be
    shown on the kept person's record and undone (``people.services.unmerge_people``). The ids are the rows
    that named the duplicate before the merge: mentions in contacts, early-help children, manual chronology
    entries, and older duplicates that pointed at it."""

    kept = models.ForeignKey("contacts.Person", on_delete=models.PROTECT, related_name="+")
    merged = models.ForeignKey("contacts.Person", on_delete=models.PROTECT, related_name="+")
    reason = models.CharField(max_length=500)
    merged_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    merged_at = models.DateTimeField()
    moved_mentions = models.JSONField(default=list, help_text="ContactPerson ids moved to the kept person.")
    moved_contacts = models.JSONField(default=list, help_text="The contacts those mentions belong to.")
    moved_early_help_children = models.JSONField(default=list, help_text="EarlyHelpChild ids moved.")
    moved_early_help = models.JSONField(default=list, help_text="Their early-help request references.")
    moved_chronology_entries = models.JSONField(default=list, help_text="ChronologyEntry ids moved.")
    moved_links = models.JSONField(default=list, help_text="ContactLink ids of the moved contacts (they follow).")
    repointed_people = models.JSONField(default=list, help_text="Earlier duplicates re-pointed to the kept person.")
    kept_address_before = models.CharField(max_length=300, blank=True)
    unmerged_at = models.DateTimeField(null=True, blank=True)
    unmerged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    unmerge_reason = models.CharField(max_length=500, blank=True)

    class Meta(TenantOwned.Meta):
        ordering = ["-merged_at", "-id"]
        indexes = [models.Index(fields=["tenant", "kept"], name="person_merge_kept_idx")]
