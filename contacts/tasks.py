"""Thin Celery entry points over the contact services: ids and the tenant in, fresh state loaded, idempotent.

Matching a contact's people against the register: a worker's job for a referrer's or the public's contact (the
request stores them pending), and a retry's for a staff contact whose matching failed at intake.
"""

from celery import shared_task

RETRY_DELAYS = (30, 120, 600, 1800, 3600)  # seconds; afterwards the periodic sweep keeps trying


@shared_task(name="contacts.match_pending_people", bind=True, ignore_result=True, max_retries=len(RETRY_DELAYS))
def match_pending_people(self, contact_id: int, tenant_id: int) -> int:
    """Link the pending people of the tenant's contacts to the register, oldest first
    (:func:`contacts.services.settle_pending_matching`): a run for ``contact_id``, which queued it, and for every
    contact of the tenant that rode on it (``services.enqueue_matching``). Running it twice does nothing more.
    Queues the next run when more were pending than one run takes; retried while a contact it ran for still
    fails. Returns how many of those are still pending."""
    from mash import freshness
    from mash.tenancy import tenant_context

    from . import services

    with tenant_context(tenant_id):
        services.claim_queued_matching(tenant_id)
        mine = services.contacts_with_people_pending(limit=services.SETTLE_AT_MOST)
        freshness.settle(services.MATCHING, tenant_id)
        still_pending = services.contacts_with_people_pending(among=mine)
    if len(mine) >= services.SETTLE_AT_MOST:  # more may be waiting behind them
        services.enqueue_matching(contact_id, tenant_id, ride=False)
    if still_pending and self.request.retries < len(RETRY_DELAYS):
        raise self.retry(countdown=RETRY_DELAYS[self.request.retries])
    return len(still_pending)


@shared_task(name="contacts.sweep_pending_matching", ignore_result=True)
def sweep_pending_matching() -> int:
    """Run by beat: queue matching for every contact, in every tenant, with someone still pending (a lost
    message, or a fault that outlasted the retries). Tenant by tenant, each in its own context."""
    from mash.models import Tenant
    from mash.tenancy import tenant_context

    from . import services

    queued = 0
    for tenant_id in Tenant.objects.order_by("pk").values_list("pk", flat=True):
        with tenant_context(tenant_id):
            contact_ids = services.contacts_with_people_pending()
        for contact_id in contact_ids:
            match_pending_people.delay(contact_id, tenant_id)
            queued += 1
    return queued
