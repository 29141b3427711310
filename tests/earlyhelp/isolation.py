"""Isolation-registry entries for the Early Help Hub's API resources (merged by tests/mash/test_tenant_isolation.py)."""

from earlyhelp import services
from mash import tenancy
from mash.roles import Role
from tests.factories import UserFactory
from tests.mash.isolation import Resource


def make_request(tenant, key):
    """A direct early-help request in ``tenant`` (``key`` names the child, a natural key to collide on)."""
    requester = UserFactory(tenant=tenant, role=Role.EHCOORD)
    with tenancy.tenant_context(tenant):
        from thresholds.services import ensure_default_policy

        ensure_default_policy(tenant=tenant)
        return services.request_early_help(
            tenant=tenant,
            actor=requester,
            data={
                "children": [{"first_name": key, "last_name": "Isolated", "date_of_birth": "2015-01-01"}],
                "needs": f"Support for {key}",
            },
        )


RESOURCES = {
    "early-help-request": Resource(make_request, lambda obj: obj.pk, None, role=Role.EHCOORD),
}
