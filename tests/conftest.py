import pytest
from rest_framework.test import APIClient

from mash.roles import Role
from tests.factories import AgencyFactory, TenantFactory, UserFactory, token_for


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    # Hashing strength is not under test; 72 demo sign-ins with PBKDF2 would take half a minute.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def tenant_a(db):
    return TenantFactory(slug="alpha", name="Alpha County Council", reference_prefix="ALP")


@pytest.fixture
def tenant_b(db):
    return TenantFactory(slug="beta", name="Beta City Council", reference_prefix="BET")


@pytest.fixture
def make_user(db):
    def _make(tenant, role=Role.TRIAGE, **kwargs):
        return UserFactory(tenant=tenant, role=role, **kwargs)

    return _make


@pytest.fixture
def api_as():
    """An API client authenticated by DRF token, as partner systems call the API."""

    def _client(user):
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Token {token_for(user)}")
        return client

    return _client


@pytest.fixture
def agency_factory():
    return AgencyFactory
