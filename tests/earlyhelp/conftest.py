import pytest

from tests.earlyhelp.builders import make_hub


@pytest.fixture
def hub(tenant_a, make_user):
    return make_hub(tenant_a, make_user)
