"""Pages of the Early Help Hub: the coordinators' queue, the request record and its actions, the Early Help
Assessment request form (drafts saved), and a referrer's own requests."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from contacts.forms import DateField
from deadlines.selectors import clocks_for_subject
from mash import audit, timefmt
from mash.decorators import role_required, tenant_member_required
from mash.exceptions import DomainError
from mash.roles import Role
from thresholds import selectors as threshold_selectors
from thresholds.models import ClockKind

from . import selectors, services
from .forms import (
    ActionForm,
    AssessmentForm,
    CallForm,
    CloseForm,
    ConsentForm,
    EarlyHelpRequestForm,
    LetterForm,
    OutcomeForm,
    PlanForm,
    ReviewForm,
    StepUpForm,
    consent_answers,
    draft_values,
)
from .models import EarlyHelpRequest, EarlyHelpStatus, FeedbackKind, UniversalService
from .serializers import EarlyHelpRequestInput

QUEUE_ROLES = (Role.EHCOORD, Role.MANAGER, Role.HEAD, Role.ADMIN)
QUEUE_LIMIT = 200


def _domain_error(form, exc: DomainError, aliases: dict | None = None) -> None:
    field = (aliases or {}).get(exc.field, exc.field)
    form.add_error(field if field in form.fields else None, exc.message)


# --- the coordinators' queue ------------------------------------------------------------------------------


def _countdown(request_, now, warn_fraction):
    """Time left to the review deadline, in the one wording of mash.timefmt (never colour alone)."""
    warn_at = timefmt.warning_time(request_.received_at, request_.review_due_at, warn_fraction)
    return timefmt.time_left(request_.review_due_at, warn_at=warn_at, now=now)


# The queue's filters: where the request came from and how soon it is due (applied to the rows already loaded).
SOURCE_FILTERS = [("", "Anywhere"), ("mash", "A MASH contact"), ("direct", "A direct request")]
DUE_FILTERS = [("", "Any time"), ("overdue", "Overdue"), ("due_soon", "Due soon"), ("today", "Due today")]


def _queue_filters(params) -> dict[str, str]:
    source, due = params.get("source", ""), params.get("due", "")
    return {
        "source": source if source in dict(SOURCE_FILTERS) else "",
        "due": due if due in dict(DUE_FILTERS) else "",
    }


def _due_today(row, today) -> bool:
    return not row["countdown"].is_overdue and timezone.localdate(row["request"].review_due_at) == today


def _queue_context(params, tenant):
    """The queue, its counts and its filters in a fixed number of queries: counting and filtering work on the
    rows already loaded (at most QUEUE_LIMIT)."""
    now = timezone.now()
    today = timezone.localdate(now)
    fraction = threshold_selectors.warn_fractions(tenant)[ClockKind.EARLY_HELP_REVIEW]
    rows = []
    for r in selectors.queue()[:QUEUE_LIMIT]:
        children = list(r.children.all())
        rows.append({"request": r, "countdown": _countdown(r, now, fraction), "first_child": children[0] if
                     children else None, "other_children": children[1:]})  # fmt: skip
    reviews = list(selectors.reviews_due()[:QUEUE_LIMIT])
    tasks = list(selectors.open_feedback_tasks()[:QUEUE_LIMIT])
    # Whom each call, letter and review is about (one query for both lists).
    selectors.attach_children([t.request for t in tasks] + [r.plan.request for r in reviews])
    counts = {
        "overdue": sum(1 for row in rows if row["countdown"].is_overdue),
        "due_soon": sum(1 for row in rows if row["countdown"].is_due_soon),
        "today": sum(1 for row in rows if _due_today(row, today)),
        "feedback": len(tasks),
        "reviews": len(reviews),
    }
    filters = _queue_filters(params)
    if filters["source"]:
        rows = [row for row in rows if bool(row["request"].contact_id) == (filters["source"] == "mash")]
    if filters["due"] == "today":
        rows = [row for row in rows if _due_today(row, today)]
    elif filters["due"]:
        rows = [row for row in rows if row["countdown"].state == filters["due"]]
    return {
        "rows": rows,
        "reviews": reviews,
        "tasks": tasks,
        "now": now,
        "counts": counts,
        "filters": filters,
        "source_filters": SOURCE_FILTERS,
        "due_filters": DUE_FILTERS,
    }


@role_required(*QUEUE_ROLES)
def queue(request):
    context = _queue_context(request.GET, request.tenant)
    return render(request, "earlyhelp/queue.html", {**context, "can_request": request.user.role in services.REQUESTERS})


@role_required(*QUEUE_ROLES)
def queue_rows(request):
    """htmx: the queue's tables, refreshed every minute so the countdowns stay true."""
    return render(request, "earlyhelp/partials/queue_tables.html", _queue_context(request.GET, request.tenant))


