"""State changes of the core: each one validated, transactional and audited."""

from django.db import transaction

from . import audit
from .exceptions import Conflict, PolicyViolation
from .models import BOUNCE_WINDOW_MAX, BOUNCE_WINDOW_MIN, Agency, Tenant

AGENCY_FIELDS = ("slug", "name", "active")
PUBLIC_PHONE_FIELDS = ("mash_phone", "out_of_hours_phone")


@transaction.atomic
def create_agency(*, actor, slug: str, name: str, active: bool = True) -> Agency:
    if Agency.objects.filter(slug=slug).exists():
        raise PolicyViolation("An agency with this identifier already exists.", field="slug")
    agency = Agency.objects.create(slug=slug, name=name, active=active)
    audit.record(actor=actor, action="agency.created", obj=agency, changes={"slug": slug, "name": name})
    return agency


@transaction.atomic
def update_agency(*, actor, agency: Agency, **fields) -> Agency:
    agency = Agency.objects.select_for_update().get(pk=agency.pk)
    before = {f: getattr(agency, f) for f in AGENCY_FIELDS}
    if "slug" in fields and fields["slug"] != agency.slug and Agency.objects.filter(slug=fields["slug"]).exists():
        raise PolicyViolation("An agency with this identifier already exists.", field="slug")
    for name, value in fields.items():
        if name in AGENCY_FIELDS:
            setattr(agency, name, value)
    changes = audit.diff(agency, before, AGENCY_FIELDS)
    if changes:
        agency.save(update_fields=list(changes))
        audit.record(actor=actor, action="agency.changed", obj=agency, changes=changes)
    return agency


@transaction.atomic
def remove_agency(*, actor, agency: Agency) -> None:
    if agency.members.exists():
        raise Conflict("This agency still has staff. Move them or mark the agency inactive instead.")
    audit.record(actor=actor, action="agency.removed", obj=agency, changes={"slug": agency.slug})
    agency.delete()


@transaction.atomic
def change_public_phone_numbers(*, actor, tenant: Tenant, mash_phone: str, out_of_hours_phone: str) -> Tenant:
    """The numbers the public report page gives people to call (when a report is blocked or refused)."""
    tenant = Tenant.objects.select_for_update().get(pk=tenant.pk)
    before = {f: getattr(tenant, f) for f in PUBLIC_PHONE_FIELDS}
    tenant.mash_phone, tenant.out_of_hours_phone = mash_phone.strip(), out_of_hours_phone.strip()
    tenant.full_clean(validate_unique=False, validate_constraints=False)
    changes = audit.diff(tenant, before, PUBLIC_PHONE_FIELDS)
    if changes:
        tenant.save(update_fields=list(changes))
        audit.record(actor=actor, action="tenant.phone_numbers_changed", obj=tenant, tenant=tenant, changes=changes)
    return tenant


@transaction.atomic
def change_bounce_window(*, actor, tenant: Tenant, days) -> Tenant:
    """How long after a step-down, step-up or "no further action" a child coming back counts as bouncing between
    tiers (seed 001). Applies to contacts received or decided from now on; flags already set stay. Audited."""
    try:
        days = int(days)
    except (TypeError, ValueError):
        raise PolicyViolation("Enter the window as a whole number of days, like 90.", field="days") from None
    if not BOUNCE_WINDOW_MIN <= days <= BOUNCE_WINDOW_MAX:
        raise PolicyViolation(
            f"The window must be between {BOUNCE_WINDOW_MIN} and {BOUNCE_WINDOW_MAX} days.", field="days"
        )
    tenant = Tenant.objects.select_for_update().get(pk=tenant.pk)
    before = tenant.bounce_window_days
    if before != days:
        tenant.bounce_window_days = days
        tenant.save(update_fields=["bounce_window_days"])
        audit.record(
            actor=actor, action="tenant.bounce_window_changed", obj=tenant, tenant=tenant,
            changes={"bounce_window_days": [before, days]},
        )  # fmt: skip
    return tenant
