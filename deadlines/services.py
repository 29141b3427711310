"""Every state change of a clock: start, meet, cancel, retime, and the engine's own steps.

How a deadline is never missed nor doubled:

* The database is the source of truth. A clock row says when it warns (``warn_at``), when it
  is due (``due_at``) and when it next escalates (``next_escalation_at``).
* Wake-ups are only hints. ``start_clock`` and ``retime_clock`` enqueue ``wake_clock`` with
  an ETA after commit when the next stage is within :func:`wake_horizon` (the sweep's
  look-ahead, far shorter than Redis's visibility timeout); the minute sweep plans a ``process_due_clocks`` wake-up for
  every :data:`TICK` slot in the next :data:`SWEEP_LOOKAHEAD` holding a stage, and processes
  itself whatever is already due, so a wake-up lost to a broker restart or a killed worker
  costs at most one sweep interval.
* :func:`process_clock` is idempotent: it locks the row with ``SKIP LOCKED`` (a second worker
  on the same clock walks away), moves each stage with a conditional UPDATE (``breached_at
  IS NULL``, ``escalation_level = n``), and notifications carry a unique constraint on
  (clock, recipient, kind, level). A worker killed mid-step rolls its transaction back;
  the stage is still due and the next wake-up or sweep does it, once.
"""

from __future__ import annotations

import contextvars
import copy
import functools
import logging
import time
from collections.abc import Iterable
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal, InvalidOperation
from functools import partial

from django.conf import settings
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.utils import timezone

from mash import audit, inserts, tenant_settings
from mash.exceptions import Conflict, PolicyViolation
from mash.models import AuditEvent, Team, User
from mash.tenancy import current_tenant_id, refuse_another_tenant, system_context, tenant_context
from thresholds.calendars import calendar_for
from thresholds.defaults import DEFAULT_CLOCKS
from thresholds.models import ClockKind, ClockPolicy, DeadlineUnit

from . import engine
from .models import OPEN, Clock, EscalationStep, EscalationTarget, Notification, NotificationKind
from .signals import clock_stage_changed

log = logging.getLogger(__name__)

DEFAULT_WARN_FRACTION = Decimal("0.75")
# Beat runs the sweep every 60 s; each sweep gives an exact wake-up to every stage falling due
# in the next 75 s, so consecutive look-aheads overlap and a stage between sweeps is not late.
SWEEP_LOOKAHEAD = timedelta(seconds=75)
SWEEP_HEARTBEAT_SOURCE = "sweep"
# Stages the sweep plans are woken in slots of this length: at most TICK late, and one message
# per slot rather than one per clock when thousands fall due in the same minute.
TICK = timedelta(milliseconds=250)
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)

_H = timedelta(hours=1)
# Default escalation ladders: (who, after). ``after`` runs from the due time for level 1 and from
# the previous level for the others, in clock time.
DEFAULT_LADDERS: dict[str, list[tuple[str, timedelta]]] = {
    # Navigator returns: the agency's own lead at once, the MASH team manager an hour later,
    # the head of service four hours after that.
    ClockKind.NAVIGATOR_RETURN: [
        (EscalationTarget.AGENCY_LEAD, timedelta(0)),
        (EscalationTarget.MANAGER, _H),
        (EscalationTarget.HEAD, 4 * _H),
    ],
    # Working Together: a decision within one working day. The manager owns it; then the head.
    ClockKind.DECISION: [(EscalationTarget.MANAGER, timedelta(0)), (EscalationTarget.HEAD, 4 * _H)],
    # Early Help Hub: the coordinators' team at once, the head of service a day later.
    ClockKind.EARLY_HELP_REVIEW: [(EscalationTarget.EHCOORD, timedelta(0)), (EscalationTarget.HEAD, 24 * _H)],
    ClockKind.PLAN_REVIEW: [(EscalationTarget.EHCOORD, timedelta(0)), (EscalationTarget.HEAD, 72 * _H)],
    # Feedback to the referrer is the manager's; the head of service after a day.
    ClockKind.REFERRER_FEEDBACK: [(EscalationTarget.MANAGER, timedelta(0)), (EscalationTarget.HEAD, 24 * _H)],
    # The hub's own feedback (calls, the lead professional's letter) is the coordinators'; then the head.
    ClockKind.EARLY_HELP_FEEDBACK: [(EscalationTarget.EHCOORD, timedelta(0)), (EscalationTarget.HEAD, 24 * _H)],
    # Section 47: a strategy discussion not held in time is the MASH manager's at once, the head's an hour later.
    ClockKind.STRATEGY_DISCUSSION: [(EscalationTarget.MANAGER, timedelta(0)), (EscalationTarget.HEAD, _H)],
    # A handover the receiving team has not acknowledged: the MASH manager who sent it at once, the head of
    # service four hours later (issue 20).
    ClockKind.HANDOVER_ACKNOWLEDGEMENT: [(EscalationTarget.MANAGER, timedelta(0)), (EscalationTarget.HEAD, 4 * _H)],
}


# --- set-up --------------------------------------------------------------------------------


@transaction.atomic
def ensure_default_ladders(*, tenant) -> None:
    """Give the tenant the default escalation ladders where it has none. Never overwrites changes."""
    with tenant_context(tenant):
        for kind, steps in DEFAULT_LADDERS.items():
            if EscalationStep.objects.filter(kind=kind).exists():
                continue
            for level, (who, after) in enumerate(steps, 1):
                EscalationStep.objects.create(kind=kind, level=level, who=who, after=after)


MAX_LADDER_STEPS = 10
MAX_STEP_WAIT = timedelta(days=30)


def _parts(step) -> tuple[str, timedelta, object]:
    """A ladder step as (who, after, team): steps are ``(who, after)`` or, to tell a named team,
    ``("team", after, team)`` with a :class:`mash.models.Team` or its id."""
    who, after, *rest = step
    return str(who), after, (rest[0] if rest else None)


def _team_id(team) -> int | None:
    return None if team is None else (team if isinstance(team, int) else team.pk)


def ladder(kind: str) -> list[tuple]:
    """The tenant's ladder for ``kind`` as the next clock would copy it (its own rows, else the default):
    ``(who, after)`` per step, ``("team", after, team_id)`` for a step that tells a named team."""
    out = []
    for s in _ladder_snapshot(ClockKind(kind)):
        after = timedelta(seconds=s["after_seconds"])
        out.append((s["who"], after, s["team_id"]) if s.get("team_id") else (s["who"], after))
    return out


