"""Pages: the multi-page MARF with drafts, check your answers and confirmation; my referrals; the contact
list and record for hub staff; the phone-contact form; the public report page."""

from __future__ import annotations

from functools import partial

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from mash import audit, documents, tenancy, timefmt
from mash.decorators import role_required
from mash.exceptions import DomainError
from mash.forms import attach_from_form
from mash.models import Tenant
from mash.pagination import NarrowSlices
from mash.roles import Role
from mash.routing import pk_url
from mash.throttling import PublicReportLimit
from thresholds import selectors as threshold_selectors

from . import selectors, services
from .choices import Channel, ContactStatus, PersonRole
from .forms import (
    AddAnotherForm,
    ChildForm,
    ConcernsForm,
    ConsentForm,
    FamilyForm,
    HouseholdMemberForm,
    PhoneContactForm,
    PublicReportForm,
    ReferrerForm,
    ThresholdForm,
)
from .presenters import check_answers_sections, error_links, referrer_status
from .serializers import ContactInput, PublicContactInput

# --- the MARF: one thing per page -----------------------------------------------------------------

# (slug, title, form) of the single-form steps, in order after the children and the household.
SIMPLE_STEPS = {
    "family": ("Where the child lives, their school and GP", FamilyForm),
    "referrer": ("About you", ReferrerForm),
    "concerns": ("Your concerns", ConcernsForm),
    "consent": ("Consent and information sharing", ConsentForm),
    "threshold": ("Level of need", ThresholdForm),
}
STEP_ORDER = ["children", "household", *SIMPLE_STEPS, "check"]


def _next_step(step: str) -> str:
    return STEP_ORDER[STEP_ORDER.index(step) + 1]


def _step_url(step: str) -> str:
    if step == "children":
        return reverse("contacts:marf-children")
    if step == "household":
        return reverse("contacts:marf-household")
    if step == "check":
        return reverse("contacts:marf-check")
    return reverse("contacts:marf-step", args=[step])


def _draft_data(request) -> dict:
    draft = selectors.draft_for(request.user)
    return dict(draft.data) if draft else {}


def _after_save(request, step: str):
    """Back to check your answers when the referrer came from there, otherwise on to the next page."""
    if request.GET.get("from") == "check":
        return redirect("contacts:marf-check")
    return redirect(_step_url(_next_step(step)))


referrer_only = role_required(Role.REFERRER)


@referrer_only
def marf_start(request):
    draft = selectors.draft_for(request.user)
    return render(request, "contacts/marf/start.html", {"draft": draft, "resume_url": _resume_url(draft)})


def _resume_url(draft) -> str:
    if draft is None or not draft.step:
        return _step_url("children")
    if draft.step in ("child", "children"):
        return _step_url("children")
    if draft.step in ("person", "household"):
        return _step_url("household")
    return _step_url(draft.step) if draft.step in STEP_ORDER else _step_url("children")


@referrer_only
@require_POST
def marf_discard(request):
    services.discard_draft(actor=request.user)
    messages.info(request, "Your draft referral was deleted.")
    return redirect("contacts:marf-start")


def _person_page(request, *, key: str, form_class, index, template_step: str, title: str, back: str):
    """Add (index None) or change one child or household member of the draft."""
    data = _draft_data(request)
    people = list(data.get(key, []))
    if index is not None and not 0 <= index < len(people):
        raise Http404
    if request.method == "POST":
        form = form_class(request.POST)
        if form.is_valid():
            if index is None:
                people.append(form.to_draft())
            else:
                people[index] = form.to_draft()
            services.save_draft(actor=request.user, step=template_step, values={key: people})
            return redirect("contacts:marf-check" if request.GET.get("from") == "check" else back)
    else:
        form = form_class(initial=people[index] if index is not None else None)
    return render(request, "contacts/marf/person.html", {"form": form, "title": title, "back": back})


def _remove_person(request, *, key: str, index: int, step: str):
    people = list(_draft_data(request).get(key, []))
    if not 0 <= index < len(people):
        raise Http404
    del people[index]
    services.save_draft(actor=request.user, step=step, values={key: people})


@referrer_only
def marf_child(request, index=None):
    title = "Add a child" if index is None else "Change the child's details"
    return _person_page(
        request, key="children", form_class=ChildForm, index=index, template_step="children",
        title=title, back=reverse("contacts:marf-children"),
    )  # fmt: skip


