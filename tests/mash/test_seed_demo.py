import pytest
from django.core.management import call_command

from mash import tenancy
from mash.demo import DEMO_AGENCIES, DEMO_TEAMS, DEMO_TENANTS
from mash.models import Agency, Team, TeamMember, Tenant, User

API_MD_ROLES = ["admin", "triage", "manager", "referrer", "ehcoord", "head", "edt"]


def _snapshot():
    # Every tenant's agencies, as seed_demo itself sees them (row-level security hides them from no one).
    with tenancy.system_context("seed-demo"):
        users = sorted(
            User.objects.values_list("username", "tenant__slug", "role", "agency__slug", "email", "is_active")
        )
        agencies = sorted(Agency.all_tenants.values_list("tenant__slug", "slug", "name"))
    assert agencies, "no agencies seen: the snapshot would compare nothing"
    return users, agencies, sorted(Tenant.objects.values_list("slug", "name"))


@pytest.fixture
def seeded(db):
    call_command("seed_demo", verbosity=0)


def test_seed_demo_twice_gives_the_same_data(seeded):
    first = _snapshot()
    call_command("seed_demo", verbosity=0)
    assert _snapshot() == first


def test_seed_demo_creates_the_api_md_tenants_agencies_and_users(seeded):
    assert {t.slug for t in Tenant.objects.all()} == {"cambridgeshire", "durham", "coventry"}
    expected_agencies = {slug for slug, _ in DEMO_AGENCIES}
    assert expected_agencies == {
        "social-care", "police", "health", "education", "probation",
        "housing", "camhs", "youth-offending", "domestic-abuse",
    }  # fmt: skip
    for demo in DEMO_TENANTS:
        tenant = Tenant.objects.get(slug=demo.slug)
        with tenancy.tenant_context(tenant):
            assert set(Agency.objects.values_list("slug", flat=True)) == expected_agencies
            for role in API_MD_ROLES:
                assert User.objects.get(username=f"{demo.slug}-{role}").tenant == tenant
            for agency in expected_agencies:
                nav = User.objects.get(username=f"{demo.slug}-nav-{agency}")
                lead = User.objects.get(username=f"{demo.slug}-lead-{agency}")
                assert (nav.role, nav.agency.slug, nav.tenant) == ("navigator", agency, tenant)
                assert (lead.role, lead.agency.slug, lead.tenant) == ("agency_lead", agency, tenant)
            # Issue 20: the teams a case is handed over to, and a member of one who acknowledges handovers.
            assert set(Team.objects.values_list("name", flat=True)) == set(DEMO_TEAMS)
            member = TeamMember.objects.select_related("team", "user").get(user__username=f"{demo.slug}-team")
            assert (member.team.name, member.user.tenant) == ("Assessment team", tenant)


def test_every_demo_user_can_sign_in(seeded, client, settings):
    users = list(User.objects.filter(tenant__isnull=False))
    assert len(users) == 3 * (7 + 1 + 2 * 9)  # the roles, the receiving-team member, two per agency
    for user in users:
        response = client.post("/sign-in/", {"username": user.username, "password": settings.DEMO_PASSWORD})
        assert response.status_code == 302, user.username
        client.post("/sign-out/")


def test_password_option_sets_every_demo_password(seeded, client):
    call_command("seed_demo", password="another-long-password", verbosity=0)
    assert client.login(username="durham-nav-police", password="another-long-password")


def test_drf_create_token_issues_a_working_token(seeded, capsys):
    from rest_framework.test import APIClient

    call_command("drf_create_token", "cambridgeshire-triage")
    key = capsys.readouterr().out.split()[2]
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    response = client.get("/api/v1/agencies/")
    assert response.status_code == 200
    assert response.data["count"] == 9
