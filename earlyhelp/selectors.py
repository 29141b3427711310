"""Every read of early help a page or the API needs: scoped to the caller, prefetched, and the linked history."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.db.models import Prefetch, Q
from django.urls import reverse

from contacts.models import Contact
from mash.roles import Role

from .models import (
    EarlyHelpChild,
    EarlyHelpDraft,
    EarlyHelpRequest,
    EarlyHelpStatus,
    FeedbackKind,
    FeedbackTask,
    PlanAction,
    PlanActionUpdate,
    PlanReview,
)

# Roles that see every early-help request of the tenant (API.md; admins for support and the audit).
SEE_ALL_REQUESTS = frozenset({Role.EHCOORD, Role.MANAGER, Role.HEAD, Role.ADMIN})
# How far the linked history is followed (step down, up, down again...): enough for any real case.
MAX_LINK_DEPTH = 12


def can_list_requests(user) -> bool:
    return user.role in SEE_ALL_REQUESTS or user.role == Role.REFERRER


def is_referrer_view(user) -> bool:
    return user.role == Role.REFERRER


def _children():
    return Prefetch("children", queryset=EarlyHelpChild.objects.order_by("order", "id"))


def _tasks():
    return Prefetch("feedback_tasks", queryset=FeedbackTask.objects.select_related("done_by").order_by("kind", "id"))


def requests_for(user):
    """The requests ``user`` may see: coordinators, managers, heads and admins all; a referrer their own."""
    queryset = EarlyHelpRequest.objects.select_related("contact", "stepped_up_to").prefetch_related(_children())
    if user.role in SEE_ALL_REQUESTS:
        return queryset
    if user.role == Role.REFERRER:
        # Theirs: filed by them, or stepped down from a MARF of theirs. A UNION of the two index look-ups (OR-ed
        # across the join, PostgreSQL joined every request of the tenant to its contact: 53 ms at 39,000).
        # Their feedback (the hub's call to them) is shown with each of their requests.
        ids = EarlyHelpRequest.objects.order_by().values("pk")
        theirs = ids.filter(requested_by=user).union(ids.filter(contact__submitted_by=user), all=True)
        return queryset.filter(pk__in=theirs).prefetch_related(_tasks())
    return queryset.none()


def request_detail(user):
    """``requests_for`` with everything the request page shows."""
    queryset = (
        requests_for(user)
        .select_related("requested_by", "outcome_by", "plan", "assessment", "consent_recorded_by", "stepped_up_to")
        .prefetch_related(
            Prefetch("plan__reviews", queryset=PlanReview.objects.select_related("recorded_by").order_by("number")),
            Prefetch(
                "plan__actions",
                queryset=PlanAction.objects.prefetch_related(
                    Prefetch("updates", queryset=PlanActionUpdate.objects.select_related("review", "recorded_by"))
                ),
            ),
        )
    )
    return queryset if user.role == Role.REFERRER else queryset.prefetch_related(_tasks())


def queue():
    """Requests awaiting the coordinator's outcome, least time left first (so overdue ones lead)."""
    return (
        EarlyHelpRequest.objects.filter(status=EarlyHelpStatus.RECEIVED)
        .select_related("contact")
        .prefetch_related(_children())
        .order_by("review_due_at", "id")
    )


def reviews_due():
    """Early Help Plan reviews not yet held, soonest (or most overdue) first."""
    return (
        PlanReview.objects.filter(recorded_at__isnull=True, cancelled_at__isnull=True)
        .select_related("plan__request")
        .order_by("due_at", "id")
    )


def open_feedback_tasks():
    """Calls and letters still to do, soonest due first."""
    return (
        FeedbackTask.objects.filter(done_at__isnull=True)
        .exclude(request__status__in=[EarlyHelpStatus.CLOSED, EarlyHelpStatus.STEPPED_UP])
        .select_related("request")
        .order_by("due_at", "id")
    )


def attach_children(requests) -> None:
    """Set ``first_child`` and ``other_children`` on each early-help request of ``requests`` (those that feedback
    tasks and plan reviews were loaded with): its children, in order. One query for all of them."""
    by_request: dict[int, list[EarlyHelpChild]] = {}
    if requests:
        for child in EarlyHelpChild.objects.filter(request__in={r.pk for r in requests}).order_by("order", "id"):
            by_request.setdefault(child.request_id, []).append(child)
    for request in requests:
        children = by_request.get(request.pk, [])
        request.first_child, request.other_children = (children[0] if children else None), children[1:]


def draft_for(user) -> EarlyHelpDraft | None:
    return EarlyHelpDraft.objects.filter(owner=user).first()


def referrer_feedback(request: EarlyHelpRequest) -> dict:
    """What a referrer is told: the outcome, the lead professional, and when the hub called them. Nothing else."""
    call = next((t for t in request.feedback_tasks.all() if t.kind == FeedbackKind.CALL_REFERRER), None)
    return {
        "outcome": request.get_outcome_display() if request.outcome else "",
        "lead_professional": request.lead_professional,
        "called_at": call.done_at if call else None,
    }


# --- the contact page (owned by triage) and the one linked history --------------------------------------


def requests_for_contact(contact):
    """Early-help requests linked to a MASH contact: stepped down from it, or stepped up into it."""
    return (
        EarlyHelpRequest.objects.filter(Q(contact=contact) | Q(stepped_up_to=contact))
        .select_related("contact", "stepped_up_to")
        .order_by("received_at", "id")
    )


