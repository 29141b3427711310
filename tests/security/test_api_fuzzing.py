"""schemathesis against the OpenAPI document: no input gives a 500, and every documented response
conforms to the schema. A bounded number of generated examples per operation, as tenant users
authenticated with an API token (as partner systems call the API); then, on the operations open to
them, as a referrer and as the anonymous public. Strings are drawn from all of Unicode, NUL included
(schemathesis' ``allow_x00`` and ``codec`` generation settings), in valid and invalid shapes."""

import pytest
import schemathesis
from django.core.cache import cache
from django.core.wsgi import get_wsgi_application
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.generation import GenerationMode
from schemathesis.generation.meta import TestPhase
from schemathesis.specs.openapi.checks import content_type_conformance, response_schema_conformance

from mash.roles import Role
from mash.tenancy import tenant_context
from tests.factories import token_for

pytestmark = [pytest.mark.django_db, pytest.mark.slow]

EXAMPLES_PER_OPERATION = 8


def _load_schema():
    """The document, fetched from the application itself (no database needed to serve it), with strings drawn as
    the module docstring says: explicit, though schemathesis' defaults today (NUL, any UTF-8 character, positive and
    negative cases). Loaded once per test below: each keeps its own phases."""
    loaded = schemathesis.openapi.from_wsgi("/api/v1/schema/?format=json", get_wsgi_application())
    loaded.config.generation.update(allow_x00=True, codec="utf-8", modes=list(GenerationMode))
    return loaded


schema = _load_schema()
# A referrer's and the public's operations (API.md): MARFs, early-help requests, notifications, the public report.
# Fuzzed examples only: the boundary cases of every body and parameter (schemathesis' coverage phase) are sent
# by the staff test below, and the referrer and the public differ by who they are, not by what a body may hold.
referrer_and_public = _load_schema().include(
    path_regex=r"^/api/v1/(contacts/|early-help/requests/|notifications/|public/)"
)
referrer_and_public.config.phases.update(phases=["examples", "fuzzing"])
EXAMPLES_AS_REFERRER_OR_PUBLIC = 4


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
    # schemathesis' coverage phase adds every boundary case the schema defines (a missing field, each wrong
    # type, each limit), about 500 for a MARF, beside the few fuzzed examples max_examples bounds. Each of
    # those is for the body or parameters, so it is sent until a role is let past the permission check
    # (the first answer that is not 401 or 403): the validation path it probes is then reached, at a fifth
    # of the requests. The fuzzed examples go to every role.
    boundary_case = case.meta is not None and case.meta.phase.name == TestPhase.COVERAGE
    for token in callers:
        response = case.call_and_validate(
            headers={"Authorization": f"Token {token}"},
            checks=[not_a_server_error, response_schema_conformance, content_type_conformance],
        )
        if boundary_case and response.status_code not in (401, 403):
            break


@pytest.fixture
def referrer(tenant_a, make_user):
    from thresholds.services import ensure_default_policy

    with tenant_context(tenant_a):
        ensure_default_policy(tenant=tenant_a)
    return {"Authorization": f"Token {token_for(make_user(tenant_a, Role.REFERRER))}"}


@referrer_and_public.parametrize()
@settings(
    max_examples=EXAMPLES_AS_REFERRER_OR_PUBLIC,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.filter_too_much],
)
def test_no_input_from_a_referrer_or_the_anonymous_public_causes_a_server_error(case, referrer, tenant_a):
    if "tenant_slug" in (case.path_parameters or {}):
        case.path_parameters["tenant_slug"] = tenant_a.slug  # the public report: a real hub, so bodies are read
    # A referrer sees their own records with limited fields (API.md), narrower than the documented staff
    # shape, and refusals to the public need not match a documented response: both are held to no 500
    # and a JSON body.
    for headers in (referrer, {}):
        cache.clear()  # the public report's throttle counts in the cache; each example starts afresh
        case.call_and_validate(headers=headers, checks=[not_a_server_error, content_type_conformance])
