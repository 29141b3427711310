"""Pages: a tenant administrator's teams (/settings/teams/): list, add, change, retire and reinstate."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from mash.exceptions import DomainError

from . import teams
from .forms import TeamForm
from .views import _render, _run, admin_only


def _team_or_404(pk):
    team = teams.team_or_none(pk)
    if team is None:
        raise Http404
    return team


def _people(request):
    return list(teams.candidates(tenant=request.tenant))


@admin_only
def team_list(request):
    return render(request, "accounts/teams/list.html", {"teams": list(teams.teams_with_members())})


@admin_only
@require_http_methods(["GET", "POST"])
def team_add(request):
    form = TeamForm(request.POST or None, people=_people(request))
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        team = _run(form, lambda: teams.add_team(actor=request.user, name=data["name"], members=data["members"]))
        if team:
            messages.success(request, f"{team.name} added")
            return redirect("accounts:teams")
    return _render(request, "accounts/teams/form.html", {"adding": True}, form=form, status=_status(form))


@admin_only
@require_http_methods(["GET", "POST"])
def team_change(request, pk):
    team = _team_or_404(pk)
    active_members = [str(m.user_id) for m in team.members.all() if m.user.is_active]
    form = TeamForm(
        request.POST or None, initial={"name": team.name, "members": active_members}, people=_people(request), team=team
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        changed = _run(
            form, lambda: teams.change_team(actor=request.user, team=team, name=data["name"], members=data["members"])
        )
        if changed:
            messages.success(request, f"{changed.name} saved")
            return redirect("accounts:teams")
    return _render(request, "accounts/teams/form.html", {"team": team}, form=form, status=_status(form))


@admin_only
@require_http_methods(["GET", "POST"])
def team_retire(request, pk):
    team = _team_or_404(pk)
    if request.method == "POST":
        try:
            teams.retire_team(actor=request.user, team=team)
        except DomainError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, f"{team.name} is retired: it is no longer offered for new work")
        return redirect("accounts:teams")
    return render(request, "accounts/teams/retire.html", {"team": team})


@admin_only
@require_POST
def team_reinstate(request, pk):
    team = _team_or_404(pk)
    try:
        teams.reinstate_team(actor=request.user, team=team)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, f"{team.name} is reinstated")
    return redirect("accounts:teams")


def _status(form) -> int:
    return 400 if form.is_bound and form.errors else 200
