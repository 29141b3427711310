"""Stored codes of a contact (STANDARDS.md and API.md). Labels are what people see."""

from django.db import models


class ContactStatus(models.TextChoices):
    RECEIVED = "received", "Received"
    IN_TRIAGE = "in_triage", "In triage"
    ENQUIRY = "enquiry", "MASH enquiry"
    DECIDED = "decided", "Decided"
    CLOSED = "closed", "Closed"


# The enquiry is over: the outcome stands and every agency's information request is read-only.
ENQUIRY_CLOSED = (ContactStatus.DECIDED, ContactStatus.CLOSED)


class Bounce(models.TextChoices):
    """Seed 001: cases should not bounce between tiers. Why a contact was flagged (issue 20)."""

    STEPPED_DOWN_THEN_UP = "down_up", "Stepped down to early help, then back to the MASH"
    STEPPED_UP_THEN_DOWN = "up_down", "Stepped up from early help, then down again"
    AFTER_NFA = "after_nfa", "Referred again after no further action"


class Channel(models.TextChoices):
    MARF = "marf", "Online referral form (MARF)"
    PUBLIC = "public", "Report from the public"
    PHONE = "phone", "Phone call to the advice line"
    POLICE_NOTIFICATION = "police_notification", "Police notification"


class Outcome(models.TextChoices):
    NFA = "nfa", "No further action"
    ADVICE = "advice", "Information and advice"
    EARLY_HELP = "early_help", "Step down to Early Help"
    ASSESSMENT = "assessment", "Children and families assessment (section 17)"
    STRATEGY_DISCUSSION = "strategy_discussion", "Strategy discussion (section 47)"
    OTHER_SERVICE = "other_service", "Referral to another service"


class ReferralSource(models.TextChoices):
    """DfE Children in Need census ``ReferralSource``."""

    FAMILY = "1A", "Individual: family member, relative or carer"
    ACQUAINTANCE = "1B", "Individual: acquaintance (including neighbours and child minders)"
    SELF = "1C", "Individual: self"
    INDIVIDUAL_OTHER = "1D", "Individual: other (including strangers)"
    SCHOOLS = "2A", "Schools"
    EDUCATION = "2B", "Education services"
    GP = "3A", "Health services: GP"
    HEALTH_VISITOR = "3B", "Health services: health visitor"
    SCHOOL_NURSE = "3C", "Health services: school nurse"
    PRIMARY_HEALTH = "3D", "Health services: other primary health services"
    A_AND_E = "3E", "Health services: A&E"
    HEALTH_OTHER = "3F", "Health services: other (for example a hospice)"
    HOUSING = "4", "Housing"
    LA_SOCIAL_CARE = "5A", "LA services: social care"
    LA_OTHER_INTERNAL = "5B", "LA services: other internal"
    LA_EXTERNAL = "5C", "LA services: external"
    LA_EARLY_HELP = "5D", "LA services: early help"
    POLICE = "6", "Police"
    LEGAL = "7", "Other legal agency"
    OTHER = "8", "Other"
    ANONYMOUS = "9", "Anonymous"
    UNKNOWN = "10", "Unknown"


# Sources that are members of the public, not professionals (the census's individuals, anonymous, unknown).
PUBLIC_SOURCES = frozenset({
    ReferralSource.FAMILY, ReferralSource.ACQUAINTANCE, ReferralSource.SELF, ReferralSource.INDIVIDUAL_OTHER,
    ReferralSource.ANONYMOUS, ReferralSource.UNKNOWN,
})  # fmt: skip


class ParentsAware(models.TextChoices):
    YES = "yes", "Yes"
    NO = "no", "No"
    UNKNOWN = "unknown", "Not known"


class Consent(models.TextChoices):
    GIVEN = "given", "Given"
    REFUSED = "refused", "Refused"
    NOT_SOUGHT = "not_sought", "Not sought"


class ConsentReason(models.TextChoices):
    """Why consent was not sought or was overridden (information-sharing guidance)."""

    RISK_TO_CHILD = "risk_to_child", "Asking would increase the risk of significant harm to the child"
    RISK_TO_ADULT = "risk_to_adult", "Asking would put an adult at risk of serious harm"
    SERIOUS_CRIME = "serious_crime", "Asking would prejudice the prevention or detection of serious crime"
    UNDUE_DELAY = "undue_delay", "Asking would cause undue delay"


class Ethnicity(models.TextChoices):
    WBRI = "WBRI", "White: British"
    WIRI = "WIRI", "White: Irish"
    WIRT = "WIRT", "White: Traveller of Irish heritage"
    WOTH = "WOTH", "White: any other White background"
    WROM = "WROM", "White: Gypsy or Roma"
    MWBC = "MWBC", "Mixed: White and Black Caribbean"
    MWBA = "MWBA", "Mixed: White and Black African"
    MWAS = "MWAS", "Mixed: White and Asian"
    MOTH = "MOTH", "Mixed: any other mixed background"
    AIND = "AIND", "Asian or Asian British: Indian"
    APKN = "APKN", "Asian or Asian British: Pakistani"
    ABAN = "ABAN", "Asian or Asian British: Bangladeshi"
    AOTH = "AOTH", "Asian or Asian British: any other Asian background"
    BCRB = "BCRB", "Black or Black British: Caribbean"
    BAFR = "BAFR", "Black or Black British: African"
    BOTH = "BOTH", "Black or Black British: any other Black background"
    CHNE = "CHNE", "Chinese"
    OOTH = "OOTH", "Any other ethnic group"
    REFU = "REFU", "Refused"
    NOBT = "NOBT", "Information not yet obtained"


class Sex(models.TextChoices):
    FEMALE = "F", "Female"
    MALE = "M", "Male"
    UNKNOWN = "U", "Not known"


class PersonRole(models.TextChoices):
    CHILD = "child", "Child the worry is about"
    PARENT = "parent", "Parent or carer"
    SIBLING = "sibling", "Brother or sister"
    OTHER_ADULT = "other_adult", "Other adult in the household"
    OTHER_CHILD = "other_child", "Other child in the household"
    ALLEGED_PERPETRATOR = "alleged_perpetrator", "Person alleged to have caused harm"


class MatchStatus(models.TextChoices):
    POSSIBLE = "possible", "Possible match"
    CONFIRMED = "confirmed", "Confirmed: same person"
    REJECTED = "rejected", "Rejected: different person"


# Who may tell the hub about a child from the public form, and the census source it maps to.
PUBLIC_RELATIONSHIPS = {
    "family": ("I am a family member, relative or carer", ReferralSource.FAMILY),
    "acquaintance": ("I know the family, for example a neighbour or child minder", ReferralSource.ACQUAINTANCE),
    "self": ("I am the child or young person", ReferralSource.SELF),
    "other": ("Other, for example a member of the public", ReferralSource.INDIVIDUAL_OTHER),
}
