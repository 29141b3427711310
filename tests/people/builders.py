"""Builders for the people tests: contacts about named children, and the register entry they made."""

from contacts.models import Person
from mash import tenancy
from tests.contacts.builders import make_contact


def child(first, last, dob, postcode="CB1 2AB"):
    return {"first_name": first, "last_name": last, "date_of_birth": dob, "postcode": postcode, "sex": "M"}


def contact_about(hub, key, *children, **overrides):
    """A phone contact in the hub's tenant about ``children`` (dicts as the API takes them)."""
    return make_contact(hub["tenant"], key, children=list(children), household=[], **overrides)


def person_named(hub, first, last):
    with tenancy.tenant_context(hub["tenant"]):
        return Person.objects.get(first_name=first, last_name=last, merged_into__isnull=True)
