"""Small display helpers for triage pages: a contact's status as a GOV.UK tag, and the timeline's words.

Time left is told by mash.timefmt (``{% load timefmt %}``), the one wording of every page."""

from django import template

from contacts.templatetags.contact_tags import status_colour
from mash import timefmt

register = template.Library()

# A contact's status as a tag, as every staff page shows it (contacts.templatetags.contact_tags).
register.filter("status_colour", status_colour)


@register.filter
def time_left(due_at) -> str:
    """Kept for templates that load triage_tags: the words of :func:`mash.timefmt.time_left`."""
    return timefmt.time_left(due_at).words


# The timeline's words for audited steps; anything else is spelt out from its action name.
ACTION_WORDS = {
    "contact.received": "Contact received",
    "contact.taken": "Taken by a social worker",
    "contact.rated": "Rated",
    "contact.rerated": "Re-rated",
    "strategy_discussion.recorded": "Strategy discussion recorded",
    "contact.immediate_action_alerted": "Managers on duty alerted: immediate action",
    "contact.decision_brought_forward": "Decision deadline brought forward by the rating",
    "contact.decided": "Decision recorded",
    "contact.feedback_sent": "Feedback sent to the referrer",
    "contact.feedback_recorded": "Feedback written (no way to reach the referrer)",
    "contact.feedback_withheld": "Reference only sent to the reporter (identity not verified)",
    "contact.reporter_identity_verified": "Reporter's identity verified",
    "clock.started": "Deadline started",
    "clock.met": "Deadline met",
    "clock.cancelled": "Deadline stopped",
    "clock.retimed": "Deadline brought forward",
    "clock.warned": "Deadline warning sent",
    "clock.breached": "Deadline missed",
    "clock.escalated": "Escalated",
    "information_request.opened": "Information requested",
    "information_request.retimed": "Request deadline brought forward",
    "information_request.closed": "Request closed",
    "information_return.submitted": "Information returned",
    "safety_map.recorded": "Signs of Safety analysis recorded",
    "safety_map.changed": "Signs of Safety analysis changed",
    "case_note.added": "Case note added",
    "referrer_call.recorded": "Call with the referrer recorded",
    "threshold.judged": "Level of need judged",
    "information_sharing.decided": "Information-sharing decision recorded",
    "person_match.confirmed": "Person match confirmed",
    "person_match.rejected": "Person match rejected",
    "early_help.received": "Early Help request created",
    "contact.bounced": "Flagged: bouncing between tiers",
}


@register.filter
def action_words(action: str) -> str:
    if action in ACTION_WORDS:
        return ACTION_WORDS[action]
    words = action.replace("_", " ").replace(".", ": ")
    return words[:1].upper() + words[1:]


@register.filter
def bounce_days(contact) -> int | None:
    """How many days the child stayed in the other tier before bouncing back (issue 20): from the earlier
    step-down, "no further action" or step-up to this contact's receipt (or, stepped down again, its decision)."""
    if not contact.bounce or contact.bounce_since is None:
        return None
    until = contact.decided_at if contact.bounce == "up_down" and contact.decided_at else contact.received_at
    return max(0, (until - contact.bounce_since).days)


@register.simple_tag
def bounce_early_help(contact, early_help):
    """The early-help request a contact stepped up from and down again (among the record's), for its link."""
    return next((r for r in early_help if r.reference == contact.bounce_reference), None)
