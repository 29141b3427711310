"""A council's administrator keeps its teams: add, rename, choose members from the council's staff,
retire and reinstate. A retired team is offered nowhere new (the dashboard's filter, a new account, a
new member) and keeps its history. Audited; another council's team is not found; other roles refused."""

import pytest
from django.test import Client

from mash import tenancy
from mash.models import Team, TeamMember
from mash.roles import Role
from tests.audit_helpers import audit_event

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin(tenant_a, make_user):
    return make_user(tenant_a, Role.ADMIN, username="alpha-admin")


@pytest.fixture
def admin_client(admin):
    client = Client()
    client.force_login(admin)
    return client


def _team(tenant, name, *members):
    with tenancy.tenant_context(tenant):
        team = Team.objects.create(name=name)
        for user in members:
            TeamMember.objects.create(team=team, user=user)
    return team


def _members(team):
    with tenancy.tenant_context(team.tenant_id):
        return sorted(TeamMember.objects.filter(team=team).values_list("user__username", flat=True))


def _refreshed(team):
    with tenancy.tenant_context(team.tenant_id):
        return Team.objects.get(pk=team.pk)


def test_the_list_shows_each_team_with_its_members(admin_client, tenant_a, make_user):
    sam = make_user(tenant_a, Role.TRIAGE, username="alpha-sam", first_name="Sam", last_name="Okafor")
    _team(tenant_a, "MASH team A", sam)
    _team(tenant_a, "Locality North")
    html = admin_client.get("/settings/teams/").content.decode()
    assert "MASH team A" in html and "Sam Okafor" in html and "Locality North" in html and "No members" in html


def test_adding_a_team_with_members_moves_them_from_their_old_team(admin_client, admin, tenant_a, make_user):
    sam = make_user(tenant_a, Role.TRIAGE, username="alpha-sam")
    kim = make_user(tenant_a, Role.MANAGER, username="alpha-kim")
    old = _team(tenant_a, "MASH team A", sam)
    form = admin_client.get("/settings/teams/add/").content.decode()
    assert "alpha-sam (MASH triage social worker), now in MASH team A" in form
    response = admin_client.post("/settings/teams/add/", {"name": " MASH  team B ", "members": [sam.pk, kim.pk]})
    assert response.status_code == 302 and response.url == "/settings/teams/"
    with tenancy.tenant_context(tenant_a):
        team = Team.objects.get(name="MASH team B")
    assert _members(team) == ["alpha-kim", "alpha-sam"] and _members(old) == []
    event = audit_event(tenant_a, action="team.created", object_id=str(team.pk))
    assert event.actor == admin
    assert event.changes["members_added"] == ["alpha-kim", "alpha-sam"]
    assert event.changes["moved_from"] == {"alpha-sam": "MASH team A"}


@pytest.mark.parametrize(
    "name, message",
    [
        ("", "Enter the team&#x27;s name"),
        ("mash TEAM a", "Your hub already has a team called MASH team A."),
        ("x" * 101, "The team&#x27;s name must be 100 characters or fewer"),
    ],
)
def test_a_bad_or_taken_name_is_a_field_error_and_keeps_the_members_ticked(
    admin_client, tenant_a, make_user, name, message
):
    sam = make_user(tenant_a, Role.TRIAGE, username="alpha-sam")
    _team(tenant_a, "MASH team A")
    response = admin_client.post("/settings/teams/add/", {"name": name, "members": [sam.pk]})
    html = response.content.decode()
    assert response.status_code == 400
    assert "There is a problem" in html and 'href="#id_name"' in html and message in html
    assert f'value="{sam.pk}" checked' in html
    with tenancy.tenant_context(tenant_a):
        assert Team.objects.count() == 1


def test_members_come_only_from_the_councils_active_staff(admin_client, tenant_a, tenant_b, make_user):
    theirs = make_user(tenant_b, Role.TRIAGE, username="beta-sam")
    referrer = make_user(tenant_a, Role.REFERRER, username="alpha-gp")
    leaver = make_user(tenant_a, Role.TRIAGE, username="alpha-leaver", is_active=False)
    form = admin_client.get("/settings/teams/add/").content.decode()
    assert "beta-sam" not in form and "alpha-gp" not in form and "alpha-leaver" not in form
    for person in (theirs, referrer, leaver):
        response = admin_client.post("/settings/teams/add/", {"name": "Sneaky", "members": [person.pk]})
        assert response.status_code == 400
        assert "Choose members from your hub&#x27;s active staff" in response.content.decode()
    with tenancy.tenant_context(tenant_a):
        assert not Team.objects.exists()