def preview_ladder(steps: list[tuple], *, breach_at: datetime) -> list[tuple[datetime, str]]:
    """What a clock breaching at ``breach_at`` would do under ``steps``: (when, who is told), in order.
    A team step names its team when given the team itself (its id alone says "A named team")."""
    at, out = breach_at, []
    for step in steps:
        who, after, team = _parts(step)
        at = at + after
        label = team.name if who == EscalationTarget.TEAM and hasattr(team, "name") else EscalationTarget(who).label
        out.append((at, label))
    return out


def _audit_steps(steps) -> list[list]:
    out = []
    for step in steps:
        who, after, team = _parts(step)
        out.append([who, int(after.total_seconds())] + ([_team_id(team)] if who == EscalationTarget.TEAM else []))
    return out


@transaction.atomic
def change_ladder(*, actor, tenant, kind: str, steps: list[tuple]) -> None:
    """Replace the tenant's escalation ladder for ``kind``. Clocks started from now on copy the new
    ladder; running clocks keep the one they started with (``start_clock`` snapshots it).

    A step is ``(who, after)``, or ``("team", after, team)`` to tell the active members of one of the
    tenant's own active teams (a team of another tenant does not exist here)."""
    try:
        kind = ClockKind(kind)
    except ValueError:
        raise PolicyViolation("There is no such kind of clock.", field="kind") from None
    if not 1 <= len(steps) <= MAX_LADDER_STEPS:
        raise PolicyViolation(f"A ladder has between 1 and {MAX_LADDER_STEPS} steps.", field="steps")
    with tenant_context(tenant):
        rows = []
        for number, step in enumerate(steps, 1):
            who, after, team = _parts(step)
            if who not in EscalationTarget.values:
                raise PolicyViolation(f"Step {number}: choose who is told.", field="steps")
            if not timedelta(0) <= after <= MAX_STEP_WAIT:
                raise PolicyViolation(f"Step {number}: the wait must be between 0 and 30 days.", field="steps")
            team_id = None
            if who == EscalationTarget.TEAM:
                team_id = _team_id(team)
                if team_id is None or not Team.objects.filter(pk=team_id, active=True).exists():
                    raise PolicyViolation(f"Step {number}: choose one of your council's teams.", field="steps")
            rows.append(
                EscalationStep(tenant_id=tenant.pk, kind=kind, level=number, who=who, after=after, team_id=team_id)
            )
        before = _audit_steps(ladder(kind))
        EscalationStep.objects.filter(kind=kind).delete()
        EscalationStep.objects.bulk_create(rows)
        audit.record(
            actor=actor,
            action="escalation_ladder.changed",
            tenant=tenant,
            label=f"{kind.label} ladder",
            changes={"kind": kind.value, "before": before, "after": _audit_steps(steps)},
        )


# --- wake-ups ------------------------------------------------------------------------------


def wake_horizon() -> timedelta:
    """How far ahead an exact (ETA) wake-up may be queued: the sweep's look-ahead, and never
    more than half the broker's visibility timeout.

    A worker holds an ETA message unacknowledged until it runs. If the worker is killed (or
    Redis loses it), the message is stranded until the visibility timeout; but every stage
    within the look-ahead is planned again by the next sweep (every 60 s) and whatever is due
    is processed by it, so keeping exact wake-ups inside the look-ahead bounds what a lost
    message can delay to one sweep interval. Later stages are planned by the sweeps.
    """
    options = getattr(settings, "CELERY_BROKER_TRANSPORT_OPTIONS", None) or {}
    return min(SWEEP_LOOKAHEAD, timedelta(seconds=options.get("visibility_timeout", 2 * 60 * 60) / 2))


def next_wake_at(clock: Clock) -> datetime | None:
    """When this clock next needs the engine, or None when it never will."""
    if not clock.is_open:
        return None
    if clock.breached_at is None:
        if clock.warned_at is None and clock.warn_at is not None and clock.warn_at < clock.due_at:
            return clock.warn_at
        return clock.due_at
    return clock.next_escalation_at


def _schedule_wake(clock: Clock, *, now: datetime, horizon: timedelta | None = None) -> None:
    at = next_wake_at(clock)
    if at is not None and at - now <= (horizon or wake_horizon()):
        # The id is read at the commit: a clock held for its caller's block has one by then.
        transaction.on_commit(lambda: _enqueue_wake(clock.pk, clock.tenant_id, at), robust=True)


def _enqueue_wake(clock_id: int, tenant_id: int, at: datetime) -> None:
    from .tasks import wake_clock

    try:
        wake_clock.apply_async(args=[clock_id, tenant_id], eta=at)
    except Exception:  # the broker is a hint; the sweep still finds the clock
        log.warning("Could not queue the wake-up of clock %s; the sweep will catch it.", clock_id, exc_info=True)


# --- starting, meeting, stopping, retiming -------------------------------------------------


def _decimal(value, *, field: str) -> Decimal:
    try:
        return Decimal(str(value))
    except (InvalidOperation, ValueError):
        raise PolicyViolation("Enter a number.", field=field) from None


# What same_policies() has read in its block: {(tenant id, what, kind): value}; None outside one.
_policies_read: contextvars.ContextVar[dict | None] = contextvars.ContextVar("mash_clock_policies", default=None)


@contextmanager
def same_policies():
    """Within the block, each kind of clock's policy and escalation ladder are read once per tenant, and every
    clock the block starts copies those: a rating asking nine agencies starts nine clocks of one kind in one
    transaction, and read them eighteen times. Outside a block each start reads them afresh."""
    if _policies_read.get() is not None:
        yield
        return
    token = _policies_read.set({})
    try:
        yield
    finally:
        _policies_read.reset(token)


def _read_once(what: str, kind: str, read, tenant=None):
    """``read()`` once per :func:`same_policies` block; with the active ``tenant``'s object, once per process
    until its settings change (:mod:`mash.tenant_settings`: the version arrives with the tenant, so a clock
    started for a tenant whose settings have not changed reads neither its policy nor its ladder)."""

    def build():
        return read() if tenant is None else tenant_settings.remembered(tenant, (what, str(kind)), read)

    memo = _policies_read.get()
    if memo is None:
        return copy.deepcopy(build()) if tenant is not None else build()
    key = (current_tenant_id(), what, kind)
    if key not in memo:
        memo[key] = build()
    return copy.deepcopy(memo[key])  # each clock gets its own copy of the ladder to store


