"""Builders for the Early Help Hub's tests: a hub with one user per role, requests filed directly through the
API or stepped down from a decided contact through earlyhelp's service."""

from datetime import timedelta
from types import SimpleNamespace

from django.utils import timezone

from contacts.models import Contact
from deadlines.services import ensure_default_ladders
from earlyhelp import services
from mash import tenancy
from mash.roles import Role
from tests.contacts.builders import make_contact, marf
from thresholds.services import ensure_default_policy


def make_hub(tenant, make_user):
    """A tenant with its default policy (48 clock hours to an early-help outcome), ladders and one user per role."""
    with tenancy.tenant_context(tenant):
        ensure_default_policy(tenant=tenant)
    ensure_default_ladders(tenant=tenant)
    p = tenant.slug[:1]

    def user(name, role, **kwargs):
        return make_user(tenant, role, username=f"{p}-{name}", email=f"{name}@{tenant.slug}.example.org",
                         first_name=name.title(), **kwargs)  # fmt: skip

    return SimpleNamespace(
        tenant=tenant,
        ehcoord=user("ehcoord", Role.EHCOORD),
        ehcoord2=user("ehcoord2", Role.EHCOORD),
        manager=user("manager", Role.MANAGER),
        head=user("head", Role.HEAD),
        triage=user("triage", Role.TRIAGE),
        admin=user("admin", Role.ADMIN),
        referrer=user("referrer", Role.REFERRER),
        referrer2=user("referrer2", Role.REFERRER),
        navigator=user("navigator", Role.NAVIGATOR),
    )


def decide_early_help(hub, contact):
    """Test set-up standing in for the MASH decision (triage's endpoint): the contact decided ``early_help``."""
    with tenancy.tenant_context(hub.tenant):
        Contact.objects.filter(pk=contact.pk).update(
            status="decided", outcome="early_help", decided_at=timezone.now(), decided_by=hub.manager
        )
        contact.refresh_from_db()
        return services.create_from_contact(contact=contact, actor=hub.manager, reason="Needs parenting support.")


def stepped_down(hub, key="step-down", **overrides):
    """A MASH contact decided early_help, stepped down through earlyhelp.services.create_from_contact."""
    contact = make_contact(hub.tenant, key, **overrides)
    return decide_early_help(hub, contact)


# Annex A List 2's fields: only hub staff (triage, coordinators) may send them with a request.
ASSESSMENT = {"assessment_started_on": "2026-01-05", "assessment_organisation": "Ridgeway Primary School"}


def direct_body(**overrides):
    body = {
        "children": [{"first_name": "Ruby", "last_name": "Ellis", "date_of_birth": "2014-06-30", "sex": "F",
                      "postcode": "cb2 8pq"}],
        "needs": "Attendance has fallen to 71%; Ruby cares for her brother when mum is unwell.",
        "referrer_name": "Ms L. Grant",
        "referrer_organisation": "Ridgeway Primary School",
        "referrer_phone": "01223 000111",
        "family_contact": "Sam Ellis (mother)",
        "family_phone": "07700 900456",
    }  # fmt: skip
    body.update(overrides)
    return body


def file_direct(api_client, **overrides):
    response = api_client.post("/api/v1/early-help/requests/", direct_body(**overrides), format="json")
    assert response.status_code == 201, response.content
    return response.data


def referrers_contact(hub, api_as):
    """A MARF filed by hub.referrer (their own contact), decided early_help and stepped down."""
    response = api_as(hub.referrer).post("/api/v1/contacts/", marf(), format="json")
    assert response.status_code == 201, response.content
    with tenancy.tenant_context(hub.tenant):
        contact = Contact.objects.get(pk=response.data["id"])
    return decide_early_help(hub, contact)


def in_tenant(hub, fn, *args, **kwargs):
    with tenancy.tenant_context(hub.tenant):
        return fn(*args, **kwargs)


HOUR = timedelta(hours=1)


# The request page's consent and "when to access targeted services" answers (required on the page).
PAGE_CONSENT = {
    "consent": "given", "consent_given_by": "Sam Ellis (mother)", "consent_given_on_0": "2",
    "consent_given_on_1": "3", "consent_given_on_2": "2026", "universal_services": ["school", "gp"],
    "universal_support_tried": "Attendance plan with the school; GP referral for sleep.",
}  # fmt: skip


def page_action(prefix: str, *, description: str, owner: str, due_on) -> dict:
    """One action of the plan as the plan page takes it (GOV.UK date boxes of mash.date_input)."""
    return {
        f"{prefix}_description": description, f"{prefix}_owner": owner, f"{prefix}_due_on-day": due_on.day,
        f"{prefix}_due_on-month": due_on.month, f"{prefix}_due_on-year": due_on.year,
    }  # fmt: skip
