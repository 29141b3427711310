"""A hub's teams as its administrator keeps them: add, rename, choose members, retire and reinstate.

Teams feed the managers' dashboard filter, Annex A's allocated team and the handover's receiving team.
A retired team takes no new members and is offered nowhere new (reporting and triage offer active
teams only); its members, handovers and figures stay, so history still reads as it happened.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.db import transaction
from django.db.models import Prefetch

from mash import audit
from mash.exceptions import Conflict, PolicyViolation
from mash.models import Team, TeamMember, User
from mash.roles import STAFF_ROLES
from mash.selectors import tenant_staff

from .services import _require_admin

TEAM_NAME_MAX = 100


# --- reads --------------------------------------------------------------------------------------------


def teams_with_members():
    """Every team of the active tenant, active first, each with its members (two queries in all)."""
    members = TeamMember.objects.select_related("user").order_by(
        "user__last_name", "user__first_name", "user__username"
    )
    return Team.objects.order_by("-active", "name").prefetch_related(Prefetch("members", queryset=members))


def team_or_none(pk) -> Team | None:
    if not str(pk).isdigit():
        return None
    return teams_with_members().filter(pk=pk).first()


def candidates(*, tenant):
    """The people who may be put in a team: the tenant's active staff (not referrers), each with the
    team they are in now (one query)."""
    return (
        tenant_staff(tenant=tenant, roles=STAFF_ROLES)
        .select_related("team_membership__team")
        .order_by("last_name", "first_name", "username")
    )


# --- changes ------------------------------------------------------------------------------------------


def _name(name, *, other_than: Team | None = None) -> str:
    name = " ".join(str(name or "").split())
    if not name:
        raise PolicyViolation("Enter the team's name.", field="name")
    if len(name) > TEAM_NAME_MAX:
        raise PolicyViolation(f"The team's name must be {TEAM_NAME_MAX} characters or fewer.", field="name")
    clash = Team.objects.filter(name__iexact=name)
    if other_than is not None:
        clash = clash.exclude(pk=other_than.pk)
    if clash := clash.first():
        retired = " (retired: reinstate it instead)" if not clash.active else ""
        raise PolicyViolation(f"Your hub already has a team called {clash.name}{retired}.", field="name")
    return name


def _people(*, tenant, ids: Iterable) -> list[User]:
    ids = {int(i) for i in ids if str(i).isdigit()}
    found = list(candidates(tenant=tenant).filter(pk__in=ids))
    if len(found) != len(ids):
        raise PolicyViolation("Choose members from your hub's active staff.", field="members")
    return found


def _set_members(team: Team, people: list[User]) -> dict:
    """Make ``people`` the team's active members. Someone in another team moves here (a worker is in one
    team at most); deactivated members are left as they were (their past work still counts here)."""
    chosen = {u.pk: u for u in people}
    current = {m.user_id: m for m in TeamMember.objects.filter(team=team, user__is_active=True).select_related("user")}
    added = [u for pk, u in chosen.items() if pk not in current]
    removed = [m for pk, m in current.items() if pk not in chosen]
    if added and not team.active:
        raise PolicyViolation(f"{team.name} is retired: it takes no new members. Reinstate it first.", field="members")
    moved = {}
    for user in added:
        old = getattr(user, "team_membership", None)
        if old is not None:
            moved[user.get_username()] = old.team.name
    TeamMember.objects.filter(pk__in=[m.pk for m in removed]).delete()
    TeamMember.objects.filter(user__in=added).delete()
    TeamMember.objects.bulk_create([TeamMember(team=team, user=u, tenant_id=team.tenant_id) for u in added])
    changes = {}
    if added:
        changes["members_added"] = sorted(u.get_username() for u in added)
    if removed:
        changes["members_removed"] = sorted(m.user.get_username() for m in removed)
    if moved:
        changes["moved_from"] = moved
    return changes


@transaction.atomic
def add_team(*, actor, name: str, members: Iterable = ()) -> Team:
    _require_admin(actor)
    name = _name(name)
    people = _people(tenant=actor.tenant, ids=members)
    team = Team.objects.create(name=name)
    changes = {"name": name, **_set_members(team, people)}
    audit.record(actor=actor, action="team.created", obj=team, changes=changes)
    return team


@transaction.atomic
def change_team(*, actor, team: Team, name: str, members: Iterable) -> Team:
    """A new name and members for the team, in one audited change (nothing recorded if nothing changed)."""
    _require_admin(actor)
    team = Team.objects.select_for_update().get(pk=team.pk)
    name = _name(name, other_than=team)
    people = _people(tenant=actor.tenant, ids=members)
    changes = {}
    if name != team.name:
        changes["name"] = [team.name, name]
        team.name = name
        team.save(update_fields=["name"])
    changes |= _set_members(team, people)
    if changes:
        audit.record(actor=actor, action="team.changed", obj=team, changes=changes)
    return team


@transaction.atomic
def retire_team(*, actor, team: Team) -> Team:
    _require_admin(actor)
    team = Team.objects.select_for_update().get(pk=team.pk)
    if not team.active:
        raise Conflict(f"{team.name} is already retired.")
    team.active = False
    team.save(update_fields=["active"])
    audit.record(actor=actor, action="team.retired", obj=team, changes={"active": [True, False]})
    return team


@transaction.atomic
def reinstate_team(*, actor, team: Team) -> Team:
    _require_admin(actor)
    team = Team.objects.select_for_update().get(pk=team.pk)
    if team.active:
        raise Conflict(f"{team.name} is not retired.")
    team.active = True
    team.save(update_fields=["active"])
    audit.record(actor=actor, action="team.reinstated", obj=team, changes={"active": [False, True]})
    return team