def _ladder_snapshot(kind: str, tenant=None) -> list[dict]:
    """The ladder a clock of ``kind`` copies when it starts. A team step carries its team's id (whose
    members are told) and name (what the messages say), so a later rename changes neither."""
    return _read_once("ladder", kind, lambda: _read_ladder(kind), tenant)


def _read_ladder(kind: str) -> list[dict]:
    rows = EscalationStep.objects.filter(kind=kind).select_related("team").order_by("level")
    steps = [(s.who, s.after, s.team) for s in rows]
    if not steps:  # a tenant without its own ladder still escalates: never a silent breach
        steps = [(who, after, None) for who, after in DEFAULT_LADDERS.get(kind, [])]
    snapshot = []
    for level, (who, after, team) in enumerate(steps, 1):
        step = {"level": level, "who": str(who), "after_seconds": int(after.total_seconds())}
        if team is not None:
            step |= {"team_id": team.pk, "team": team.name}
        snapshot.append(step)
    return snapshot


def _ids(items: Iterable) -> list[int]:
    return sorted({item if isinstance(item, int) else item.pk for item in items})


@dataclass(frozen=True)
class ClockLength:
    amount: Decimal | None
    unit: str
    warn_fraction: Decimal


def policy_length(kind: str, tenant=None) -> ClockLength:
    """How long a ``kind`` of clock runs for the active tenant: its ClockPolicy, else the seeded default.

    The one place a clock's length is looked up (the decision deadline included): ``start_clock``
    uses it, and a subject's due time is the clock's ``due_at``, never computed again elsewhere. Given the
    active ``tenant``'s object, what this process read for the same settings version is used.
    """
    return _read_once("length", kind, lambda: _read_length(kind), tenant)


def _read_length(kind: str) -> ClockLength:
    policy = ClockPolicy.objects.filter(kind=kind).first()
    if policy is not None and policy.amount is not None and policy.unit:
        return ClockLength(policy.amount, policy.unit, policy.warn_fraction)
    amount, unit = DEFAULT_CLOCKS.get(ClockKind(kind), (None, ""))
    warn = policy.warn_fraction if policy is not None else DEFAULT_WARN_FRACTION
    return ClockLength(Decimal(amount) if amount is not None else None, unit, warn)


@dataclass(frozen=True)
class ClockPlan:
    """When a clock of ``kind`` started at ``started_at`` is due and warns, and the policy it copies: worked out
    once (:func:`plan_clock`), so a subject that stores its due time (a contact's decision deadline) can take it
    before the clock itself is written, and both hold the same instant."""

    kind: ClockKind
    started_at: datetime
    due_at: datetime
    warn_at: datetime | None
    amount: Decimal
    unit: DeadlineUnit
    policy: dict


def plan_clock(*, tenant, kind: str, started_at: datetime, amount=None, unit=None, warn_fraction=None) -> ClockPlan:
    """The due and warning times of a ``kind`` of clock starting at ``started_at``, by the tenant's working calendar.

    ``amount``/``unit`` default to the tenant's ClockPolicy for ``kind`` (:func:`policy_length`; navigator returns
    must pass the rating's); so does ``warn_fraction``. Reads nothing once the tenant's settings are kept in the
    process (:mod:`mash.tenant_settings`)."""
    refuse_another_tenant(tenant.pk, "a clock")
    if timezone.is_naive(started_at):
        raise PolicyViolation("The start must be an instant with a time zone.", field="started_at")
    kind = ClockKind(kind)
    with tenant_context(tenant):
        policy = policy_length(kind, tenant)
        if amount is None:
            amount, unit = policy.amount, unit or policy.unit
        if amount is None or not unit:
            raise PolicyViolation("This clock has no length: give its amount and unit.", field="amount")
        amount = _decimal(amount, field="amount")
        if amount <= 0:
            raise PolicyViolation("A deadline must be longer than zero.", field="amount")
        unit = DeadlineUnit(unit)
        if warn_fraction is None:
            warn_fraction = policy.warn_fraction
        warn_fraction = _decimal(warn_fraction, field="warn_fraction")
        if not Decimal(0) < warn_fraction < Decimal(1):
            raise PolicyViolation("Warn after a share of the time between 0 and 1.", field="warn_fraction")

        calendar = calendar_for(tenant)
        due_at = calendar.add(started_at, amount, unit)
        warn_at = calendar.add(started_at, amount * warn_fraction, unit)
        return ClockPlan(
            kind=kind,
            started_at=started_at,
            due_at=due_at,
            warn_at=warn_at if warn_at < due_at else None,
            amount=amount,
            unit=unit,
            policy={
                "amount": str(amount),
                "unit": str(unit),
                "warn_fraction": str(warn_fraction),
                "time_zone": tenant.time_zone,
                "ladder": _ladder_snapshot(kind, tenant),
            },
        )