def test_changing_a_team_renames_it_and_sets_its_members_in_one_audited_change(admin_client, tenant_a, make_user):
    sam = make_user(tenant_a, Role.TRIAGE, username="alpha-sam")
    kim = make_user(tenant_a, Role.TRIAGE, username="alpha-kim")
    team = _team(tenant_a, "MASH team A", sam)
    form = admin_client.get(f"/settings/teams/{team.pk}/change/").content.decode()
    assert f'value="{sam.pk}" checked' in form and f'value="{kim.pk}">' in form
    response = admin_client.post(f"/settings/teams/{team.pk}/change/", {"name": "MASH team East", "members": [kim.pk]})
    assert response.status_code == 302
    assert _refreshed(team).name == "MASH team East" and _members(team) == ["alpha-kim"]
    event = audit_event(tenant_a, action="team.changed", object_id=str(team.pk))
    assert event.changes == {
        "name": ["MASH team A", "MASH team East"],
        "members_added": ["alpha-kim"],
        "members_removed": ["alpha-sam"],
    }


def test_a_retired_team_is_offered_nowhere_new_and_keeps_its_members(admin_client, tenant_a, make_user):
    sam = make_user(tenant_a, Role.TRIAGE, username="alpha-sam")
    kim = make_user(tenant_a, Role.TRIAGE, username="alpha-kim")
    manager = make_user(tenant_a, Role.MANAGER, username="alpha-manager")
    team = _team(tenant_a, "Locality North", sam)
    dashboard = Client()
    dashboard.force_login(manager)
    option = f'<option value="{team.pk}"'
    assert option in dashboard.get("/dashboard/").content.decode()
    assert "Retire Locality North?" in admin_client.get(f"/settings/teams/{team.pk}/retire/").content.decode()

    assert admin_client.post(f"/settings/teams/{team.pk}/retire/").status_code == 302
    assert not _refreshed(team).active and _members(team) == ["alpha-sam"]
    audit_event(tenant_a, action="team.retired", object_id=str(team.pk))
    assert option not in dashboard.get("/dashboard/").content.decode()
    # A link that already names it still reads its figures (history).
    old_link = dashboard.get(f"/dashboard/?from=2026-01-01&to=2026-01-31&team={team.pk}")
    assert old_link.status_code == 200 and f"{option} selected" in old_link.content.decode()
    assert option not in admin_client.get("/settings/users/add/").content.decode()
    assert "Retired" in admin_client.get("/settings/teams/").content.decode()

    refused = admin_client.post(f"/settings/teams/{team.pk}/change/", {"name": "Locality North",
                                                                       "members": [sam.pk, kim.pk]})  # fmt: skip
    assert (
        refused.status_code == 400 and "Locality North is retired: it takes no new members" in refused.content.decode()
    )
    assert _members(team) == ["alpha-sam"]

    admin_client.post(f"/settings/teams/{team.pk}/reinstate/")
    assert _refreshed(team).active
    audit_event(tenant_a, action="team.reinstated", object_id=str(team.pk))
    assert option in dashboard.get("/dashboard/").content.decode()


def test_another_councils_team_is_not_found_and_unchanged(admin_client, tenant_b):
    theirs = _team(tenant_b, "Beta team")
    for path in ("change/", "retire/"):
        assert admin_client.get(f"/settings/teams/{theirs.pk}/{path}").status_code == 404
    for path in ("change/", "retire/", "reinstate/"):
        assert admin_client.post(f"/settings/teams/{theirs.pk}/{path}", {"name": "Mine"}).status_code == 404
    theirs = _refreshed(theirs)
    assert theirs.name == "Beta team" and theirs.active
    assert "Beta team" not in admin_client.get("/settings/teams/").content.decode()


@pytest.mark.parametrize("role", [r for r in Role.values if r != Role.ADMIN])
def test_only_administrators_open_the_team_pages(tenant_a, make_user, role):
    team = _team(tenant_a, "MASH team A")
    client = Client()
    client.force_login(make_user(tenant_a, role))
    assert client.get("/settings/teams/").status_code == 403
    assert client.post("/settings/teams/add/", {"name": "Sneaky"}).status_code == 403
    assert client.post(f"/settings/teams/{team.pk}/retire/").status_code == 403
    assert _refreshed(team).active


def test_the_team_pages_cost_the_same_queries_however_many_teams_and_people(
    admin_client, tenant_a, make_user, django_assert_max_num_queries
):
    _team(tenant_a, "MASH team A", make_user(tenant_a, Role.TRIAGE))
    for url in ("/settings/teams/", "/settings/teams/add/"):
        admin_client.get(url)
    counts = {}
    for url in ("/settings/teams/", "/settings/teams/add/"):
        with django_assert_max_num_queries(15) as captured:
            admin_client.get(url)
        counts[url] = len(captured.captured_queries)
    for i in range(8):
        _team(tenant_a, f"Team {i}", make_user(tenant_a, Role.TRIAGE), make_user(tenant_a, Role.MANAGER))
        make_user(tenant_a, Role.HEAD)
    for url, count in counts.items():
        with django_assert_max_num_queries(count):
            assert "Team 7" in admin_client.get(url).content.decode() or url.endswith("add/")
