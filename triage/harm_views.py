"""Pages of the significant-harm route (issue 19): the CP-IS check, the Emergency Duty Team's queue and its
record and handover, and the strategy discussion. Thin: a form, one service call, back to the contact."""

from __future__ import annotations

from django.contrib import messages
from django.shortcuts import redirect, render

from contacts.choices import Outcome
from mash.decorators import role_required, tenant_member_required
from mash.exceptions import DomainError
from mash.models import Agency
from mash.roles import Role

from . import cpis, edt, selectors, strategy
from .harm_forms import CpisCheckForm, EdtRecordForm, StrategyDiscussionForm, now_on_screen
from .models import EdtHandover
from .views import WORKERS, _about, _apply_error, _form_page, _may, _visible


@tenant_member_required
def cpis_check(request, pk):
    def form_factory(contact, data):
        existing = cpis.check_for(contact)
        initial = {"checked_at": now_on_screen()}
        if existing is not None:
            initial.update(result=existing.result, details=existing.details)
        return CpisCheckForm(data, initial=initial)

    def handle(contact, form):
        data = form.cleaned_data
        check = cpis.record_cpis_check(
            contact=contact, actor=request.user, checked_at=data["checked_at"], result=data["result"],
            details=data["details"],
        )  # fmt: skip
        return f"CP-IS check recorded for {contact.reference}: {check.get_result_display().lower()}."

    return _form_page(
        request, pk, roles=WORKERS, what="record CP-IS checks", form_factory=form_factory, handle=handle,
        template="triage/form.html", title="Record the CP-IS check",
    )  # fmt: skip


@role_required(Role.EDT)
def edt_queue(request):
    rows = list(edt.edt_queue(request.user))
    selectors.prepare_queue_rows(rows, tenant=request.tenant)
    return render(request, "triage/edt_queue.html", {"rows": rows})


@tenant_member_required
def edt_record(request, pk):
    def form_factory(contact, data):
        existing = EdtHandover.objects.filter(contact=contact).first()
        initial = {}
        if existing is not None:
            initial = {name: getattr(existing, name) for name in (*edt.RECORD_FIELDS, "handover_note")}
        return EdtRecordForm(data, initial=initial)

    def handle(contact, form):
        data = form.cleaned_data
        record = edt.record_edt_response(
            contact=contact, actor=request.user, hand_back=data["hand_back"],
            **{name: data[name] for name in (*edt.RECORD_FIELDS, "handover_note")},
        )  # fmt: skip
        if record.handed_back_at:
            return f"Contact {contact.reference} handed back to the MASH with your note."
        return f"What you did on {contact.reference} is recorded. Hand it back when you are done."

    return _form_page(
        request, pk, roles=(Role.EDT,), what="record out-of-hours work (Emergency Duty Team only)",
        form_factory=form_factory, handle=handle, template="triage/form.html",
        title="Record what the Emergency Duty Team did",
    )  # fmt: skip


def _attendees(data) -> list[dict]:
    """The form's attendees as the service takes them: agency slugs and names (unknown agencies kept as typed,
    so the service names them in its error)."""
    people = [{"agency": "police", "name": data["police"]}, {"agency": "health", "name": data["health"]}]
    if data["social_care"]:
        people.insert(0, {"agency": "social-care", "name": data["social_care"]})
    known = {}
    for agency in Agency.objects.filter(active=True):
        known[agency.slug.lower()] = agency.slug
        known[agency.name.lower()] = agency.slug
    for line in data["others"].splitlines():
        if not line.strip():
            continue
        agency, _, name = line.partition(":")
        people.append({"agency": known.get(agency.strip().lower(), agency.strip()), "name": name.strip()})
    return people


def _actions(text: str) -> list[dict]:
    actions = []
    for line in text.splitlines():
        if line.strip():
            action, owner, due = ([*(part.strip() for part in line.split(";")), "", ""])[:3]
            actions.append({"action": action, "owner": owner, "due": due})
    return actions


@tenant_member_required
def strategy_discussion(request, pk):
    contact = _visible(request, pk)
    _may(request, strategy.RECORDERS, "record strategy discussions")
    if contact.outcome != Outcome.STRATEGY_DISCUSSION:
        messages.error(request, f"Contact {contact.reference} was not decided as a strategy discussion.")
        return redirect("triage:contact", pk=contact.pk)
    status = 200
    form = StrategyDiscussionForm(request.POST or None, initial={"held_at": now_on_screen()})
    if request.method == "POST":
        if form.is_valid():
            data = form.cleaned_data
            try:
                strategy.record_strategy_discussion(
                    contact=contact, actor=request.user, held_at=data["held_at"], chair=data["chair"],
                    attendees=_attendees(data), decision=data["decision"], notes=data["notes"],
                    shared=data["shared"], actions=_actions(data["actions"]), conference=data["conference"],
                )  # fmt: skip
            except DomainError as exc:
                status = _apply_error(form, exc)
            else:
                messages.success(request, f"Strategy discussion recorded for {contact.reference}.")
                return redirect("triage:contact", pk=contact.pk)
        else:
            status = 400
    title = "Record the strategy discussion"
    context = {"contact": contact, "form": form, "title": title, **_about(request, contact, title)}
    return render(request, "triage/form.html", context, status=status)
