"""Builders for triage's tests: a contact in a hub made by tests/triage/conftest.py's ``make_hub``."""

from tests.contacts.builders import make_contact


def new_contact(hub, key="c1", **overrides):
    return make_contact(hub["tenant"], key, **overrides)
