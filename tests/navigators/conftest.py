"""A hub with two agencies (police, health), their navigators and leads, and Red requests on one contact."""

import pytest

from tests.navigators.builders import make_hub, open_enquiry


@pytest.fixture
def hub(tenant_a):
    return make_hub(tenant_a)


@pytest.fixture
def other_hub(tenant_b):
    return make_hub(tenant_b, prefix="b")


@pytest.fixture
def enquiry(hub):
    return open_enquiry(hub)