@dataclass(frozen=True)
class TimelineEvent:
    at: datetime
    kind: str  # contact_received, contact_decided, stepped_down, outcome, plan, review, closed, stepped_up
    reference: str
    text: str
    url: str


def _linked(contact_ids: set[int], request_ids: set[int]):
    """Follow step-downs and step-ups both ways until the case's whole history is found."""
    requests: dict[int, EarlyHelpRequest] = {}
    for _ in range(MAX_LINK_DEPTH):
        found = list(
            EarlyHelpRequest.objects.filter(
                Q(pk__in=request_ids) | Q(contact_id__in=contact_ids) | Q(stepped_up_to_id__in=contact_ids)
            )
            .select_related("plan", "contact", "stepped_up_to")
            .prefetch_related(Prefetch("plan__reviews", queryset=PlanReview.objects.order_by("number")))
        )
        grown = False
        for request in found:
            requests[request.pk] = request
            for cid in (request.contact_id, request.stepped_up_to_id):
                if cid and cid not in contact_ids:
                    contact_ids.add(cid)
                    grown = True
            request_ids.add(request.pk)
        if not grown:
            break
    contacts = list(Contact.objects.filter(pk__in=contact_ids))
    return contacts, list(requests.values())


def case_timeline(*, contact=None, request=None) -> list[TimelineEvent]:
    """One history across the MASH and the Early Help Hub (step down, step up, again), oldest first."""
    contacts, requests = _linked({contact.pk} if contact else set(), {request.pk} if request else set())
    events: list[TimelineEvent] = []
    for c in contacts:
        url = reverse("contacts:detail", args=[c.pk])
        source = "from early help (5D)" if c.source == "5D" else c.get_channel_display().lower()
        events.append(TimelineEvent(c.received_at, "contact_received", c.reference,
                                    f"MASH contact received, {source}", url))  # fmt: skip
        if c.decided_at and c.outcome:
            events.append(TimelineEvent(c.decided_at, "contact_decided", c.reference,
                                        f"MASH decision: {c.get_outcome_display()}", url))  # fmt: skip
    for r in requests:
        url = reverse("earlyhelp:request", args=[r.pk])
        came = f"stepped down from MASH contact {r.contact.reference}" if r.contact_id else "direct request"
        events.append(TimelineEvent(r.received_at, "stepped_down" if r.contact_id else "early_help_received",
                                    r.reference, f"Early help request received ({came})", url))  # fmt: skip
        if r.outcome_at:
            events.append(TimelineEvent(r.outcome_at, "outcome", r.reference,
                                        f"Early Help Hub outcome: {r.get_outcome_display()}", url))  # fmt: skip
        plan = r.plan if _has_plan(r) else None
        if plan is not None:
            events.append(TimelineEvent(plan.started_at, "plan", r.reference,
                                        f"Early Help Plan started, lead professional {plan.lead_professional}",
                                        url))  # fmt: skip
            for review in plan.reviews.all():
                if review.recorded_at:
                    events.append(TimelineEvent(review.recorded_at, "review", r.reference,
                                                f"Plan review {review.number}: {review.get_progress_display()}",
                                                url))  # fmt: skip
        if r.stepped_up_at and r.stepped_up_to_id:
            events.append(TimelineEvent(r.stepped_up_at, "stepped_up", r.reference,
                                        f"Stepped up to the MASH as contact {r.stepped_up_to.reference}",
                                        url))  # fmt: skip
        if r.closed_at:
            events.append(TimelineEvent(r.closed_at, "closed", r.reference,
                                        f"Early help closed: {r.get_closure_reason_display()}", url))  # fmt: skip
    return sorted(events, key=lambda e: (e.at, e.kind))


def assessment_of(request: EarlyHelpRequest):
    """The request's Early Help Assessment (three domains), or None."""
    try:
        return request.assessment
    except EarlyHelpRequest.assessment.RelatedObjectDoesNotExist:
        return None


def _has_plan(request: EarlyHelpRequest) -> bool:
    try:
        request.plan  # noqa: B018 - a reverse one-to-one: present or not
    except EarlyHelpRequest.plan.RelatedObjectDoesNotExist:
        return False
    return True


def timeline_for_contact(contact) -> list[TimelineEvent]:
    return case_timeline(contact=contact)


def timeline_for_request(request) -> list[TimelineEvent]:
    return case_timeline(request=request)


def for_contact_page(contact) -> dict:
    """Context for ``earlyhelp/partials/contact_links.html`` on the MASH contact page (staff only)."""
    return {"eh_requests": list(requests_for_contact(contact)), "eh_timeline": timeline_for_contact(contact)}


def latest_step_up(contact_ids, *, since: datetime, until: datetime) -> EarlyHelpRequest | None:
    """The early-help request stepped up last, in [since, until], to one of ``contact_ids`` (ids or a subquery):
    with contacts' bounce rules, a child stepped up from early help and then stepped down again (issue 20)."""
    return (
        EarlyHelpRequest.objects.filter(
            stepped_up_to_id__in=contact_ids, stepped_up_at__gte=since, stepped_up_at__lte=until
        )
        .order_by("-stepped_up_at", "-id")
        .first()
    )
