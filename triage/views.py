"""Triage pages: the queue, the contact's working record, and one form page per action."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from contacts import selectors as contact_selectors
from contacts import services as contact_services
from contacts.models import PersonMatchCandidate
from contacts.selectors import SEE_ALL_CONTACTS
from mash import audit
from mash.decorators import role_required, tenant_member_required
from mash.exceptions import Conflict, DomainError
from mash.roles import Role
from mash.routing import pk_url
from thresholds import selectors as threshold_selectors

from . import selectors, services
from .forms import (
    CaseNoteForm,
    DecisionForm,
    RatingForm,
    ReferrerCallForm,
    ReporterIdentityForm,
    SafetyMapForm,
    SharingForm,
    ThresholdForm,
)
from .models import SAFETY_MAP_FIELDS

WORKERS = (Role.TRIAGE, Role.MANAGER)


def _visible(request, pk):
    """The contact if the user's role sees it; otherwise it does not exist for them (404)."""
    if not request.user.tenant_id or request.user.role not in SEE_ALL_CONTACTS:
        raise Http404
    contact = selectors.contact_for(request.user, pk)
    if contact is None:
        raise Http404
    return contact


def _may(request, roles, what="do that"):
    if request.user.role not in roles:
        raise PermissionDenied(f"Your role may not {what}.")


def _apply_error(form, exc: DomainError) -> int:
    """Put a service's error on the form (its field, or the top); the page answers 409 for a conflict."""
    field = exc.field if exc.field in form.fields else None
    form.add_error(field, exc.message)
    return 409 if isinstance(exc, Conflict) else 400


# --- the queue -------------------------------------------------------------------------------------------


@role_required(*services.QUEUE_ROLES)
def queue(request):
    filters = selectors.QueueFilters.from_query(request.GET)
    try:
        page = max(1, int(request.GET.get("page", "1")))
    except ValueError:
        page = 1
    counts = selectors.queue_counts(request.user)
    rows, total, page = selectors.queue_page(request.user, filters, page=page, counts=counts)
    selectors.annotate_queue_rows(rows)  # e.g. "also open: <reference>" (people: contacts that belong together)
    contact_url, take_url = pk_url("triage:contact"), pk_url("triage:take")
    for row in rows:
        row.contact_url, row.take_url = contact_url(row.pk), take_url(row.pk)
    workers = selectors.queue_workers(request.user)
    # A retired team is offered no more (still shown when the link already names it).
    teams = sorted(
        {
            w.team_membership.team
            for w in workers
            if hasattr(w, "team_membership")
            and (w.team_membership.team.active or w.team_membership.team_id == filters.team)
        },
        key=str,
    )
    ratings = list(threshold_selectors.ratings(active_only=True))
    query = request.GET.copy()
    query.pop("page", None)
    context = {
        "rows": rows,
        "total": total,
        "counts": counts,
        "filters": filters,
        "page": page,
        "has_next": page * selectors.QUEUE_PAGE_SIZE < total,
        "query": request.GET.urlencode(),
        "page_query": query.urlencode(),
        "ratings": ratings,
        "statuses": [(s.value, s.label) for s in selectors.OPEN_STATUSES],
        "workers": workers,
        "teams": teams,
        "sorts": QUEUE_SORT_LABELS,
        "due_labels": list(DUE_LABELS.items()),
        "selected": _selected_filters(request.GET, filters, ratings, workers, teams),
        "can_take": request.user.role in WORKERS,
    }
    if request.headers.get("HX-Request"):
        return render(request, "triage/partials/queue_rows.html", context)
    return render(request, "triage/queue.html", context)


QUEUE_SORT_LABELS = [
    ("due", "Time left"),
    ("child", "Child's name"),
    ("rating", "Rating"),
    ("returns", "Next return due"),
    ("worker", "Worker"),
    ("received", "Received"),
]
DUE_LABELS = {"overdue": "Overdue", "hour": "Due within the hour", "today": "Due today"}


