"""The notifications page: every signed-in member of a tenant sees their own, newest first; and the
tenant administrator's escalation ladders, one per kind of clock, with a preview before saving."""

from datetime import timedelta

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST

from mash import timefmt
from mash.decorators import role_required, tenant_member_required
from mash.exceptions import DomainError
from mash.roles import Role
from thresholds.models import ClockKind

from . import selectors, services
from .forms import WAIT_UNITS, Ladder, split_wait
from .models import step_target_label

PAGE_SIZE = 25


def _back(request):
    page = request.POST.get("page", "")
    url = reverse("notifications")
    return redirect(f"{url}?page={page}" if page.isdigit() else url)


@tenant_member_required
def notification_list(request):
    page = Paginator(selectors.notifications_for(user=request.user), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "deadlines/notifications.html", {"page": page, "notifications": page.object_list})


@require_POST
@tenant_member_required
def notification_read(request, pk: int):
    notification = get_object_or_404(selectors.notifications_for(user=request.user), pk=pk)
    services.mark_notification_read(notification=notification, actor=request.user)
    return _back(request)


@require_POST
@tenant_member_required
def notifications_read_all(request):
    services.mark_all_notifications_read(actor=request.user)
    return _back(request)


# --- escalation ladders (tenant administrators) --------------------------------------------

admin_only = role_required(Role.ADMIN)


def describe_wait(seconds: int, *, first: bool) -> str:
    """``At the breach``, ``4 hours later``, ``90 minutes after the breach``: the step's wait in words."""
    if not seconds:
        return "At the breach" if first else "At the same time"
    amount, unit = split_wait(timedelta(seconds=seconds))
    noun = unit[:-1] if amount == 1 else unit
    return f"{amount} {noun} after the breach" if first else f"{amount} {noun} later"


def _in_words(steps: list[dict]) -> list[str]:
    return [
        f"{describe_wait(step['after_seconds'], first=number == 0)}: {step_target_label(step)}"
        for number, step in enumerate(steps)
    ]


@admin_only
def ladder_list(request):
    ladders = [(kind, label, _in_words(steps)) for kind, label, steps in selectors.ladders()]
    return render(request, "deadlines/ladders.html", {"ladders": ladders})


def _kind_or_404(kind: str) -> ClockKind:
    try:
        return ClockKind(kind)
    except ValueError:
        raise Http404 from None


@admin_only
@require_http_methods(["GET", "POST"])
def ladder_edit(request, kind):
    kind = _kind_or_404(kind)
    teams = selectors.ladder_teams()
    preview = None
    if request.method == "POST":
        action = request.POST.get("action", "save")
        remove = request.POST.get("remove", "")
        if action == "add" or remove.isdigit():
            ladder = Ladder.from_post(
                request.POST, teams=teams, add=action == "add", remove=int(remove) if remove.isdigit() else None
            )
        else:
            ladder = Ladder.from_post(request.POST, teams=teams)
            if ladder.is_valid():
                steps = ladder.steps()
                if action == "preview":
                    now = timezone.now()
                    zone = request.tenant.time_zone
                    preview = {
                        "breach": timefmt.govuk_datetime(now, zone),
                        "steps": [
                            (number, timefmt.govuk_datetime(at, zone), who)
                            for number, (at, who) in enumerate(services.preview_ladder(steps, breach_at=now), 1)
                        ],
                    }
                else:
                    try:
                        services.change_ladder(actor=request.user, tenant=request.tenant, kind=kind, steps=steps)
                    except DomainError as exc:
                        ladder.error = exc.message
                    else:
                        messages.success(request, f"{kind.label} ladder saved")
                        return redirect("deadlines:ladders")
    else:
        steps = next(steps for k, _label, steps in selectors.ladders() if k == kind.value)
        ladder = Ladder.from_steps(steps, teams=teams)
    context = {
        "kind": kind,
        "ladder": ladder,
        "rows": [(number, form) for number, form in enumerate(ladder.forms)],
        "error_summary": ladder.error_summary(),
        "preview": preview,
        "units": list(WAIT_UNITS),
        "can_add": len(ladder.forms) < services.MAX_LADDER_STEPS,
    }
    return render(request, "deadlines/ladder_edit.html", context)
