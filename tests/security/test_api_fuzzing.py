"""schemathesis against the OpenAPI document: no input gives a 500, and every documented response
conforms to the schema. A bounded number of generated examples per operation, as a tenant user
authenticated with an API token (as partner systems call the API)."""

import pytest
import schemathesis
from django.core.wsgi import get_wsgi_application
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import content_type_conformance, response_schema_conformance

from mash.roles import Role
from tests.factories import token_for

pytestmark = [pytest.mark.django_db, pytest.mark.slow]

EXAMPLES_PER_OPERATION = 8


# The document is fetched from the application itself (no database needed to serve it).
schema = schemathesis.openapi.from_wsgi("/api/v1/schema/?format=json", get_wsgi_application())


@pytest.fixture(autouse=True)
def _keep_the_tests_connection():
    # Called as a WSGI app, Django would close the test's database connection after each request
    # (the test client disconnects that for its own requests; do the same).
    from django.core import signals
    from django.db import close_old_connections

    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    yield
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


@pytest.fixture
def callers(tenant_a, make_user, agency_factory):
    """Tokens of the roles that reach every operation past its permission check: the tenant admin (widest
    reading), triage (files contacts), a navigator (returns), a manager (decisions, the dashboard) and a
    coordinator (early-help outcomes)."""
    from mash.tenancy import tenant_context
    from thresholds.services import ensure_default_policy

    with tenant_context(tenant_a):
        ensure_default_policy(tenant=tenant_a)
    police = agency_factory(tenant=tenant_a, slug="police", name="Police")
    return [
        token_for(make_user(tenant_a, Role.ADMIN)),
        token_for(make_user(tenant_a, Role.TRIAGE)),
        token_for(make_user(tenant_a, Role.NAVIGATOR, agency=police)),
        token_for(make_user(tenant_a, Role.MANAGER)),
        token_for(make_user(tenant_a, Role.EHCOORD)),
    ]


@schema.parametrize()
@settings(
    max_examples=EXAMPLES_PER_OPERATION,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.filter_too_much],
)
def test_no_input_causes_a_server_error_and_responses_match_the_schema(case, callers):
    for token in callers:
        case.call_and_validate(
            headers={"Authorization": f"Token {token}"},
            checks=[not_a_server_error, response_schema_conformance, content_type_conformance],
        )
