"""Triage hears of contacts as they arrive (contacts never imports triage)."""

from django.dispatch import receiver

from contacts.signals import contact_received

from .alerts import alert_immediate_action


@receiver(contact_received, dispatch_uid="triage.alert_urgent_contact")
def alert_urgent_contact(sender, contact, actor=None, **kwargs):
    """An urgent report is treated like Red until rated: the managers on duty are told at once."""
    if contact.urgent:
        alert_immediate_action(
            contact=contact, reason="the referrer believes the child is at immediate risk", actor=actor
        )