# --- one request -------------------------------------------------------------------------------------------


def _visible(request, pk):
    """The request if the caller may see it (404 otherwise, whatever the tenant), its read logged."""
    if not request.user.tenant_id:
        raise Http404
    return get_object_or_404(selectors.request_detail(request.user), pk=pk)


def _identity(request, eh) -> dict:
    """What the identity bar of a page about ``eh`` shows: its children (one query) and the review's time left,
    in the queue's wording."""
    fraction = threshold_selectors.warn_fractions(request.tenant)[ClockKind.EARLY_HELP_REVIEW]
    return {"children": list(eh.children.all()), "countdown": _countdown(eh, timezone.now(), fraction)}


def _about(request, eh, page: str) -> dict:
    """The identity bar of a form about ``eh``, so no one records an outcome or a review against the wrong family.
    It names the child: a read of the request, logged as the request page's is, with the page it was read on."""
    audit.record(actor=request.user, action="early_help.viewed", obj=eh, changes={"page": page})
    return _identity(request, eh)


def _coordinator_only(request):
    if request.user.role != Role.EHCOORD:
        raise PermissionDenied("Only Early Help coordinators may do this.")


@tenant_member_required
def request_detail(request, pk):
    eh = _visible(request, pk)
    audit.record(actor=request.user, action="early_help.viewed", obj=eh)
    if selectors.is_referrer_view(request.user):
        return render(
            request, "earlyhelp/referrer_request.html",
            {"eh": eh, "feedback": selectors.referrer_feedback(eh), "can_step_up": services.may_step_up(
                request.user, eh) and eh.status not in (EarlyHelpStatus.CLOSED, EarlyHelpStatus.STEPPED_UP)},
        )  # fmt: skip
    plan = eh.plan if selectors._has_plan(eh) else None
    reviews = list(plan.reviews.all()) if plan else []
    open_review = next((r for r in reviews if r.is_open), None)
    clocks = list(clocks_for_subject(subject=eh))
    if open_review is not None:  # the next plan review's deadline, on the engine
        clocks += list(clocks_for_subject(subject=open_review))
    coordinator = request.user.role == Role.EHCOORD
    open_ = eh.status not in _GONE
    return render(
        request,
        "earlyhelp/request.html",
        {
            "eh": eh,
            **_identity(request, eh),
            "tasks": list(eh.feedback_tasks.all()),
            "plan": plan,
            "reviews": reviews,
            "open_review": open_review,
            "timeline": selectors.timeline_for_request(eh),
            "clocks": clocks,
            "coordinator": coordinator,
            "can_give_outcome": coordinator and not _why_not(eh, "outcome"),
            "can_start_plan": coordinator and not _why_not(eh, "plan"),
            "can_close": coordinator and not _why_not(eh, "close"),
            "can_record_consent": coordinator and not eh.consent and not _why_not(eh, "consent"),
            "can_add_action": coordinator and plan is not None and not _why_not(eh, "add_action"),
            "assessment": selectors.assessment_of(eh),
            "actions": list(plan.actions.all()) if plan else [],
            "universal_services": [
                UniversalService(s).label for s in eh.universal_services if s in UniversalService.values
            ],
            "can_step_up": open_ and services.may_step_up(request.user, eh),
            "now": timezone.now(),
        },
    )


