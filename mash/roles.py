"""Roles, and the Django groups and permissions they map onto."""

from django.db import models


class Role(models.TextChoices):
    ADMIN = "admin", "Tenant administrator"
    TRIAGE = "triage", "MASH triage social worker"
    MANAGER = "manager", "MASH team manager"
    REFERRER = "referrer", "Referrer"
    EHCOORD = "ehcoord", "Early Help coordinator"
    HEAD = "head", "Head of service"
    NAVIGATOR = "navigator", "Agency navigator"
    AGENCY_LEAD = "agency_lead", "Agency lead"
    EDT = "edt", "Emergency Duty Team"


AGENCY_ROLES = frozenset({Role.NAVIGATOR, Role.AGENCY_LEAD})
# Staff of the hub: everyone who works inside the fire-wall (not referrers).
STAFF_ROLES = frozenset(set(Role) - {Role.REFERRER})
# Roles that see every contact of the tenant (navigators see only their agency's work).
MASH_ROLES = frozenset({Role.TRIAGE, Role.MANAGER, Role.HEAD, Role.ADMIN})


def group_name(role: str) -> str:
    return f"role:{role}"


# The hub's own staff read every agency's requests and returns (the fullest picture).
_READ_ENQUIRIES = ["navigators.view_informationrequest", "navigators.view_informationreturn"]

# Model permissions granted to each role's group ("app_label.codename"). Later
# capabilities add theirs here; object-level grants go through django-guardian:
# navigators and agency leads hold NO model-wide permission on requests or returns, only
# the per-request grants of their agency's group (navigators/access.py).
ROLE_PERMISSIONS: dict[str, list[str]] = {
    Role.ADMIN: [
        "mash.view_agency", "mash.change_agency", "mash.add_agency", "mash.view_auditevent",
        "navigators.change_questiontemplate", "navigators.change_navigatorsettings",
    ],
    Role.TRIAGE: ["mash.view_agency", *_READ_ENQUIRIES],
    Role.MANAGER: ["mash.view_agency", *_READ_ENQUIRIES],
    Role.REFERRER: [],
    Role.EHCOORD: ["mash.view_agency"],
    Role.HEAD: ["mash.view_agency", "mash.view_auditevent", *_READ_ENQUIRIES],
    Role.NAVIGATOR: ["mash.view_agency"],
    Role.AGENCY_LEAD: ["mash.view_agency"],
    # Out of hours the EDT reads what the hub has on a contact, agencies' returns included.
    Role.EDT: ["mash.view_agency", *_READ_ENQUIRIES],
}  # fmt: skip