@referrer_only
@require_POST
def marf_child_remove(request, index):
    _remove_person(request, key="children", index=index, step="children")
    return redirect("contacts:marf-children")


@referrer_only
def marf_children(request):
    children = _draft_data(request).get("children", [])
    if not children:
        return redirect("contacts:marf-child")
    form = AddAnotherForm(request.POST or None)
    form.fields["add_another"].label = "Do you need to add another child?"
    if request.method == "POST" and form.is_valid():
        if form.cleaned_data["add_another"] == "yes":
            return redirect("contacts:marf-child")
        return _after_save(request, "children")
    return render(
        request, "contacts/marf/people.html",
        {"form": form, "people": children, "title": "Children you have told us about", "kind": "child",
         "change": "contacts:marf-child-change", "remove": "contacts:marf-child-remove"},
    )  # fmt: skip


@referrer_only
def marf_person(request, index=None):
    title = "Add a household member or someone involved" if index is None else "Change their details"
    return _person_page(
        request, key="household", form_class=HouseholdMemberForm, index=index, template_step="household",
        title=title, back=reverse("contacts:marf-household"),
    )  # fmt: skip


@referrer_only
@require_POST
def marf_person_remove(request, index):
    _remove_person(request, key="household", index=index, step="household")
    return redirect("contacts:marf-household")


@referrer_only
def marf_household(request):
    household = _draft_data(request).get("household", [])
    form = AddAnotherForm(request.POST or None)
    form.fields["add_another"].label = (
        "Do you need to add another person?" if household else
        "Do you need to add parents, carers or anyone else who lives with or is involved with the child?"
    )  # fmt: skip
    if request.method == "POST" and form.is_valid():
        if form.cleaned_data["add_another"] == "yes":
            return redirect("contacts:marf-person")
        services.save_draft(actor=request.user, step="household", values={"household": household})
        return _after_save(request, "household")
    return render(
        request, "contacts/marf/people.html",
        {"form": form, "people": household, "title": "Family and household", "kind": "person",
         "change": "contacts:marf-person-change", "remove": "contacts:marf-person-remove"},
    )  # fmt: skip


def _initial_for(step: str, data: dict, user) -> dict:
    initial = dict(data)
    if step == "referrer":
        initial.setdefault("referrer_name", user.get_full_name())
        initial.setdefault("referrer_role", user.job_title)
        initial.setdefault("referrer_email", user.email)
    if step == "threshold" and data.get("threshold_level") is not None:
        initial["threshold_level"] = str(data["threshold_level"])
    return initial


@referrer_only
def marf_step(request, step):
    if step not in SIMPLE_STEPS:
        raise Http404
    title, form_class = SIMPLE_STEPS[step]
    kwargs = {}
    levels = []
    if step == "threshold":
        levels = list(threshold_selectors.threshold_levels())
        kwargs["levels"] = levels
    data = _draft_data(request)
    if request.method == "POST":
        form = form_class(request.POST, **kwargs)
        if form.is_valid():
            services.save_draft(actor=request.user, step=step, values=form.to_draft())
            return _after_save(request, step)
    else:
        form = form_class(initial=_initial_for(step, data, request.user), **kwargs)
    return render(
        request,
        "contacts/marf/threshold.html" if step == "threshold" else "contacts/marf/step.html",
        {
            "form": form,
            "title": title,
            "step": step,
            "levels": levels,
            "back": _step_url(STEP_ORDER[STEP_ORDER.index(step) - 1]),
        },
    )


@referrer_only
@require_POST
def marf_autosave(request, step):
    """htmx: keep what has been typed on a page so far, unvalidated (check your answers validates it all)."""
    if step not in SIMPLE_STEPS:
        raise Http404
    fields = SIMPLE_STEPS[step][1].base_fields
    values = {name: request.POST[name][:20_000] for name in fields if name in request.POST}
    if step == "family":
        values["interpreter_needed"] = "interpreter_needed" in request.POST
    services.save_draft(actor=request.user, step=step, values=values, audited=False)
    return HttpResponse(f"Draft saved at {timefmt.govuk_time(timezone.now())}")


