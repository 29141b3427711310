"""Each demo agency's question template (what the hub asks it, and where its navigator looks). Idempotent."""

from mash.models import Agency

from .models import QuestionTemplate

# agency slug -> (questions, sources usually checked)
DEFAULT_TEMPLATES: dict[str, tuple[list[str], list[str]]] = {
    "police": (
        [
            "Incidents involving the child, the household or the address (with dates)",
            "Warning markers on any household member",
            "Domestic-abuse history (notifications, DASH risk level, MARAC referrals)",
            "Any current investigations, bail conditions or orders",
        ],
        ["Police records management system", "Police National Computer", "MARAC records"],
    ),
    "health": (
        [
            "GP registration of the child and the parents",
            "A&E attendances in the last 12 months",
            "Health visitor or school nurse involvement",
            "Missed appointments, and any mental-health or substance-misuse treatment of the parents",
        ],
        ["GP record (shared care record)", "A&E attendance records", "Health visiting and school nursing records"],
    ),
    "education": (
        [
            "School and attendance this year (percentage, unauthorised absence)",
            "Exclusions, suspensions or part-time timetable",
            "Entries in the school's safeguarding log",
            "Special educational needs (SEN support or an EHC plan)",
        ],
        ["School information management system", "Attendance records", "Safeguarding log (CPOMS or paper)"],
    ),
    "probation": (
        [
            "Is any adult in the household under probation supervision? Offence and risk level",
            "Risk of serious harm to children (OASys) and any licence conditions",
            "Registered sex offender or domestic-abuse perpetrator programmes",
        ],
        ["Probation case management system", "OASys assessments", "ViSOR (where authorised)"],
    ),
    "housing": (
        [
            "Tenancy, homelessness applications and temporary accommodation",
            "Anti-social behaviour reports or tenancy enforcement at the address",
            "Rent arrears or notices to quit",
        ],
        ["Housing management system", "Homelessness case records", "Anti-social behaviour records"],
    ),
    "camhs": (
        [
            "Is the child (or a sibling) known to CAMHS? Current or past referrals",
            "Self-harm, eating-disorder or crisis presentations",
            "Engagement with appointments and the current plan",
        ],
        ["CAMHS electronic patient record", "Crisis team records"],
    ),
    "youth-offending": (
        [
            "Is the young person known to the youth justice service? Orders and interventions",
            "Exploitation concerns (criminal or sexual), missing episodes, gang association",
            "Current risk and safety-and-wellbeing assessment",
        ],
        ["Youth justice case management system", "AssetPlus assessments"],
    ),
    "domestic-abuse": (
        [
            "Is the family known to the domestic-abuse service? Support for the adult victim or the children",
            "Latest risk assessment (DASH) and MARAC involvement",
            "Safety planning in place",
        ],
        ["Domestic-abuse service case records", "MARAC minutes"],
    ),
    "social-care": (
        [
            "Is the child known to children's social care? Current or previous plans (CIN, CP, looked after)",
            "Previous assessments, strategy discussions and their outcomes",
            "Siblings or other children in the household known to social care",
        ],
        ["Children's social care case record", "Early Help module"],
    ),
}


def seed(tenant):
    """Give every agency of the tenant its default template, unless the admin already has one."""
    for agency in Agency.objects.filter(slug__in=DEFAULT_TEMPLATES):
        questions, sources = DEFAULT_TEMPLATES[agency.slug]
        QuestionTemplate.objects.get_or_create(agency=agency, defaults={"questions": questions, "sources": sources})
