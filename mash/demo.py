"""Demo tenants, agencies and users exactly as ../shared/API.md names them."""

from dataclasses import dataclass

from .roles import Role


@dataclass(frozen=True)
class DemoTenant:
    slug: str
    name: str
    reference_prefix: str
    mash_phone: str
    out_of_hours_phone: str


# Telephone numbers from Ofcom's ranges reserved for drama and examples: plausible, and nobody's real line.
DEMO_TENANTS = [
    DemoTenant("cambridgeshire", "Cambridgeshire County Council", "CAM", "01632 960 101", "0808 157 0101"),
    DemoTenant("durham", "Durham County Council", "DUR", "0191 498 0102", "0808 157 0102"),
    DemoTenant("coventry", "Coventry City Council", "COV", "0121 496 0103", "0808 157 0103"),
]

DEMO_AGENCIES = [
    ("social-care", "Children's social care"),
    ("police", "Police"),
    ("health", "Health"),
    ("education", "Education"),
    ("probation", "Probation"),
    ("housing", "Housing"),
    ("camhs", "Child and adolescent mental health services (CAMHS)"),
    ("youth-offending", "Youth offending service"),
    ("domestic-abuse", "Domestic abuse service"),
]

# API.md user names: <tenant>-<role> for these roles ...
DEMO_ROLE_USERS = [
    ("admin", Role.ADMIN, "Tenant administrator"),
    ("triage", Role.TRIAGE, "MASH social worker"),
    ("manager", Role.MANAGER, "MASH team manager"),
    ("referrer", Role.REFERRER, "Designated safeguarding lead (school)"),
    ("ehcoord", Role.EHCOORD, "Early Help coordinator"),
    ("head", Role.HEAD, "Head of service"),
    ("edt", Role.EDT, "Emergency Duty Team social worker"),
]
# ... and <tenant>-nav-<agency>, <tenant>-lead-<agency> for every agency.
DEMO_AGENCY_USERS = [("nav", Role.NAVIGATOR, "navigator"), ("lead", Role.AGENCY_LEAD, "agency lead")]

# The teams a MASH decision hands a case over to (issue 20), and one member of a receiving team per tenant,
# ``<tenant>-team``, who reads the MASH summary and acknowledges it.
DEMO_TEAMS = [
    "Assessment team",
    "Family safeguarding team",
    "District early help team",
    "Disabled children's team",
    "Youth justice service",
]
DEMO_TEAM_USERS = [("team", Role.TRIAGE, "Assessment team social worker", "Assessment team")]
