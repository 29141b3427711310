"""Pages: the navigator's workspace, the request and its return, the lead's reassignment, the enquiry
side by side for the hub, and the tenant admin's question templates and sharing setting."""

from __future__ import annotations

from functools import partial

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST

from contacts.choices import ENQUIRY_CLOSED, PersonRole
from contacts.selectors import contacts_for
from deadlines.selectors import clocks_for_subject
from mash import audit, documents, timefmt
from mash.decorators import role_required
from mash.exceptions import DomainError
from mash.forms import attach_from_form
from mash.models import Agency
from mash.pagination import CountedPaginator
from mash.roles import AGENCY_ROLES, Role
from thresholds import selectors as threshold_selectors
from thresholds.models import ClockKind

from . import selectors, services
from .forms import HISTORY_SPARE_ROWS, AddendumForm, AssignForm, NavigatorSettingsForm, QuestionTemplateForm, ReturnForm
from .validation import ReturnInvalid

agency_staff = role_required(*AGENCY_ROLES)
request_readers = role_required(*AGENCY_ROLES, *selectors.SEE_ALL_REQUESTS)
hub_staff = role_required(*selectors.SEE_ALL_REQUESTS)
admin_only = role_required(Role.ADMIN)

STATUS_FILTERS = [
    ("outstanding", "Waiting for a return"),
    ("overdue", "Overdue"),
    ("returned", "Returned"),
    ("closed", "Closed without a return"),
    ("breached", "Breached at any time"),
    ("all", "All"),
]


def _errors_from(form) -> list[dict]:
    items = [{"href": "#main-content", "text": e} for e in form.non_field_errors()]
    for field in form:
        for error in field.errors:
            suffix = "_0" if getattr(field.field.widget, "input_type", "") == "radio" else ""
            items.append({"href": f"#{field.auto_id}{suffix}", "text": error})
    return items


# --- the workspace --------------------------------------------------------------------------------


@agency_staff
def workspace(request):
    """The agency's requests, overdue first then by time left (or another sort), a page at a time; the strip of
    counts and the total over every request the filters keep. htmx refreshes the rows in place."""
    user = request.user
    is_lead = user.role == Role.AGENCY_LEAD
    default_status = "all" if is_lead else "outstanding"
    filters = {
        "status": request.GET.get("status", default_status),
        "rating": request.GET.get("rating", "")[:30],
        "assigned": request.GET.get("assigned", ""),
        "text": request.GET.get("q", "")[:100],
        "sort": request.GET.get("sort", "due"),
    }
    if filters["status"] not in dict(STATUS_FILTERS):
        filters["status"] = default_status
    if filters["sort"] not in selectors.WORKSPACE_SORTS:
        filters["sort"] = "due"
    requests = selectors.workspace(
        user,
        status=filters["status"],
        rating=filters["rating"],
        assigned=filters["assigned"],
        text=filters["text"],
        sort=filters["sort"],
    )
    # "Due soon" from the tenant's warning point for returns (kept per process until the settings change).
    fraction = threshold_selectors.warn_fractions(request.tenant)[ClockKind.NAVIGATOR_RETURN]
    now = timezone.now()
    counts = selectors.workspace_summary(requests, now=now, warn_fraction=fraction)
    # The total comes from the summary; a page number past the end, or not a number, shows the last or first page.
    outstanding_by_due = filters["status"] == "outstanding" and filters["sort"] == "due"
    slices = selectors.WorkspaceSlices(requests, outstanding_by_due=outstanding_by_due)
    paginator = CountedPaginator(slices, selectors.WORKSPACE_PAGE_SIZE, total=counts["total"])
    current = paginator.get_page(request.GET.get("page"))
    page, pages, rows = current.number, paginator.num_pages, list(current.object_list)
    audit.record(
        actor=user, action="information_request.listed", tenant=request.tenant, changes={"ids": [r.pk for r in rows]}
    )
    for row in rows:
        row.warn_at = timefmt.warning_time(row.requested_at, row.due_at, fraction)
        row.time_left = timefmt.time_left(row.due_at, warn_at=row.warn_at, now=now)
        children = row.contact.children
        row.first_child, row.other_children = (children[0] if children else None), children[1:]
    query = request.GET.copy()
    query.pop("page", None)
    context = {
        "rows": rows,
        "filters": filters,
        "now": now,
        "is_lead": is_lead,
        "counts": counts,
        "total": counts["total"],
        "page": page,
        "pages": pages,
        "page_query": query.urlencode(),
    }
    if request.headers.get("HX-Request"):
        return render(request, "navigators/partials/workspace_rows.html", context)
    context |= {
        "status_filters": STATUS_FILTERS,
        "sorts": [(key, label) for key, (label, _) in selectors.WORKSPACE_SORTS.items()],
        "sort_label": selectors.WORKSPACE_SORTS[filters["sort"]][0],
        "ratings": list(threshold_selectors.ratings(active_only=True)),
        "breaches": list(selectors.breaches_for(user)) if is_lead else [],
    }
    return render(request, "navigators/workspace.html", context)


