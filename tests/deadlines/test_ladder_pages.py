"""The tenant administrator's escalation ladder pages: the ladders in words, editing with a preview,
refusals shown against their fields, and the saved ladder being the one the next breach uses."""

import html
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from deadlines import services
from deadlines.models import EscalationStep
from mash import tenancy
from mash.models import Team, TeamMember
from mash.roles import Role
from tests.audit_helpers import audit_events
from tests.deadlines.builders import HOUR, T0, make_hub, notices, start
from tests.factories import UserFactory


def _process(clock, now):
    with tenancy.tenant_context(clock.tenant_id):
        return services.process_clock(clock_id=clock.pk, now=now)


def team_of(tenant, name, *members):
    with tenancy.tenant_context(tenant):
        team = Team.objects.create(name=name)
        for member in members:
            TeamMember.objects.create(team=team, user=member)
    return team


@pytest.fixture
def admin(hub):
    return UserFactory(tenant=hub.tenant, role=Role.ADMIN, username="alpha-admin")


@pytest.fixture
def browser(client, admin):
    client.force_login(admin)
    return client


def form(*steps):
    """POST data for the ladder form: steps are (who, amount, unit) or (who, amount, unit, team id)."""
    data = {"steps": str(len(steps))}
    for number, (who, amount, unit, *team) in enumerate(steps):
        data |= {
            f"step-{number}-who": who,
            f"step-{number}-amount": str(amount),
            f"step-{number}-unit": unit,
            f"step-{number}-team": str(team[0]) if team else "",
        }
    return data


def text(response):
    return html.unescape(response.content.decode())


def test_the_list_says_each_ladder_in_words(browser, hub, django_assert_max_num_queries):
    team = team_of(hub.tenant, "Duty team B")
    services.change_ladder(
        actor=None,
        tenant=hub.tenant,
        kind="decision",
        steps=[("team", timedelta(0), team), ("head", timedelta(minutes=90))],
    )
    with django_assert_max_num_queries(12):
        page = browser.get("/settings/ladders/")
    assert page.status_code == 200
    body = text(page)
    assert "At the breach: Duty team B" in body
    assert "90 minutes later: Head of service" in body
    # A kind the tenant never changed shows the default it would use.
    assert "At the breach: Agency lead" in body and "1 hour later: MASH team manager" in body


def test_the_list_takes_the_same_queries_however_many_steps(browser, hub, django_assert_max_num_queries):
    browser.get("/settings/ladders/")
    with CaptureQueriesContext(connection) as few:
        browser.get("/settings/ladders/")
    for number in range(3):
        team = team_of(hub.tenant, f"Team {number}")
        services.change_ladder(
            actor=None,
            tenant=hub.tenant,
            kind=["decision", "plan_review", "navigator_return"][number],
            steps=[("team", timedelta(0), team)] * 5 + [("head", HOUR)] * 5,
        )
    with django_assert_max_num_queries(len(few)):
        assert browser.get("/settings/ladders/").status_code == 200


def test_preview_shows_times_in_london_and_saves_nothing(browser, hub, time_machine):
    time_machine.move_to("2026-07-01T13:05:00Z", tick=False)  # 2:05pm in London (summer time)
    page = browser.post(
        "/settings/ladders/decision/", form(("head", 0, "hours"), ("manager", 2, "hours")) | {"action": "preview"}
    )
    body = text(page)
    assert page.status_code == 200
    assert "1 July 2026 at 2:05pm: Head of service" in body
    assert "1 July 2026 at 4:05pm: MASH team manager" in body
    with tenancy.tenant_context(hub.tenant):
        assert services.ladder("decision") == [("manager", timedelta(0)), ("head", 4 * HOUR)]
    assert not audit_events(hub.tenant, action="escalation_ladder.changed")


def test_a_ladder_saved_on_the_page_is_used_by_the_next_breach_and_running_clocks_keep_theirs(browser, hub, admin):
    members = [UserFactory(tenant=hub.tenant, role=Role.TRIAGE, username=f"alpha-duty-{n}") for n in range(2)]
    gone = UserFactory(tenant=hub.tenant, role=Role.TRIAGE, username="alpha-duty-left", is_active=False)
    team = team_of(hub.tenant, "Duty team", *members, gone)
    before = start(hub, kind="decision", label="ALP-00001", subject=hub.police)

    page = browser.post(
        "/settings/ladders/decision/", form(("team", 0, "hours", team.pk), ("head", 30, "minutes")) | {"action": "save"}
    )
    assert page.status_code == 302 and page["Location"] == "/settings/ladders/"

    after = start(hub, kind="decision", label="ALP-00002", subject=hub.health)
    due = T0 + 4 * HOUR
    for clock in (before, after):
        _process(clock, due)
    assert ("escalation", 1, "alpha-manager") in notices(before)  # the ladder it started with
    told = {name for kind, level, name in notices(after) if kind == "escalation" and level == 1}
    assert told == {"alpha-duty-0", "alpha-duty-1"}  # the team's active members only
    _process(after, due + 30 * timedelta(minutes=1))
    assert ("escalation", 2, "alpha-head") in notices(after)
    event = audit_events(hub.tenant, action="escalation_ladder.changed")[0]
    assert event.actor == admin and event.changes["after"] == [["team", 0, team.pk], ["head", 1800]]


