import pytest

from mash import tenancy
from tests.deadlines.builders import make_hub


@pytest.fixture
def hub(tenant_a):
    return make_hub(tenant_a)


@pytest.fixture
def in_tenant(tenant_a):
    with tenancy.tenant_context(tenant_a):
        yield
