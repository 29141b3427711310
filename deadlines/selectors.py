"""Reads of clocks and notifications, scoped to the active tenant (and to the recipient)."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.utils import timezone

from mash.models import Team
from mash.tenancy import system_context
from thresholds.models import ClockKind

from .models import OPEN, Clock, EscalationStep, Notification
from .services import DEFAULT_LADDERS


def notifications_for(*, user):
    """The user's own notifications, newest first. Another person's are never in it."""
    return Notification.objects.filter(recipient=user).order_by("-created_at", "-id")


def unread_notification_count(*, user) -> int:
    """One COUNT on the partial index of unread notifications."""
    return Notification.objects.filter(recipient=user, read_at__isnull=True).count()


def clocks_for_subject(*, subject):
    """Every clock that ran on ``subject``, for its page (include deadlines/partials/clock_state.html)."""
    return Clock.objects.filter(subject_type=subject._meta.label_lower, subject_id=str(subject.pk)).order_by(
        "started_at", "id"
    )


def open_clock_for(*, subject, kind: str) -> Clock | None:
    return clocks_for_subject(subject=subject).filter(OPEN, kind=kind).first()


def overdue_unprocessed_clocks(*, now: datetime | None = None, grace: timedelta = timedelta(minutes=2)) -> list[Clock]:
    """Open clocks the engine should have breached or escalated by now, across tenants (operations).

    ``grace`` allows for one sweep interval and the time to process. Should always be empty.
    Read as the named system work "deadline-report" (row-level security shows it every tenant's
    clocks), and returned as a list with each clock's tenant loaded: nothing is read afterwards.
    """
    cutoff = (now or timezone.now()) - grace
    with system_context("deadline-report"):
        open_clocks = Clock.all_tenants.filter(OPEN).select_related("tenant")
        missed_breach = open_clocks.filter(breached_at__isnull=True, due_at__lte=cutoff)
        missed_escalation = open_clocks.filter(next_escalation_at__isnull=False, next_escalation_at__lte=cutoff)
        return list((missed_breach | missed_escalation).order_by("due_at", "id"))


def ladders() -> list[tuple[str, str, list[dict]]]:
    """Every kind of clock with the ladder its next clock would copy: (kind, label, steps), one query.

    Each step is the dict a clock copies (``level``, ``who``, ``after_seconds``, and ``team_id`` and
    ``team`` for a named team); a kind with no steps of the tenant's own shows the default ladder.
    """
    own: dict[str, list[dict]] = {}
    for step in EscalationStep.objects.select_related("team").order_by("kind", "level"):
        row = {"level": step.level, "who": step.who, "after_seconds": int(step.after.total_seconds())}
        if step.team_id:
            row |= {"team_id": step.team_id, "team": step.team.name}
        own.setdefault(step.kind, []).append(row)
    out = []
    for kind in ClockKind:
        steps = own.get(kind.value) or [
            {"level": level, "who": str(who), "after_seconds": int(after.total_seconds())}
            for level, (who, after) in enumerate(DEFAULT_LADDERS.get(kind, []), 1)
        ]
        out.append((kind.value, kind.label, steps))
    return out


def ladder_teams():
    """The tenant's active teams, which a ladder step may name."""
    return Team.objects.filter(active=True).order_by("name")
