"""Triage's entries in the tenant-isolation registry (merged by tests/mash/test_tenant_isolation.py).

The rating, decision and take actions and the triage pages are not router resources: their
isolation is proved in tests/triage/test_isolation.py.
"""

from mash import tenancy
from mash.roles import Role
from tests.contacts.builders import make_contact
from tests.factories import UserFactory
from tests.mash.isolation import Resource
from triage import services


def make_case_note(tenant, key):
    contact = make_contact(tenant, f"note-{key}")
    author = UserFactory(tenant=tenant, role=Role.TRIAGE)
    with tenancy.tenant_context(tenant):
        return services.add_case_note(contact=contact, actor=author, text=f"Note {key}")


RESOURCES = {
    "case-note": Resource(make_case_note, lambda note: note.pk, None, role=Role.TRIAGE),
}
