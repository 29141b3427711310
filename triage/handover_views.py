"""Pages of the handover (the MASH summary: page, print view, PDF; send; acknowledge) and of the advice line."""

from __future__ import annotations

from datetime import date

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.text import slugify
from django.views.decorators.http import require_POST

from deadlines.selectors import clocks_for_subject
from mash.decorators import role_required, tenant_member_required
from mash.exceptions import DomainError
from mash.models import Team
from mash.roles import Role

from . import consultations, handover
from .handover_models import ConsultationOutcome, OrganisationType


def _contact(request, pk):
    contact = handover.visible_contact(request.user, pk)
    if contact is None or not contact.outcome:
        raise Http404
    return contact


def _context(request, contact) -> dict:
    record = handover.handover_of(contact)
    return {
        "contact": contact,
        "summary": handover.compile_summary(contact),
        "handover": record,
        "clocks": list(clocks_for_subject(subject=record)) if record else [],
        "passing_on": contact.outcome in handover.PASSING_ON,
        "can_send": request.user.role == Role.MANAGER and record is None and contact.outcome in handover.PASSING_ON,
        "can_acknowledge": record is not None and record.acknowledged_at is None
        and handover.may_acknowledge(request.user, record),
        "teams": list(Team.objects.filter(active=True).order_by("name")),
        "is_other_service": contact.outcome == "other_service",
        "dated": record.sent_at if record else timezone.now(),  # the summary's date: when it was handed over
    }  # fmt: skip


@tenant_member_required
def summary_page(request, pk):
    contact = _contact(request, pk)
    handover.record_produced(contact=contact, actor=request.user, form="viewed")
    return render(request, "triage/handover.html", _context(request, contact))


@tenant_member_required
def summary_print(request, pk):
    contact = _contact(request, pk)
    handover.record_produced(contact=contact, actor=request.user, form="printed")
    return render(request, "triage/handover_print.html", _context(request, contact))


@tenant_member_required
def summary_pdf(request, pk):
    """The summary as a PDF made on the server (WeasyPrint), from the print view's HTML."""
    from weasyprint import HTML

    contact = _contact(request, pk)
    html = render_to_string("triage/handover_print.html", _context(request, contact), request=request)
    pdf = HTML(string=html, base_url=request.build_absolute_uri("/")).write_pdf()
    handover.record_produced(contact=contact, actor=request.user, form="downloaded")
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="mash-summary-{slugify(contact.reference)}.pdf"'
    return response


@require_POST
@tenant_member_required
def send(request, pk):
    contact = _contact(request, pk)
    if request.user.role != Role.MANAGER:
        raise PermissionDenied("Only MASH team managers hand a case over.")
    try:
        record = handover.send_handover(
            contact=contact,
            actor=request.user,
            team=request.POST.get("team") or None,
            service_name=request.POST.get("service_name", ""),
            service_contact=request.POST.get("service_contact", ""),
        )
    except DomainError as exc:
        context = _context(request, contact) | {"error": exc.message, "error_field": exc.field or "team"}
        return render(request, "triage/handover.html", context, status=409 if exc.status_code == 409 else 400)
    messages.success(request, f"{contact.reference} handed over to {record.receiver_name}.")
    return redirect("triage:handover", pk=contact.pk)


@require_POST
@tenant_member_required
def acknowledge(request, pk):
    contact = _contact(request, pk)
    try:
        handover.acknowledge_handover(contact=contact, actor=request.user)
    except DomainError as exc:
        if exc.status_code == 403:
            raise PermissionDenied(exc.message) from None
        messages.error(request, exc.message)
        return redirect("triage:handover", pk=contact.pk)
    messages.success(request, f"Handover of {contact.reference} acknowledged. The contact is closed.")
    return redirect("triage:handover", pk=contact.pk)


# --- the advice line ---------------------------------------------------------------------------------


@role_required(*consultations.RECORDERS)
def consultation_list(request):
    q = request.GET.get("q", "")[: consultations.SEARCH_MAX]
    rows = list(consultations.consultations(q=q)[:200])
    return render(request, "triage/consultations.html", {"rows": rows, "q": q})


def _date(values) -> date | None:
    day, month, year = (values.get(f"child_date_of_birth_{i}", "").strip() for i in range(3))
    if not (day or month or year):
        return None
    try:
        return date(int(year), int(month), int(day))
    except (ValueError, OverflowError):
        return "invalid"


# Where each field's error links: the first box of the date, the first radio (GOV.UK).
CONSULTATION_ANCHORS = {"child_date_of_birth": "child_date_of_birth_0", "outcome": "outcome_1"}
CONSULTATION_FIELDS = ("caller_name", "caller_organisation", "organisation_type", "caller_phone", "question", "advice",
                       "outcome", "child_name", "contact")  # fmt: skip


@role_required(*consultations.RECORDERS)
def consultation_new(request):
    values, errors, status = {}, {}, 200
    if request.method == "POST":
        values = request.POST
        answers = {name: values.get(name, "") for name in CONSULTATION_FIELDS}
        answers["contact"] = answers["contact"].strip() or None
        born = _date(values)
        errors = consultations.consultation_errors(**answers, child_date_of_birth=born)
        if not errors:
            try:
                row = consultations.record_consultation(actor=request.user, **answers, child_date_of_birth=born)
            except DomainError as exc:
                errors = {exc.field or "caller_name": exc.message}
            else:
                messages.success(request, f"Consultation with {row.caller_organisation} recorded.")
                return redirect("triage:consultations")
        status = 400 if errors else 200
    summary = [{"href": f"#{CONSULTATION_ANCHORS.get(f, f)}", "text": m} for f, m in errors.items()]
    return render(
        request,
        "triage/consultation_form.html",
        {
            "values": values,
            "errors": errors,
            "summary": summary,
            "types": OrganisationType.choices,
            "outcomes": ConsultationOutcome.choices,
        },
        status=status,
    )
