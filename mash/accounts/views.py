"""Pages: a tenant administrator's staff accounts, and a new user's set-up link.

Each view parses a form, calls one service or selector and renders; a rule the service enforces
comes back as a domain or validation error and is shown against its field (:func:`_run`).
"""

from __future__ import annotations

from django import forms as django_forms
from django.contrib import messages
from django.contrib.auth import login, logout
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST

from mash import selectors as mash_selectors
from mash.decorators import role_required
from mash.exceptions import DomainError
from mash.roles import Role
from mash.security import mfa

from . import selectors, services
from .forms import ImportForm, SecondFactorResetForm, SetUpPasswordForm, UserForm
from .tokens import decode_uid

admin_only = role_required(Role.ADMIN)


def _anchor(form, name):
    if name is None or name not in form.fields:
        name = next(iter(form.fields))
    if isinstance(form.fields[name].widget, django_forms.RadioSelect):
        return f"id_{name}_0"
    return f"id_{name}"


def error_summary(form) -> list[dict]:
    if form is None or not form.is_bound or not form.errors:
        return []
    summary = [{"href": "#" + _anchor(form, None), "text": e} for e in form.non_field_errors()]
    for name in form.fields:
        for message in form.errors.get(name, []):
            summary.append({"href": "#" + _anchor(form, name), "text": message})
    return summary


def _render(request, template, context, *, form=None, status=200):
    return render(request, template, {**context, "form": form, "error_summary": error_summary(form)}, status=status)


def _run(form, action):
    """Run a service; a rule it enforces becomes an error on the form's field. None if it refused."""

    def field_for(name):
        return name if name in form.fields else None

    try:
        return action() or True
    except DomainError as exc:
        form.add_error(field_for(exc.field), exc.message)
    except ValidationError as exc:
        errors = exc.message_dict if hasattr(exc, "error_dict") else {None: exc.messages}
        for name, messages_ in errors.items():
            for message in messages_:
                form.add_error(field_for(name), message)
    return None


def _user_or_404(request, pk):
    user = selectors.user_or_none(tenant=request.tenant, pk=pk)
    if user is None:
        raise Http404
    return user


def _user_input(form, *, given=None) -> services.UserInput:
    """The form's cleaned values as service input; unknown agency or team become field errors."""
    data = form.cleaned_data
    result = services.UserInput(
        username=data["username"],
        first_name=data["first_name"],
        last_name=data["last_name"],
        email=data["email"],
        role=data["role"],
        given=set(given or ("username", "first_name", "last_name", "email", "role", "agency", "team")),
    )
    if data["agency"]:
        result.agency = mash_selectors.agencies().filter(slug=data["agency"]).first()
    if data["team"]:
        result.team = selectors.teams(include_retired=True).filter(pk=data["team"]).first()
    return result


# --- list and search --------------------------------------------------------------------------------


@admin_only
def user_list(request):
    q, role, status = (request.GET.get(k, "").strip()[:100] for k in ("q", "role", "status"))
    if role not in Role.values:
        role = ""
    if status not in ("active", "deactivated"):
        status = ""
    page = Paginator(selectors.users(tenant=request.tenant, q=q, role=role, status=status), 50).get_page(
        request.GET.get("page")
    )
    return render(
        request,
        "accounts/list.html",
        {
            "page": page,
            "rows": [(u, selectors.team_of(u)) for u in page.object_list],
            "q": q,
            "role": role,
            "status": status,
            "roles": services.role_choices(),
        },
    )


# --- add and change ---------------------------------------------------------------------------------


@admin_only
@require_http_methods(["GET", "POST"])
def user_add(request):
    agencies = list(mash_selectors.agencies())
    form = UserForm(request.POST or None, agencies=agencies)
    if request.method == "POST" and form.is_valid():
        user = _run(form, lambda: services.create_user(actor=request.user, data=_user_input(form)))
        if user:
            messages.success(request, f"Account created. We have emailed {user.email} a link to set it up")
            return redirect("accounts:detail", pk=user.pk)
    return _render(request, "accounts/form.html", {"adding": True}, form=form)


@admin_only
@require_http_methods(["GET", "POST"])
def user_change(request, pk):
    user = _user_or_404(request, pk)
    team = selectors.team_of(user)
    agencies = list(mash_selectors.agencies())
    initial = {
        "username": user.username,
        "first_name": user.first_name,
        "last_name": user.last_name,
        "email": user.email,
        "role": user.role,
        "agency": user.agency.slug if user.agency else "",
        "team": str(team.pk) if team else "",
    }
    form = UserForm(
        request.POST or None, initial=initial, agencies=agencies, current_agency=user.agency, current_team=team
    )
    if user.pk == request.user.pk:
        form.fields["role"].help_text = "You cannot change your own role. Ask another administrator."
    if request.method == "POST" and form.is_valid():
        if _run(form, lambda: services.change_user(actor=request.user, user=user, data=_user_input(form))):
            messages.success(request, "Account saved")
            return redirect("accounts:detail", pk=user.pk)
    return _render(request, "accounts/form.html", {"adding": False, "subject": user}, form=form)


