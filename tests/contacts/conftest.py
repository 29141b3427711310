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