# --- one request and its return -------------------------------------------------------------------


def _return_of(obj):
    try:
        return obj.information_return
    except obj._meta.get_field("information_return").related_model.DoesNotExist:
        return None


def _request_or_404(request, pk):
    return get_object_or_404(selectors.granted_requests_for(request.user, with_people=True, with_return=True), pk=pk)


def _return_form(obj, ret, data=None):
    values = (
        {name: getattr(ret, name) for name in ("known_to_agency", "summary", "risk_indicators", "sources_checked",
                                               "recommendation", "lawful_basis", "consent_status", "consent_reason",
                                               "not_for_onward_sharing", "answers", "history")}
        if ret is not None else services.initial_return_values(obj)
    )  # fmt: skip
    questions = [a["question"] for a in values.get("answers") or []] or list(obj.question_list)
    rows = len(values.get("history") or []) + HISTORY_SPARE_ROWS
    if data is not None:
        rows = max(rows, sum(1 for key in data if key.startswith("history_date_")))
    return ReturnForm(data, questions=questions, history_rows=rows, initial=ReturnForm.initial_from(values))


def _identity(request, obj, *, page: str = "", clocks=None) -> dict:
    """The identity bar's facts (templates/navigators/partials/identity_bar.html): the contact's children (read
    with the request) and the return's clock. A form about the request names the child, so opening it is logged
    as a read of the request, with the page; the request page logs its own read."""
    if page:
        audit.record(actor=request.user, action="information_request.viewed", obj=obj, changes={"page": page})
    clocks = list(clocks_for_subject(subject=obj)) if clocks is None else clocks
    return {
        "children": [p for p in obj.contact.people.all() if p.role == PersonRole.CHILD],
        "return_clock": next((c for c in clocks if c.kind == ClockKind.NAVIGATOR_RETURN), None),
    }


def _render_request(request, obj, *, form=None, addendum_form=None, status=200):
    user = request.user
    ret = _return_of(obj)
    people = list(obj.contact.people.all())
    may_answer = (
        user.role == Role.NAVIGATOR
        and user.agency_id == obj.agency_id
        and obj.is_outstanding
        and obj.contact.status not in ENQUIRY_CLOSED
        and (ret is None or not ret.is_submitted)
    )
    may_add = (
        user.role in AGENCY_ROLES
        and user.agency_id == obj.agency_id
        and ret is not None
        and ret.is_submitted
        and obj.contact.status not in ENQUIRY_CLOSED
    )
    if may_answer and form is None:
        form = _return_form(obj, ret)
    if may_add and addendum_form is None:
        addendum_form = AddendumForm()
    errors = (_errors_from(form) if form is not None and form.is_bound else []) + (
        _errors_from(addendum_form) if addendum_form is not None and addendum_form.is_bound else []
    )
    clocks = list(clocks_for_subject(subject=obj))
    context = {
        "req": obj,
        "contact": obj.contact,
        **_identity(request, obj, clocks=clocks),
        "household": [p for p in people if p.role != PersonRole.CHILD],
        "show_concerns": user.role in selectors.SEE_ALL_REQUESTS
        or selectors.navigator_settings().share_concerns_with_agencies,
        "clocks": clocks,
        "ret": ret,
        "form": form if may_answer else None,
        "addendum_form": addendum_form if may_add else None,
        "errors": errors,
        "may_assign": user.role == Role.AGENCY_LEAD and obj.is_outstanding,
        "is_hub": user.role in selectors.SEE_ALL_REQUESTS,
        # The hub sees a return's documents once it is submitted; the agency, its draft's too.
        "show_documents": (ret is not None and ret.is_submitted) or user.agency_id == obj.agency_id,
        "return_documents": selectors.return_documents(user, ret),
        "may_attach_documents": services.may_attach_documents(user, obj, ret),
    }
    return render(request, "navigators/request.html", context, status=status)


