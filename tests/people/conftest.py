import pytest

from tests.triage.conftest import cambs, durham, make_hub  # noqa: F401 - shared hubs (demo configuration)


@pytest.fixture
def signed_in(client):
    def _as(user):
        client.force_login(user)
        return client

    return _as
