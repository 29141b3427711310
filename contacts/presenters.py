"""What pages show of a draft or a contact: check-your-answers rows, error links, the referrer's status words."""

from __future__ import annotations

from datetime import date

from django.urls import reverse

from .choices import (
    ENQUIRY_CLOSED,
    Consent,
    ConsentReason,
    ContactStatus,
    Ethnicity,
    Outcome,
    ParentsAware,
    PersonRole,
    ReferralSource,
)

STEP_OF_FIELD = {
    "children": "children",
    "household": "household",
    **dict.fromkeys(["address", "postcode", "school", "gp", "language", "interpreter_needed"], "family"),
    **dict.fromkeys(
        ["source", "referrer_name", "referrer_role", "referrer_organisation", "referrer_email", "referrer_phone"],
        "referrer",
    ),
    **dict.fromkeys(["concerns", "support_provided", "urgent"], "concerns"),
    **dict.fromkeys(
        ["parents_aware", "consent_to_referral", "consent_to_sharing", "consent_reason", "consent_decided_by"],
        "consent",
    ),
    "threshold_level": "threshold",
}


def _flatten(value, prefix=""):
    if isinstance(value, dict):
        for key, inner in value.items():
            label = "" if key == "non_field_errors" else key.replace("_", " ")
            yield from _flatten(inner, f"{prefix}{label}: " if label else prefix)
    elif isinstance(value, list):
        for i, inner in enumerate(value):
            if isinstance(inner, dict) and inner:
                yield from _flatten(inner, f"{prefix}person {i + 1}, ")
            elif inner:
                yield from _flatten(inner, prefix)
    else:
        yield f"{prefix}{value}"


def error_links(errors: dict, step_url) -> list[dict]:
    """The serializer's errors as error-summary links to the page where each can be fixed."""
    links = []
    for field, messages in errors.items():
        step = STEP_OF_FIELD.get(field, "children")
        for text in _flatten(messages):
            text = text.replace("person ", "child " if field == "children" else "person ", 1)
            links.append({"href": f"{step_url(step)}?from=check", "text": text.rstrip(".")})
    return links


def _date(value) -> str:
    if not value:
        return "Not known"
    try:
        return date.fromisoformat(str(value)).strftime("%-d %B %Y")
    except ValueError:
        return str(value)


def _label(choices, value, default="Not given"):
    return dict(choices).get(value, value) if value not in (None, "") else default


def check_answers_sections(data: dict, step_url) -> list[dict]:
    """Summary-list sections for check your answers, each row with its change link."""

    def url(step):
        return f"{step_url(step)}?from=check"

    children = []
    for i, child in enumerate(data.get("children", [])):
        children.append(
            {
                "key": f"{child.get('first_name', '')} {child.get('last_name', '')}",
                "value": (
                    f"Unborn, due {_date(child.get('expected_date'))}"
                    if child.get("unborn")
                    else f"Born {_date(child.get('date_of_birth'))}"
                )
                + (f", {_label(Ethnicity.choices, child.get('ethnicity'))}" if child.get("ethnicity") else "")
                + (f". {child['disability']}" if child.get("disability") else ""),
                "href": reverse("contacts:marf-child-change", args=[i]) + "?from=check",
            }
        )
    household = [
        {
            "key": f"{p.get('first_name', '')} {p.get('last_name', '')}",
            "value": p.get("relationship") or _label(PersonRole.choices, p.get("role")),
            "href": url("household"),
        }
        for p in data.get("household", [])
    ] or [{"key": "Household", "value": "No one added", "href": url("household")}]
    level = data.get("threshold_level")
    return [
        {"title": "Children", "rows": children},
        {"title": "Family and household", "rows": household},
        {
            "title": "Home, school and GP",
            "rows": [
                {"key": "Address", "value": data.get("address") or "Not given", "href": url("family")},
                {"key": "Postcode", "value": data.get("postcode") or "Not given", "href": url("family")},
                {"key": "School", "value": data.get("school") or "Not given", "href": url("family")},
                {"key": "GP practice", "value": data.get("gp") or "Not given", "href": url("family")},
                {"key": "Language", "value": data.get("language") or "Not given", "href": url("family")},
                {
                    "key": "Interpreter needed",
                    "value": "Yes" if data.get("interpreter_needed") in (True, "on", "true") else "No",
                    "href": url("family"),
                },
            ],
        },
        {
            "title": "About you",
            "rows": [
                {
                    "key": "Service",
                    "value": _label(ReferralSource.choices, data.get("source")),
                    "href": url("referrer"),
                },
                {"key": "Name", "value": data.get("referrer_name") or "Not given", "href": url("referrer")},
                {"key": "Job title", "value": data.get("referrer_role") or "Not given", "href": url("referrer")},
                {
                    "key": "Organisation",
                    "value": data.get("referrer_organisation") or "Not given",
                    "href": url("referrer"),
                },
                {"key": "Email", "value": data.get("referrer_email") or "Not given", "href": url("referrer")},
                {"key": "Phone", "value": data.get("referrer_phone") or "Not given", "href": url("referrer")},
            ],
        },
        {
            "title": "Your concerns",
            "rows": [
                {
                    "key": "What you are worried about",
                    "value": data.get("concerns") or "Not given",
                    "href": url("concerns"),
                },
                {
                    "key": "Support given",
                    "value": data.get("support_provided") or "None given",
                    "href": url("concerns"),
                },
                {
                    "key": "Child at immediate risk of significant harm",
                    "value": "Yes: the managers on duty will be alerted at once" if data.get("urgent") else "No",
                    "href": url("concerns"),
                },
            ],
        },
        {
            "title": "Consent",
            "rows": [
                {
                    "key": "Parents or carers know",
                    "value": _label(ParentsAware.choices, data.get("parents_aware")),
                    "href": url("consent"),
                },
                {
                    "key": "Consent to the referral",
                    "value": _label(Consent.choices, data.get("consent_to_referral")),
                    "href": url("consent"),
                },
                {
                    "key": "Consent to sharing information",
                    "value": _label(Consent.choices, data.get("consent_to_sharing")),
                    "href": url("consent"),
                },
                *(
                    [
                        {
                            "key": "Why not",
                            "value": _label(ConsentReason.choices, data.get("consent_reason")),
                            "href": url("consent"),
                        },
                        {
                            "key": "Who decided",
                            "value": data.get("consent_decided_by") or "Not given",
                            "href": url("consent"),
                        },
                    ]
                    if data.get("consent_reason")
                    else []
                ),
            ],
        },
        {
            "title": "Level of need",
            "rows": [
                {
                    "key": "Level you think applies",
                    "value": f"Level {level}" if level else "Not sure",
                    "href": url("threshold"),
                }
            ],
        },
    ]


def referrer_status(contact) -> dict:
    """Plain words for where a referral is, for the referrer (a tag colour always comes with a word)."""
    if contact.status in ENQUIRY_CLOSED and contact.outcome:
        return {"text": "Decided", "colour": "green", "outcome": Outcome(contact.outcome).label}
    if contact.status == ContactStatus.RECEIVED:
        return {"text": "Received", "colour": "blue", "outcome": None}
    return {"text": "Being looked at", "colour": "yellow", "outcome": None}
