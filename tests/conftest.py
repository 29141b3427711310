import uuid

import pytest
from django.test import Client
from rest_framework.test import APIClient

from mash.roles import Role
from tests.factories import AgencyFactory, TenantFactory, UserFactory, token_for


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    # Hashing strength is not under test; 72 demo sign-ins with PBKDF2 would take half a minute.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _own_cache_namespace(settings):
    # The public report's rate-limit counters live in the cache (Redis when REDIS_URL is set, shared by
    # parallel test workers): each test counts under a key prefix of its own and inherits no count.
    # Never cache.clear() there: on Redis it empties the whole database, Celery's broker keys included.
    settings.CACHES = {
        name: {**config, "KEY_PREFIX": f"test-{uuid.uuid4().hex}"} for name, config in settings.CACHES.items()
    }


# -- sign-in security (mash.security) -------------------------------------------------------------
# Tests sign people in with ``client.force_login(user)`` (or ``client.login``). With multi-factor
# sign-in required for staff, such a session would reach only the second-factor pages; here it is
# completed as the sign-in page completes it: a confirmed authenticator device, and the session
# marked verified the way django-otp does. Tests of the second factor itself use
# ``client.force_login_password_only(user)``.

@pytest.fixture(autouse=True)
def _sign_in_completes_the_second_factor(monkeypatch):
    """Installs, for the test's duration, the sign-in described above on Django's test client (and so
    on DRF's APIClient, its subclass), and ``force_login_password_only`` beside it."""
    password_only_login = Client._login

    def login_with_second_factor(self, user, backend=None):
        password_only_login(self, user, backend)
        from django_otp import DEVICE_ID_SESSION_KEY

        from mash.security import mfa

        if getattr(self, "_mash_password_only", False) or not mfa.required_for(user):
            return
        device = mfa.ensure_confirmed_device(user)
        session = self.session
        session[DEVICE_ID_SESSION_KEY] = device.persistent_id
        session.save()

    def force_login_password_only(self, user, backend=None):
        self._mash_password_only = True
        try:
            self.force_login(user, backend)
        finally:
            self._mash_password_only = False

    monkeypatch.setattr(Client, "_login", login_with_second_factor)
    monkeypatch.setattr(Client, "force_login_password_only", force_login_password_only, raising=False)


@pytest.fixture(autouse=True)
def _idle_timeout_off_unless_asked(request, settings):
    # Tests travel in time (deadlines); an idle timeout would sign their clients out. The tests of
    # the timeout itself (mark ``idle_timeout``) keep it on.
    if request.node.get_closest_marker("idle_timeout") is None:
        settings.SESSION_IDLE_TIMEOUT = 0


@pytest.fixture(autouse=True, scope="session")
def _flush_tables_as_owner():
    # Transactional tests empty the tables between tests with TRUNCATE: the tables' owner's job, not
    # the application role's (which row-level security confines). See mash.security.rls.owner_mode.
    from django.db.backends.base.operations import BaseDatabaseOperations

    from mash.security import rls

    original = BaseDatabaseOperations.execute_sql_flush

    def execute_sql_flush(self, sql_list):
        with rls.owner_mode(self.connection.alias):
            return original(self, sql_list)

    BaseDatabaseOperations.execute_sql_flush = execute_sql_flush
    yield
    BaseDatabaseOperations.execute_sql_flush = original


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
