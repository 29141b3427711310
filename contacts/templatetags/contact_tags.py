"""How a contact's status shows as a GOV.UK tag on staff pages: one colour per status wherever it appears."""

from django import template

from contacts.choices import ContactStatus

register = template.Library()

# Distinct from each other and from the ratings' colours (a rating's tag often shares the row).
STATUS_COLOURS = {
    ContactStatus.RECEIVED: "pink",
    ContactStatus.IN_TRIAGE: "teal",
    ContactStatus.ENQUIRY: "magenta",
    ContactStatus.DECIDED: "green",
    ContactStatus.CLOSED: "grey",
}


@register.filter
def status_colour(status: str) -> str:
    return STATUS_COLOURS.get(status or "", "grey")
