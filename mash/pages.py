"""What each role's home page offers and which pages each role may open."""

from dataclasses import dataclass

from .roles import Role


@dataclass(frozen=True)
class RoleHome:
    role: str
    slug: str
    title: str
    summary: str
    can_do: tuple[str, ...]


ROLE_HOMES: dict[str, RoleHome] = {
    h.role: h
    for h in [
        RoleHome(
            Role.TRIAGE,
            "triage",
            "MASH triage",
            "Screen new contacts and reach a decision on next steps within one working day of receipt.",
            (
                "Work through the triage queue, ordered by what is due first",
                "Record phone contacts from the advice line",
                "Rate contacts Red, Amber, Green or Blue and open the MASH enquiry",
                "Record a Signs of Safety analysis and the information-sharing decision",
            ),
        ),
        RoleHome(
            Role.MANAGER,
            "manager",
            "MASH team manager",
            "Decide outcomes on the fullest picture and tell referrers what happens next.",
            (
                "Review contacts and every agency's information return side by side",
                "Decide the outcome: no further action, advice, early help, assessment or strategy discussion",
                "Send proportionate feedback to the referrer",
                "See timeliness figures for your hub",
            ),
        ),
        RoleHome(
            Role.REFERRER,
            "referrer",
            "Make a referral",
            "Tell the MASH about a worry about a child and follow what happens.",
            (
                "Fill in a Multi-Agency Referral Form (MARF); drafts are saved as you go",
                "See your referrals, their status and the outcome feedback",
            ),
        ),
        RoleHome(
            Role.EHCOORD,
            "early-help",
            "Early Help Hub",
            "Review early-help requests and reach an outcome within the hub's deadline.",
            (
                "Work through the early-help queue, ordered by review deadline",
                "Record the outcome and the lead professional",
                "Record calls to the referrer and family, and track Early Help Plan reviews",
            ),
        ),
        RoleHome(
            Role.HEAD,
            "head-of-service",
            "Head of service",
            "Oversee the front door's timeliness and act on escalations.",
            (
                "See timeliness dashboards and open breaches",
                "Download Ofsted Annex A lists",
                "Receive escalations when deadlines are missed",
            ),
        ),
        RoleHome(
            Role.ADMIN,
            "admin",
            "Tenant administration",
            "Configure how your local authority's hub works.",
            (
                "Manage partner agencies and staff accounts",
                "Configure the rating scheme, working calendar, closure days and deadlines",
                "Maintain the threshold document",
                "View the audit log",
            ),
        ),
        RoleHome(
            Role.NAVIGATOR,
            "navigator",
            "Agency navigator",
            "Answer the hub's information requests for your agency before they are due.",
            (
                "See your agency's open information requests, ordered by time left",
                "Search your agency's own systems and submit an information return",
            ),
        ),
        RoleHome(
            Role.AGENCY_LEAD,
            "agency-lead",
            "Agency lead",
            "Oversee your agency's information requests, breaches and escalations.",
            (
                "See all of your agency's information requests",
                "Reassign requests among your navigators",
                "See your agency's breaches and escalations",
            ),
        ),
        RoleHome(
            Role.EDT,
            "emergency-duty-team",
            "Emergency Duty Team",
            "Respond to contacts that reach the hub out of hours, and hand them back at the next working start.",
            (
                "See the out-of-hours queue, urgent and Red contacts first",
                "Be alerted at once to an urgent or Red contact received out of hours",
                "Record what you did overnight: calls, visits, police involvement and immediate safety actions",
                "Hand the contact back to the MASH with a handover note",
            ),
        ),
    ]
}
HOMES_BY_SLUG = {h.slug: h for h in ROLE_HOMES.values()}
