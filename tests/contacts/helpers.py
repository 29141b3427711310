"""Making contacts in tests outside the API (the isolation tests make one per tenant)."""

from contacts import services
from contacts.serializers import StaffContactInput
from mash import tenancy
from tests.contacts.conftest import marf


def make_contact(tenant, key, **overrides):
    """A phone contact in ``tenant`` whose external reference is ``key`` (a natural key for the isolation tests)."""
    with tenancy.tenant_context(tenant):
        serializer = StaffContactInput(data=marf(**overrides))
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        data["external_reference"] = key
        return services.submit_contact(tenant=tenant, actor=None, channel=data.pop("channel"), data=data)