_GONE = {EarlyHelpStatus.CLOSED: "is closed", EarlyHelpStatus.STEPPED_UP: "was stepped up to the MASH"}


def _why_not(eh, action: str) -> str:
    """Why a coordinator cannot take ``action`` on ``eh`` now ("" when they can). The request page offers only what
    can be done; a form reached another way (a bookmark, the back button, a colleague acting first) says why at
    once instead of failing on Save. The services enforce the same rules under a lock."""
    ref, status = eh.reference, eh.status
    if status in _GONE:
        return f"Request {ref} {_GONE[status]}."
    if action == "outcome" and status != EarlyHelpStatus.RECEIVED:
        return f"Request {ref} already has its outcome: {eh.get_outcome_display()}."
    if action == "plan":
        if status == EarlyHelpStatus.PLAN:
            return f"Request {ref} already has an Early Help Plan."
        if status == EarlyHelpStatus.RECEIVED:
            return f"Record the outcome of request {ref} before its plan."
        if eh.outcome not in services.PLAN_OUTCOMES:
            return (f"Request {ref} was {eh.get_outcome_display().lower()}: a plan follows a district service or "
                    f"support to the lead professional.")  # fmt: skip
    if action == "add_action" and status != EarlyHelpStatus.PLAN:
        return f"Request {ref} has no Early Help Plan running to add an action to."
    if action == "close" and status == EarlyHelpStatus.RECEIVED:
        return f"Record the outcome of request {ref} before closing it."
    return ""


def _action_page(request, eh, *, form_class, template, title, run, form_kwargs=None, initial=None, aliases=None,
                 success="", extra=None, why_not=""):  # fmt: skip
    """A coordinator's form about one request ``eh`` (already found visible: 404 otherwise): 403 if not a
    coordinator, errors in the summary. ``why_not``, when the action cannot be taken now, sends a GET back to the
    request page with that message (a POST goes to the service, which refuses it with the form as typed)."""
    _coordinator_only(request)
    if why_not and request.method != "POST":
        messages.error(request, why_not)
        return redirect("earlyhelp:request", pk=eh.pk)
    form_kwargs = form_kwargs or {}
    if request.method == "POST":
        form = form_class(request.POST, **form_kwargs)
        if form.is_valid():
            try:
                run(eh, form.cleaned_data)
            except DomainError as exc:
                _domain_error(form, exc, aliases)
            else:
                if success:
                    messages.success(request, success)
                return redirect("earlyhelp:request", pk=eh.pk)
    else:
        form = form_class(initial=initial(eh) if callable(initial) else initial, **form_kwargs)
    context = {"eh": eh, "form": form, "title": title, **(extra(eh) if extra else {}), **_about(request, eh, title)}
    return render(request, template, context, status=400 if form.errors else 200)


@tenant_member_required
def outcome(request, pk):
    def run(eh, data):
        services.give_outcome(request=eh, actor=request.user, **OutcomeForm.to_service_data(data))

    eh = _visible(request, pk)
    return _action_page(
        request, eh, form_class=OutcomeForm, template="earlyhelp/outcome.html",
        title="Record the outcome", why_not=_why_not(eh, "outcome"),
        run=run, success="Outcome recorded. Call the referrer and the family, and send the letter.",
        initial=lambda eh: {"lead_professional": eh.lead_professional,
                            "support_lead_professional": eh.lead_professional},
    )  # fmt: skip