@referrer_only
def marf_check(request):
    data = _draft_data(request)
    if not data.get("children"):
        return redirect("contacts:marf-child")
    errors = []
    if request.method == "POST":
        serializer = ContactInput(data=data)
        if serializer.is_valid():
            try:
                contact = services.submit_marf(
                    tenant=request.tenant, actor=request.user, submission=serializer.to_submission(channel=Channel.MARF)
                )
            except DomainError as exc:
                errors = [{"href": "#main-content", "text": exc.message}]
            else:
                return redirect("contacts:submitted", pk=contact.pk)
        else:
            errors = error_links(serializer.errors, _step_url)
    return render(
        request,
        "contacts/marf/check.html",
        {"sections": check_answers_sections(data, _step_url), "errors": errors},
        status=400 if errors else 200,
    )


@referrer_only
def marf_submitted(request, pk):
    contact = get_object_or_404(selectors.contacts_for(request.user), pk=pk)
    return render(request, "contacts/marf/submitted.html", {"contact": contact})


# --- referrers: my referrals ----------------------------------------------------------------------


@referrer_only
def my_referrals(request):
    contacts = list(selectors.contacts_for(request.user))
    rows = [{"contact": c, "status": referrer_status(c)} for c in contacts]
    return render(request, "contacts/my_referrals.html", {"rows": rows, "draft": selectors.draft_for(request.user)})


# --- hub staff: the contact list and record --------------------------------------------------------


LIST_PAGE_SIZE = 50


@role_required(Role.REFERRER, *selectors.SEE_ALL_CONTACTS)
def contact_list(request):
    user = request.user
    if user.role == Role.REFERRER:
        return redirect("contacts:mine")
    contacts = selectors.contacts_for(user)
    status = request.GET.get("status", "")
    rating = request.GET.get("rating", "")
    if status in ContactStatus.values:
        contacts = contacts.filter(status=status)
    if rating:
        contacts = contacts.filter(rating__code=rating)
    # A page at a time, newest first, with how many there are in all (a council's history is many thousands). A
    # page past the end shows the last one, anything not a number the first; a page's rows are picked over their
    # sort keys first (NarrowSlices), so a deep page costs an index walk.
    newest_first = NarrowSlices(contacts.order_by("-received_at", "-id"))
    page = Paginator(newest_first, LIST_PAGE_SIZE).get_page(request.GET.get("page"))
    rows = list(page.object_list)
    selectors.attach_previous_contacts(rows)
    detail_url = pk_url("contacts:detail")
    for row in rows:
        row.detail_url = detail_url(row.pk)
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "contacts/list.html",
        {
            "contacts": rows,
            "page": page,
            "page_query": query.urlencode(),
            "statuses": ContactStatus.choices,
            "ratings": list(threshold_selectors.ratings(active_only=True)),
            "status": status,
            "rating": rating,
            "can_record_phone": user.role == Role.TRIAGE,
        },
    )


@login_required
def contact_detail(request, pk):
    if not request.user.tenant_id:
        raise Http404
    contact = get_object_or_404(selectors.contacts_for(request.user), pk=pk)
    if not selectors.is_referrer_view(request.user):
        # Hub staff work on the contact's full record (triage: rating, Signs of Safety, decision, timeline).
        return redirect("triage:contact", pk=contact.pk)
    audit.record(actor=request.user, action="contact.viewed", obj=contact)
    # A referrer sees what they told us, the outcome and the feedback: never returns or internal notes.
    return render(
        request,
        "contacts/referral.html",
        {
            "contact": contact,
            "children": [p for p in contact.people.all() if p.role == PersonRole.CHILD],
            "status": referrer_status(contact),
            "documents": selectors.contact_documents(request.user, contact),
            "may_attach": selectors.may_attach_documents(request.user, contact),
        },
    )


# --- documents: attached by hub workers and by the referrer who made the contact ---------------------------


