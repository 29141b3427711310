"""Hubs configured as the demo local authorities (thresholds.defaults), with every agency and one user per role."""

import pytest

from mash import tenancy
from mash.demo import DEMO_AGENCIES
from mash.roles import Role
from tests.factories import AgencyFactory, TenantFactory
from thresholds.services import ensure_default_policy


@pytest.fixture
def make_hub(db, make_user):
    def _make(slug="cambridgeshire"):
        tenant = TenantFactory(slug=slug, name=f"{slug.title()} Council", reference_prefix=slug[:3].upper())
        with tenancy.tenant_context(tenant):
            ensure_default_policy(tenant=tenant)
        agencies = {s: AgencyFactory(tenant=tenant, slug=s, name=name) for s, name in DEMO_AGENCIES}
        users = {
            role: make_user(tenant, role, username=f"{slug}-{role}", email=f"{slug}-{role}@example.org")
            for role in (Role.TRIAGE, Role.MANAGER, Role.HEAD, Role.ADMIN, Role.EHCOORD, Role.REFERRER)
        }
        users["triage2"] = make_user(tenant, Role.TRIAGE, username=f"{slug}-triage2")
        users["nav_police"] = make_user(
            tenant, Role.NAVIGATOR, agency=agencies["police"], username=f"{slug}-nav-police"
        )
        return {"tenant": tenant, "agencies": agencies, **users}

    return _make


@pytest.fixture
def cambs(make_hub):
    return make_hub("cambridgeshire")


@pytest.fixture
def durham(make_hub):
    return make_hub("durham")