@admin_only
def user_detail(request, pk):
    user = _user_or_404(request, pk)
    return render(
        request,
        "accounts/detail.html",
        {
            "subject": user,
            "team": selectors.team_of(user),
            "open_work": selectors.open_work(user),
            "has_second_factor": mfa.has_device(user),
            "set_up": user.has_usable_password(),
            "is_self": user.pk == request.user.pk,
        },
    )


# --- leavers, lost phones, set-up links ---------------------------------------------------------------


@admin_only
@require_http_methods(["GET", "POST"])
def user_deactivate(request, pk):
    """Check the open work first; deactivating ends their sessions and API tokens at once."""
    user = _user_or_404(request, pk)
    if user.pk == request.user.pk:
        messages.error(request, "You cannot deactivate your own account. Ask another administrator")
        return redirect("accounts:detail", pk=user.pk)
    if request.method == "POST":
        services.deactivate_user(actor=request.user, user=user)
        messages.success(request, f"{user.get_full_name() or user.username} is deactivated and signed out everywhere")
        return redirect("accounts:detail", pk=user.pk)
    return render(request, "accounts/deactivate.html", {"subject": user, "open_work": selectors.open_work(user)})


@admin_only
@require_POST
def user_reactivate(request, pk):
    user = _user_or_404(request, pk)
    services.reactivate_user(actor=request.user, user=user)
    messages.success(request, f"{user.get_full_name() or user.username} can sign in again")
    return redirect("accounts:detail", pk=user.pk)


@admin_only
@require_http_methods(["GET", "POST"])
def user_reset_second_factor(request, pk):
    user = _user_or_404(request, pk)
    form = SecondFactorResetForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if _run(
            form,
            lambda: services.reset_second_factor(actor=request.user, user=user, reason=form.cleaned_data["reason"]),
        ):
            messages.success(request, "Second factor reset. They will set up their authenticator app at next sign-in")
            return redirect("accounts:detail", pk=user.pk)
    return _render(request, "accounts/reset_second_factor.html", {"subject": user}, form=form)


@admin_only
@require_POST
def user_send_set_up_link(request, pk):
    user = _user_or_404(request, pk)
    try:
        services.send_set_up_link(actor=request.user, user=user)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, f"A new set-up link has been emailed to {user.email}. Earlier links no longer work")
    return redirect("accounts:detail", pk=user.pk)


# --- bulk import ---------------------------------------------------------------------------------------


@admin_only
@require_http_methods(["GET", "POST"])
def user_import(request):
    form = ImportForm(request.POST or None, request.FILES or None)
    errors: list[tuple[int, str]] = []
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        content = upload.read(services.CSV_MAX_BYTES + 1)
        result = services.import_users(actor=request.user, content=content)
        if not result.errors:
            messages.success(
                request, f"{len(result.created)} accounts created. Each person has been emailed a set-up link"
            )
            return redirect("accounts:list")
        errors = result.errors
        form.add_error(
            "file", f"The file has {len(errors)} problem{'s' if len(errors) != 1 else ''}: nothing was imported"
        )
    return _render(
        request,
        "accounts/import.html",
        {"columns": services.CSV_COLUMNS, "row_errors": errors},
        form=form,
        status=400 if errors else 200,
    )


# --- a new user's set-up link (no sign-in) --------------------------------------------------------------


@require_http_methods(["GET", "POST"])
def set_up(request, uidb64, token):
    """Choose a password through the emailed link, then go straight on to set up the second factor."""
    user = services.check_set_up_token(decode_uid(uidb64), token)
    if user is None:
        return render(request, "accounts/set_up_invalid.html", status=404)
    form = SetUpPasswordForm(request.POST or None, user=user)
    if request.method == "POST" and form.is_valid():
        if _run(
            form, lambda: services.complete_set_up(user=user, token=token, password=form.cleaned_data["password1"])
        ):
            if request.user.is_authenticated:
                logout(request)
            user.refresh_from_db()
            login(request, user, backend="django.contrib.auth.backends.ModelBackend")
            if mfa.required_for(user):
                messages.info(request, "Password set. Now set up your authenticator app to finish")
                return redirect(f"{reverse('security:enrol')}?next=/")
            messages.success(request, "Password set. You are signed in")
            return redirect("home")
    return _render(request, "accounts/set_up.html", {"subject": user}, form=form)