@login_required
def document_add(request, pk):
    """One thing on the page: the file, what it is, a description. Errors stay on the page with what was chosen."""
    if not request.user.tenant_id:
        raise Http404
    contact = get_object_or_404(selectors.contacts_for(request.user), pk=pk)
    if not selectors.may_attach_documents(request.user, contact):
        raise PermissionDenied("Your role may not attach documents to a contact.")
    form, status, document = attach_from_form(
        request, partial(services.attach_document, contact=contact, actor=request.user)
    )
    if document is not None:
        messages.success(request, f"{document.original_name} attached to {contact.reference}")
        return redirect(reverse("contacts:detail", args=[contact.pk]) + "#documents")
    referrer = selectors.is_referrer_view(request.user)
    return render(
        request,
        "contacts/document_add.html",
        {
            "contact": contact,
            "form": form,
            "base_template": "base.html" if referrer else "staff_base.html",
            "back_url": reverse("contacts:detail", args=[contact.pk]),
            "max_size": documents.size_words(documents.max_bytes()),
        },
        status=status,
    )


# --- triage: a phone call to the advice line --------------------------------------------------------


@role_required(Role.TRIAGE)
def phone_contact(request):
    now = timezone.localtime(timezone.now())
    if request.method == "POST":
        form = PhoneContactForm(request.POST, tenant=request.tenant)
        if form.is_valid():
            try:
                contact = services.submit_contact(
                    tenant=request.tenant, actor=request.user, submission=form.to_submission()
                )
            except DomainError as exc:
                form.add_error(exc.field if exc.field in form.fields else None, exc.message)
            else:
                messages.success(request, f"Phone contact {contact.reference} recorded.")
                return redirect("contacts:detail", pk=contact.pk)
    else:
        form = PhoneContactForm(
            tenant=request.tenant, initial={"received_date": now.date(), "received_time": now.strftime("%H:%M")}
        )
    return render(request, "contacts/phone.html", {"form": form})


# --- the public -------------------------------------------------------------------------------------


def public_report(request, tenant_slug):
    """Anyone worried about a child, without an account. Limited per client per local authority, with the
    API (mash.throttling): only accepted reports use up the allowance, and reading the page never counts."""
    tenant = get_object_or_404(Tenant, slug=tenant_slug)
    if tenant.is_suspended:
        return _unavailable(request, tenant)
    if request.method != "POST":
        return render(request, "contacts/public/report.html", {"form": PublicReportForm(), "tenant_shown": tenant})
    limit = PublicReportLimit(request, tenant)
    if not limit.claim():
        # What they typed stays on the page (to read out on the phone), without checking it for errors:
        # the one error summary is the one that says why nothing was sent and whom to call.
        typed = {name: request.POST[name] for name in PublicReportForm.base_fields if name in request.POST}
        response = render(
            request, "contacts/public/report.html",
            {"form": PublicReportForm(initial=typed), "tenant_shown": tenant, "blocked_minutes": limit.wait_minutes},
            status=429,
        )  # fmt: skip
        response["Retry-After"] = str(limit.wait)
        return response
    form = PublicReportForm(request.POST)
    contact = None
    try:
        if form.is_valid():
            with tenancy.tenant_context(tenant):
                serializer = PublicContactInput(data=form.to_api_data())
                if serializer.is_valid():
                    contact = services.submit_contact(tenant=tenant, actor=None, submission=serializer.to_submission())
            if contact is None:
                for text in (t for messages_ in serializer.errors.values() for t in _plain(messages_)):
                    form.add_error(None, text)
    finally:
        if contact is None:  # not sent: a typo does not use up the allowance
            limit.release()
    if contact is not None:
        request.session["public_reference"] = contact.reference
        return redirect("contacts:public-sent", tenant_slug=tenant.slug)
    return render(request, "contacts/public/report.html", {"form": form, "tenant_shown": tenant})


def _plain(messages_):
    if isinstance(messages_, dict):
        for inner in messages_.values():
            yield from _plain(inner)
    elif isinstance(messages_, list):
        for inner in messages_:
            yield from _plain(inner)
    else:
        yield str(messages_)


def _unavailable(request, tenant):
    """The platform operator has suspended this local authority's service: say so, and whom to call."""
    return render(request, "contacts/public/unavailable.html", {"tenant_shown": tenant}, status=503)


def public_sent(request, tenant_slug):
    tenant = get_object_or_404(Tenant, slug=tenant_slug)
    if tenant.is_suspended:
        return _unavailable(request, tenant)
    reference = request.session.get("public_reference")
    if not reference:
        return redirect("contacts:public-report", tenant_slug=tenant.slug)
    return render(request, "contacts/public/sent.html", {"reference": reference, "tenant_shown": tenant})
