import pytest

from mash import tenancy
from mash.roles import Role
from thresholds.services import ensure_default_policy


@pytest.fixture
def hub(tenant_a, make_user, agency_factory):
    """Tenant A with its default policy (one working day to decide) and one user per role."""
    with tenancy.tenant_context(tenant_a):
        ensure_default_policy(tenant=tenant_a)
    police = agency_factory(tenant=tenant_a, slug="police", name="Police")
    health = agency_factory(tenant=tenant_a, slug="health", name="Health")
    users = {
        role: make_user(tenant_a, role, username=f"a-{role}")
        for role in (Role.TRIAGE, Role.MANAGER, Role.HEAD, Role.ADMIN, Role.EHCOORD, Role.REFERRER)
    }
    users["referrer2"] = make_user(tenant_a, Role.REFERRER, username="a-referrer2")
    users["nav_police"] = make_user(tenant_a, Role.NAVIGATOR, agency=police, username="a-nav-police")
    users["nav_health"] = make_user(tenant_a, Role.NAVIGATOR, agency=health, username="a-nav-health")
    users["lead_health"] = make_user(tenant_a, Role.AGENCY_LEAD, agency=health, username="a-lead-health")
    users["tenant"] = tenant_a
    return users


def marf(**overrides):
    """A good MARF (seed 003's "ingredients of a good referral"), as the API takes it."""
    body = {
        "children": [
            {"first_name": "Leo", "last_name": "Hart", "date_of_birth": "2025-04-02", "postcode": "CB1 2AB",
             "sex": "M", "ethnicity": "WBRI"},
        ],
        "household": [
            {"role": "parent", "relationship": "mother", "first_name": "Amy", "last_name": "Hart",
             "date_of_birth": "2006-08-19", "phone": "07700 900123"},
        ],
        "concerns": "Mother, 19, about six months pregnant, no midwife input; also has a 9-month-old son. "
                    "Reduced foetal movements; did not attend hospital when advised.",
        "address": "12 Mill Road, Cambridge",
        "postcode": "cb12ab",
        "school": "",
        "gp": "Mill Road Surgery",
        "language": "English",
        "parents_aware": "yes",
        "consent_to_referral": "given",
        "consent_to_sharing": "given",
        "source": "3A",
        "referrer_name": "Dr Priya Shah",
        "referrer_role": "GP",
        "referrer_organisation": "Mill Road Surgery",
        "referrer_email": "p.shah@example.org",
    }  # fmt: skip
    body.update(overrides)
    return body


def submit(api_client, **overrides):
    response = api_client.post("/api/v1/contacts/", marf(**overrides), format="json")
    assert response.status_code == 201, response.content
    return response.data