@request_readers
def request_detail(request, pk):
    obj = _request_or_404(request, pk)
    audit.record(actor=request.user, action="information_request.viewed", obj=obj)
    ret = _return_of(obj)
    if ret is not None and ret.is_submitted:
        audit.record(actor=request.user, action="information_return.viewed", obj=ret)
    return _render_request(request, obj)


@agency_staff
@require_POST
def return_save(request, pk):
    """Save the draft ("Save draft") or submit the return ("Submit return")."""
    obj = _request_or_404(request, pk)
    form = _return_form(obj, _return_of(obj), data=request.POST)
    values = form.values()
    submitting = request.POST.get("action") == "submit"
    try:
        services.save_draft(request=obj, actor=request.user, values=values, audited=not submitting)
        if submitting:
            services.submit_return(request=obj, actor=request.user)
    except ReturnInvalid as exc:
        form.show_errors(exc.errors)
        return _render_request(request, _request_or_404(request, pk), form=form, status=400)
    except DomainError as exc:
        form.add_error(None, exc.message)
        return _render_request(request, _request_or_404(request, pk), form=form, status=exc.status_code)
    if submitting:
        messages.success(request, f"Return submitted to the MASH for {obj.contact.reference}")
    else:
        messages.info(request, "Draft saved")
    return redirect("navigators:request", pk=obj.pk)


@agency_staff
@require_POST
def return_autosave(request, pk):
    """htmx: keep what has been typed so far (unvalidated; submitting validates it all)."""
    obj = _request_or_404(request, pk)
    form = _return_form(obj, _return_of(obj), data=request.POST)
    try:
        services.save_draft(request=obj, actor=request.user, values=form.values(), audited=False)
    except DomainError as exc:
        return HttpResponse(f"Not saved: {exc.message}", status=409 if exc.status_code == 409 else 400)
    return HttpResponse(f"Draft saved at {timefmt.govuk_time(timezone.now())}")


@agency_staff
@require_POST
def addendum_add(request, pk):
    obj = _request_or_404(request, pk)
    ret = _return_of(obj)
    if ret is None or not ret.is_submitted:
        raise Http404
    form = AddendumForm(request.POST)
    if form.is_valid():
        try:
            services.add_addendum(information_return=ret, actor=request.user, text=form.cleaned_data["text"])
        except DomainError as exc:
            form.add_error("text" if exc.field == "text" else None, exc.message)
        else:
            messages.success(request, "Addendum added to your return")
            return redirect("navigators:request", pk=obj.pk)
    return _render_request(request, obj, addendum_form=form, status=400)


@agency_staff
@require_http_methods(["GET", "POST"])
def document_add(request, pk):
    """Attach a document to the agency's return: the file, what it is, a description (one thing per page)."""
    obj = _request_or_404(request, pk)
    if not services.may_attach_documents(request.user, obj, _return_of(obj)):
        raise PermissionDenied("You cannot attach documents to this return.")
    form, status, document = attach_from_form(
        request, partial(services.attach_return_document, request=obj, actor=request.user)
    )
    if document is not None:
        messages.success(request, f"{document.original_name} attached to your agency's return")
        return redirect(reverse("navigators:request", args=[obj.pk]) + "#documents")
    return render(
        request,
        "navigators/document_add.html",
        {
            "req": obj,
            "contact": obj.contact,
            "form": form,
            "max_size": documents.size_words(documents.max_bytes()),
            **_identity(request, obj, page="Attach a document to your agency's return"),
        },
        status=status,
    )


