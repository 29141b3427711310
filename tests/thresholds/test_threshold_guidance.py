"""The read-only threshold guidance for everyone who judges a level of need, and pages' query counts."""

import html
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from mash import tenancy
from mash.roles import Role
from thresholds.models import Rating, ThresholdIndicator, ThresholdLevel
from thresholds.services import ensure_default_policy


@pytest.fixture
def policy(tenant_a, tenant_b):
    for tenant in (tenant_a, tenant_b):
        with tenancy.tenant_context(tenant):
            ensure_default_policy(tenant=tenant)
    return tenant_a


def text(response) -> str:
    return re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", response.content.decode())))


@pytest.mark.parametrize("role", list(Role))
def test_everyone_of_the_tenant_can_read_the_guidance(role, client, policy, make_user):
    client.force_login(make_user(policy, role))
    response = client.get("/thresholds/")
    assert response.status_code == 200
    page = text(response)
    for heading in ("Level 1 Universal", "Level 2 Early Help", "Level 3 Multi-agency Early Help"):
        assert heading in page
    assert "Level 4 Statutory intervention" in page
    assert "Child's developmental needs" in page
    assert "Parental capacity" in page
    assert "Family and environmental factors" in page
    assert "Suspected non-accidental injury" in page
    # Read-only: the guidance itself has no change links (an admin's header still links to Settings).
    main = response.content.decode().split("<main", 1)[1].split("</main>", 1)[0]
    assert 'href="/settings/' not in main


def test_the_guidance_shows_only_the_readers_own_tenants_document(client, policy, tenant_b, make_user):
    with tenancy.tenant_context(tenant_b):
        level = ThresholdLevel.objects.get(number=2)
        ThresholdIndicator.objects.create(level=level, domain="family", text="Only in Beta's document")
    client.force_login(make_user(policy, Role.REFERRER))
    assert "Only in Beta" not in text(client.get("/thresholds/"))


def test_the_guidance_lists_indicators_under_their_level_and_domain(client, policy, make_user):
    client.force_login(make_user(policy, Role.TRIAGE))
    body = client.get("/thresholds/").content.decode()
    level_2 = body[body.index('id="level-2"') : body.index('id="level-3"')]
    parenting = level_2[level_2.index("Parental capacity") : level_2.index("Family and environmental factors")]
    assert "Inconsistent parenting" in parenting
    assert "Young carers" not in parenting


def test_anonymous_visitors_are_sent_to_sign_in(client, policy):
    response = client.get("/thresholds/")
    assert response.status_code == 302
    assert response["Location"].startswith("/sign-in/")


# --- query counts: constant, whatever the number of rows --------------------------------------------


def count_queries(client, url):
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


def add_more_threshold_rows(tenant):
    with tenancy.tenant_context(tenant):
        extra = ThresholdLevel.objects.create(number=5, name="Specialist", description="Beyond level 4.")
        for level in ThresholdLevel.objects.all():
            for i in range(5):
                ThresholdIndicator.objects.create(level=level, domain="parenting", text=f"Extra indicator {i}")
        return extra


def add_more_ratings(tenant, how_many=6):
    with tenancy.tenant_context(tenant):
        for i in range(how_many):
            Rating.objects.create(code=f"extra-{i}", label=f"Extra {i}", colour="grey", agencies_asked="none", order=9)


def test_the_guidance_page_runs_a_constant_number_of_queries(client, policy, make_user):
    client.force_login(make_user(policy, Role.TRIAGE))
    before = count_queries(client, "/thresholds/")
    add_more_threshold_rows(policy)
    assert count_queries(client, "/thresholds/") == before
    assert "Extra indicator 4" in text(client.get("/thresholds/"))


def test_the_guidance_page_pins_its_queries(client, policy, make_user, django_assert_num_queries):
    client.force_login(make_user(policy, Role.TRIAGE))
    client.get("/thresholds/")  # warm per-process caches
    # session, user, tenant (header), unread notifications (header), levels, their indicators
    with django_assert_num_queries(6):
        client.get("/thresholds/")


@pytest.mark.parametrize("url", ["/settings/ratings/", "/settings/", "/settings/thresholds/"])
def test_settings_lists_run_a_constant_number_of_queries(url, client, policy, make_user):
    client.force_login(make_user(policy, Role.ADMIN))
    before = count_queries(client, url)
    add_more_ratings(policy)
    add_more_threshold_rows(policy)
    assert count_queries(client, url) == before


def test_the_ratings_page_pins_its_queries(client, policy, make_user, django_assert_num_queries):
    client.force_login(make_user(policy, Role.ADMIN))
    client.get("/settings/ratings/")
    # session, user, tenant (header), unread notifications (header), ratings
    with django_assert_num_queries(5):
        client.get("/settings/ratings/")


def test_the_ratings_api_list_runs_a_constant_number_of_queries(policy, make_user, api_as):
    client = api_as(make_user(policy, Role.TRIAGE))
    before = count_queries(client, "/api/v1/ratings/")
    add_more_ratings(policy)
    assert count_queries(client, "/api/v1/ratings/") == before