def start_clock(
    *,
    tenant,
    kind: str,
    subject,
    started_at: datetime,
    amount=None,
    unit: str | None = None,
    warn_fraction=None,
    responsible: Iterable = (),
    responsible_roles: Iterable[str] = (),
    responsible_team=None,
    agency=None,
    label: str = "",
    url: str = "",
    actor=None,
    new_subject: bool = False,
    plan: ClockPlan | None = None,
) -> Clock:
    """Start a deadline on ``subject`` by the tenant's working calendar.

    ``amount``/``unit`` default to the tenant's ClockPolicy for ``kind`` (:func:`policy_length`;
    navigator returns must pass the rating's). ``responsible`` (users or ids) are warned before it is due, and so
    are the tenant's active members of ``responsible_roles`` and of ``responsible_team`` when the warning is due (not
    when the clock starts: a worker who joins after a contact arrived is warned of it, one who has left is not);
    ``agency`` is whose lead an ``agency_lead`` escalation tells. The policy and the ladder
    are copied onto the clock: later policy changes never move a running deadline. ``plan``: the times already
    worked out for this start by :func:`plan_clock` (then ``amount``, ``unit`` and ``warn_fraction`` are not given).

    ``new_subject``: the caller created ``subject`` in its own, still open, transaction (a contact being
    received), so no clock can be running for it and any failure here fails the caller's transaction
    anyway: no savepoints (two round trips each) are needed to turn a duplicate into a :class:`Conflict`. Inside
    the caller's open :func:`mash.inserts.batched` block the clock is held, written with the block's other rows
    when it ends (its id is set then), so the caller must not need its id before.
    """
    if plan is None:
        plan = plan_clock(
            tenant=tenant, kind=kind, started_at=started_at, amount=amount, unit=unit, warn_fraction=warn_fraction
        )
    elif (plan.kind, plan.started_at) != (ClockKind(kind), started_at) or {amount, unit, warn_fraction} != {None}:
        raise ValueError("start_clock was given a plan for another start, or a length besides its plan.")
    kind = plan.kind
    in_callers_transaction = new_subject and transaction.get_connection().in_atomic_block
    with tenant_context(tenant), transaction.atomic(savepoint=not in_callers_transaction):
        clock = Clock(
            kind=kind,
            subject_type=subject._meta.label_lower,
            subject_id=str(subject.pk),
            subject_label=(label or str(subject))[:200],
            subject_url=url[:300],
            agency_id=agency if isinstance(agency, int) or agency is None else agency.pk,
            started_at=started_at,
            due_at=plan.due_at,
            warn_at=plan.warn_at,
            policy=plan.policy,
            responsible_ids=_ids(responsible),
            responsible_roles=sorted({str(role) for role in responsible_roles}),
            responsible_team_id=getattr(responsible_team, "pk", responsible_team),
        )
        # A new subject's clock may be held for the caller's open mash.inserts.batched() block, to be written with
        # the events and the rest (its id is set when the block ends); no clock can be running for it.
        if not (in_callers_transaction and inserts.hold(clock)):
            try:
                with transaction.atomic(savepoint=not in_callers_transaction):
                    clock.save()
            except IntegrityError:
                raise Conflict(f"A {kind.label.lower()} clock is already running for {clock.subject_label}.") from None
        audit.record(
            actor=actor,
            action="clock.started",
            obj=clock,
            tenant=tenant,
            changes={
                "kind": kind.value,
                "due_at": plan.due_at.isoformat(),
                "amount": str(plan.amount),
                "unit": str(plan.unit),
            },
        )
        _schedule_wake(clock, now=timezone.now())
    return clock


def _locked(clock: Clock) -> Clock:
    """The clock's row, locked until the transaction ends (a user's action waits its turn)."""
    return Clock.objects.select_for_update().get(pk=clock.pk)


@transaction.atomic
def meet_clock(*, clock: Clock, at: datetime | None = None, actor) -> Clock:
    """The work was done at ``at``: the clock stops, and any escalation stops at once.

    Meeting it after its due time records how late (``late_by``). Meeting it twice is a no-op.
    """
    now = timezone.now()
    at = at or now
    if at > now + timedelta(minutes=1):
        raise PolicyViolation("A deadline cannot be met in the future.", field="at")
    clock = _locked(clock)
    if clock.met_at is not None:
        return clock
    if clock.cancelled_at is not None:
        raise Conflict("This deadline was stopped and can no longer be met.")
    clock.met_at = at
    clock.late_by = at - clock.due_at if at > clock.due_at else None
    clock.next_escalation_at = None
    clock.save(update_fields=["met_at", "late_by", "next_escalation_at"])
    audit.record(
        actor=actor,
        action="clock.met",
        obj=clock,
        changes={
            "met_at": at.isoformat(),
            "late_by_seconds": int(clock.late_by.total_seconds()) if clock.late_by else 0,
            "escalation_level": clock.escalation_level,
        },
    )
    return clock


@transaction.atomic
def cancel_clock(*, clock: Clock, actor, reason: str) -> Clock:
    """Stop a deadline that no longer applies (e.g. the contact was withdrawn). Needs a reason."""
    if not (reason or "").strip():
        raise PolicyViolation("Say why this deadline no longer applies.", field="reason")
    clock = _locked(clock)
    if clock.cancelled_at is not None:
        return clock
    if clock.met_at is not None:
        raise Conflict("This deadline has already been met.")
    clock.cancelled_at = timezone.now()
    clock.cancel_reason = reason.strip()[:300]
    clock.next_escalation_at = None
    clock.save(update_fields=["cancelled_at", "cancel_reason", "next_escalation_at"])
    audit.record(actor=actor, action="clock.cancelled", obj=clock, changes={"reason": clock.cancel_reason})
    return clock


@transaction.atomic
def retime_clock(*, clock: Clock, due_at: datetime, actor, reason: str) -> Clock:
    """Bring a deadline forward (re-rating up, e.g. Amber to Red). Never later: that would hide a delay."""
    if not (reason or "").strip():
        raise PolicyViolation("Say why the deadline changes.", field="reason")
    if timezone.is_naive(due_at):
        raise PolicyViolation("The deadline must be an instant with a time zone.", field="due_at")
    clock = _locked(clock)
    if not clock.is_open:
        raise Conflict("This deadline has already been met or stopped.")
    if due_at > clock.due_at:
        raise PolicyViolation("A running deadline can only be brought forward, never put back.", field="due_at")
    if due_at < clock.started_at:
        raise PolicyViolation("A deadline cannot fall before its start.", field="due_at")
    if due_at == clock.due_at:
        return clock
    old_due = clock.due_at
    clock.due_at = due_at
    if clock.warned_at is None and clock.breached_at is None:
        # Keep the warning at the same share of the (shorter) time, in the clock's unit.
        unit = clock.policy.get("unit", DeadlineUnit.CLOCK_HOURS)
        fraction = Decimal(clock.policy.get("warn_fraction", DEFAULT_WARN_FRACTION))
        calendar = calendar_for(clock.tenant)
        warn_at = calendar.add(clock.started_at, calendar.elapsed(clock.started_at, due_at, unit) * fraction, unit)
        clock.warn_at = warn_at if warn_at < due_at else None
    clock.save(update_fields=["due_at", "warn_at"])
    audit.record(
        actor=actor,
        action="clock.retimed",
        obj=clock,
        changes={"due_at": [old_due.isoformat(), due_at.isoformat()], "reason": reason.strip()},
    )
    _schedule_wake(clock, now=timezone.now())
    return clock


# --- the engine: warn, breach, escalate ----------------------------------------------------


AUDIT_ACTIONS = {
    NotificationKind.WARNING: "clock.warned",
    NotificationKind.BREACH: "clock.breached",
    NotificationKind.ESCALATION: "clock.escalated",
}


