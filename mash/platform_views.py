"""The platform operators' page: the councils with their size, suspending and reinstating one.

Platform superusers only (with their second factor); for anyone else these pages do not exist (404).
"""

from functools import wraps

from django import forms
from django.contrib import messages
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_http_methods

from . import platform
from .accounts.views import error_summary
from .exceptions import DomainError
from .models import Tenant
from .security import mfa


def platform_operator_required(view):
    @wraps(view)
    def wrapped(request, *args, **kwargs):
        user = request.user
        if not (user.is_authenticated and user.is_active and user.is_superuser and mfa.session_complete(user)):
            raise Http404
        return view(request, *args, **kwargs)

    return wrapped


class ReasonForm(forms.Form):
    reason = forms.CharField(
        label="Reason",
        help_text="Recorded in the council's audit log",
        max_length=platform.MAX_REASON,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={
            "required": "Enter the reason",
            "max_length": f"Enter a reason of {platform.MAX_REASON} characters or fewer",
        },
    )


@platform_operator_required
def council_list(request):
    return render(request, "mash/platform/councils.html", {"councils": platform.councils()})


@platform_operator_required
@require_http_methods(["GET", "POST"])
def council_status(request, slug, action):
    tenant = get_object_or_404(Tenant, slug=slug)
    suspend = action == "suspend"
    if suspend == tenant.is_suspended:  # suspending a suspended council, or reinstating an active one
        return redirect("platform-councils")
    form = ReasonForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        change = platform.suspend_council if suspend else platform.reinstate_council
        try:
            change(actor=request.user, tenant=tenant, reason=form.cleaned_data["reason"])
        except DomainError as exc:
            form.add_error("reason", exc.message)
        else:
            messages.success(request, f"{tenant.name} {'suspended' if suspend else 'reinstated'}")
            return redirect("platform-councils")
    context = {"council": tenant, "suspend": suspend, "form": form, "error_summary": error_summary(form)}
    return render(request, "mash/platform/council_status.html", context)