@tenant_member_required
def assessment(request, pk):
    """The Early Help Assessment: its Annex A dates and organisation, and its content in the three domains."""

    def run(eh, data):
        with transaction.atomic():
            services.record_assessment(
                request=eh, actor=request.user, started_on=data.get("started_on"),
                completed_on=data.get("completed_on"), organisation=data.get("organisation", ""),
            )  # fmt: skip
            services.record_domains(request=eh, actor=request.user, **{f: data.get(f, "") for f in
                                                                       services.DOMAIN_FIELDS})  # fmt: skip

    def initial(eh):
        found = selectors.assessment_of(eh)
        return {"started_on": eh.assessment_started_on, "completed_on": eh.assessment_completed_on,
                "organisation": eh.assessment_organisation,
                **{f: getattr(found, f) for f in services.DOMAIN_FIELDS if found is not None}}  # fmt: skip

    return _action_page(
        request, _visible(request, pk), form_class=AssessmentForm, template="earlyhelp/assessment.html",
        title="Record the Early Help Assessment", run=run, success="Assessment saved.", initial=initial,
    )  # fmt: skip


@tenant_member_required
def consent(request, pk):
    """The family's consent, recorded at the review when a request (a step-down) arrived without it."""
    eh = _visible(request, pk)
    handed = {}

    def run(eh, data):
        handed["request"] = services.record_consent(request=eh, actor=request.user, **consent_answers(data))

    response = _action_page(
        request, eh, form_class=ConsentForm, template="earlyhelp/consent.html",
        title="Record the family's consent to early help", run=run, why_not=_why_not(eh, "consent"),
        aliases={"consent_reason": "reason_without_consent"},
    )  # fmt: skip
    done = handed.get("request")
    if done is not None:
        if done.stepped_up_to_id:
            messages.success(request, f"Without the family's consent this is now MASH contact "
                                      f"{done.stepped_up_to.reference}.")  # fmt: skip
        else:
            messages.success(request, "The family's consent to early help is recorded.")
    return response


def _task(eh, task_pk):
    task = next((t for t in eh.feedback_tasks.all() if t.pk == task_pk), None)
    if task is None:
        raise Http404
    return task


@tenant_member_required
def call(request, pk, task_pk):
    eh = _visible(request, pk)
    task = _task(eh, task_pk)
    if task.kind == FeedbackKind.LETTER_LEAD_PROFESSIONAL:
        raise Http404

    def run(eh, data):
        services.record_call(
            task=task, actor=request.user, spoke_to=data["spoke_to"], called_at=data["called_at"],
            outcome=data["outcome"], notes=data.get("notes", ""),
        )  # fmt: skip

    return _action_page(
        request, eh, form_class=CallForm, template="earlyhelp/form.html", title=task.get_kind_display(), run=run,
        form_kwargs={"tenant": request.tenant}, success="Call recorded.", aliases={"called_at": "called_on"},
        why_not=f"{task.get_kind_display()}: recorded as done on {timefmt.govuk_datetime(task.done_at)}."
        if task.done_at else "",
        initial={"spoke_to": task.recipient}, extra=lambda eh: {"task": task},
    )  # fmt: skip


@tenant_member_required
def letter(request, pk, task_pk):
    """The letter to the lead professional, printable, and sent by email or post."""
    eh = _visible(request, pk)
    task = _task(eh, task_pk)
    if task.kind != FeedbackKind.LETTER_LEAD_PROFESSIONAL:
        raise Http404
    if request.method == "GET":
        audit.record(actor=request.user, action="early_help.letter_viewed", obj=eh)

    def run(eh, data):
        services.send_letter(task=task, actor=request.user, sent_by=data["sent_by"], email=data.get("email", ""))

    return _action_page(
        request, eh, form_class=LetterForm, template="earlyhelp/letter.html", title="Letter to the lead professional",
        run=run, success="Letter to the lead professional sent.", initial={"email": task.phone_or_email},
        extra=lambda eh: {"task": task, "dated": task.done_at or timezone.now()},
    )  # fmt: skip


