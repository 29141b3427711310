"""People pages: search, the person's record with its chronology (and a print view), an entry added by hand,
and linking a contact to another open one. Roles outside the search roles get a 404: for them these pages
do not exist (navigators work only inside their agency's requests; referrers see their own referrals)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.http import Http404
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from contacts import services as contact_services
from contacts.models import Contact
from mash.date_input import date_parts
from mash.exceptions import DomainError

from . import search as person_search
from . import selectors, services
from .forms import BirthForm, ChronologyEntryForm, LinkForm, chronology_filter
from .models import ContactLink, PersonMerge


def _searcher(request):
    """The signed-in user if they may search people; anonymous users go to sign in, others get a 404."""
    if not request.user.is_authenticated:
        return None
    if not selectors.can_search(request.user):
        raise Http404
    return request.user


def _person(request, pk):
    person = selectors.person_for(request.user, pk)
    if person is None:
        raise Http404
    return person


def search_page(request):
    user = _searcher(request)
    if user is None:
        return redirect_to_login(request.get_full_path())
    values = {name: request.GET.get(name, "")[:300] for name in ("q", "date_of_birth", "postcode")}
    results, errors, searched = [], {}, any(values.values())
    if searched:
        try:
            query = person_search.parse(values["q"], date_of_birth=values["date_of_birth"], postcode=values["postcode"])
        except person_search.SearchError as exc:
            errors = exc.errors
        else:
            results = selectors.search_people(user, query, limit=person_search.RESULTS_MAX)
            services.record_search(actor=user, query=query, result_ids=[r.person.pk for r in results])
    return render(
        request,
        "people/search.html",
        {"values": values, "results": results, "errors": errors, "searched": searched},
        status=400 if errors else 200,
    )


def _record_context(request, person):
    filters, errors = chronology_filter(request.GET)
    record = selectors.person_record(request.user, person)
    return {
        "person": person,
        "record": record,
        "events": filters.apply(record.chronology),
        "filters": filters,
        "filtered": bool(filters.kinds or filters.since or filters.until),
        "filter_errors": errors,
        "kinds": list(selectors.KINDS.items()),
        "date_fields": [
            {"name": name, "label": label, "value": request.GET.get(name, "")[:20], "errors": errors.get(name, [])}
            for name, label in (("from", "From (date)"), ("to", "To (date)"))
        ],
        "can_add_entry": request.user.role in services.CHRONICLERS,
        "can_record_birth": person.unborn and request.user.role in contact_services.BIRTH_RECORDERS,
        "can_merge": request.user.role in services.MERGERS,
        "merges": selectors.merges_of(person),
    }


def person_page(request, pk):
    if _searcher(request) is None:
        return redirect_to_login(request.get_full_path())
    person = _person(request, pk)
    if person.pk != pk:
        return redirect("people:person", pk=person.pk)
    context = _record_context(request, person)
    services.record_view(actor=request.user, person=person)
    return render(request, "people/person.html", context, status=400 if context["filter_errors"] else 200)


def print_page(request, pk):
    if _searcher(request) is None:
        return redirect_to_login(request.get_full_path())
    person = _person(request, pk)
    context = _record_context(request, person)
    services.record_view(actor=request.user, person=person, what="record_printed")
    return render(request, "people/print.html", context)


def add_entry(request, pk):
    if _searcher(request) is None:
        return redirect_to_login(request.get_full_path())
    person = _person(request, pk)
    if request.user.role not in services.CHRONICLERS:
        raise Http404
    form = ChronologyEntryForm(request.POST or None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                services.add_chronology_entry(actor=request.user, person=person, **form.cleaned_data)
            except DomainError as exc:
                form.add_error(exc.field if exc.field in form.fields else None, exc.message)
            else:
                messages.success(request, "The entry was added to the chronology.")
                return redirect("people:person", pk=person.pk)
        status = 400
    return render(request, "people/add_entry.html", {"person": person, "form": form}, status=status)


def record_birth(request, pk):
    """Staff record the birth of a pre-birth referral's child: the same record carries on (contacts' service)."""
    if _searcher(request) is None:
        return redirect_to_login(request.get_full_path())
    person = _person(request, pk)
    if request.user.role not in contact_services.BIRTH_RECORDERS or not person.unborn:
        raise Http404
    form = BirthForm(request.POST or None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                contact_services.record_birth(actor=request.user, person=person, **form.cleaned_data)
            except DomainError as exc:
                form.add_error(exc.field if exc.field in form.fields else None, exc.message)
            else:
                messages.success(request, "The birth was recorded. The record now shows the date of birth.")
                return redirect("people:person", pk=person.pk)
        status = 400
    return render(
        request,
        "people/record_birth.html",
        {"person": person, "form": form, "date_parts": date_parts(form["date_of_birth"])},
        status=status,
    )


def _contact_for_linking(request, pk) -> Contact:
    contact = Contact.objects.filter(pk=pk).prefetch_related("people").first()
    if contact is None:
        raise Http404
    return contact


@require_POST
def link(request, pk):
    if _searcher(request) is None:
        return redirect_to_login(request.get_full_path())
    contact = _contact_for_linking(request, pk)
    form = LinkForm(request.POST)
    selectors.attach_also_open([contact])
    # Only what the page offered may be linked: an open contact or early-help request about the same child.
    offered = {
        (f"c{a.contact.pk}" if a.contact else f"e{a.early_help.pk}"): a for a in contact.also_open if not a.linked
    }
    target = offered.get(form.data.get("target", "")) if form.is_valid() else None
    if target is None:
        messages.error(request, "That is not an open contact or early-help request about the same child.")
        return redirect("triage:contact", pk=contact.pk)
    try:
        services.link_contact(
            actor=request.user,
            contact=contact,
            other_contact=target.contact,
            early_help=target.early_help,
            reason=form.cleaned_data["reason"],
        )
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, f"{contact.reference} is linked to {target.reference}.")
    return redirect("triage:contact", pk=contact.pk)


@require_POST
def unlink(request, pk):
    if _searcher(request) is None:
        return redirect_to_login(request.get_full_path())
    link_row = ContactLink.objects.filter(pk=pk).select_related("contact").first()
    if link_row is None:
        raise Http404
    try:
        services.unlink_contact(actor=request.user, link=link_row)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, f"{link_row.contact.reference} is no longer linked to {link_row.linked_reference}.")
    return redirect("triage:contact", pk=link_row.contact_id)


# --- merging duplicates -------------------------------------------------------------------------------------


def _merger(request, pk):
    person = _person(request, pk)
    if request.user.role not in services.MERGERS:
        raise Http404
    return person


def merge(request, pk):
    """Merge a duplicate into this record: find and choose it, give the reason, see what will move, confirm."""
    if _searcher(request) is None:
        return redirect_to_login(request.get_full_path())
    person = _merger(request, pk)
    if person.pk != pk:
        return redirect("people:merge", pk=person.pk)
    q = (request.POST.get("q") or request.GET.get("q") or "")[:200]
    reason = (request.POST.get("reason") or "")[:600]
    errors: dict[str, str] = {}
    results = []
    if request.method == "POST":
        chosen = request.POST.get("other", "")
        other = selectors.person_to_merge(request.user, chosen) if chosen else None
        if chosen and other is None:
            raise Http404  # another tenant's record (or none): it does not exist here
        try:
            services.check_merge(actor=request.user, kept=person, other=other)
            services.clean_reason(reason, "these are the same person")
            if request.POST.get("confirm") == "yes":
                merged = services.merge_people(actor=request.user, kept=person, other=other, reason=reason)
                messages.success(request, f"{merged.merged} (record {merged.merged_id}) was merged into this record.")
                return redirect("people:person", pk=person.pk)
        except DomainError as exc:
            errors[exc.field or "other"] = exc.message
        else:
            preview = selectors.merge_preview(request.user, person, other)
            return render(
                request, "people/merge_confirm.html", {"person": person, "preview": preview, "reason": reason}
            )
    if q:
        try:
            query = person_search.parse(q)
        except person_search.SearchError as exc:
            errors["q"] = next(m for ms in exc.errors.values() for m in ms)
        else:
            results = [r for r in selectors.search_people(request.user, query, limit=20) if r.person.pk != person.pk]
            services.record_search(actor=request.user, query=query, result_ids=[r.person.pk for r in results])
    return render(
        request,
        "people/merge.html",
        {
            "person": person,
            "q": q,
            "reason": reason,
            "results": results,
            "errors": errors,
            "chosen": request.POST.get("other", ""),
        },
        status=400 if errors else 200,
    )


def unmerge(request, pk):
    """Undo a merge, with a reason: what it moved goes back to the duplicate, which is its own record again."""
    if _searcher(request) is None:
        return redirect_to_login(request.get_full_path())
    if request.user.role not in services.MERGERS:
        raise Http404
    merge_row = PersonMerge.objects.filter(pk=pk).select_related("kept", "merged", "merged_by").first()
    if merge_row is None:
        raise Http404
    reason = (request.POST.get("reason") or "")[:600]
    errors: dict[str, str] = {}
    if request.method == "POST":
        try:
            services.unmerge_people(actor=request.user, merge=merge_row, reason=reason)
        except DomainError as exc:
            errors[exc.field or "detail"] = exc.message
        else:
            messages.success(request, f"The merge was undone: {merge_row.merged} is a record of their own again.")
            return redirect("people:person", pk=merge_row.kept_id)
    return render(
        request,
        "people/unmerge.html",
        {"merge": merge_row, "person": merge_row.kept, "reason": reason, "errors": errors},
        status=400 if errors else 200,
    )
