"""The typed entry point of a contact: what ``services.submit_contact`` receives, however the contact came in.

The API's serializers, the phone form and early help's step-up each build a :class:`ContactSubmission`
from input they have already checked; the service turns it into a contact and its people. A field the
sender did not give has the model's default, so every channel stores the same thing for "not said".
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from .choices import Consent, ParentsAware, Sex


@dataclass(frozen=True, kw_only=True)
class SubmittedPerson:
    """A child or household member as the sender names them (a child's ``role`` is implied)."""

    first_name: str
    last_name: str = ""
    date_of_birth: date | None = None
    # A pre-birth referral: an unborn child has an expected date of delivery instead of a date of birth.
    unborn: bool = False
    expected_date: date | None = None
    sex: str = Sex.UNKNOWN
    postcode: str = ""
    ethnicity: str = ""
    disability: str = ""
    phone: str = ""
    role: str = ""  # household members only: parent, carer, sibling, ...
    relationship: str = ""


@dataclass(frozen=True, kw_only=True)
class ContactSubmission:
    """One contact and the people it names, as received (validated, not yet stored)."""

    channel: str
    concerns: str
    children: tuple[SubmittedPerson, ...]
    household: tuple[SubmittedPerson, ...] = ()
    source: str = ""
    received_at: datetime | None = None  # now, unless staff record a contact that came in earlier
    support_provided: str = ""
    address: str = ""
    postcode: str = ""
    school: str = ""
    gp: str = ""
    language: str = ""
    interpreter_needed: bool = False
    parents_aware: str = ParentsAware.UNKNOWN
    consent_to_referral: str = Consent.NOT_SOUGHT
    consent_to_sharing: str = Consent.NOT_SOUGHT
    consent_reason: str = ""
    consent_decided_by: str = ""
    threshold_level: Any = None  # a thresholds.ThresholdLevel, when the sender chose one
    referrer_name: str = ""
    referrer_role: str = ""
    referrer_organisation: str = ""
    referrer_email: str = ""
    referrer_phone: str = ""
    call_notes: str = ""
    external_reference: str = ""
    urgent: bool = False  # the sender believes the child is at immediate risk (treated like Red until rated)

    @classmethod
    def from_data(cls, data: Mapping, *, channel: str | None = None) -> ContactSubmission:
        """From validated input shaped as the API takes it (``children`` and ``household`` lists of dicts).

        ``channel`` defaults to the input's own (staff say how a contact came in). A key that is not a
        field is an error, not silently dropped.
        """
        values = dict(data)
        given_channel = values.pop("channel", None)
        children = tuple(SubmittedPerson(**child) for child in values.pop("children", ()))
        household = tuple(SubmittedPerson(**member) for member in values.pop("household", ()))
        return cls(channel=channel or given_channel, children=children, household=household, **values)
