"""What a leaver leaves behind. The core cannot import the apps that hold work (contacts,
navigators, ...), so it asks them: each connects a receiver in its ``receivers.py`` that returns a
list of :class:`OpenWork` for ``user`` (called inside the user's tenant)."""

from typing import NamedTuple

from django.dispatch import Signal

# send(sender=User, user=<the user>) -> each receiver returns list[OpenWork]
open_work_requested = Signal()


class OpenWork(NamedTuple):
    kind: str  # e.g. "Contact", "Information request"
    label: str  # e.g. the contact's reference
    status: str
    url: str  # where it is reassigned
