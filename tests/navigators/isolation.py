"""Isolation-registry entries for the navigators' API (merged by tests/mash/test_tenant_isolation.py)."""

from django.utils import timezone

from mash import tenancy
from mash.roles import Role
from navigators import services
from tests.contacts.builders import make_contact
from tests.factories import AgencyFactory, UserFactory
from tests.mash.isolation import Resource
from tests.thresholds.helpers import make_rating


def make_request(tenant, key):
    """An information request in ``tenant`` on a contact whose external reference is ``key``."""
    contact = make_contact(tenant, f"navigators-{key}")  # the contacts entry makes one with ``key`` itself
    agency = AgencyFactory(tenant=tenant, slug=f"police-{key}")
    rating = make_rating(tenant, f"red-{key}")
    with tenancy.tenant_context(tenant):
        (request,) = services.open_requests(
            contact=contact, rating=rating, agencies=[agency], actor=None, at=timezone.now()
        )
    return request


def make_return(tenant, key):
    """A submitted return in ``tenant``, by the request's agency's navigator."""
    request = make_request(tenant, f"{key}-returned")
    navigator = UserFactory(tenant=tenant, role=Role.NAVIGATOR, agency=request.agency)
    with tenancy.tenant_context(tenant):
        return services.submit_return(
            request=request,
            actor=navigator,
            values={"known_to_agency": False, "summary": "Not known.", "recommendation": "No police action."},
        )


RESOURCES = {
    "information-request": Resource(make_request, lambda obj: obj.pk, None, role=Role.TRIAGE),
    "information-return": Resource(make_return, lambda obj: obj.pk, None, role=Role.MANAGER),
}