@tenant_member_required
def plan(request, pk):
    def run(eh, data):
        services.start_plan(
            request=eh, actor=request.user, lead_professional=data["lead_professional"], services=data["services"],
            team_around_family_on=data.get("team_around_family_on"), first_review_on=data["first_review_on"],
            actions=data["actions"],
        )  # fmt: skip

    eh = _visible(request, pk)
    return _action_page(
        request, eh, form_class=PlanForm, template="earlyhelp/plan.html",
        title="Record the Early Help Plan", why_not=_why_not(eh, "plan"),
        run=run, success="Early Help Plan recorded; its first review is scheduled.",
        aliases={"review_on": "first_review_on"},
        initial=lambda eh: {"lead_professional": eh.lead_professional, "services": eh.district_services},
    )  # fmt: skip


@tenant_member_required
def add_action(request, pk):
    def run(eh, data):
        services.add_action(request=eh, actor=request.user, **data["action"])

    eh = _visible(request, pk)
    return _action_page(
        request, eh, form_class=ActionForm, template="earlyhelp/plan.html", why_not=_why_not(eh, "add_action"),
        title="Add an action to the Early Help Plan", run=run, success="Action added to the plan.",
        aliases={"description": "action_description", "owner": "action_owner", "due_on": "action_due_on"},
    )  # fmt: skip


@tenant_member_required
def review(request, pk, review_pk):
    eh = _visible(request, pk)
    plan_ = eh.plan if selectors._has_plan(eh) else None
    found = next((r for r in plan_.reviews.all() if r.pk == review_pk), None) if plan_ else None
    if found is None:
        raise Http404

    def run(eh, data):
        services.record_review(
            review=found, actor=request.user, held_on=data["held_on"], progress=data["progress"],
            notes=data.get("notes", ""), next_review_on=data.get("next_review_on"),
            close_plan=data.get("plan_ending", False), action_updates=form_actions,
        )  # fmt: skip

    # Every action still open is reviewed (done and no-longer-needed ones are shown with their history).
    open_actions = [a for a in plan_.actions.all() if a.status in services.OPEN_ACTION]
    form_actions = {}

    class Form(ReviewForm):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, actions=open_actions, **kwargs)

        def clean(self):
            data = super().clean()
            if not self.errors:
                form_actions.update(self.action_updates())
            return data

    return _action_page(
        request, eh, form_class=Form, template="earlyhelp/review.html",
        title=f"Record plan review {found.number}", run=run, success="Review recorded.",
        why_not="" if found.is_open else f"Plan review {found.number} is already recorded.",
        aliases={"review_on": "next_review_on"},
        extra=lambda eh: {"review": found, "closed_actions": [a for a in plan_.actions.all() if a not in
                                                               open_actions]},
    )  # fmt: skip


@tenant_member_required
def close(request, pk):
    def run(eh, data):
        services.close_request(request=eh, actor=request.user, reason=data["reason"], notes=data.get("notes", ""))

    eh = _visible(request, pk)
    return _action_page(
        request, eh, form_class=CloseForm, template="earlyhelp/form.html", title="Close the request",
        run=run, success="Request closed.", why_not=_why_not(eh, "close"),
    )  # fmt: skip


@tenant_member_required
def step_up(request, pk):
    """Safeguarding concerns: a linked MASH contact (source 5D) with the early-help history attached."""
    eh = _visible(request, pk)
    if not services.may_step_up(request.user, eh):
        raise PermissionDenied("Only Early Help coordinators or the professional who asked may step a case up.")
    if request.method == "POST":
        form = StepUpForm(request.POST)
        if form.is_valid():
            try:
                contact = services.step_up(request=eh, actor=request.user, **form.cleaned_data)
            except DomainError as exc:
                _domain_error(form, exc)
            else:
                messages.success(request, f"Stepped up to the MASH as contact {contact.reference}.")
                return redirect("earlyhelp:request", pk=eh.pk)
    else:
        form = StepUpForm()
    context = {"eh": eh, "form": form, "history": services.history_summary(eh)}
    if not selectors.is_referrer_view(request.user):  # the professional who asked sees their own request's page
        context.update(_about(request, eh, "Step up to the MASH"))
    return render(request, "earlyhelp/step_up.html", context, status=400 if form.errors else 200)


