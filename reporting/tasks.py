"""The figures tables' workers: the refresh the receivers queue after each commit (so no request waits for
it), and the nightly repair (a bulk ``QuerySet.update`` anywhere sends no signal). Thin entry points: ids in,
the service does the work."""

from celery import shared_task


@shared_task(name="mash.reporting.rebuild_all_figures", ignore_result=True)
def rebuild_all_figures() -> list[int]:
    """Queue one rebuild per tenant (each in its own transaction and task, so one failure stops no other)."""
    from mash.models import Tenant

    tenant_ids = list(Tenant.objects.order_by("pk").values_list("pk", flat=True))
    for tenant_id in tenant_ids:
        rebuild_tenant_figures.delay(tenant_id)
    return tenant_ids


@shared_task(name="mash.reporting.rebuild_tenant_figures", ignore_result=True)
def rebuild_tenant_figures(tenant_id: int) -> dict:
    from mash.models import Tenant

    from .services import rebuild

    tenant = Tenant.objects.filter(pk=tenant_id).first()
    return rebuild(tenant=tenant) if tenant is not None else {}


@shared_task(name="mash.reporting.refresh_figures", ignore_result=True)
def refresh_figures(tenant_id: int, contacts=(), cascade=(), early_help=()) -> dict:
    """Recompute these records' facts (queued after a commit). Running it twice, or late, does nothing more."""
    from .services import refresh

    return refresh(tenant_id=tenant_id, contacts=contacts, cascade=cascade, early_help=early_help)
