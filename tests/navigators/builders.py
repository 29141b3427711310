"""Builders for the navigators' tests: a hub with two agencies (police, health), their navigators and leads,
Red requests on one contact opened through navigators' service, and a good return."""

from datetime import timedelta
from types import SimpleNamespace

from django.utils import timezone

from deadlines.services import ensure_default_ladders
from mash import tenancy
from mash.roles import Role
from navigators import demo, services
from tests.contacts.builders import make_contact
from tests.factories import AgencyFactory, UserFactory
from thresholds.models import Rating
from thresholds.services import ensure_default_policy


def make_hub(tenant, prefix="a"):
    with tenancy.tenant_context(tenant):
        ensure_default_policy(tenant=tenant)
    ensure_default_ladders(tenant=tenant)
    police = AgencyFactory(tenant=tenant, slug="police", name="Police")
    health = AgencyFactory(tenant=tenant, slug="health", name="Health")
    education = AgencyFactory(tenant=tenant, slug="education", name="Education")
    with tenancy.tenant_context(tenant):
        demo.seed(tenant)

    def person(name, role, agency=None):
        return UserFactory(
            username=f"{prefix}-{name}", tenant=tenant, role=role, agency=agency, email=f"{prefix}-{name}@example.org"
        )

    hub = SimpleNamespace(
        tenant=tenant,
        police=police,
        health=health,
        education=education,
        nav_police=person("nav-police", Role.NAVIGATOR, police),
        nav_police2=person("nav-police-2", Role.NAVIGATOR, police),
        lead_police=person("lead-police", Role.AGENCY_LEAD, police),
        nav_health=person("nav-health", Role.NAVIGATOR, health),
        lead_health=person("lead-health", Role.AGENCY_LEAD, health),
        triage=person("triage", Role.TRIAGE),
        manager=person("manager", Role.MANAGER),
        head=person("head", Role.HEAD),
        admin=person("admin", Role.ADMIN),
        referrer=person("referrer", Role.REFERRER),
    )
    return hub


def open_enquiry(hub, key="enquiry-1", *, rating="red", agencies=None, at=None, **contact_fields):
    """A contact rated ``rating`` with requests to ``agencies`` (default police and health): {slug: request}."""
    contact = make_contact(hub.tenant, key, **contact_fields)
    with tenancy.tenant_context(hub.tenant):
        created = services.open_requests(
            contact=contact,
            rating=Rating.objects.get(code=rating),
            agencies=agencies or [hub.police, hub.health],
            actor=hub.triage,
            at=at or timezone.now() - timedelta(minutes=30),
        )
    return contact, {r.agency.slug: r for r in created}


def good_return(**overrides):
    body = {
        "known_to_agency": True,
        "summary": "Two call-outs to the address in 2025; the mother's partner has a warning marker for violence.",
        "risk_indicators": ["Violence warning marker on the mother's partner", "Domestic-abuse call-outs"],
        "recommendation": "Strategy discussion: police to attend.",
    }
    body.update(overrides)
    return body


def refreshed(obj):
    with tenancy.tenant_context(obj.tenant_id):
        obj.refresh_from_db()
    return obj