# --- asking for early help: the Early Help Assessment form, with drafts --------------------------------------


def _initial_from_draft(draft_data: dict) -> dict:
    initial = {}
    form = EarlyHelpRequestForm(records_assessment=True)
    for name, field in form.fields.items():
        if isinstance(field, DateField):
            initial[name] = [draft_data.get(f"{name}_{i}", "") for i in range(3)]
        elif name in draft_data:
            initial[name] = draft_data[name]
    return initial


@role_required(*services.REQUESTERS)
def new_request(request):
    draft = selectors.draft_for(request.user)
    user = request.user
    staff = services.may_record_assessment(user)  # the Annex A assessment fields: hub staff only
    if request.method == "POST":
        action = request.POST.get("action", "send")
        if action == "draft":
            services.save_draft(actor=user, values=draft_values(request.POST))
            messages.success(request, "Your draft has been saved. You can come back to it at any time.")
            return redirect("earlyhelp:new")
        form = EarlyHelpRequestForm(request.POST, records_assessment=staff)
        if form.is_valid():
            serializer = EarlyHelpRequestInput(data=form.to_api_data(), context={"actor": user})
            if serializer.is_valid():
                try:
                    eh = services.request_early_help(tenant=request.tenant, actor=user, data=serializer.validated_data)
                except DomainError as exc:
                    _domain_error(form, exc)
                else:
                    if eh.stepped_up_to_id:  # no consent: handled as a MASH contact; say so on its own page
                        return redirect("earlyhelp:sent-to-mash", pk=eh.pk)
                    messages.success(request, f"Early help request {eh.reference} sent to the Early Help Hub.")
                    if user.role == Role.REFERRER:
                        return redirect("earlyhelp:mine")
                    if user.role in selectors.SEE_ALL_REQUESTS:
                        return redirect("earlyhelp:request", pk=eh.pk)
                    return redirect("earlyhelp:new")  # MASH triage files for the hub but does not work its cases
            else:
                for field, errors in serializer.errors.items():
                    for error in errors if isinstance(errors, list) else [errors]:
                        form.add_error(field if field in form.fields else None, str(error))
        services.save_draft(actor=user, values=draft_values(request.POST))  # nothing typed is lost
    else:
        initial = {"referrer_name": user.get_full_name(), "referrer_role": user.job_title, "referrer_email": user.email}
        if draft is not None:
            initial |= _initial_from_draft(draft.data)
        form = EarlyHelpRequestForm(initial=initial, records_assessment=staff)
    return render(request, "earlyhelp/new.html", {"form": form, "draft": draft}, status=400 if form.errors else 200)


@role_required(*services.REQUESTERS)
def sent_to_mash(request, pk):
    """The confirmation after a request without the family's consent: it became a MASH contact, and why."""
    eh = get_object_or_404(
        EarlyHelpRequest.objects.select_related("stepped_up_to"),
        pk=pk, requested_by=request.user, stepped_up_to__isnull=False,
    )  # fmt: skip
    return render(request, "earlyhelp/sent_to_mash.html", {"eh": eh, "contact": eh.stepped_up_to})


@role_required(*services.REQUESTERS)
@require_POST
def discard_draft(request):
    services.discard_draft(actor=request.user)
    messages.info(request, "Your draft early help request was deleted.")
    return redirect("earlyhelp:new")


@role_required(Role.REFERRER)
def mine(request):
    """A referrer's own early-help requests: status and the feedback they were given."""
    rows = [{"eh": eh, "feedback": selectors.referrer_feedback(eh)} for eh in selectors.requests_for(request.user)]
    return render(request, "earlyhelp/mine.html", {"rows": rows})
