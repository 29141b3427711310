"""Builders for the deadline engine's tests: the people a clock can reach, a clock started through the
engine's service, and ways to look at what the engine did."""

from datetime import UTC, datetime, timedelta
from types import SimpleNamespace

from deadlines import services
from deadlines.models import Notification
from mash import tenancy
from mash.roles import Role
from tests.factories import AgencyFactory, UserFactory


def make_hub(tenant):
    """The people a clock can reach: a navigator, two agencies' leads, a manager, a head, a coordinator."""
    police = AgencyFactory(tenant=tenant, slug="police", name="Police")
    health = AgencyFactory(tenant=tenant, slug="health", name="Health")

    def person(name, role, agency=None):
        return UserFactory(
            username=f"{tenant.slug}-{name}", tenant=tenant, role=role, agency=agency, email=f"{name}@example.org"
        )

    hub = SimpleNamespace(
        tenant=tenant,
        police=police,
        health=health,
        navigator=person("nav-police", Role.NAVIGATOR, police),
        police_lead=person("lead-police", Role.AGENCY_LEAD, police),
        health_lead=person("lead-health", Role.AGENCY_LEAD, health),
        manager=person("manager", Role.MANAGER),
        head=person("head", Role.HEAD),
        ehcoord=person("ehcoord", Role.EHCOORD),
        triage=person("triage", Role.TRIAGE),
    )
    services.ensure_default_ladders(tenant=tenant)
    return hub


# A Monday morning (10:00 in London, GMT), safely in the past: tests pass `now` or travel in time.
T0 = datetime(2025, 11, 24, 10, 0, tzinfo=UTC)


def start(hub, *, started_at=T0, hours=4, kind="navigator_return", subject=None, label="ALP-00042", **kwargs):
    """A navigator return on a contact-like subject (the agency row stands in for a contact)."""
    kwargs.setdefault("responsible", [hub.navigator])
    kwargs.setdefault("agency", hub.police)
    return services.start_clock(
        tenant=hub.tenant,
        kind=kind,
        subject=subject or hub.police,
        started_at=started_at,
        amount=hours,
        unit="clock_hours",
        label=label,
        url="/contacts/42/",
        **kwargs,
    )


def as_the_system():
    """What the deadline engine's operations report sees: every tenant's rows. Row-level security
    hides every tenant-owned row from a read outside any tenant; tests that check what the engine
    did across tenants read as this named system work, never as no one."""
    return tenancy.system_context("deadline-report")


def notices(clock=None, **filters):
    """Notifications as (kind, level, username) tuples, across tenants (test inspection only)."""
    with as_the_system():
        qs = Notification.all_tenants.filter(**filters)
        if clock is not None:
            qs = qs.filter(clock_id=clock.pk)
        return sorted(qs.values_list("kind", "level", "recipient__username"))


def refreshed(clock):
    with tenancy.tenant_context(clock.tenant_id):
        clock.refresh_from_db()
    return clock


HOUR = timedelta(hours=1)
