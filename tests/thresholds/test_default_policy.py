"""A new council's seeded policy (calendar, ratings, clocks, threshold document): written in a few statements, only
what is missing, never over what its administrator changed, and only ever for the tenant that is active."""

from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from mash import tenancy
from tests.factories import TenantFactory
from thresholds import defaults
from thresholds.models import CalendarSettings, ClockPolicy, Rating, ThresholdIndicator, ThresholdLevel
from thresholds.services import ensure_default_policy

pytestmark = pytest.mark.django_db


def seeded(tenant) -> dict:
    with tenancy.tenant_context(tenant):
        return {
            "calendars": CalendarSettings.objects.count(),
            "ratings": dict(Rating.objects.values_list("code", "label")),
            "clocks": {p.kind: (p.amount, p.unit) for p in ClockPolicy.objects.all()},
            "levels": list(ThresholdLevel.objects.values_list("number", "name")),
            "indicators": ThresholdIndicator.objects.count(),
        }


def test_a_new_council_gets_the_whole_default_policy_in_a_fixed_number_of_statements():
    tenant = TenantFactory(slug="newshire")
    with tenancy.tenant_context(tenant), CaptureQueriesContext(connection) as queries:
        ensure_default_policy(tenant=tenant)
    assert len(queries) <= 13  # one read and one write per kind of row, not one get_or_create per row (67)

    got = seeded(tenant)
    assert got["calendars"] == 1
    assert got["ratings"] == {spec["code"]: spec["label"] for spec in defaults.DEFAULT_BRAG}
    assert got["clocks"] == {
        kind: (Decimal(str(amount)) if amount is not None else None, unit)
        for kind, (amount, unit) in defaults.DEFAULT_CLOCKS.items()
    }
    assert got["levels"] == [(number, name) for number, name, _, _ in defaults.THRESHOLD_LEVELS]
    assert got["indicators"] == sum(
        len(texts) for *_, by_domain in defaults.THRESHOLD_LEVELS for texts in by_domain.values()
    )
    with tenancy.tenant_context(tenant):
        level_two = ThresholdLevel.objects.get(number=2)
        assert set(level_two.indicators.values_list("domain", flat=True)) == set(defaults.THRESHOLD_LEVELS[1][3])


def test_running_it_again_adds_only_what_is_missing_and_keeps_the_administrators_changes():
    tenant = TenantFactory(slug="againshire")
    with tenancy.tenant_context(tenant):
        ensure_default_policy(tenant=tenant)
        Rating.objects.filter(code="red").update(label="Red: same day")
        Rating.objects.filter(code="blue").delete()
        ClockPolicy.objects.filter(kind=next(iter(defaults.DEFAULT_CLOCKS))).delete()
        before = seeded(tenant)

        ensure_default_policy(tenant=tenant)

    after = seeded(tenant)
    assert after["ratings"]["red"] == "Red: same day"  # changed by the administrator: kept
    assert "blue" in after["ratings"] and "blue" not in before["ratings"]  # missing: added back
    assert set(after["clocks"]) == set(defaults.DEFAULT_CLOCKS)
    assert after["levels"] == before["levels"] and after["indicators"] == before["indicators"]  # not doubled


def test_it_refuses_to_seed_one_council_while_another_is_active():
    ours, theirs = TenantFactory(slug="ourshire"), TenantFactory(slug="theirshire")
    with tenancy.tenant_context(ours), pytest.raises(tenancy.TenantNotSet):
        ensure_default_policy(tenant=theirs)
    assert seeded(ours)["ratings"] == {} and seeded(theirs)["ratings"] == {}