def _selected_filters(params, filters, ratings, workers, teams) -> list[dict]:
    """The MoJ filter's "selected filters": each chosen filter, with the link that removes it."""
    names = {
        "status": dict((s.value, s.label) for s in selectors.OPEN_STATUSES).get(filters.status),
        "rating": next((r.label for r in ratings if r.code == filters.rating), None),
        "team": next((t.name for t in teams if t.pk == filters.team), None),
        "worker": "Not taken" if filters.worker == selectors.UNALLOCATED else next(
            (w.get_full_name() or w.get_username() for w in workers if str(w.pk) == filters.worker), None),
        "due": DUE_LABELS.get(filters.due),
        "mine": "Assigned to me" if filters.mine else None,
        "overdue": "Overdue" if filters.overdue else None,
    }  # fmt: skip
    headings = {"status": "Status", "rating": "Rating", "team": "Team", "worker": "Worker", "due": "Due",
                "mine": "Worker", "overdue": "Due"}  # fmt: skip
    selected = []
    for key, text in names.items():
        if not text:
            continue
        rest = params.copy()
        rest.pop(key, None)
        rest.pop("page", None)
        selected.append({"heading": headings[key], "text": text, "href": f"?{rest.urlencode()}"})
    return selected


@require_POST
@tenant_member_required
def take(request, pk):
    contact = _visible(request, pk)
    _may(request, WORKERS, "take contacts")
    version = request.POST.get("version") or None
    try:
        services.take_contact(contact=contact, actor=request.user, version=int(version) if version else None)
    except (DomainError, ValueError) as exc:
        message = exc.message if isinstance(exc, DomainError) else "Reload the page and try again."
        messages.error(request, message)
        return redirect(
            reverse("triage:queue") + (f"?{request.POST.get('query')}" if request.POST.get("query") else "")
        )
    messages.success(request, f"You have taken contact {contact.reference}.")
    return redirect("triage:contact", pk=contact.pk)


# --- the working record -----------------------------------------------------------------------------------


@tenant_member_required
def contact_page(request, pk):
    contact = _visible(request, pk)
    record = selectors.contact_record(contact, tenant=request.tenant)
    selectors.annotate_queue_rows([contact])
    audit.record(actor=request.user, action="contact.viewed", obj=contact)
    return render(
        request,
        "triage/contact.html",
        {
            "record": record,
            "contact": contact,
            "can_work": request.user.role in WORKERS and contact.status in selectors.OPEN_STATUSES,
            "can_decide": request.user.role == Role.MANAGER and contact.status in selectors.OPEN_STATUSES,
            "can_match": request.user.role in WORKERS,
            "can_verify_reporter": request.user.role in WORKERS
            and contact.reporter_is_public
            and not contact.reporter_identity_verified,
            "note_form": CaseNoteForm(),
            "can_attach_documents": contact_selectors.may_attach_documents(request.user, contact),
        },
    )


def _form_page(request, pk, *, roles, what, form_factory, handle, template, title, extra=None):
    """GET shows the form; POST validates it and calls ``handle(contact, form)``; errors stay on the page."""
    contact = _visible(request, pk)
    _may(request, roles, what)
    if contact.status not in selectors.OPEN_STATUSES:
        messages.error(request, f"Contact {contact.reference} has been decided; it can no longer be changed.")
        return redirect("triage:contact", pk=contact.pk)
    status = 200
    form = form_factory(contact, request.POST if request.method == "POST" else None)
    if request.method == "POST":
        if form.is_valid():
            try:
                done = handle(contact, form)
            except DomainError as exc:
                status = _apply_error(form, exc)
            else:
                messages.success(request, done)
                return redirect("triage:contact", pk=contact.pk)
        else:
            status = 400
    context = {"contact": contact, "form": form, "title": title, "conflict": status == 409, **(extra or {})}
    return render(request, template, {**context, **_about(request, contact, title)}, status=status)


