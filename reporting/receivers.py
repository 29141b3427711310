"""Keep the figures tables right as records change: each receiver notes what changed, and once the transaction
commits one Celery task per tenant (``reporting.tasks.refresh_figures``) recomputes those facts in a worker,
so no request waits for it.

Changes made with ``QuerySet.update`` send no signal: the deadline engine's breach mirroring is caught
through ``clock_stage_changed``; anything else is repaired by ``manage.py rebuild_reporting``.
"""

from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from contacts.models import Contact, ContactPerson, PersonMatchCandidate
from contacts.signals import people_merged
from deadlines.signals import clock_stage_changed
from earlyhelp.models import EarlyHelpChild, EarlyHelpRequest
from mash.tenancy import tenant_context
from navigators.models import InformationRequest

from .services import facts_deleted_after_commit, schedule


@receiver(post_save, sender=Contact, dispatch_uid="reporting.contact_saved")
def contact_saved(sender, instance, raw=False, **kwargs):
    # A referrer's or the public's contact: its facts are refreshed with its people, when a worker matches them
    # (each linked person's save cascades to its contact), so its insert queues no refresh of its own.
    if not raw and not instance.follows_matching:
        schedule(tenant_id=instance.tenant_id, contacts=[instance.pk])


@receiver(post_save, sender=ContactPerson, dispatch_uid="reporting.person_saved")
@receiver(post_delete, sender=ContactPerson, dispatch_uid="reporting.person_deleted")
def contact_person_changed(sender, instance, raw=False, **kwargs):
    if not raw:
        schedule(tenant_id=instance.tenant_id, cascade=[instance.contact_id])


@receiver(post_save, sender=PersonMatchCandidate, dispatch_uid="reporting.match_saved")
def match_changed(sender, instance, raw=False, **kwargs):
    if raw:
        return
    with tenant_context(instance.tenant_id):
        contact_ids = list(
            ContactPerson.objects.filter(pk=instance.contact_person_id).values_list("contact_id", flat=True)
        )
    schedule(tenant_id=instance.tenant_id, cascade=contact_ids)


@receiver(people_merged, dispatch_uid="reporting.people_merged")
def people_were_merged(sender, tenant_id, contact_ids, **kwargs):
    # Mentions moved to the kept register entry by a bulk update: their contacts, and the later
    # contacts about the same child, may now be (or stop being) re-contacts.
    schedule(tenant_id=tenant_id, cascade=contact_ids)


@receiver(post_save, sender=InformationRequest, dispatch_uid="reporting.request_saved")
def request_saved(sender, instance, raw=False, **kwargs):
    if not raw:
        schedule(tenant_id=instance.tenant_id, contacts=[instance.contact_id])


@receiver(post_save, sender=EarlyHelpRequest, dispatch_uid="reporting.early_help_saved")
def early_help_saved(sender, instance, raw=False, **kwargs):
    if not raw:
        # The contact it stepped down from and the one it stepped up to show the step on their facts.
        schedule(
            tenant_id=instance.tenant_id,
            early_help=[instance.pk],
            contacts=[instance.contact_id, instance.stepped_up_to_id],
        )


@receiver(post_save, sender=EarlyHelpChild, dispatch_uid="reporting.early_help_child_saved")
@receiver(post_delete, sender=EarlyHelpChild, dispatch_uid="reporting.early_help_child_deleted")
def early_help_child_changed(sender, instance, raw=False, **kwargs):
    if not raw:
        schedule(tenant_id=instance.tenant_id, early_help=[instance.request_id])


SUBJECTS = {
    Contact._meta.label_lower: "contact",
    InformationRequest._meta.label_lower: "request",
    EarlyHelpRequest._meta.label_lower: "early_help",
}


@receiver(clock_stage_changed, dispatch_uid="reporting.clock_stage_changed")
def clock_changed(sender, clock, changes, **kwargs):
    """Breaches are mirrored onto subjects with ``update()``; refresh the subject's facts too."""
    kind = SUBJECTS.get(clock.subject_type)
    if kind == "contact":
        schedule(tenant_id=clock.tenant_id, contacts=[int(clock.subject_id)])
    elif kind == "request":
        with tenant_context(clock.tenant_id):
            contact_id = InformationRequest.objects.filter(pk=clock.subject_id).values_list("contact_id", flat=True)
            contact_id = contact_id.first()
        schedule(tenant_id=clock.tenant_id, contacts=[contact_id])
    elif kind == "early_help":
        schedule(tenant_id=clock.tenant_id, early_help=[int(clock.subject_id)])


@receiver(post_delete, sender=Contact, dispatch_uid="reporting.contact_deleted")
@receiver(post_delete, sender=EarlyHelpRequest, dispatch_uid="reporting.early_help_deleted")
def record_deleted(sender, instance, **kwargs):
    # A record's deletion (retention's purge) takes its facts with it (on_delete=CASCADE), outside any
    # refresh: the months they were dated in changed, so the dashboard must not answer from what it read of them.
    facts_deleted_after_commit(instance.tenant_id, received_at=instance.received_at)


@receiver(post_delete, sender=InformationRequest, dispatch_uid="reporting.request_deleted")
def request_deleted(sender, instance, **kwargs):
    # Its return facts are dated by its contact's receipt.
    facts_deleted_after_commit(instance.tenant_id, contact_id=instance.contact_id)