def process_clock(*, clock_id: int, now: datetime | None = None) -> list[str]:
    """Do whatever the clock is due for at ``now``: warn once, breach once, climb the ladder.

    Runs inside the clock's tenant. Returns what it did (e.g. ``["breach", "escalation:1"]``);
    an empty list when another worker holds the clock or nothing is due.
    """
    now = now or timezone.now()
    with transaction.atomic():
        clock = (
            Clock.objects.select_related("tenant")
            .select_for_update(skip_locked=True, of=("self",))
            .filter(pk=clock_id)
            .order_by("pk")  # not Meta.ordering: "ORDER BY due_at LIMIT 1" would walk the due_at index
            .first()
        )
        if clock is None:
            return []  # another worker holds it (or it is not this tenant's)
        return _process_locked(clock, now)


def _process_locked(clock: Clock, now: datetime) -> list[str]:
    """Take every step ``clock`` (locked by the caller's transaction, its tenant active) is due for."""
    done = _process_batch([clock], now)
    # The engine's own follow-ups (the next level) only need an exact wake-up if it falls
    # before the next sweep's look-ahead would plan one; later ones are planned by the sweep.
    if done:
        _schedule_wake(clock, now=now, horizon=SWEEP_LOOKAHEAD)
    return done.get(clock.pk, [])


def _process_batch(clocks: list[Clock], now: datetime) -> dict[int, list[str]]:
    """Take every step each of ``clocks`` is due for, set-based: one UPDATE of the clocks, one
    recipient query, one INSERT of audit events and one of notices for the whole batch.

    The caller's transaction holds every row locked (``FOR UPDATE``), and either one tenant is
    active (a single clock's wake-up) or the sweep's system context is (clocks across tenants).
    Each clock's state is re-derived from its locked row, so a step is never taken twice.
    Returns {clock id: [step names]} for the clocks that moved.
    """
    plans = []
    for clock in clocks:
        steps = engine.due_steps(clock, now)
        if steps:
            plans.append((clock, steps, engine.state_after(clock, steps, now)))
    if not plans:
        return {}
    if len(plans) == 1:
        # One clock (a wake-up; SQLite has no row lock): guarded by the state just read, so a
        # step is not taken twice even without the lock.
        clock, steps, changes = plans[0]
        updated = Clock.all_tenants.filter(
            OPEN,
            pk=clock.pk,
            warned_at=clock.warned_at,
            breached_at=clock.breached_at,
            escalation_level=clock.escalation_level,
        ).update(**changes)
        if not updated:
            return {}
        for name, value in changes.items():
            setattr(clock, name, value)
    else:
        fields = sorted({name for _clock, _steps, changes in plans for name in changes})
        for clock, _steps, changes in plans:
            for name, value in changes.items():
                setattr(clock, name, value)
        _update_each([clock for clock, _steps, _changes in plans], fields)

    all_steps = [step for _clock, steps, _changes in plans for step in steps]
    responsible = engine.responsible_filter([clock for clock, _s, _c in plans])
    roles = engine.roles_needed(all_steps) | responsible["roles"]
    teams = engine.teams_needed(all_steps) | responsible["teams"]
    wanted = Q(pk__in=responsible["ids"]) | Q(role__in=roles) | Q(team_membership__team_id__in=teams)
    if responsible["agency_roles"]:
        wanted |= Q(role__in=responsible["agency_roles"], agency_id__in=responsible["agencies"])
    users_by_tenant: dict[int, list[User]] = {}
    for user in (
        User.objects.filter(tenant_id__in={clock.tenant_id for clock, _s, _c in plans}, is_active=True)
        .filter(wanted)
        .annotate(escalation_team_id=F("team_membership__team_id"))
        .order_by("pk")
    ):
        users_by_tenant.setdefault(user.tenant_id, []).append(user)

    # Subjects mirror the new state inside their own tenant (receivers read the subject's rows).
    for clock, _steps, changes in plans:
        if current_tenant_id() == clock.tenant_id:
            clock_stage_changed.send(sender=Clock, clock=clock, changes=changes)
        else:
            with tenant_context(clock.tenant_id):
                clock_stage_changed.send(sender=Clock, clock=clock, changes=changes)

    events, notices = [], []
    request_id = ""  # engine work: no request caused it
    for clock, steps, _changes in plans:
        users = users_by_tenant.get(clock.tenant_id, [])
        for step in steps:
            people = engine.recipients(clock, step, users)
            notices += [(clock, step, person) for person in people]
            events.append(
                AuditEvent(
                    tenant_id=clock.tenant_id,
                    actor=None,
                    actor_label="system",
                    action=AUDIT_ACTIONS[step.kind],
                    object_type=Clock._meta.label_lower,
                    object_id=str(clock.pk),
                    object_label=str(clock)[:200],
                    changes=_audit_changes(clock, step, people, now),
                    request_id=request_id,
                )
            )
    AuditEvent.objects.bulk_create(events)
    _notify_many(notices, now=now)
    return {clock.pk: [step.name for step in steps] for clock, steps, _changes in plans}


def _update_each(clocks: list[Clock], fields: list[str]) -> None:
    """Write ``fields`` of each of ``clocks`` (each its own values) in one statement.

    On PostgreSQL one ``UPDATE ... FROM unnest(arrays)``: Django's ``bulk_update`` builds a ``CASE WHEN`` per
    field per row, and resolving those expressions was half the sweep's time for 1,000 due clocks."""
    from django.db import connection

    if connection.vendor != "postgresql":
        Clock.all_tenants.bulk_update(clocks, fields)
        return
    model_fields = [Clock._meta.get_field(name) for name in fields]
    quote = connection.ops.quote_name
    columns = ", ".join(f"{quote(f.column)} = u.{quote(f.column)}" for f in model_fields)
    arrays = ", ".join(f"%s::{f.db_type(connection)}[]" for f in model_fields)
    names = ", ".join(quote(f.column) for f in model_fields)
    values = [[clock.pk for clock in clocks]] + [
        [f.get_db_prep_save(getattr(clock, f.attname), connection) for clock in clocks] for f in model_fields
    ]
    table = quote(Clock._meta.db_table)
    # Table and column names come from the model, never from input.
    sql = f"UPDATE {table} AS c SET {columns} FROM unnest(%s::bigint[], {arrays}) AS u(id, {names}) WHERE c.id = u.id"  # noqa: S608  # nosec B608
    with connection.cursor() as cursor:
        cursor.execute(sql, values)