def _about(request, contact, page: str) -> dict:
    """The identity bar of a form about ``contact`` (who the child is, how long is left), so no one records a
    decision or a rating against the wrong child. It names the child: a read of their record, logged as the
    contact page's is, with the page it was read on."""
    children = selectors.identity(contact, tenant=request.tenant)
    audit.record(actor=request.user, action="contact.viewed", obj=contact, changes={"page": page})
    return {"children": children}


@tenant_member_required
def rate(request, pk):
    ratings = list(threshold_selectors.ratings(active_only=True))
    agencies = list(selectors.agencies())

    def form_factory(contact, data):
        initial = {"version": contact.version, "rating": contact.rating.code if contact.rating else None}
        return RatingForm(data, initial=initial, ratings=ratings, agencies=agencies)

    def handle(contact, form):
        data = form.cleaned_data
        entry = services.rate_contact(
            contact=contact, actor=request.user, rating_code=data["rating"], rationale=data["rationale"],
            agencies=data["agencies"], reason=data["reason"], version=data.get("version") or contact.version,
        )  # fmt: skip
        asked = len(entry.agencies)
        return f"Rated {entry.rating.label}: {asked} agenc{'y' if asked == 1 else 'ies'} asked for information."

    return _form_page(
        request, pk, roles=WORKERS, what="rate contacts", form_factory=form_factory, handle=handle,
        template="triage/rating.html", title="Rate this contact", extra={"ratings": ratings},
    )  # fmt: skip


@tenant_member_required
def decide(request, pk):
    def form_factory(contact, data):
        form = DecisionForm(data, initial={"version": contact.version})
        form.outstanding = selectors.outstanding_requests(contact)
        return form

    def handle(contact, form):
        data = form.cleaned_data
        services.decide_contact(
            contact=contact, actor=request.user, outcome=data["outcome"], reason=data["reason"],
            override_reason=data["override_reason"], primary_need=data["primary_need"], factors=data["factors"],
            feedback=data["feedback"], version=data.get("version") or contact.version,
        )  # fmt: skip
        if not contact.outcome_may_go_to_reporter:
            return (f"Decision recorded for {contact.reference}. The reporter is a member of the public whose "
                    "identity is not verified: they have been sent the reference only.")  # fmt: skip
        return f"Decision recorded for {contact.reference}; the referrer has been told the outcome."

    return _form_page(
        request, pk, roles=(Role.MANAGER,), what="decide outcomes (MASH team managers only)",
        form_factory=form_factory, handle=handle, template="triage/decision.html", title="Decide next steps",
    )  # fmt: skip


@tenant_member_required
def safety_map(request, pk):
    def form_factory(contact, data):
        existing = selectors.SignsOfSafetyMap.objects.filter(contact=contact).prefetch_related("scales").first()
        initial = {}
        if existing is not None:
            initial = {name: getattr(existing, name) for name in SAFETY_MAP_FIELDS}
            initial["version"] = existing.version
            initial.update({f"scale_{s.perspective}": str(s.score) for s in existing.scales.all()})
        return SafetyMapForm(data, initial=initial)

    def handle(contact, form):
        data = form.cleaned_data
        services.save_safety_map(
            contact=contact, actor=request.user, values={n: data[n] for n in SAFETY_MAP_FIELDS},
            scales=form.scales(), version=data.get("version") or None,
        )  # fmt: skip
        return "Signs of Safety analysis saved."

    return _form_page(
        request, pk, roles=WORKERS, what="record a Signs of Safety analysis", form_factory=form_factory,
        handle=handle, template="triage/form.html", title="Signs of Safety analysis",
    )  # fmt: skip


