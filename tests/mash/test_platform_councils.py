"""The platform operators' councils page: each council's size in a constant number of queries,
suspending and reinstating one (audited), and what a suspension does to its people and public pages."""

import html
import io
from datetime import UTC, datetime, timedelta

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from contacts.models import Contact
from mash import platform
from mash.models import CouncilSize, Tenant, User
from mash.roles import Role
from mash.tenancy import tenant_context
from tests.audit_helpers import audit_events
from tests.contacts.builders import submit
from tests.factories import TenantFactory, UserFactory, token_for

pytestmark = pytest.mark.django_db
PASSWORD = "correct horse battery"


@pytest.fixture
def root(client):
    client.force_login(User.objects.create_superuser("platform-root", "root@example.org", "x"))
    return client


def text(response):
    return html.unescape(response.content.decode())


def _received(tenant, contact_id, at):
    with tenant_context(tenant):
        Contact.objects.filter(pk=contact_id).update(received_at=at)


def test_the_page_lists_each_council_with_its_size(root, tenant_a, tenant_b, make_user, api_as, time_machine):
    time_machine.move_to("2026-06-01T12:00:00Z", tick=False)
    referrer = make_user(tenant_a, Role.REFERRER)
    make_user(tenant_a, Role.TRIAGE)
    make_user(tenant_a, Role.ADMIN)
    make_user(tenant_a, Role.TRIAGE, is_active=False)  # a leaver is not counted
    make_user(tenant_b, Role.REFERRER)
    this_year = [submit(api_as(referrer))["id"] for _ in range(2)]
    last_year = submit(api_as(referrer))["id"]
    _received(tenant_a, last_year, datetime(2025, 12, 31, 23, 30, tzinfo=UTC))  # 31 December in London
    _received(tenant_a, this_year[0], datetime(2026, 1, 1, 0, 5, tzinfo=UTC))
    assert platform.count_council_sizes() == 2

    body = text(root.get("/platform/councils/"))
    alpha = body[body.index("Alpha County Council") : body.index("Beta City Council")]
    beta = body[body.index("Beta City Council") :]
    cells = alpha.replace(" ", "").replace("\n", "")
    assert 'numeric">3</td>' in cells  # three active users (the leaver is not counted)
    assert 'numeric">2<span' in cells  # two contacts this year (31 December's is last year's)
    with tenant_context(tenant_a):
        assert CouncilSize.objects.get(tenant=tenant_a).contacts_received == 2
    assert "counted 1 June 2026 at 1pm" in alpha  # in London time (summer)
    assert CouncilSize.objects.get(tenant=tenant_b).contacts_received == 0
    assert "Active" in beta


def test_the_page_takes_the_same_queries_however_many_councils(root, tenant_a, django_assert_max_num_queries):
    root.get("/platform/councils/")
    with CaptureQueriesContext(connection) as few:
        root.get("/platform/councils/")
    for number in range(6):
        tenant = TenantFactory(slug=f"council-{number}")
        UserFactory(tenant=tenant)
    platform.count_council_sizes()
    with django_assert_max_num_queries(len(few)):
        page = root.get("/platform/councils/")
    assert text(page).count("Suspend") >= 7


@pytest.mark.parametrize("role", [Role.ADMIN, Role.TRIAGE])
def test_a_council_user_finds_no_such_page(client, tenant_a, make_user, role):
    client.force_login(make_user(tenant_a, role))
    assert client.get("/platform/councils/").status_code == 404
    assert client.post("/platform/councils/alpha/suspend/", {"reason": "x"}).status_code == 404
    assert not Tenant.objects.get(pk=tenant_a.pk).is_suspended


def test_suspending_needs_a_reason_and_is_audited(root, tenant_a):
    page = root.post("/platform/councils/alpha/suspend/", {"reason": "  "})
    assert page.status_code == 200 and "Enter the reason" in text(page)
    assert not Tenant.objects.get(pk=tenant_a.pk).is_suspended
    page = root.post("/platform/councils/alpha/suspend/", {"reason": "Contract ended 30 November"})
    assert page.status_code == 302
    tenant = Tenant.objects.get(pk=tenant_a.pk)
    assert tenant.is_suspended and tenant.suspended_reason == "Contract ended 30 November"
    assert "Suspended" in text(root.get("/platform/councils/"))
    root.post("/platform/councils/alpha/reinstate/", {"reason": "Contract renewed"})
    assert not Tenant.objects.get(pk=tenant_a.pk).is_suspended
    suspended, reinstated = (audit_events(tenant_a, action=a)[0] for a in ("tenant.suspended", "tenant.reinstated"))
    assert suspended.actor.username == "platform-root" and suspended.changes == {"reason": "Contract ended 30 November"}
    assert reinstated.changes["reason"] == "Contract renewed"