def test_add_and_remove_keep_what_was_typed(browser, hub):
    typed = form(("head", 3, "hours"), ("manager", 45, "minutes"))
    page = browser.post("/settings/ladders/decision/", typed | {"action": "add"})
    body = page.content.decode()
    assert 'name="steps" value="3"' in body and 'value="45"' in body and "There is a problem" not in body
    page = browser.post("/settings/ladders/decision/", typed | {"remove": "0"})
    body = page.content.decode()
    assert 'name="steps" value="1"' in body and 'value="45"' in body and 'value="3"' not in body


@pytest.mark.parametrize(
    "data, message",
    [
        (form(), "Add at least one step"),
        (form(("head", -1, "hours")), "Step 1: The wait cannot be negative"),
        (form(("head", 31, "days")), "Step 1: The wait must be 30 days or less"),
        (form(("head", 10**40, "days")), "Step 1: The wait must be 30 days or less"),
        (form(("head", "soon", "hours")), "Step 1: Enter the wait as a whole number"),
        (form(("manager", 0, "hours"), ("nobody", 1, "hours")), "Step 2: Choose who is told from the list"),
        (form(("team", 0, "hours")), "Step 1: Choose the team to tell"),
    ],
)
def test_bad_input_is_shown_against_its_field_and_nothing_changes(browser, hub, data, message):
    page = browser.post("/settings/ladders/decision/", data | {"action": "save"})
    assert page.status_code == 200
    body = text(page)
    assert "There is a problem" in body and message in body
    with tenancy.tenant_context(hub.tenant):
        assert services.ladder("decision") == [("manager", timedelta(0)), ("head", 4 * HOUR)]


def test_another_councils_team_is_refused_and_never_shown(browser, hub, tenant_b):
    make_hub(tenant_b)
    theirs = team_of(tenant_b, "Beta secret team")
    team_of(hub.tenant, "Alpha duty team")
    page = browser.get("/settings/ladders/decision/")
    assert "Alpha duty team" in text(page) and "Beta secret team" not in text(page)
    page = browser.post("/settings/ladders/decision/", form(("team", 0, "hours", theirs.pk)) | {"action": "save"})
    assert page.status_code == 200 and "Step 1: Choose one of your council's teams" in text(page)
    with tenancy.tenant_context(hub.tenant):
        assert not EscalationStep.objects.filter(team_id=theirs.pk).exists()


def test_each_council_sees_and_changes_only_its_own_ladder(browser, hub, tenant_b):
    make_hub(tenant_b)
    services.change_ladder(actor=None, tenant=tenant_b, kind="decision", steps=[("ehcoord", 7 * HOUR)])
    assert "7 hours after the breach: Early Help coordinator" not in text(browser.get("/settings/ladders/"))
    browser.post("/settings/ladders/decision/", form(("head", 1, "days")) | {"action": "save"})
    with tenancy.tenant_context(tenant_b):
        assert services.ladder("decision") == [("ehcoord", 7 * HOUR)]
    with tenancy.tenant_context(hub.tenant):
        assert services.ladder("decision") == [("head", timedelta(days=1))]
    assert len(audit_events(tenant_b, action="escalation_ladder.changed")) == 1


@pytest.mark.parametrize("role", [Role.MANAGER, Role.TRIAGE, Role.HEAD])
def test_only_administrators_may_open_the_ladders(client, hub, role):
    client.force_login(UserFactory(tenant=hub.tenant, role=role))
    assert client.get("/settings/ladders/").status_code == 403
    assert client.post("/settings/ladders/decision/", form(("head", 0, "hours"))).status_code == 403


def test_an_unknown_kind_of_clock_is_not_found(browser, hub):
    assert browser.get("/settings/ladders/no-such-clock/").status_code == 404


def test_the_settings_index_links_to_the_ladders(browser, hub):
    assert 'href="/settings/ladders/"' in browser.get("/settings/").content.decode()
