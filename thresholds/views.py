"""Pages: the tenant administrator's policy settings, and the threshold guidance for everyone.

Each view parses a form, calls one service or selector and renders; a rule a service enforces
comes back as a domain error and is shown against its field by :func:`_run` (one place).
"""

from __future__ import annotations

from decimal import Decimal

from django import forms as django_forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from mash import services as mash_services
from mash.decorators import role_required
from mash.exceptions import DomainError
from mash.roles import Role

from . import selectors, services
from .forms import (
    BounceWindowForm,
    CalendarForm,
    ClockPolicyForm,
    ClosureDayForm,
    EdtCoverForm,
    PublicPhoneNumbersForm,
    RatingForm,
    ThresholdIndicatorForm,
    ThresholdLevelForm,
)
from .models import WEEKDAY_NAMES, DeadlineUnit, EdtCover
from .workcalendar import NATIONS

admin_only = role_required(Role.ADMIN)
everyone = role_required(*Role.values)


# --- presentation helpers -------------------------------------------------------------

_SINGULAR = {
    DeadlineUnit.CLOCK_HOURS: "clock hour",
    DeadlineUnit.WORKING_HOURS: "working hour",
    DeadlineUnit.WORKING_DAYS: "working day",
}


def describe_duration(amount: Decimal | None, unit: str) -> str:
    """``4 clock hours``, ``1 working day``, ``1.5 working days``; empty when not set."""
    if amount is None or not unit:
        return ""
    noun = _SINGULAR[unit] if amount == 1 else DeadlineUnit(unit).label
    return f"{plain_number(amount)} {noun}"


def plain_number(amount: Decimal | None) -> str | None:
    """``24`` for 24.00 and ``100`` for 100.00 (``normalize`` alone would give 1E+2)."""
    return None if amount is None else f"{amount.normalize():f}"


def describe_edt_cover(calendar) -> str:
    """``Whenever the hub is not working`` or ``Working days from 17:30 until 08:30 the next morning, ...``."""
    if calendar.edt_cover != EdtCover.SET_TIMES:
        return "Whenever the hub is not working (outside the working calendar)"
    return (
        f"On working days from {calendar.edt_evening_start:%H:%M} until {calendar.edt_morning_end:%H:%M} "
        "the next morning; all day on weekends, bank holidays and closure days"
    )


def describe_weekdays(days) -> str:
    days = sorted(days)
    if days and days == list(range(days[0], days[-1] + 1)) and len(days) > 2:
        return f"{WEEKDAY_NAMES[days[0]]} to {WEEKDAY_NAMES[days[-1]]}"
    return ", ".join(WEEKDAY_NAMES[d] for d in days)


def _anchor(form, name: str | None) -> str:
    """The id of the input an error summary link should focus (GOV.UK: the first input of a group)."""
    if name is None or name not in form.fields:
        name = next(iter(form.fields))
    widget = form.fields[name].widget
    if isinstance(widget, django_forms.RadioSelect | django_forms.CheckboxSelectMultiple):
        return f"id_{name}_0"
    if isinstance(widget, django_forms.MultiWidget):
        return f"id_{name}_day"
    return f"id_{name}"


def error_summary(form) -> list[dict]:
    if form is None or not form.is_bound or not form.errors:
        return []
    summary = [{"href": "#" + _anchor(form, None), "text": e} for e in form.non_field_errors()]
    for name in form.fields:
        for message in form.errors.get(name, []):
            summary.append({"href": "#" + _anchor(form, name), "text": message})
    return summary


def _render(request, template, context, *, form=None):
    context = {**context, "form": form, "error_summary": error_summary(form)}
    return render(request, template, context)


def _run(form, action, *, aliases: dict[str, str] | None = None):
    """Run a service; a rule it enforces becomes an error on the form's field. None if it refused."""
    aliases = aliases or {}

    def field_for(name):
        name = aliases.get(name, name)
        return name if name in form.fields else None

    try:
        return action()
    except DomainError as exc:
        form.add_error(field_for(exc.field), exc.message)
    except ValidationError as exc:
        errors = exc.message_dict if hasattr(exc, "error_dict") else {None: exc.messages}
        for name, messages_ in errors.items():
            for message in messages_:
                form.add_error(field_for(name), message)
    return None


