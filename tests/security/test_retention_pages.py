"""The tenant administrator's retention policy page: periods and legal basis per kind of record,
changes validated and audited, and a preview of the next run counted by the run's own selection."""

import html
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from contacts.models import Contact
from mash.roles import Role
from mash.security import retention
from mash.security.models import RetentionPolicy
from mash.tenancy import tenant_context
from tests.audit_helpers import audit_events
from tests.contacts.builders import submit

pytestmark = pytest.mark.django_db


def _decided(tenant, contact_id, *, outcome, years_ago):
    with tenant_context(tenant):
        Contact.objects.filter(pk=contact_id).update(
            outcome=outcome, status="closed", decided_at=timezone.now() - timedelta(days=365 * years_ago + 1)
        )


@pytest.fixture
def filed(tenant_a, tenant_b, make_user, api_as):
    """Alpha: an NFA contact decided 7 years ago, one 2 years ago, advice 4 years ago; Beta: NFA 7 years ago."""
    referrer_a, referrer_b = make_user(tenant_a, Role.REFERRER), make_user(tenant_b, Role.REFERRER)
    made = {name: submit(api_as(referrer_a)) for name in ("old_nfa", "recent_nfa", "old_advice")}
    made["theirs"] = submit(api_as(referrer_b))
    _decided(tenant_a, made["old_nfa"]["id"], outcome="nfa", years_ago=7)
    _decided(tenant_a, made["recent_nfa"]["id"], outcome="nfa", years_ago=2)
    _decided(tenant_a, made["old_advice"]["id"], outcome="advice", years_ago=4)
    _decided(tenant_b, made["theirs"]["id"], outcome="nfa", years_ago=7)
    return made


@pytest.fixture
def admin(tenant_a, make_user):
    return make_user(tenant_a, Role.ADMIN)


@pytest.fixture
def browser(client, admin):
    client.force_login(admin)
    return client


def text(response):
    return html.unescape(response.content.decode())


def test_the_page_lists_each_kind_with_its_period_and_legal_basis(browser, tenant_a):
    body = text(browser.get("/settings/retention/"))
    assert "Contacts decided with no further action (from the decision)" in body
    assert "6 years" in body and "30 days" in body
    assert "UK GDPR Article 6(1)(e) public task" in body


def test_the_preview_counts_what_the_run_would_remove_and_removes_nothing(browser, tenant_a, filed):
    body = text(browser.get("/settings/retention/"))
    preview = body[body.index("What the next retention run would remove") :]
    # One contact decided NFA seven years ago (the two-year-old one stays); advice four years ago stays under 6 years.
    assert "Contacts decided with no further action (from the decision)</dt>" in preview
    counts = {rule: count for rule, _label, count in retention.preview(tenant=tenant_a)}
    report = retention.review(tenant=tenant_a, apply=False)
    assert counts["nfa_contacts"] == sum(1 for f in report.findings if f.rule == "nfa_contacts") == 1
    assert counts["advice_contacts"] == 0
    assert "1 record</dd>" in preview
    with tenant_context(tenant_a):
        assert Contact.objects.filter(pk=filed["old_nfa"]["id"]).exists()


def test_a_shorter_period_shows_in_the_preview_and_is_audited(browser, tenant_a, admin, filed):
    page = browser.post(
        "/settings/retention/advice_contacts/",
        {"amount": "3", "unit": "years", "legal_basis": "Local policy LP-12, agreed by the DPO"},
    )
    assert page.status_code == 302 and page["Location"] == "/settings/retention/"
    counts = {rule: count for rule, _label, count in retention.preview(tenant=tenant_a)}
    assert counts["advice_contacts"] == 1  # the advice contact decided four years ago is now past it
    event = audit_events(tenant_a, action="retention_policy.changed")[0]
    assert event.actor == admin
    assert event.changes["before"]["amount"] == 6
    assert event.changes["after"] == {
        "amount": 3,
        "unit": "years",
        "legal_basis": "Local policy LP-12, agreed by the DPO",
    }
    assert "Local policy LP-12, agreed by the DPO" in text(browser.get("/settings/retention/"))


def test_the_page_takes_the_same_queries_whatever_is_kept(browser, tenant_a, filed, django_assert_max_num_queries):
    with CaptureQueriesContext(connection) as baseline:
        browser.get("/settings/retention/")
    for rule in ("nfa_contacts", "advice_contacts", "early_help", "marf_drafts"):
        retention.change_policy(actor=None, tenant=tenant_a, rule=rule, amount=1, unit="days", legal_basis="x")
    with django_assert_max_num_queries(len(baseline)):
        browser.get("/settings/retention/")


@pytest.mark.parametrize(
    "data, field, message",
    [
        ({"amount": "", "unit": "years", "legal_basis": "x"}, "amount", "Enter how long records of this kind are kept"),
        ({"amount": "0", "unit": "years", "legal_basis": "x"}, "amount", "Enter a period of at least 1"),
        ({"amount": "-3", "unit": "years", "legal_basis": "x"}, "amount", "Enter a period of at least 1"),
        ({"amount": "101", "unit": "years", "legal_basis": "x"}, "amount", "Enter a period of at most 100 years"),
        ({"amount": "9" * 30, "unit": "days", "legal_basis": "x"}, "amount", "Enter a period of at most 36600 days"),
        ({"amount": "six", "unit": "years", "legal_basis": "x"}, "amount", "Enter the period as a whole number"),
        ({"amount": "6", "unit": "weeks", "legal_basis": "x"}, "unit", "Choose years or days"),
        ({"amount": "6", "unit": "years", "legal_basis": "   "}, "legal_basis", "Enter the legal basis"),
    ],
)
def test_bad_input_is_shown_against_its_field_and_kept(browser, tenant_a, data, field, message):
    page = browser.post("/settings/retention/nfa_contacts/", data)
    assert page.status_code == 200
    body = text(page)
    assert "There is a problem" in body and message in body and f'id="id_{field}' in body
    with tenant_context(tenant_a):
        assert not RetentionPolicy.objects.exists()
    assert not audit_events(tenant_a, action="retention_policy.changed")


def test_each_council_sees_and_changes_only_its_own_policy(browser, tenant_a, tenant_b):
    retention.change_policy(
        actor=None, tenant=tenant_b, rule="nfa_contacts", amount=9, unit="years", legal_basis="Beta's own basis"
    )
    assert "Beta's own basis" not in text(browser.get("/settings/retention/"))
    browser.post("/settings/retention/nfa_contacts/", {"amount": "2", "unit": "years", "legal_basis": "Alpha's"})
    with tenant_context(tenant_b):
        assert RetentionPolicy.objects.get().amount == 9
    with tenant_context(tenant_a):
        assert RetentionPolicy.objects.get().amount == 2
    assert browser.get("/settings/retention/no-such-kind/").status_code == 404


@pytest.mark.parametrize("role", [Role.MANAGER, Role.TRIAGE])
def test_only_administrators_may_open_the_policy(client, tenant_a, make_user, role):
    client.force_login(make_user(tenant_a, role))
    assert client.get("/settings/retention/").status_code == 403
    assert client.post("/settings/retention/nfa_contacts/", {"amount": "1", "unit": "days"}).status_code == 403
