"""State changes of the core: each one validated, transactional and audited."""

from django.db import transaction

from . import audit
from .exceptions import Conflict, PolicyViolation
from .models import Agency

AGENCY_FIELDS = ("slug", "name", "active")


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