def _audit_changes(clock: Clock, step, people: list[User], now: datetime) -> dict:
    changes = {"to": [person.get_username() for person in people]}
    if step.kind == NotificationKind.BREACH:
        changes |= {
            "due_at": clock.due_at.isoformat(),
            "recorded_late_by_seconds": (now - clock.due_at).total_seconds(),
        }
    elif step.kind == NotificationKind.ESCALATION:
        changes |= {"level": step.level, "who": step.who}
    return changes


def _notify_many(notices: list, *, now: datetime) -> list[int]:
    """Tell each person once per step; breaches and escalations are emailed too, after commit.

    ``notices`` are (clock, step, person). One INSERT for all of them. The email is owed
    (``email_due_at``) from the same transaction that creates the notice, and sent from the
    outbox after commit (:func:`send_emails`); what a killed worker never sent, the sweep sends.
    """
    rows = []
    for clock, step, person in notices:
        by_email = step.kind in (NotificationKind.BREACH, NotificationKind.ESCALATION) and person.email
        rows.append(
            Notification(
                tenant_id=clock.tenant_id,
                recipient=person,
                clock=clock,
                kind=step.kind,
                level=step.level,
                subject=clock.subject_label,
                message=engine.message(clock, step),
                url=clock.subject_url,
                created_at=now,
                email_due_at=now if by_email else None,
            )
        )
    if not rows:
        return []
    try:
        with transaction.atomic():
            created = Notification.all_tenants.bulk_create(rows)
    except IntegrityError:
        # Someone already told some of them: keep the first notice, never send a second.
        created = []
        for row in rows:
            try:
                with transaction.atomic():
                    row.save()
                created.append(row)
            except IntegrityError:
                log.warning("Duplicate %s notice for clock %s suppressed.", row.kind, row.clock_id)
    owed: dict[int, list[int]] = {}
    for row in created:
        if row.email_due_at is not None:
            owed.setdefault(row.tenant_id, []).append(row.pk)
    for tenant_id, ids in owed.items():
        transaction.on_commit(partial(send_emails, ids=ids, tenant_id=tenant_id), robust=True)
    return [row.pk for row in created]


# --- email: an outbox ----------------------------------------------------------------------
#
# A notice that should be emailed is written with ``email_due_at`` (owed); ``emailed_at`` is set
# only once ``send_mail`` has returned. A sender first claims rows in a short transaction of its
# own (``FOR UPDATE SKIP LOCKED``, then ``email_claimed_at``, one more attempt), commits, then
# sends, so two workers never both send and a worker killed after the claim holds it for only
# EMAIL_LEASE: the minute sweep takes lapsed claims again. At least once: a worker killed between
# the mail server's reply and marking the row sent would send it again after the lease.

# How long a claim holds a row: longer than a send takes (EMAIL_TIMEOUT), shorter than a manager
# should wait for a breach email a dead worker never sent.
EMAIL_LEASE = timedelta(minutes=2)
# Tries per email (after-commit send and sweeps) before it is given up and audited.
EMAIL_MAX_ATTEMPTS = 5
# An email owed for longer than this is not sent any more (it would arrive as news too late to
# act on, and out of order); the in-app notice stands and operators see the audit event.
EMAIL_CUTOFF = timedelta(hours=24)
# Rows one claim takes: a few statements per batch when a burst of breaches is owed.
EMAIL_BATCH = 200


def _owed() -> Q:
    return Q(email_due_at__isnull=False, emailed_at__isnull=True, email_failed_at__isnull=True)


def _unclaimed(now: datetime) -> Q:
    return Q(email_claimed_at__isnull=True) | Q(email_claimed_at__lt=now - EMAIL_LEASE)


def _claim_emails(queryset, now: datetime) -> list[Notification]:
    """Take up to EMAIL_BATCH owed emails nobody holds, in their own committed transaction."""
    with transaction.atomic():
        rows = list(
            queryset.filter(_owed() & _unclaimed(now))
            .select_related("recipient")
            .select_for_update(skip_locked=True, of=("self",))
            .order_by("email_due_at", "pk")[:EMAIL_BATCH]
        )
        if rows:
            queryset.filter(pk__in=[row.pk for row in rows]).update(
                email_claimed_at=now, email_attempts=F("email_attempts") + 1
            )
    for row in rows:
        row.email_claimed_at, row.email_attempts = now, row.email_attempts + 1
    return rows


def _email_subject(notification: Notification) -> str:
    if notification.kind == NotificationKind.INFO:
        return f"MASH: {notification.subject}"
    return f"MASH {notification.get_kind_display().lower()}: {notification.subject}"


def _send_one(notification: Notification) -> bool:
    """Send one claimed email (inside its tenant); mark it sent, or owed again, or given up."""
    address = notification.recipient.email
    body = f"{notification.message}\n\n{notification.url}".strip()
    try:
        if not address:
            raise ValueError("the recipient has no email address any more")
        send_mail(subject=_email_subject(notification), message=body, from_email=None, recipient_list=[address])
    except Exception as exc:  # the in-app notice stands; the email stays owed for the next sweep
        log.warning(
            "Could not email notification %s (attempt %s of %s).",
            notification.pk,
            notification.email_attempts,
            EMAIL_MAX_ATTEMPTS,
            exc_info=True,
        )
        if notification.email_attempts >= EMAIL_MAX_ATTEMPTS:
            _give_up(notification, reason=f"{type(exc).__name__}: {exc}"[:300])
        else:
            Notification.objects.filter(pk=notification.pk, emailed_at__isnull=True).update(email_claimed_at=None)
        return False
    Notification.objects.filter(pk=notification.pk, emailed_at__isnull=True).update(emailed_at=timezone.now())
    return True


def _give_up(notification: Notification, *, reason: str) -> None:
    """Stop trying to email ``notification`` (inside its tenant): logged and audited for operators."""
    if not Notification.objects.filter(
        pk=notification.pk, emailed_at__isnull=True, email_failed_at__isnull=True
    ).update(email_failed_at=timezone.now()):
        return
    log.warning("Gave up emailing notification %s to user %s: %s", notification.pk, notification.recipient_id, reason)
    audit.record(
        actor=None,
        action="notification.email_failed",
        obj=notification,
        changes={
            "to": notification.recipient.get_username(),
            "kind": notification.kind,
            "attempts": notification.email_attempts,
            "email_due_at": notification.email_due_at.isoformat(),
            "reason": reason,
        },
    )


