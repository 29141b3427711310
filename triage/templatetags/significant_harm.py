"""What the contact page's significant-harm partial shows (issue 19), read in one place for the template."""

from django import template
from django.core.exceptions import ObjectDoesNotExist

from contacts.choices import Outcome
from triage.models import EdtHandover
from triage.strategy import RECORDERS

register = template.Library()


@register.simple_tag
def significant_harm_record(contact, user) -> dict:
    try:  # joined by the contacts selector: no query
        cpis = contact.cpis_check
    except ObjectDoesNotExist:
        cpis = None
    edt = (
        EdtHandover.objects.filter(contact=contact).select_related("handed_back_by").first()
        if contact.out_of_hours
        else None
    )
    try:
        strategy_recorded = contact.strategy_discussion is not None
    except ObjectDoesNotExist:
        strategy_recorded = False
    return {
        "cpis": cpis,
        "edt": edt,
        "can_record_strategy": contact.outcome == Outcome.STRATEGY_DISCUSSION
        and not strategy_recorded
        and getattr(user, "role", "") in RECORDERS,
        "can_record_edt": getattr(user, "role", "") == "edt" and (edt is None or edt.handed_back_at is None),
    }
