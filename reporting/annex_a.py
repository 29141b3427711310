"""Ofsted ILACS Annex A Lists 1, 2 and 3 (STANDARDS.md): exact headers, dd/mm/yyyy dates, coded values.

Each list covers the six months before a chosen date: from the day after the same date six months
earlier, to the chosen date, both local dates in the tenant's zone. One row per child.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date, timedelta
from zoneinfo import ZoneInfo

from django.db.models import Q

from contacts.choices import PersonRole, ReferralSource, Sex
from contacts.models import ContactPerson
from earlyhelp.models import EarlyHelpChild, EarlyHelpStatus
from mash.models import TeamMember

from .selectors import REFERRAL_OUTCOMES, local_bounds

COMMON = ["Child Unique ID", "Sex", "Ethnicity", "Date of Birth", "Age of Child (Years)"]
LIST_1 = [*COMMON, "Date of Contact", "Contact Source"]
LIST_2 = [*COMMON, "Assessment start date", "Assessment completion date", "Organisation completing assessment"]
LIST_3 = [
    *COMMON,
    "Date of referral",
    "Referral Source",
    "Referral NFA?",
    "Number of Referrals in Last 12 Months",
    "Allocated Team",
    "Allocated Worker",
]
HEADERS = {1: LIST_1, 2: LIST_2, 3: LIST_3}
TITLES = {1: "List 1: contacts", 2: "List 2: early help", 3: "List 3: referrals"}

SEX = {Sex.MALE: "a) Male", Sex.FEMALE: "b) Female", Sex.UNKNOWN: "c) Not stated/recorded"}
# Annex A's source values: a letter for the code's place in the census list, the code, its category.
SOURCE = {
    code: f"{chr(ord('a') + i)}) {code}: {label.split(':')[0]}"
    for i, (code, label) in enumerate(ReferralSource.choices)
}
YES, NO = "a) Yes", "b) No"
# Early help still going on: Annex A List 2 includes current interventions as well as recent assessments.
CURRENT_EARLY_HELP = (EarlyHelpStatus.RECEIVED, EarlyHelpStatus.OUTCOME_GIVEN, EarlyHelpStatus.PLAN)


def period(chosen: date) -> tuple[date, date]:
    """The six months before ``chosen``: (first day, last day) inclusive."""
    year, month = chosen.year, chosen.month - 6
    if month < 1:
        year, month = year - 1, month + 12
    day = min(chosen.day, _days_in(year, month))
    return date(year, month, day) + timedelta(days=1), chosen


def _days_in(year, month):
    following = date(year + (month == 12), month % 12 + 1, 1)
    return (following - timedelta(days=1)).day


def _d(value) -> str:
    return value.strftime("%d/%m/%Y") if value else ""


def _age(born, on) -> str:
    if not born or not on or born > on:
        return ""
    return str(on.year - born.year - ((on.month, on.day) < (born.month, born.day)))


def _child_id(tenant, person_id, mention_id, kind="C") -> str:
    return f"{tenant.reference_prefix}-{person_id}" if person_id else f"{tenant.reference_prefix}-{kind}{mention_id}"


def _birth_date(child):
    """The Date of Birth cell of a child, unborn children included.

    Our reading of the Ofsted guidance (STANDARDS.md: one row per child, common columns Date of Birth and Age
    of Child (Years)): a pre-birth contact or referral is about a child and is listed like any other (one row
    per child; the dashboard's children figures count them the same way). The lists have no column for
    "unborn": as in the children in need census, which these lists follow, the Date of Birth cell holds the
    expected date of delivery while the child is unborn, and the child's real date of birth once staff have
    recorded the birth on the same register entry (the lists are current when drawn). Age of Child (Years) is
    the age in whole years on the date of the event, so it is blank for a child not yet born on that date
    (never a negative or zero age). An unborn child's sex and ethnicity are usually not known: "c) Not
    stated/recorded" and NOBT (information not yet obtained).
    """
    if child.date_of_birth or not getattr(child, "unborn", False):
        return child.date_of_birth
    person = child._state.fields_cache.get("person")  # joined by the list's query, never fetched here
    if person is not None and person.date_of_birth:
        return person.date_of_birth
    return child.expected_date


def _common(tenant, child, person_id, on) -> list[str]:
    born = _birth_date(child)
    return [
        _child_id(tenant, person_id, child.pk),
        SEX.get(child.sex, SEX[Sex.UNKNOWN]),
        child.ethnicity or "NOBT",
        _d(born),
        _age(born, on),
    ]


def list_1(tenant, chosen: date) -> list[list[str]]:
    """Every contact received in the period, one row per child (a contact about three children: three rows)."""
    zone = ZoneInfo(tenant.time_zone)
    since, until = local_bounds(tenant, *period(chosen))
    children = (
        ContactPerson.objects.filter(
            role=PersonRole.CHILD, contact__received_at__gte=since, contact__received_at__lt=until
        )
        .select_related("contact", "person")
        .order_by("contact__received_at", "contact_id", "order", "id")
    )
    rows = []
    for child in children:
        contacted = child.contact.received_at.astimezone(zone).date()
        rows.append(
            [*_common(tenant, child, child.person_id, contacted), _d(contacted), SOURCE.get(child.contact.source, "")]
        )
    return rows


def list_2(tenant, chosen: date) -> list[list[str]]:
    """Early help assessments started in the period, and current interventions; one row per child."""
    start, end = period(chosen)
    _since, until = local_bounds(tenant, start, end)
    children = (
        EarlyHelpChild.objects.filter(
            Q(request__assessment_started_on__gte=start, request__assessment_started_on__lte=end)
            | Q(request__status__in=CURRENT_EARLY_HELP, request__received_at__lt=until)
        )
        .select_related("request")
        .order_by("request__received_at", "request_id", "order", "id")
    )
    zone = ZoneInfo(tenant.time_zone)
    rows = []
    for child in children:
        request = child.request
        on = request.assessment_started_on or request.received_at.astimezone(zone).date()
        rows.append(
            [
                *_common(tenant, child, child.person_id, on),
                _d(request.assessment_started_on),
                _d(request.assessment_completed_on),
                request.assessment_organisation,
            ]
        )
    return rows


def list_3(tenant, chosen: date) -> list[list[str]]:
    """Contacts that became referrals (decided: assessment or strategy discussion) in the period."""
    zone = ZoneInfo(tenant.time_zone)
    since, until = local_bounds(tenant, *period(chosen))
    referral = Q(contact__outcome__in=REFERRAL_OUTCOMES, contact__decided_at__isnull=False)
    children = list(
        ContactPerson.objects.filter(
            referral, role=PersonRole.CHILD, contact__decided_at__gte=since, contact__decided_at__lt=until
        )
        .select_related("contact", "contact__assigned_to", "person")
        .order_by("contact__decided_at", "contact_id", "order", "id")
    )
    # Referrals of the same children in the 12 months before each (one query).
    persons = {c.person_id for c in children if c.person_id}
    history = defaultdict(list)
    for person_id, decided_at in ContactPerson.objects.filter(
        referral,
        role=PersonRole.CHILD,
        person_id__in=persons,
        contact__decided_at__gte=since - timedelta(days=366),
        contact__decided_at__lt=until,
    ).values_list("person_id", "contact__decided_at"):
        history[person_id].append(decided_at.astimezone(zone).date())
    workers = {c.contact.assigned_to_id for c in children if c.contact.assigned_to_id}
    teams = dict(TeamMember.objects.filter(user_id__in=workers).values_list("user_id", "team__name"))
    rows = []
    for child in children:
        contact = child.contact
        referred = contact.decided_at.astimezone(zone).date()
        year_before = _twelve_months_before(referred)
        count = sum(1 for d in history[child.person_id] if year_before < d <= referred) if child.person_id else 1
        worker = contact.assigned_to
        rows.append(
            [
                *_common(tenant, child, child.person_id, referred),
                _d(referred),
                SOURCE.get(contact.source, ""),
                # The front door refers on for assessment or a strategy discussion: never "no further action".
                NO,
                str(count),
                teams.get(contact.assigned_to_id, ""),
                (worker.get_full_name() or worker.get_username()) if worker else "",
            ]
        )
    return rows


def _twelve_months_before(day: date) -> date:
    try:
        return day.replace(year=day.year - 1)
    except ValueError:  # 29 February
        return day.replace(year=day.year - 1, day=28)


BUILDERS = {1: list_1, 2: list_2, 3: list_3}
