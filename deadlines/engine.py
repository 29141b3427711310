"""What a clock is due for at a given instant, and what each step tells whom. Pure: no database.

``process_clock`` (services) locks the clock, asks :func:`due_steps`, then applies every step
in one conditional UPDATE, one recipient query and one insert of notices.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from mash import timefmt
from mash.roles import AGENCY_ROLES, Role

from .models import Clock, EscalationTarget, NotificationKind


@dataclass(frozen=True)
class Step:
    kind: str  # NotificationKind.WARNING, BREACH or ESCALATION
    level: int = 0  # the escalation level; 0 for warnings and breaches
    who: str = EscalationTarget.RESPONSIBLE
    team_id: int | None = None  # the team told, when ``who`` is a named team

    @property
    def name(self) -> str:
        return f"escalation:{self.level}" if self.kind == NotificationKind.ESCALATION else str(self.kind)


def escalation_due(clock: Clock, level: int) -> datetime | None:
    """When ``level`` falls due: the due time plus the ladder's intervals up to it.

    Measured from the due time, not from when a worker got round to it, so an outage of the
    workers never pushes the ladder back.
    """
    ladder = clock.ladder
    if level > len(ladder):
        return None
    return clock.due_at + timedelta(seconds=sum(step["after_seconds"] for step in ladder[:level]))


def due_steps(clock: Clock, now: datetime) -> list[Step]:
    """Every step the clock is due for at ``now``, in order: warning or breach, then each level.

    A clock found already overdue is breached without a warning; after an outage every level
    that has fallen due is climbed, each once.
    """
    if not clock.is_open:
        return []
    steps: list[Step] = []
    next_escalation = clock.next_escalation_at
    if clock.breached_at is None:
        if clock.due_at > now:
            if clock.warned_at is None and clock.warn_at is not None and clock.warn_at <= now:
                steps.append(Step(NotificationKind.WARNING))
            return steps
        steps.append(Step(NotificationKind.BREACH))
        next_escalation = escalation_due(clock, 1)
    level, ladder = clock.escalation_level, clock.ladder
    while next_escalation is not None and next_escalation <= now and level < len(ladder):
        level += 1
        rung = ladder[level - 1]
        steps.append(Step(NotificationKind.ESCALATION, level, rung["who"], rung.get("team_id")))
        next_escalation = escalation_due(clock, level + 1)
    return steps


def state_after(clock: Clock, steps: list[Step], now: datetime) -> dict:
    """The clock's columns once ``steps`` are done (for one conditional UPDATE)."""
    changes: dict = {}
    for step in steps:
        if step.kind == NotificationKind.WARNING:
            changes["warned_at"] = now
        elif step.kind == NotificationKind.BREACH:
            changes["breached_at"] = now
            changes["next_escalation_at"] = escalation_due(clock, 1)
        else:
            changes["escalation_level"] = step.level
            changes["next_escalation_at"] = escalation_due(clock, step.level + 1)
    return changes


def roles_needed(steps: list[Step]) -> set[str]:
    """Roles whose members a recipient query must fetch (with the fall-backs of escalations)."""
    roles = {step.who for step in steps if step.kind == NotificationKind.ESCALATION}
    if roles:
        roles |= {EscalationTarget.HEAD.value, Role.ADMIN.value}
    roles.discard(EscalationTarget.RESPONSIBLE.value)
    roles.discard(EscalationTarget.TEAM.value)
    return roles


def teams_needed(steps: list[Step]) -> set[int]:
    """Teams whose active members a recipient query must fetch."""
    return {step.team_id for step in steps if step.kind == NotificationKind.ESCALATION and step.team_id}


def holds_responsible_role(clock: Clock, user) -> bool:
    """``user`` holds one of the clock's responsible roles now; an agency's role only in the clock's agency (the
    police's navigators are warned of the police's return, not health's)."""
    if user.role not in clock.responsible_roles:
        return False
    return user.role not in AGENCY_ROLES or (clock.agency_id is not None and user.agency_id == clock.agency_id)


def is_responsible(clock: Clock, user) -> bool:
    """``user`` (annotated with ``escalation_team_id``, their team) is warned of ``clock``: named on it, holding one
    of its roles, or in its team, now."""
    return (
        user.pk in clock.responsible_ids
        or holds_responsible_role(clock, user)
        or (
            clock.responsible_team_id is not None
            and getattr(user, "escalation_team_id", None) == clock.responsible_team_id
        )
    )


def responsible_filter(clocks) -> dict:
    """What a recipients query must fetch to find everyone responsible for ``clocks`` (:func:`is_responsible`):
    ``{"ids": ..., "roles": ..., "agency_roles": ..., "agencies": ..., "teams": ...}``, the agency roles only within
    the clocks' agencies."""
    roles = {role for clock in clocks for role in clock.responsible_roles}
    agency_roles = roles & {str(role) for role in AGENCY_ROLES}
    agencies = {clock.agency_id for clock in clocks if clock.agency_id and agency_roles & set(clock.responsible_roles)}
    return {
        "ids": {pk for clock in clocks for pk in clock.responsible_ids},
        "roles": roles - agency_roles,
        "agency_roles": agency_roles,
        "agencies": agencies,
        "teams": {clock.responsible_team_id for clock in clocks if clock.responsible_team_id},
    }


def recipients(clock: Clock, step: Step, users: list) -> list:
    """Who hears of ``step``, from the tenant's active ``users`` fetched for these steps (each
    annotated with ``escalation_team_id``, the team they are in).

    Warnings and breaches go to the people responsible (those named, and the members of the roles and the team
    named, as they are now); a named team's level, to the team's active
    members. An escalation level whose people are
    missing (no agency lead, nobody responsible) goes to the heads of service, then the tenant
    administrators: an escalation that reaches nobody is a silent breach.
    """

    def of(who: str) -> list:
        if who == EscalationTarget.RESPONSIBLE:
            return [u for u in users if is_responsible(clock, u)]
        if who == EscalationTarget.TEAM:
            return [u for u in users if step.team_id and getattr(u, "escalation_team_id", None) == step.team_id]
        if who == EscalationTarget.AGENCY_LEAD:
            return [u for u in users if u.role == who and clock.agency_id and u.agency_id == clock.agency_id]
        return [u for u in users if u.role == who]

    if step.kind != NotificationKind.ESCALATION:
        return of(EscalationTarget.RESPONSIBLE)
    for who in (step.who, EscalationTarget.HEAD, Role.ADMIN):
        people = of(who)
        if people:
            return people
    return []


def local_time(clock: Clock, instant: datetime) -> str:
    """``1 December 2026 at 2:15pm`` in the clock's zone: the one way time is told (mash.timefmt)."""
    return timefmt.govuk_datetime(instant, clock.time_zone)


def message(clock: Clock, step: Step) -> str:
    what = f"{clock.get_kind_display()} for {clock.subject_label}"
    due = local_time(clock, clock.due_at)
    if step.kind == NotificationKind.WARNING:
        return f"{what} is due on {due}."
    if step.kind == NotificationKind.BREACH:
        return f"{what} is overdue. It was due on {due}."
    if step.who == EscalationTarget.TEAM:
        rung = clock.ladder[step.level - 1] if step.level <= clock.top_level else {}
        told_as = f"a member of {rung.get('team') or 'the team named on the ladder'}"
    else:
        told_as = EscalationTarget(step.who).label.lower()
    return (
        f"Escalation level {step.level} of {clock.top_level}: {what} has been overdue since {due}. "
        f"You are told as {told_as}."
    )
