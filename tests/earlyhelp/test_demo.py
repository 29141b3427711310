"""The demo data puts a request in the queue and one with a plan under review; running it again adds nothing."""

import io

import pytest
from django.core.management import call_command

from earlyhelp.models import EarlyHelpRequest, PlanReview
from mash import tenancy
from mash.models import Tenant

pytestmark = pytest.mark.django_db


def test_seed_demo_gives_each_tenant_a_waiting_request_and_a_planned_one_once(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    call_command("seed_demo", stdout=io.StringIO())
    call_command("seed_demo", stdout=io.StringIO())
    tenant = Tenant.objects.get(slug="cambridgeshire")
    with tenancy.tenant_context(tenant):
        statuses = sorted(EarlyHelpRequest.objects.values_list("status", flat=True))
        assert statuses == ["plan", "received"]
        assert PlanReview.objects.filter(recorded_at__isnull=True).count() == 1