# --- settings: index ------------------------------------------------------------------


@admin_only
def settings_index(request):
    calendar = selectors.calendar_settings()
    closures = [c for c in selectors.closure_days() if c.date >= services.tenant_today(request.tenant)]
    ratings = list(selectors.ratings())
    clocks = selectors.clock_policies()
    levels = list(selectors.threshold_levels())
    return _render(
        request,
        "thresholds/settings/index.html",
        {
            "calendar": calendar,
            "nation": NATIONS.get(calendar.nation, calendar.nation),
            "weekdays": describe_weekdays(calendar.working_weekdays),
            "edt_cover": describe_edt_cover(calendar),
            "upcoming_closures": closures,
            "ratings": [(r, describe_duration(r.return_amount, r.return_unit)) for r in ratings],
            "clocks": [(c, describe_duration(c.amount, c.unit)) for c in clocks],
            "levels": levels,
        },
    )


# --- the numbers the public report page gives ---------------------------------------------


@admin_only
@require_http_methods(["GET", "POST"])
def public_phone_numbers(request):
    tenant = request.tenant
    if request.method == "POST":
        form = PublicPhoneNumbersForm(request.POST)
        if form.is_valid() and _run(
            form,
            lambda: mash_services.change_public_phone_numbers(actor=request.user, tenant=tenant, **form.cleaned_data),
        ):
            messages.success(request, "Telephone numbers saved")
            return redirect("thresholds:settings")
    else:
        form = PublicPhoneNumbersForm(
            initial={"mash_phone": tenant.mash_phone, "out_of_hours_phone": tenant.out_of_hours_phone}
        )
    return _render(request, "thresholds/settings/phone_numbers.html", {}, form=form)


# --- bouncing between tiers -----------------------------------------------------------


@admin_only
@require_http_methods(["GET", "POST"])
def bounce_window(request):
    tenant = request.tenant
    if request.method == "POST":
        form = BounceWindowForm(request.POST)
        if form.is_valid() and _run(
            form,
            lambda: mash_services.change_bounce_window(actor=request.user, tenant=tenant, **form.cleaned_data),
        ):
            messages.success(request, "Bouncing window saved")
            return redirect("thresholds:settings")
    else:
        form = BounceWindowForm(initial={"days": tenant.bounce_window_days})
    return _render(request, "thresholds/settings/bounce_window.html", {}, form=form)


# --- the working calendar -------------------------------------------------------------


@admin_only
@require_http_methods(["GET", "POST"])
def calendar_edit(request):
    calendar = selectors.calendar_settings()
    if request.method == "POST":
        form = CalendarForm(request.POST)
        if form.is_valid() and _run(form, lambda: services.change_calendar(actor=request.user, **form.cleaned_data)):
            messages.success(request, "Working calendar saved")
            return redirect("thresholds:settings")
    else:
        form = CalendarForm(
            initial={
                "nation": calendar.nation,
                "working_weekdays": [str(d) for d in calendar.working_weekdays],
                "day_start": calendar.day_start.strftime("%H:%M"),
                "day_end": calendar.day_end.strftime("%H:%M"),
            }
        )
    return _render(request, "thresholds/settings/calendar.html", {"calendar": calendar}, form=form)


# --- when the Emergency Duty Team covers ---------------------------------------------------


