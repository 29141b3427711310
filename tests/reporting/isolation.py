"""Isolation-registry entries of the reporting capability (merged by tests/mash/test_tenant_isolation.py).

The dashboard endpoint itself is not a router resource (no detail URL): its own-tenant-only rule is
tested in tests/reporting/test_access.py.
"""

from mash import tenancy
from mash.models import Team
from mash.roles import Role
from tests.mash.isolation import Resource


def make_team(tenant, key):
    with tenancy.tenant_context(tenant):
        return Team.objects.create(name=f"Team {key}")


RESOURCES = {
    "team": Resource(make_team, lambda team: team.pk, None, role=Role.MANAGER),
}
