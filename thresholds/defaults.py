"""Seeded policy per local authority, drawn from the seed documents (see ../shared/DOMAIN.md)."""

from decimal import Decimal

from .models import AgenciesAsked, ClockKind, DeadlineUnit, NeedDomain

CH, WH, WD = DeadlineUnit.CLOCK_HOURS, DeadlineUnit.WORKING_HOURS, DeadlineUnit.WORKING_DAYS


def _rating(
    code,
    label,
    colour,
    order,
    asked,
    amount,
    unit,
    description,
    examples="",
    early_help=False,
    decision=None,
    immediate=False,
):
    decision_amount, decision_unit = decision or (None, "")
    return {
        "decision_amount": Decimal(decision_amount) if decision_amount is not None else None,
        "decision_unit": decision_unit,
        "immediate": immediate,
        # CP-IS (issue 19): by default a check is required before any decision on a Red or Amber contact
        # (Durham's "Amber Level 3" is drawn yellow but is still Amber).
        "cpis_check_required": colour in ("red", "amber") or code.startswith("amber"),
        "code": code,
        "label": label,
        "colour": colour,
        "order": order,
        "agencies_asked": asked,
        "return_amount": Decimal(amount) if amount is not None else None,
        "return_unit": unit or "",
        "description": description,
        "examples": examples,
        "can_route_to_early_help": early_help,
    }


# The default BRAG scheme (Cambridgeshire, seed 000): navigator returns in clock hours.
DEFAULT_BRAG = [
    _rating("red", "Red", "red", 1, AgenciesAsked.ALL, "4", CH,
            "Potential child-protection issue. Immediate action.", "Serious injury to a child.", immediate=True),
    _rating("amber", "Amber", "amber", 2, AgenciesAsked.ALL, "6", CH,
            "Significant concerns; immediate action not required.", "Ongoing domestic abuse in the household."),
    _rating("green", "Green", "green", 3, AgenciesAsked.SELECTED, "24", CH,
            "Wellbeing concerns below the statutory threshold.", "Poor school attendance.", early_help=True),
    _rating("blue", "Blue", "blue", 4, AgenciesAsked.NONE, None, None,
            "No safeguarding concern; a universal service can respond.", "Advice to a parent about local services."),
]  # fmt: skip

# County Durham (seed 004): Red processed within 4 working hours of receipt; Amber within one working day.
DURHAM = [
    _rating("red", "Red", "red", 1, AgenciesAsked.ALL, "4", WH,
            "Significant and immediate concerns for the child.", decision=("4", WH), immediate=True),
    _rating("amber-l4", "Amber Level 4", "amber", 2, AgenciesAsked.ALL, "1", WD,
            "Significant concerns for the child but not immediate.", decision=("1", WD)),
    _rating("amber-l3", "Amber Level 3", "yellow", 3, AgenciesAsked.SELECTED, "1", WD,
            "Concerns for a child in need of support services but not necessarily social work support.",
            early_help=True, decision=("1", WD)),
]  # fmt: skip

# Coventry (seed 003): Amber is a 24-hour MASH episode; Red and Green confirm a statutory referral at once.
COVENTRY = [
    _rating("red", "Red", "red", 1, AgenciesAsked.NONE, None, None,
            "Immediate response: confirm referral into statutory children's services (safeguarding).",
            immediate=True),
    _rating("amber", "Amber", "amber", 2, AgenciesAsked.ALL, "24", CH,
            "MASH episode to gather multi-agency information for 24 hours."),
    _rating("green", "Green", "green", 3, AgenciesAsked.NONE, None, None,
            "Confirm referral into statutory children's services for a non-safeguarding need.", "Homelessness."),
]  # fmt: skip

SCHEMES = {"cambridgeshire": DEFAULT_BRAG, "durham": DURHAM, "coventry": COVENTRY}

# Other clocks: (amount, unit). Working Together: a decision within one working day of receipt.
DEFAULT_CLOCKS = {
    ClockKind.DECISION: ("1", WD),
    ClockKind.NAVIGATOR_RETURN: (None, ""),  # from the rating
    ClockKind.EARLY_HELP_REVIEW: ("48", CH),  # Cambridgeshire: Early Help Hub outcome within 48 hours
    ClockKind.REFERRER_FEEDBACK: ("1", WD),
    ClockKind.PLAN_REVIEW: ("30", WD),
    ClockKind.EARLY_HELP_FEEDBACK: ("1", WD),  # calls to the referrer and family, the letter to the lead professional
    ClockKind.STRATEGY_DISCUSSION: ("1", WD),  # a strategy discussion held within one working day of the decision
    ClockKind.EDT_RESPONSE: ("1", CH),  # the Emergency Duty Team responds to an urgent out-of-hours contact in an hour
    ClockKind.HANDOVER_ACKNOWLEDGEMENT: ("1", WD),  # the receiving team acknowledges the MASH summary
}