@admin_only
@require_http_methods(["GET", "POST"])
def edt_cover_edit(request):
    calendar = selectors.calendar_settings()
    if request.method == "POST":
        form = EdtCoverForm(request.POST)
        if form.is_valid() and _run(form, lambda: services.change_edt_cover(actor=request.user, **form.cleaned_data)):
            messages.success(request, "Emergency Duty Team cover saved")
            return redirect("thresholds:settings")
    else:
        form = EdtCoverForm(
            initial={
                "edt_cover": calendar.edt_cover,
                "edt_evening_start": calendar.edt_evening_start and calendar.edt_evening_start.strftime("%H:%M"),
                "edt_morning_end": calendar.edt_morning_end and calendar.edt_morning_end.strftime("%H:%M"),
            }
        )
    return _render(
        request,
        "thresholds/settings/edt_cover.html",
        {"calendar": calendar, "working_hours": f"{calendar.day_start:%H:%M} to {calendar.day_end:%H:%M}"},
        form=form,
    )


# --- closure days ---------------------------------------------------------------------


@admin_only
@require_http_methods(["GET", "POST"])
def closure_days(request):
    today = services.tenant_today(request.tenant)
    if request.method == "POST":
        form = ClosureDayForm(request.POST)
        if form.is_valid() and _run(
            form,
            lambda: services.add_closure_day(
                actor=request.user,
                tenant=request.tenant,
                date=form.cleaned_data["date"],
                reason=form.cleaned_data["reason"],
            ),
        ):
            messages.success(request, "Closure day added")
            return redirect("thresholds:closure-days")
    else:
        form = ClosureDayForm()
    closures = list(selectors.closure_days())
    boxes = zip(("day", "month", "year"), ("Day", "Month", "Year"), (2, 2, 4), form.date_parts(), strict=True)
    return _render(
        request,
        "thresholds/settings/closure_days.html",
        {
            "date_boxes": list(boxes),
            "upcoming": [c for c in closures if c.date >= today],
            "past": [c for c in closures if c.date < today],
        },
        form=form,
    )


@admin_only
@require_POST
def closure_day_remove(request, pk):
    closure = selectors.closure_days().filter(pk=pk).first()
    if closure is None:
        raise Http404
    try:
        services.remove_closure_day(actor=request.user, tenant=request.tenant, closure=closure)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, f"Closure day {services.long_date(closure.date)} removed")
    return redirect("thresholds:closure-days")


# --- ratings --------------------------------------------------------------------------


@admin_only
def rating_list(request):
    ratings = [(r, describe_duration(r.return_amount, r.return_unit)) for r in selectors.ratings()]
    return _render(request, "thresholds/settings/ratings.html", {"ratings": ratings})


@admin_only
@require_http_methods(["GET", "POST"])
def rating_edit(request, code):
    rating = selectors.ratings().filter(code=code).first()
    if rating is None:
        raise Http404
    if request.method == "POST":
        form = RatingForm(request.POST)
        if form.is_valid() and _run(
            form, lambda: services.change_rating(actor=request.user, rating=rating, **form.cleaned_data)
        ):
            messages.success(request, f"Rating {form.cleaned_data['label']} saved")
            return redirect("thresholds:ratings")
    else:
        form = RatingForm(
            initial={
                "label": rating.label,
                "colour": rating.colour,
                "description": rating.description,
                "examples": rating.examples,
                "order": rating.order,
                "agencies_asked": rating.agencies_asked,
                "return_amount": plain_number(rating.return_amount),
                "return_unit": rating.return_unit,
                "decision_amount": plain_number(rating.decision_amount),
                "decision_unit": rating.decision_unit,
                "immediate": rating.immediate,
                "cpis_check_required": rating.cpis_check_required,
                "can_route_to_early_help": rating.can_route_to_early_help,
                "active": rating.active,
            }
        )
    return _render(request, "thresholds/settings/rating_edit.html", {"rating": rating}, form=form)


# --- clocks ---------------------------------------------------------------------------


@admin_only
def clock_list(request):
    clocks = [(c, describe_duration(c.amount, c.unit)) for c in selectors.clock_policies()]
    return _render(request, "thresholds/settings/clocks.html", {"clocks": clocks})


