"""Signals other capabilities listen to (contacts never imports them)."""

from django.dispatch import Signal

# Two register entries were merged (a confirmed person match). Sent with ``tenant_id`` and
# ``contact_ids``: every contact whose mentions moved to the kept entry. The moves are bulk updates,
# which send no save signals, so figures derived from "the same child" must refresh from this.
people_merged = Signal()

# A contact was received (inside the submission's transaction). Sent with ``contact`` and ``actor``
# (None for the public): triage alerts the duty managers at once when the referrer says it is urgent.
contact_received = Signal()