@role_required(Role.AGENCY_LEAD)
@require_http_methods(["GET", "POST"])
def assign(request, pk):
    obj = _request_or_404(request, pk)
    navigators = list(selectors.agency_navigators(obj.agency_id, tenant=obj.tenant_id))
    if request.method == "POST":
        form = AssignForm(request.POST, navigators=navigators)
        if form.is_valid():
            assignee = form.navigators.get(form.cleaned_data["assigned_to"] or "")
            try:
                services.assign(
                    request=obj, assignee=assignee, actor=request.user, version=form.cleaned_data["version"]
                )
            except DomainError as exc:
                form.add_error("assigned_to" if exc.field == "assigned_to" else None, exc.message)
            else:
                who = assignee.get_full_name() or assignee.get_username() if assignee else "any navigator"
                messages.success(request, f"{obj.contact.reference} given to {who}")
                return redirect("navigators:workspace")
    else:
        form = AssignForm(
            navigators=navigators,
            initial={"assigned_to": str(obj.assigned_to_id or ""), "version": obj.version},
        )
    return render(
        request,
        "navigators/assign.html",
        {
            "req": obj,
            "form": form,
            "errors": _errors_from(form) if form.is_bound else [],
            **_identity(request, obj, page=f"Reassign {obj.contact.reference}"),
        },
        status=400 if form.is_bound and form.errors else 200,
    )


# --- the enquiry, side by side --------------------------------------------------------------------


@hub_staff
def enquiry(request, contact_id):
    """Every agency's return on one contact side by side: the fullest picture for triage and managers."""
    contact = get_object_or_404(contacts_for(request.user), pk=contact_id)
    rows = list(selectors.enquiry_requests(contact))
    audit.record(
        actor=request.user, action="contact.enquiry_viewed", obj=contact, changes={"requests": [r.pk for r in rows]}
    )
    for row in rows:
        row.ret = _return_of(row)
        if row.ret is not None and row.ret.is_submitted:
            audit.record(actor=request.user, action="information_return.viewed", obj=row.ret)
    returned = [r for r in rows if r.ret is not None and r.ret.is_submitted]
    attached = documents.documents_by_subject("navigators.informationreturn", [r.ret.pk for r in returned])
    for row in returned:
        row.documents = attached.get(row.ret.pk, [])
    return render(
        request,
        "navigators/enquiry.html",
        {
            "contact": contact,
            "rows": rows,
            "returned": returned,
            "waiting": [r for r in rows if r.is_outstanding],
            "now": timezone.now(),
        },
    )


# --- tenant admin ---------------------------------------------------------------------------------


@admin_only
@require_http_methods(["GET", "POST"])
def settings_page(request):
    current = selectors.navigator_settings()
    if request.method == "POST":
        form = NavigatorSettingsForm(request.POST)
        if form.is_valid():
            services.save_navigator_settings(
                tenant=request.tenant,
                actor=request.user,
                share_concerns_with_agencies=form.cleaned_data["share_concerns_with_agencies"],
            )
            messages.success(request, "Information-sharing setting saved")
            return redirect("navigators:settings")
    else:
        form = NavigatorSettingsForm(initial={"share_concerns_with_agencies": current.share_concerns_with_agencies})
    templates = {t.agency_id: t for t in selectors.question_templates()}
    agencies = [(a, templates.get(a.pk)) for a in Agency.objects.filter(active=True).order_by("name")]
    return render(request, "navigators/settings.html", {"form": form, "agencies": agencies, "current": current})


@admin_only
@require_http_methods(["GET", "POST"])
def template_edit(request, agency_slug):
    agency = get_object_or_404(Agency.objects.all(), slug=agency_slug)
    template = selectors.question_templates().filter(agency=agency).first()
    if request.method == "POST":
        form = QuestionTemplateForm(request.POST)
        if form.is_valid():
            try:
                services.save_question_template(
                    agency=agency,
                    actor=request.user,
                    questions=form.cleaned_data["questions"].splitlines(),
                    sources=form.cleaned_data["sources"].splitlines(),
                )
            except DomainError as exc:
                form.add_error(exc.field if exc.field in form.fields else None, exc.message)
            else:
                messages.success(request, f"Questions for {agency.name} saved")
                return redirect("navigators:settings")
    else:
        form = QuestionTemplateForm(
            initial={
                "questions": "\n".join(template.questions) if template else "",
                "sources": "\n".join(template.sources) if template else "",
            }
        )
    return render(
        request,
        "navigators/template_edit.html",
        {"agency": agency, "form": form, "errors": _errors_from(form) if form.is_bound else []},
        status=400 if form.is_bound and form.errors else 200,
    )
