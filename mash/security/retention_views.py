"""The tenant administrator's retention policy: each kind of record's period and legal basis, and a
preview of what the next retention run would remove (counted, never removed, from here)."""

from django import forms
from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from mash.accounts.views import error_summary
from mash.decorators import role_required
from mash.exceptions import DomainError
from mash.forms import CharField as GovukCharField
from mash.roles import Role

from . import retention
from .models import MAX_RETENTION, RetentionRule

admin_only = role_required(Role.ADMIN)


class RetentionPolicyForm(forms.Form):
    amount = forms.IntegerField(
        label="How long records are kept",
        min_value=1,
        error_messages={
            "required": "Enter how long records of this kind are kept",
            "invalid": "Enter the period as a whole number, like 6",
            "min_value": "Enter a period of at least 1",
        },
    )
    unit = forms.ChoiceField(
        label="Years or days",
        choices=[("years", "Years"), ("days", "Days")],
        widget=forms.RadioSelect,
        error_messages={"required": "Choose years or days", "invalid_choice": "Choose years or days"},
    )
    legal_basis = GovukCharField(
        label="Legal basis",
        help_text="Why records of this kind are kept this long, for example the UK GDPR article and the statute",
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 4}),
        error_messages={
            "required": "Enter the legal basis for keeping these records",
            "max_length": "Enter a legal basis of 2000 characters or fewer",
        },
    )

    def clean(self):
        data = super().clean()
        amount, unit = data.get("amount"), data.get("unit")
        if amount is not None and unit in MAX_RETENTION and amount > MAX_RETENTION[unit]:
            self.add_error("amount", f"Enter a period of at most {MAX_RETENTION[unit]} {unit}")
        return data


@admin_only
def policy_list(request):
    context = {"policies": retention.policies(), "preview": retention.preview(tenant=request.tenant)}
    return render(request, "security/retention.html", context)


@admin_only
@require_http_methods(["GET", "POST"])
def policy_edit(request, rule):
    try:
        rule = RetentionRule(rule)
    except ValueError:
        raise Http404 from None
    row = next(row for row in retention.policies() if row.rule == rule.value)
    if request.method == "POST":
        form = RetentionPolicyForm(request.POST)
        if form.is_valid():
            try:
                retention.change_policy(actor=request.user, tenant=request.tenant, rule=rule, **form.cleaned_data)
            except DomainError as exc:
                form.add_error(exc.field if exc.field in form.fields else None, exc.message)
            else:
                messages.success(request, f"Retention policy saved: {rule.label}")
                return redirect("retention:policy")
    else:
        form = RetentionPolicyForm(initial={"amount": row.amount, "unit": row.unit, "legal_basis": row.legal_basis})
    return render(
        request,
        "security/retention_edit.html",
        {"rule": rule, "form": form, "error_summary": error_summary(form)},
    )