@admin_only
@require_http_methods(["GET", "POST"])
def clock_edit(request, kind):
    policy = selectors.clock_policy(kind)
    if policy is None:
        raise Http404
    if request.method == "POST":
        form = ClockPolicyForm(request.POST)
        if form.is_valid() and _run(
            form,
            lambda: services.change_clock_policy(
                actor=request.user,
                kind=kind,
                amount=form.cleaned_data["amount"],
                unit=form.cleaned_data["unit"],
                warn_fraction=form.cleaned_data["warn_fraction"],
            ),
            aliases={"warn_fraction": "warn_percent"},
        ):
            messages.success(request, f"{policy.get_kind_display()} clock saved")
            return redirect("thresholds:clocks")
    else:
        form = ClockPolicyForm(
            initial={
                "amount": plain_number(policy.amount),
                "unit": policy.unit,
                "warn_percent": int(policy.warn_fraction * 100),
            }
        )
    return _render(request, "thresholds/settings/clock_edit.html", {"policy": policy}, form=form)


# --- the threshold document -----------------------------------------------------------


@admin_only
def threshold_document_edit(request):
    return _render(request, "thresholds/settings/thresholds.html", {"document": selectors.threshold_document()})


def _level_or_404(number):
    level = selectors.threshold_level(number)
    if level is None:
        raise Http404
    return level


def _indicator_or_404(pk):
    indicator = selectors.threshold_indicator(pk)
    if indicator is None:
        raise Http404
    return indicator


@admin_only
@require_http_methods(["GET", "POST"])
def threshold_level_edit(request, number):
    level = _level_or_404(number)
    if request.method == "POST":
        form = ThresholdLevelForm(request.POST)
        if form.is_valid() and _run(
            form, lambda: services.change_threshold_level(actor=request.user, level=level, **form.cleaned_data)
        ):
            messages.success(request, f"Level {level.number} saved")
            return redirect("thresholds:threshold-document")
    else:
        form = ThresholdLevelForm(initial={"name": level.name, "description": level.description})
    return _render(request, "thresholds/settings/level_edit.html", {"level": level}, form=form)


@admin_only
@require_http_methods(["GET", "POST"])
def threshold_indicator_add(request, number):
    level = _level_or_404(number)
    if request.method == "POST":
        form = ThresholdIndicatorForm(request.POST)
        if form.is_valid() and _run(
            form, lambda: services.add_threshold_indicator(actor=request.user, level=level, **form.cleaned_data)
        ):
            messages.success(request, f"Indicator added to level {level.number}")
            return redirect("thresholds:threshold-document")
    else:
        form = ThresholdIndicatorForm(initial={"domain": request.GET.get("domain", "")})
    return _render(request, "thresholds/settings/indicator_form.html", {"level": level, "adding": True}, form=form)


@admin_only
@require_http_methods(["GET", "POST"])
def threshold_indicator_edit(request, pk):
    indicator = _indicator_or_404(pk)
    if request.method == "POST":
        form = ThresholdIndicatorForm(request.POST)
        if form.is_valid() and _run(
            form,
            lambda: services.change_threshold_indicator(actor=request.user, indicator=indicator, **form.cleaned_data),
        ):
            messages.success(request, "Indicator saved")
            return redirect("thresholds:threshold-document")
    else:
        form = ThresholdIndicatorForm(initial={"domain": indicator.domain, "text": indicator.text})
    return _render(
        request,
        "thresholds/settings/indicator_form.html",
        {"level": indicator.level, "indicator": indicator, "adding": False},
        form=form,
    )


@admin_only
@require_http_methods(["GET", "POST"])
def threshold_indicator_remove(request, pk):
    indicator = _indicator_or_404(pk)
    if request.method == "POST":
        services.remove_threshold_indicator(actor=request.user, indicator=indicator)
        messages.success(request, f"Indicator removed from level {indicator.level.number}")
        return redirect("thresholds:threshold-document")
    return _render(request, "thresholds/settings/indicator_remove.html", {"indicator": indicator})


# --- guidance for everyone ------------------------------------------------------------


@everyone
def guidance(request):
    """The tenant's threshold document, read-only, for hub staff and referrers judging a level of need."""
    return _render(request, "thresholds/guidance.html", {"document": selectors.threshold_document()})
