"""What a return may hold: one set of rules for the API, the pages and the service.

Drafts keep whatever was typed (bounded, coerced to the right shape); submission needs the
complete, consistent return. Errors come back field by field, as the API and the pages show them.
"""

from __future__ import annotations

from datetime import date

from contacts.choices import Consent, ConsentReason
from mash.exceptions import PolicyViolation

from .models import ITEM_MAX, ITEMS_MAX, SUMMARY_MAX, LawfulBasis

TEXT_FIELDS = ("summary", "recommendation")
LIST_FIELDS = ("risk_indicators", "sources_checked")
CHOICE_FIELDS = {"lawful_basis": LawfulBasis, "consent_status": Consent, "consent_reason": ConsentReason}
FIELDS = (
    "known_to_agency", *TEXT_FIELDS, *LIST_FIELDS, "answers", "history", *CHOICE_FIELDS, "not_for_onward_sharing",
)  # fmt: skip


class ReturnInvalid(PolicyViolation):
    """A return that cannot be saved or submitted as it is: ``errors`` maps each field to its messages."""

    def __init__(self, errors: dict[str, list[str]]):
        first = next(iter(errors.values()))[0]
        super().__init__(first, field=next(iter(errors)))
        self.errors = errors

    def as_errors(self) -> dict:
        return self.errors


def _text(value, limit: int) -> str:
    return ("" if value is None else str(value)).strip()[:limit]


def _items(value) -> list[str]:
    if isinstance(value, str):
        value = value.splitlines()
    if not isinstance(value, list | tuple):
        return []
    return [t for t in (_text(v, ITEM_MAX) for v in value if not isinstance(v, dict | list)) if t][:ITEMS_MAX]


def _bool(value):
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        return value
    return {"yes": True, "true": True, "1": True, "no": False, "false": False, "0": False}.get(str(value).lower())


def _history(value, errors: dict, *, strict: bool = True) -> list[dict]:
    """Dated history rows. Not ``strict`` (a draft): rows are kept as typed, to be corrected before submitting."""
    rows = []
    for index, item in enumerate(value if isinstance(value, list | tuple) else []):
        if not isinstance(item, dict):
            continue
        raw_date, details = _text(item.get("date"), 10), _text(item.get("details"), ITEM_MAX * 4)
        if not raw_date and not details:
            continue
        if not strict:
            rows.append({"date": raw_date, "details": details})
            continue
        if raw_date:
            try:
                when = date.fromisoformat(raw_date)
            except ValueError:
                errors.setdefault("history", []).append(
                    f"History entry {index + 1}: enter the date as a real date, for example 2024-03-27."
                )
                continue
            if when > date.today():
                errors.setdefault("history", []).append(f"History entry {index + 1}: the date must be in the past.")
                continue
        if not details:
            errors.setdefault("history", []).append(f"History entry {index + 1}: say what happened.")
            continue
        rows.append({"date": raw_date, "details": details})
    return rows[:ITEMS_MAX]


def _answers(value) -> list[dict]:
    rows = []
    for item in value if isinstance(value, list | tuple) else []:
        if isinstance(item, dict):
            question = _text(item.get("question"), ITEM_MAX)
            if question:
                rows.append({"question": question, "answer": _text(item.get("answer"), SUMMARY_MAX)})
    return rows[:ITEMS_MAX]


def clean(values: dict, *, submitting: bool) -> dict:
    """The return's fields from ``values`` (only those given). Raises :class:`ReturnInvalid`."""
    errors: dict[str, list[str]] = {}
    cleaned: dict = {}
    if "known_to_agency" in values:
        cleaned["known_to_agency"] = _bool(values["known_to_agency"])
    if "not_for_onward_sharing" in values:
        cleaned["not_for_onward_sharing"] = bool(_bool(values["not_for_onward_sharing"]))
    for name in TEXT_FIELDS:
        if name in values:
            cleaned[name] = _text(values[name], SUMMARY_MAX)
    for name in LIST_FIELDS:
        if name in values:
            cleaned[name] = _items(values[name])
    if "answers" in values:
        cleaned["answers"] = _answers(values["answers"])
    if "history" in values:
        cleaned["history"] = _history(values["history"], errors, strict=submitting)
    for name, choices in CHOICE_FIELDS.items():
        if name in values:
            value = _text(values[name], 30)
            if value and value not in choices.values:
                if submitting:
                    errors.setdefault(name, []).append(f'"{value}" is not one of the allowed codes.')
                continue
            cleaned[name] = value
    if errors:
        raise ReturnInvalid(errors)
    return cleaned


def check_complete(values: dict) -> None:
    """The whole return (draft merged with the submission) is fit to share."""
    errors: dict[str, list[str]] = {}
    _history(values.get("history") or [], errors)  # a draft keeps rows as typed: check them now
    if values.get("known_to_agency") is None:
        errors["known_to_agency"] = ["Say whether the child or family is known to your agency."]
    if not values.get("summary"):
        errors["summary"] = ["Summarise your agency's involvement, or say that you found none."]
    if not values.get("recommendation"):
        errors["recommendation"] = ["Give your agency's recommendation."]
    if not values.get("lawful_basis"):
        errors["lawful_basis"] = ["Choose the lawful basis for sharing."]
    consent = values.get("consent_status")
    if not consent:
        errors["consent_status"] = ["Say whether the family consented to this sharing."]
    elif consent != Consent.GIVEN and not values.get("consent_reason"):
        errors["consent_reason"] = ["Say why you are sharing without consent (information-sharing guidance)."]
    if values.get("lawful_basis") == LawfulBasis.CONSENT and consent != Consent.GIVEN:
        errors.setdefault("lawful_basis", []).append("Consent can only be the lawful basis when it was given.")
    if errors:
        raise ReturnInvalid(errors)
