"""Pages: the tenant administrator's partner agencies (/settings/agencies/): each with its navigators
and leads and its question template; add, rename, retire and reinstate.

A retired agency is asked nothing new (rating asks active agencies only); its requests, returns and
staff stay, so its history still reads. The agency rules and their audit live in ``mash.services``.
"""

from __future__ import annotations

from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from mash import services as mash_services
from mash.exceptions import DomainError
from mash.models import Agency

from . import selectors
from .forms import AgencyNameForm
from .views import _errors_from, admin_only


def _agency_or_404(slug) -> Agency:
    return get_object_or_404(Agency.objects.all(), slug=slug)


def _form_page(request, context, form):
    status = 400 if form.is_bound and form.errors else 200
    summary = _errors_from(form) if form.is_bound else []
    return render(
        request, "navigators/agencies/form.html", {**context, "form": form, "error_summary": summary}, status=status
    )


def _save(form, action):
    try:
        return action()
    except DomainError as exc:
        form.add_error(exc.field if exc.field in form.fields else None, exc.message)
    return None


@admin_only
def agency_list(request):
    agencies = list(selectors.agencies_with_staff(tenant=request.tenant))
    return render(request, "navigators/agencies/list.html", {"agencies": agencies})


@admin_only
@require_http_methods(["GET", "POST"])
def agency_add(request):
    form = AgencyNameForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        name = form.cleaned_data["name"]
        agency = _save(form, lambda: mash_services.add_agency(actor=request.user, name=name))
        if agency:
            messages.success(request, f"{agency.name} added. Now set the questions the hub asks it")
            return redirect("navigators:template-edit", agency_slug=agency.slug)
    return _form_page(request, {"adding": True}, form)


@admin_only
@require_http_methods(["GET", "POST"])
def agency_rename(request, slug):
    agency = _agency_or_404(slug)
    form = AgencyNameForm(request.POST or None, initial={"name": agency.name})
    if request.method == "POST" and form.is_valid():
        name = form.cleaned_data["name"]
        renamed = _save(form, lambda: mash_services.rename_agency(actor=request.user, agency=agency, name=name))
        if renamed:
            messages.success(request, f"Agency renamed {renamed.name}")
            return redirect("navigators:agencies")
    return _form_page(request, {"agency": agency}, form)


@admin_only
@require_http_methods(["GET", "POST"])
def agency_retire(request, slug):
    agency = _agency_or_404(slug)
    if request.method == "POST":
        try:
            mash_services.retire_agency(actor=request.user, agency=agency)
        except DomainError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, f"{agency.name} is retired: it will be asked nothing new")
        return redirect("navigators:agencies")
    row = selectors.agencies_with_staff(tenant=request.tenant).get(pk=agency.pk)
    return render(request, "navigators/agencies/retire.html", {"agency": row})


@admin_only
@require_POST
def agency_reinstate(request, slug):
    agency = _agency_or_404(slug)
    try:
        mash_services.reinstate_agency(actor=request.user, agency=agency)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, f"{agency.name} is reinstated: ratings can ask it again")
    return redirect("navigators:agencies")