def send_emails(*, ids: list[int], tenant_id: int) -> int:
    """Send the owed emails of these notices now (after the commit that wrote them). Returns how many went."""
    with tenant_context(tenant_id):
        return sum(_send_one(row) for row in _claim_emails(Notification.objects.filter(pk__in=ids), timezone.now()))


def send_owed_emails(*, now: datetime | None = None) -> int:
    """The sweep's outbox pass, across tenants: send every owed email nobody holds (never sent after
    commit, a lapsed claim, a failed try), and give up those past the cut-off or the last attempt."""
    now = now or timezone.now()
    with system_context(SWEEP_REASON):
        expired = list(
            Notification.all_tenants.filter(_owed() & _unclaimed(now))
            .filter(Q(email_due_at__lt=now - EMAIL_CUTOFF) | Q(email_attempts__gte=EMAIL_MAX_ATTEMPTS))
            .select_related("recipient")[:EMAIL_BATCH]
        )
    for row in expired:
        with tenant_context(row.tenant_id):
            late = row.email_due_at < now - EMAIL_CUTOFF
            _give_up(row, reason="owed longer than the cut-off" if late else "the last attempt never finished")
    sent = 0
    while True:
        with system_context(SWEEP_REASON):
            rows = _claim_emails(Notification.all_tenants.filter(email_due_at__gte=now - EMAIL_CUTOFF), now)
        for row in rows:
            with tenant_context(row.tenant_id):
                sent += _send_one(row)
        if len(rows) < EMAIL_BATCH:
            return sent


# --- notifications -------------------------------------------------------------------------


def notify(
    *, recipient, subject: str, message: str, url: str = "", email: bool = True, held: bool = False
) -> Notification:
    """Tell one person something that is not a clock event (an acknowledgement, an outcome).

    The in-app notice is written in the caller's transaction, the email owed with it; it is sent
    after commit, or by the next sweep if that never happens (see the outbox above). ``held``: written with the
    rows of the caller's open :func:`mash.inserts.batched` block when it ends (its id is set then), if there is one
    at this level; for a caller that needs nothing of the notice before then.
    """
    by_email = bool(email and recipient.email)
    now = timezone.now()
    notification = Notification(
        recipient=recipient,
        kind=NotificationKind.INFO,
        subject=subject,
        message=message,
        url=url,
        created_at=now,
        email_due_at=now if by_email else None,
    )
    if not (held and inserts.hold(notification)):
        notification.save(force_insert=True)
    if by_email:  # the id is read at the commit: a held notice has one by then
        transaction.on_commit(lambda: send_emails(ids=[notification.pk], tenant_id=notification.tenant_id), robust=True)
    return notification


def mark_notification_read(*, notification: Notification, actor) -> Notification:
    """The recipient has read it. Only the recipient may (others never see it: 404 upstream)."""
    if notification.recipient_id != actor.pk:
        raise PolicyViolation("This is not your notification.")
    if notification.read_at is None:
        now = timezone.now()
        Notification.objects.filter(pk=notification.pk, read_at__isnull=True).update(read_at=now)
        notification.read_at = now
    return notification


def mark_all_notifications_read(*, actor) -> int:
    return Notification.objects.filter(recipient=actor, read_at__isnull=True).update(read_at=timezone.now())


# --- the sweep: the only cross-tenant path -------------------------------------------------

# The named system work (mash.tenancy.SYSTEM_REASONS) the sweep's cross-tenant reads run as.
SWEEP_REASON = "deadline-sweep"


@dataclass
class SweepResult:
    clocks: int = 0
    events: int = 0
    planned: int = 0
    seconds: float = 0.0

    def as_dict(self) -> dict:
        return asdict(self)


def claim_querysets(now: datetime) -> list:
    """The three ways to claim the next due clock, across tenants: breach, escalation, warning.

    Taken with ``[:1]``, each is an index scan of its partial index in stage-time order,
    ``LIMIT 1 FOR UPDATE SKIP LOCKED``: it stops at the first due row nobody else holds, so
    concurrent workers take different clocks (a queue), however many are due. Run inside a
    transaction.
    """
    open_clocks = (
        Clock.all_tenants.filter(OPEN).select_related("tenant").select_for_update(skip_locked=True, of=("self",))
    )
    return [
        open_clocks.filter(breached_at__isnull=True, due_at__lte=now).order_by("due_at"),
        open_clocks.filter(next_escalation_at__isnull=False, next_escalation_at__lte=now).order_by(
            "next_escalation_at"
        ),
        open_clocks.filter(
            warned_at__isnull=True, breached_at__isnull=True, warn_at__isnull=False, warn_at__lte=now
        ).order_by("warn_at"),
    ]


@functools.cache
def _next_stage_sql(vendor: str) -> tuple[str, tuple]:
    """The statement :func:`_outlook` runs, compiled once per process and database (it has no variable
    part): building four querysets every minute cost more than running them. The fourth is the outbox's
    oldest owed email (``notification_email_owed_idx``)."""
    open_clocks = Clock.all_tenants.filter(OPEN).order_by()
    firsts = [
        open_clocks.filter(warned_at__isnull=True, breached_at__isnull=True, warn_at__isnull=False)
        .order_by("warn_at")
        .values("warn_at")[:1],
        open_clocks.filter(breached_at__isnull=True).order_by("due_at").values("due_at")[:1],
        open_clocks.filter(next_escalation_at__isnull=False)
        .order_by("next_escalation_at")
        .values("next_escalation_at")[:1],
        Notification.all_tenants.filter(_owed()).order_by("email_due_at").values("email_due_at")[:1],
    ]
    parts, params = [], []
    for queryset in firsts:
        sql, part_params = queryset.query.sql_with_params()
        parts.append(f"({sql})")
        params.extend(part_params)
    return f"SELECT {', '.join(parts)}", tuple(params)


def next_stage_at() -> datetime | None:
    """The soonest stage (warning, breach or escalation) any open clock of any tenant has, or None: one
    statement, three scalar sub-selects, each the first entry of its partial index (``clock_open_warn_idx``,
    ``clock_open_due_idx``, ``clock_open_escalation_idx``), however many clocks are open. Run in the sweep's
    system context. The same three sets as :func:`claim_querysets` and :func:`_upcoming_instants`."""
    return _outlook()[0]