@tenant_member_required
def referrer_call(request, pk):
    def handle(contact, form):
        data = form.cleaned_data
        services.record_referrer_call(
            contact=contact, actor=request.user, spoke_to=data["spoke_to"], summary=data["summary"],
            direction=data["direction"],
        )  # fmt: skip
        return "Call with the referrer recorded."

    return _form_page(
        request, pk, roles=WORKERS, what="record calls", form_factory=lambda c, d: ReferrerCallForm(d),
        handle=handle, template="triage/form.html", title="Record a call with the referrer",
    )  # fmt: skip


@tenant_member_required
def threshold(request, pk):
    document = threshold_selectors.threshold_document()

    def handle(contact, form):
        data = form.cleaned_data
        judgement = services.judge_threshold(
            contact=contact, actor=request.user, level_number=data["level"], indicator_ids=data["indicators"],
            rationale=data["rationale"],
        )  # fmt: skip
        return f"Level of need recorded: {judgement.level}."

    return _form_page(
        request, pk, roles=WORKERS, what="judge the level of need",
        form_factory=lambda c, d: ThresholdForm(d, document=document), handle=handle,
        template="triage/threshold.html", title="Level of need", extra={"document": document},
    )  # fmt: skip


@tenant_member_required
def sharing(request, pk):
    def handle(contact, form):
        data = form.cleaned_data
        services.record_sharing_decision(
            contact=contact, actor=request.user, basis=data["basis"], consent_reason=data["consent_reason"],
            explanation=data["explanation"],
        )  # fmt: skip
        return "Information-sharing decision recorded."

    return _form_page(
        request, pk, roles=WORKERS, what="record information-sharing decisions",
        form_factory=lambda c, d: SharingForm(d), handle=handle, template="triage/form.html",
        title="Information-sharing decision",
    )  # fmt: skip


@tenant_member_required
def reporter_identity(request, pk):
    """Record that the hub has verified who a member of the public is; decided or not, they then hear the outcome."""
    contact = _visible(request, pk)
    _may(request, WORKERS, "verify who a reporter is")
    data = request.POST if request.method == "POST" else None
    form = ReporterIdentityForm(data, initial={"version": contact.version})
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                services.verify_reporter_identity(
                    contact=contact, actor=request.user, check=form.cleaned_data["check"],
                    version=form.cleaned_data.get("version") or contact.version,
                )  # fmt: skip
            except DomainError as exc:
                status = _apply_error(form, exc)
            else:
                messages.success(request, "Reporter's identity recorded as verified. They will be told the outcome.")
                return redirect(reverse("triage:contact", args=[contact.pk]) + "#reporter")
        else:
            status = 400
    title = "Record that you have verified who the reporter is"
    context = {"contact": contact, "form": form, "title": title, "conflict": status == 409}
    return render(request, "triage/form.html", {**context, **_about(request, contact, title)}, status=status)


@require_POST
@tenant_member_required
def add_note(request, pk):
    contact = _visible(request, pk)
    _may(request, WORKERS, "add case notes")
    form = CaseNoteForm(request.POST)
    if form.is_valid():
        try:
            services.add_case_note(contact=contact, actor=request.user, text=form.cleaned_data["text"])
        except DomainError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, "Case note added.")
    else:
        messages.error(request, "Enter the note before adding it.")
    return redirect(reverse("triage:contact", args=[contact.pk]) + "#case-notes")


@require_POST
@tenant_member_required
def decide_match(request, pk, candidate_pk, verdict):
    contact = _visible(request, pk)
    _may(request, WORKERS, "decide person matches")
    candidate = PersonMatchCandidate.objects.filter(pk=candidate_pk, contact_person__contact=contact).first()
    if candidate is None or verdict not in ("confirm", "reject"):
        raise Http404
    action = contact_services.confirm_match if verdict == "confirm" else contact_services.reject_match
    try:
        action(actor=request.user, candidate=candidate)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, "Match confirmed: the records are the same person." if verdict == "confirm"
                         else "Match rejected: the records are different people.")  # fmt: skip
    return redirect(reverse("triage:contact", args=[contact.pk]) + "#people")
