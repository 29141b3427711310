"""State changes of the core: each one validated, transactional and audited."""

from django.db import transaction
from django.db.models import Q
from django.utils.text import slugify

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


# --- agencies as a tenant administrator manages them (pages under /settings/agencies/) -------------

AGENCY_NAME_MAX = 200


def _agency_name(name) -> str:
    name = " ".join(str(name or "").split())
    if not name:
        raise PolicyViolation("Enter the agency's name.", field="name")
    if len(name) > AGENCY_NAME_MAX:
        raise PolicyViolation(f"The agency's name must be {AGENCY_NAME_MAX} characters or fewer.", field="name")
    return name


def _name_taken(name: str, *, slug: str, other_than: Agency | None = None) -> Agency | None:
    clash = Agency.objects.filter(Q(name__iexact=name) | Q(slug=slug))
    if other_than is not None:
        clash = clash.exclude(pk=other_than.pk)
    return clash.first()


def _refuse_clash(clash: Agency) -> None:
    retired = " (retired: reinstate it instead)" if not clash.active else ""
    raise PolicyViolation(f"Your hub already has an agency called {clash.name}{retired}.", field="name")


@transaction.atomic
def add_agency(*, actor, name: str) -> Agency:
    """A new partner agency of the active tenant. Its identifier (slug) comes from the name, unique in
    the tenant, and never changes afterwards (question templates, the API and other systems use it)."""
    name = _agency_name(name)
    slug = slugify(name)[:50].strip("-")
    if not slug:
        raise PolicyViolation("Enter a name with at least one letter or number.", field="name")
    if clash := _name_taken(name, slug=slug):
        _refuse_clash(clash)
    return create_agency(actor=actor, slug=slug, name=name)


@transaction.atomic
def rename_agency(*, actor, agency: Agency, name: str) -> Agency:
    """A new name for the agency; its identifier stays, so its history and links keep working."""
    name = _agency_name(name)
    agency = Agency.objects.select_for_update().get(pk=agency.pk)
    clash = Agency.objects.filter(name__iexact=name).exclude(pk=agency.pk).first()
    if clash:
        _refuse_clash(clash)
    if name == agency.name:
        return agency
    before = agency.name
    agency.name = name
    agency.save(update_fields=["name"])
    audit.record(actor=actor, action="agency.renamed", obj=agency, changes={"name": [before, name]})
    return agency


@transaction.atomic
def retire_agency(*, actor, agency: Agency) -> Agency:
    """The agency is asked nothing new from now on; its requests, returns and staff stay as they are."""
    agency = Agency.objects.select_for_update().get(pk=agency.pk)
    if not agency.active:
        raise Conflict(f"{agency.name} is already retired.")
    agency.active = False
    agency.save(update_fields=["active"])
    audit.record(actor=actor, action="agency.retired", obj=agency, changes={"active": [True, False]})
    return agency


@transaction.atomic
def reinstate_agency(*, actor, agency: Agency) -> Agency:
    agency = Agency.objects.select_for_update().get(pk=agency.pk)
    if agency.active:
        raise Conflict(f"{agency.name} is not retired.")
    agency.active = True
    agency.save(update_fields=["active"])
    audit.record(actor=actor, action="agency.reinstated", obj=agency, changes={"active": [False, True]})
    return agency


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
