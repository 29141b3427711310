"""Stored codes of triage (STANDARDS.md): CIN primary need, factors identified at assessment, Signs of Safety."""

from django.db import models


class PrimaryNeed(models.TextChoices):
    """Children in Need census primary need."""

    N1 = "N1", "N1: Abuse, neglect and exploitation"
    N2 = "N2", "N2: Child's disability"
    N3 = "N3", "N3: Parental disability or illness"
    N4 = "N4", "N4: Family in acute stress"
    N5 = "N5", "N5: Family dysfunction"
    N6 = "N6", "N6: Socially unacceptable behaviour"
    N7 = "N7", "N7: Low income"
    N8 = "N8", "N8: Absent parenting"
    N9 = "N9", "N9: Cases other than children in need"
    N0 = "N0", "N0: Not stated"


def _split(code, what):
    return [(f"{code}{who}", f"{code}{who}: {what} ({label})") for who, label in
            (("A", "child"), ("B", "parent or carer"), ("C", "another person in the household"))]  # fmt: skip


# Factors identified at assessment (CIN census). 18A and 19A are retired; 8A does not exist.
ASSESSMENT_FACTORS = [
    *_split("1", "Alcohol misuse"),
    *_split("2", "Drug misuse"),
    *_split("3", "Domestic abuse"),
    *_split("4", "Mental health"),
    *_split("5", "Learning disability"),
    *_split("6", "Physical disability or illness"),
    ("7A", "7A: Young carer"),
    *[(f"8{x}", f"8{x}: Privately fostered") for x in "BCDEF"],
    ("9A", "9A: Unaccompanied asylum-seeking child"),
    ("10A", "10A: Going or being missing"),
    ("11A", "11A: Child sexual exploitation"),
    ("12A", "12A: Trafficking"),
    ("13A", "13A: Gangs"),
    ("14A", "14A: Socially unacceptable behaviour"),
    ("15A", "15A: Self-harm"),
    ("16A", "16A: Neglect"),
    ("17A", "17A: Emotional abuse"),
    ("18B", "18B: Physical abuse (child on child)"),
    ("18C", "18C: Physical abuse (adult on child)"),
    ("19B", "19B: Sexual abuse (child on child)"),
    ("19C", "19C: Sexual abuse (adult on child)"),
    ("20", "20: Other"),
    ("21", "21: No factors identified"),
    ("22A", "22A: Female genital mutilation"),
    ("23A", "23A: Abuse linked to faith or belief"),
    ("24A", "24A: Child criminal exploitation"),
]
FACTOR_CODES = frozenset(code for code, _ in ASSESSMENT_FACTORS)
NO_FACTORS = "21"


class Perspective(models.TextChoices):
    """Whose Signs of Safety scaling judgement (0 = must act now, 10 = safe enough to close)."""

    PROFESSIONALS = "professionals", "Professionals"
    CHILD = "child", "Child"
    PARENTS = "parents", "Parents or carers"


class SharingBasis(models.TextChoices):
    WITH_CONSENT = "with_consent", "Share with consent"
    WITHOUT_CONSENT = "without_consent", "Share without consent"
    NOT_SHARED = "not_shared", "Do not share"


class CallDirection(models.TextChoices):
    OUTGOING = "outgoing", "We called the referrer"
    INCOMING = "incoming", "The referrer called us"


class StrategyDecision(models.TextChoices):
    """What a strategy discussion decided (Working Together 2023, section 47)."""

    SECTION_47_SINGLE = "section_47_single", "Section 47 enquiry by children's social care"
    SECTION_47_JOINT = "section_47_joint", "Section 47 enquiry jointly with the police"
    NO_SECTION_47 = "no_section_47", "No section 47 enquiry"
    FURTHER_INFORMATION = "further_information", "Further information needed"


# Working Together: police and health must take part in every strategy discussion.
STRATEGY_REQUIRED_AGENCIES = {"police": "the police", "health": "health"}


class CpisResult(models.TextChoices):
    """What the NHS Child Protection Information Sharing (CP-IS) record said about the child."""

    NO_RECORD = "no_record", "No record"
    CHILD_PROTECTION_PLAN = "child_protection_plan", "On a child protection plan"
    LOOKED_AFTER = "looked_after", "Looked after"
    UNBORN_PRE_BIRTH_PLAN = "unborn_pre_birth_plan", "Unborn, on a pre-birth plan"