D, P, F = NeedDomain.DEVELOPMENT, NeedDomain.PARENTING, NeedDomain.FAMILY

# Seed 003's "Identifying need" table (Coventry), in the common four-level shape.
THRESHOLD_LEVELS = [
    (1, "Universal", "No additional needs.", {
        D: ["Achieving developmental milestones",
            "Any developmental delay is responded to appropriately",
            "Age appropriate, positive and healthy relationships with parent or carer",
            "Ability to cope with everyday emotional and relationship difficulties",
            "Accesses services appropriately, for example health and education",
            "Appropriate feeding, diet and nutrition resulting in age appropriate growth"],
        P: ["Parent ensures child is protected from danger", "Good attachments",
            "Parent able to implement appropriate boundaries", "Parents respond appropriately to advice given"],
        F: ["Supportive and positive relationships and networks", "Good family relationships",
            "Accommodation has all basic required amenities", "Secure tenancy",
            "Family are able to manage financially using resources to meet needs", "Access to positive activities"],
    }),
    (2, "Early Help", "Additional needs, meaning there is a risk of poor outcomes.", {
        D: ["Slow in reaching developmental milestones, needs not consistently attended to",
            "Unsafe use of the internet, including contact with unknown persons",
            "Missed health checks or immunisations",
            "Signs of disruptive or challenging behaviour, offending or anti-social behaviour",
            "Unexplained but infrequent absences from school",
            "Low level mental health issues, self-harm without suicidal thought or intent",
            "Minor concerns regarding self-care", "Underage sexual activity"],
        P: ["Poor supervision of the child",
            "Missed health appointments with unscheduled attendances at GP and walk-in clinics",
            "Inconsistent care arrangements", "Poor response to emerging need",
            "Concerns about attachment or interaction", "Inconsistent parenting"],
        F: ["Risk of relationship breakdown",
            "Reported domestic abuse where the impact on the child is not immediately known, "
            "e.g. the child was not present",
            "Family affected by low income or unemployment", "Young carers",
            "Poor housing or home environment impacting on the child's health", "Early signs of neglect"],
    }),
    (3, "Multi-agency Early Help", "Additional needs, meaning poor outcomes are likely.", {
        D: ["Developmental milestones not being met due to persistent parental failure or inability",
            "Forming relationships with unknown adults", "Difficulty coping with anger, frustration or upset",
            "Displays challenging, disruptive or offending behaviour", "Risky sexual behaviour or activity",
            "Persistent non-attendance at school", "Concerns regarding presentation, hygiene or basic care",
            "Self-harm with suicidal ideation"],
        P: ["Parental learning or physical disabilities impacting on the child's development or needs",
            "Parental substance misuse or mental health issues impacting on the child's development or needs",
            "Poor supervision from the parent resulting in unmet need", "Signs of neglect",
            "Domestic abuse impacting on the child's development"],
        F: ["Transient families: frequent moves impacting on the child's education",
            "Housing concerns: tenancy at risk, home in poor state of repair", "Relationship breakdown",
            "Community harassment or discrimination"],
    }),
    (4, "Statutory intervention", "Acute needs: at risk of significant harm.", {
        D: ["Non-mobile child with injury", "Non-organic failure to thrive", "Frequently missing from home",
            "High level emotional health issues", "Drug or alcohol misuse affecting development",
            "Teenage pregnancy under 13 years", "Challenging behaviour resulting in serious risk of harm"],
        P: ["Suspected non-accidental injury",
            "Suspected neglect, for example persistent reports of the child presenting as hungry",
            "Child's experience of domestic abuse resulting in risk of significant harm",
            "Child sustains an injury due to lack of supervision", "Child abandoned, rejected or persecuted",
            "Non-compliance or disguised non-compliance", "Significant substance or alcohol misuse"],
        F: ["At risk of female genital mutilation", "At risk of honour based violence", "At risk of forced marriage",
            "Unaccompanied asylum seeking children", "Private fostering arrangements",
            "Extreme poverty impacting on parental ability to care for the child",
            "Edge of care, for example at risk of homelessness"],
    }),
]  # fmt: skip