def test_a_suspended_councils_people_cannot_sign_in_and_are_told_why(client, tenant_a, tenant_b, make_user):
    alpha, beta = make_user(tenant_a, Role.TRIAGE), make_user(tenant_b, Role.TRIAGE)
    platform.suspend_council(actor=None, tenant=tenant_a, reason="Unpaid")
    page = client.post("/sign-in/", {"username": alpha.username, "password": PASSWORD})
    assert page.status_code == 200 and "suspended by the platform operator" in text(page)
    assert "_auth_user_id" not in client.session
    # A wrong password still gets the wrong-password answer: the message confirms nothing to a guesser.
    page = client.post("/sign-in/", {"username": alpha.username, "password": "wrong"})
    assert "suspended" not in text(page)
    other = client.__class__()
    assert other.post("/sign-in/", {"username": beta.username, "password": PASSWORD}).status_code == 302


def test_a_suspended_councils_sessions_and_tokens_are_refused(client, tenant_a, tenant_b, make_user):
    alpha, beta = make_user(tenant_a, Role.TRIAGE), make_user(tenant_b, Role.TRIAGE)
    client.force_login(alpha)
    token = APIClient()
    token.credentials(HTTP_AUTHORIZATION=f"Token {token_for(alpha)}")
    theirs = APIClient()
    theirs.credentials(HTTP_AUTHORIZATION=f"Token {token_for(beta)}")
    assert token.get("/api/v1/contacts/").status_code == 200
    platform.suspend_council(actor=None, tenant=tenant_a, reason="Unpaid")

    page = client.get("/notifications/")
    assert page.status_code == 403 and "suspended by the platform operator" in text(page)
    assert client.get("/notifications/").status_code == 302  # signed out: the session has ended
    refused = token.get("/api/v1/contacts/")
    assert refused.status_code == 403 and "suspended by the platform operator" in refused.json()["detail"]
    assert theirs.get("/api/v1/contacts/").status_code == 200  # another council carries on

    platform.reinstate_council(actor=None, tenant=tenant_a, reason="Paid")
    assert token.get("/api/v1/contacts/").status_code == 200


def test_a_suspended_councils_public_pages_say_the_service_is_unavailable(client, tenant_a):
    Tenant.objects.filter(pk=tenant_a.pk).update(mash_phone="01632 960000", out_of_hours_phone="01632 960999")
    platform.suspend_council(actor=None, tenant=tenant_a, reason="Unpaid")
    page = client.get("/contacts/report/alpha/")
    body = text(page)
    assert page.status_code == 503 and "this service is unavailable" in body
    assert "01632 960000" in body and "01632 960999" in body and "call 999" in body
    api = client.post("/api/v1/public/alpha/contacts/", {}, content_type="application/json")
    assert api.status_code == 503 and "01632 960000" in api.json()["detail"]
    with tenant_context(tenant_a):
        assert not Contact.objects.exists()


def test_counting_this_year_starts_at_midnight_on_1_january_in_london():
    start = platform.year_start(datetime(2026, 3, 1, tzinfo=UTC))
    assert start == datetime(2026, 1, 1, tzinfo=UTC)  # GMT in winter
    assert platform.year_start(datetime(2026, 1, 1, 0, 30, tzinfo=UTC)).year == 2026
    summer = platform.year_start(datetime(2026, 7, 1, tzinfo=UTC))
    assert summer == datetime(2026, 1, 1, tzinfo=UTC) and summer.utcoffset() == timedelta(0)


def test_platform_operators_find_the_councils_page_in_the_header(root):
    page = root.get("/platform/councils/")
    assert page.status_code == 200 and 'href="/platform/councils/"' in page.content.decode()


def test_operators_can_count_at_once_with_a_command(tenant_a, tenant_b):
    out = io.StringIO()
    call_command("count_council_sizes", stdout=out)
    assert "Counted 2 council(s)." in out.getvalue()
    assert set(CouncilSize.objects.values_list("tenant__slug", flat=True)) == {"alpha", "beta"}
