"""Immediate action (issue 19): a Red rating, any rating the tenant marks immediate, or an urgent report
tells the MASH managers on duty and the triage worker at once, in the app and by email, once each; out of hours,
the Emergency Duty Team too."""

from __future__ import annotations

from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from contacts.models import Contact
from deadlines.services import notify
from mash import audit
from mash.roles import Role
from mash.selectors import tenant_staff

from . import edt
from .models import ImmediateAlert


def managers_on_duty(tenant) -> list:
    """The MASH managers on duty. There is no rota yet, so: every active manager of the tenant."""
    return list(tenant_staff(tenant=tenant, roles=[Role.MANAGER]).order_by("id"))


def alert_immediate_action(*, contact: Contact, reason: str, actor=None) -> list[ImmediateAlert]:
    """Tell the managers on duty and the contact's triage worker, each once per contact whatever the trigger.

    Runs in the caller's transaction: the notice exists exactly when the rating (or the report) does.
    Returns the alerts sent now (none for people already told).
    """
    people = managers_on_duty(contact.tenant)
    worker = contact.assigned_to if contact.assigned_to_id else None
    if worker is not None and worker.is_active and worker.role == Role.TRIAGE:
        people.append(worker)
    # Out of hours the Emergency Duty Team is told too, and its response clock starts.
    duty_team = edt.edt_to_alert(contact)
    people += duty_team
    already = set(ImmediateAlert.objects.filter(contact=contact).values_list("recipient_id", flat=True))
    url = reverse("triage:contact", args=[contact.pk])
    sent = []
    for person in {p.pk: p for p in people}.values():
        if person.pk in already:
            continue
        try:
            with transaction.atomic():
                alert = ImmediateAlert.objects.create(
                    contact=contact, recipient=person, reason=reason[:200], created_at=timezone.now()
                )
        except IntegrityError:  # told by a concurrent rating: never a second alert
            continue
        alert.notification = notify(
            recipient=person,
            subject=f"Immediate action: {contact.reference}",
            message=f"Contact {contact.reference} needs immediate action: {reason}. Open it now.",
            url=url,
        )
        alert.save(update_fields=["notification"])
        sent.append(alert)
    edt.start_response_clock(contact, team=duty_team, actor=actor)
    if sent:
        audit.record(
            actor=actor,
            action="contact.immediate_action_alerted",
            obj=contact,
            changes={"reason": reason, "told": [a.recipient.get_username() for a in sent]},
        )
    return sent