def _outlook() -> tuple[datetime | None, bool]:
    """(the soonest stage of any open clock, whether any email is owed): the idle sweep's one statement."""
    from django.db import connection

    sql, params = _next_stage_sql(connection.vendor)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        row = cursor.fetchone()
    column = Clock._meta.get_field("due_at").cached_col  # as the ORM reads a datetime (SQLite: from text)
    converters = connection.ops.get_db_converters(column) + column.get_db_converters(connection)
    instants = []
    for value in row[:3]:
        for converter in converters:
            value = converter(value, column, connection)
        if value is not None:
            instants.append(value)
    return min(instants, default=None), row[3] is not None


def _upcoming_instants(now: datetime, until: datetime) -> set[datetime]:
    """The distinct instants in (now, until] at which some clock has a stage due."""
    open_clocks = Clock.all_tenants.filter(OPEN).order_by()
    return {
        *open_clocks.filter(
            warned_at__isnull=True, breached_at__isnull=True, warn_at__isnull=False, warn_at__gt=now, warn_at__lte=until
        ).values_list("warn_at", flat=True),
        *open_clocks.filter(breached_at__isnull=True, due_at__gt=now, due_at__lte=until).values_list(
            "due_at", flat=True
        ),
        *open_clocks.filter(
            next_escalation_at__isnull=False, next_escalation_at__gt=now, next_escalation_at__lte=until
        ).values_list("next_escalation_at", flat=True),
    }


def _tick(instant: datetime) -> datetime:
    """The end of the TICK-long slot holding ``instant``: when a wake-up for it should run."""
    step = TICK // timedelta(microseconds=1)
    us = (instant - _EPOCH) // timedelta(microseconds=1)
    return _EPOCH + timedelta(microseconds=-(-us // step) * step)


# How many due clocks one transaction claims and processes. Large enough that a burst costs a
# few statements per batch, small enough that locks and the transaction stay short.
SWEEP_BATCH = 500


def claim_due(now: datetime, *, limit: int = SWEEP_BATCH, exclude: set[int] = frozenset()) -> tuple[list[Clock], bool]:
    """Lock up to ``limit`` due clocks per stage nobody else holds (run in the sweep's system
    context, inside a transaction). Returns them, and whether more may be waiting."""
    claimed: dict[int, Clock] = {}
    full = False
    for queryset in claim_querysets(now):
        if exclude:
            queryset = queryset.exclude(pk__in=exclude)
        rows = list(queryset[:limit])
        full = full or len(rows) == limit
        for clock in rows:
            claimed.setdefault(clock.pk, clock)
    return list(claimed.values()), full


def process_due(
    *, now: datetime | None = None, batch: int = SWEEP_BATCH, planned: frozenset[datetime] = frozenset()
) -> SweepResult:
    """Process every clock with a stage due, across tenants, a batch per transaction.

    Each batch is claimed with ``FOR UPDATE SKIP LOCKED`` in stage-time order and processed
    set-based (:func:`_process_batch`), so several sweeps or wake-ups running at once share a
    burst, each clock done by exactly one of them. ``now`` is for tests; by default each batch
    is stamped with the time it is taken. ``planned``: wake-ups the caller already queued.
    """
    result = SweepResult()
    stuck: set[int] = set()  # claimed but nothing to do (an inconsistent row): never claim it again
    more = True
    while more:
        stamp = now or timezone.now()
        with transaction.atomic():
            # Claiming reads across tenants: named system work, so row-level security lets it see
            # every tenant's due clocks; the batch's writes run in the same system context.
            with system_context(SWEEP_REASON):
                clocks, more = claim_due(stamp, limit=batch, exclude=stuck)
                done = _process_batch(clocks, stamp) if clocks else {}
                # A next level falling due before the next sweep's look-ahead gets its exact
                # wake-up now: one message per TICK slot, not one per clock.
                follow_ups = {
                    _tick(at)
                    for clock in clocks
                    if clock.pk in done and (at := next_wake_at(clock)) is not None and at - stamp <= SWEEP_LOOKAHEAD
                }
                for tick in sorted(follow_ups - planned):
                    transaction.on_commit(partial(_enqueue_tick, tick), robust=True)
        for clock in clocks:
            if clock.pk not in done:
                log.error("Clock %s is due but the engine found nothing to do; skipping it.", clock.pk)
                stuck.add(clock.pk)
        result.clocks += len(clocks)
        result.events += sum(len(events) for events in done.values())
        if not clocks:
            break
    return result


def _enqueue_tick(at: datetime) -> None:
    from .tasks import process_due_clocks

    try:
        process_due_clocks.apply_async(eta=at)
    except Exception:  # the broker is a hint; the next sweep processes what is due
        log.warning("Could not queue the wake-up at %s; the sweep will catch it.", at, exc_info=True)


def sweep(*, now: datetime | None = None) -> SweepResult:
    """Plan exact wake-ups for the next minute, then process every clock already due, across tenants.

    The plan is one ``process_due_clocks`` wake-up per TICK slot holding a stage (at most
    SWEEP_LOOKAHEAD / TICK messages, however many clocks fall due), not one message per clock.
    """
    from mash.tasks import heartbeat

    started = time.monotonic()
    at = now or timezone.now()
    with system_context(SWEEP_REASON):
        # Most minutes nothing is due anywhere: one query over the three partial indexes says so, and the
        # sweep ends there (no planning, no claiming, no transaction), with its heartbeat in the same context.
        # The same statement says whether the outbox holds an owed email.
        earliest, email_owed = _outlook()
        idle = earliest is None or earliest > at + SWEEP_LOOKAHEAD
        if idle and not email_owed:
            heartbeat(source=SWEEP_HEARTBEAT_SOURCE)
            return SweepResult(seconds=round(time.monotonic() - started, 3))
        # Planning first: a long catch-up below must not delay the wake-ups of the next minute.
        ticks = [] if idle else sorted({_tick(i) for i in _upcoming_instants(at, at + SWEEP_LOOKAHEAD)})
    for tick in ticks:
        transaction.on_commit(partial(_enqueue_tick, tick), robust=True)
    result = SweepResult() if idle else process_due(now=now, planned=frozenset(ticks))
    result.planned = len(ticks)
    if email_owed:
        try:  # the outbox: emails a killed worker never sent, or a failed send, go now
            send_owed_emails(now=at)
        except Exception:  # never let mail stop the engine's heartbeat; the next sweep tries again
            log.exception("The sweep could not send owed emails.")
    heartbeat(source=SWEEP_HEARTBEAT_SOURCE)
    result.seconds = round(time.monotonic() - started, 3)
    if result.events:
        log.info("Deadline sweep: %s", result.as_dict())
    return result
