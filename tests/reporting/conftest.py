"""A small, hand-checkable history for the dashboard tests (tenant A, default BRAG, one working day to decide).

Dates are Europe/London. Monday 31 August 2026 is the Summer bank holiday.

====  =====================  ========  =====================================  ==================================
id    received               children  decision                               notes
====  =====================  ========  =====================================  ==================================
c0    Mon 14 Sep 2025 10:00  Eve       -                                      before the range
c0b   Wed  1 Oct 2025 10:00  Finn      -                                      before the range
c1    Fri 28 Aug 2026 10:00  Ann, Ben,  Tue 1 Sep 10:00 = due (bank holiday    Amber, assessment, source 6
                             Cal        inside): in time, 1 working day
c2    Mon  7 Sep 2026 09:00  Dan       Tue 8 Sep 12:00, due 09:00: late,      Blue, nfa, source 2A
                                       1.375 working days
c3    Wed  9 Sep 2026 09:00  Ann       open, breached                         re-contact (Ann, 12 days)
c4    Tue 15 Sep 2026 10:00  Eve       Tue 15 Sep 14:00: 0.5 working days     Green, early help, source 3A; Eve's
                                                                              c0 was 12 months and a day before
c5    Wed 16 Sep 2026 10:00  Finn      Wed 16 Sep 11:00: 0.125 working days   Blue, advice, 2A; re-contact (c0b);
                                                                              stepped up from early help (eh2)
c6    Thu  1 Oct 2026 10:00  Gus       -                                      after the range
====  =====================  ========  =====================================  ==================================

Information requests (c1 Amber: 6 clock hours from Fri 28 Aug 11:00, due 17:00): police returned at 17:00
exactly (on time), health at 17:01 (late), education at 12:00 (on time); c4 Green (24 clock hours): police
outstanding and breached. Early help (48 clock hours): eh1 from c4, outcome exactly at its due time; eh2
direct, outcome a day late, stepped up to c5; eh3 direct, no outcome yet, breached.
"""

import random
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from contacts.matching import register_fields
from contacts.models import Contact, ContactPerson, Person
from earlyhelp.models import EarlyHelpChild, EarlyHelpRequest
from mash import tenancy
from mash.models import Team, TeamMember
from mash.roles import Role
from navigators.models import InformationRequest
from reporting import services
from thresholds.calendars import due_at
from thresholds.models import Rating
from thresholds.services import ensure_default_policy

LONDON = ZoneInfo("Europe/London")


def at(y, m, d, hh=0, mm=0):
    return datetime(y, m, d, hh, mm, tzinfo=LONDON)


def _person(name, dob):
    return Person.objects.create(**register_fields(name, "Hart", dob, "CB12AB", "F"))


def _contact(n, received, *, children, source="6", rating=None, outcome=None, decided=None, status="decided",
             breached=None, worker=None, reference=None):  # fmt: skip
    contact = Contact.objects.create(
        reference=reference or f"ALP-2026-{n:06d}",
        channel="phone",
        source=source,
        received_at=received,
        decision_due_at=due_at(tenancy_tenant(), received, 1, "working_days"),
        rating=rating,
        outcome=outcome,
        decided_at=decided,
        status=status if decided or status != "decided" else "in_triage",
        breached_at=breached,
        concerns="Worry about the child.",
        consent_to_referral="given",
        consent_to_sharing="given",
        assigned_to=worker,
    )
    for order, person in enumerate(children):
        ContactPerson.objects.create(
            contact=contact, person=person, role="child", first_name=person.first_name, last_name=person.last_name,
            date_of_birth=person.date_of_birth, sex=person.sex, ethnicity="WBRI" if order == 0 else "",
            order=order,
        )  # fmt: skip
    ContactPerson.objects.create(contact=contact, role="parent", first_name="Amy", last_name="Hart")
    return contact


_active = {}


@pytest.fixture(autouse=True)
def figures_refreshed_by_an_eager_worker(settings):
    """The receivers queue a Celery task after each commit; here it runs at once, in the test's process (as a
    worker would run it a moment later), so a test sees the figures as a user would after that moment."""
    from mash.celery import app

    settings.CELERY_TASK_ALWAYS_EAGER = True
    settings.CELERY_TASK_EAGER_PROPAGATES = True
    app.conf.task_always_eager, app.conf.task_eager_propagates = True, True
    yield
    app.conf.task_always_eager, app.conf.task_eager_propagates = False, False


def tenancy_tenant():
    return _active["tenant"]


@pytest.fixture
def hub(tenant_a, make_user, agency_factory):
    with tenancy.tenant_context(tenant_a):
        ensure_default_policy(tenant=tenant_a)
    agencies = {slug: agency_factory(tenant=tenant_a, slug=slug, name=slug.title()) for slug in
                ("police", "health", "education")}  # fmt: skip
    users = {role: make_user(tenant_a, role, username=f"a-{role}", first_name="Sam", last_name=role.title())
             for role in (Role.TRIAGE, Role.MANAGER, Role.HEAD, Role.ADMIN, Role.EHCOORD, Role.REFERRER)}  # fmt: skip
    users["nav_police"] = make_user(tenant_a, Role.NAVIGATOR, agency=agencies["police"], username="a-nav-police")
    users["lead_police"] = make_user(tenant_a, Role.AGENCY_LEAD, agency=agencies["police"], username="a-lead")
    users["worker"] = make_user(tenant_a, Role.TRIAGE, username="a-worker", first_name="Wren", last_name="Cole")
    return {"tenant": tenant_a, "agencies": agencies, **users}


@pytest.fixture
def history(hub):
    tenant = hub["tenant"]
    _active["tenant"] = tenant
    with tenancy.tenant_context(tenant):
        ratings = {r.code: r for r in Rating.objects.all()}
        ann, ben, cal = (_person(n, date(2015, 3, 1)) for n in ("Ann", "Ben", "Cal"))
        dan, eve, finn, gus = (_person(n, date(2012, 9, 16)) for n in ("Dan", "Eve", "Finn", "Gus"))
        team = Team.objects.create(name="MASH team A")
        TeamMember.objects.create(team=team, user=hub["worker"])
        c = {}
        c["c0"] = _contact(100, at(2025, 9, 14, 10), children=[eve], decided=at(2025, 9, 14, 12), outcome="nfa",
                           rating=ratings["blue"], reference="ALP-2025-000100")  # fmt: skip
        c["c0b"] = _contact(101, at(2025, 10, 1, 10), children=[finn], decided=at(2025, 10, 1, 12),
                            outcome="nfa", rating=ratings["blue"], reference="ALP-2025-000101")  # fmt: skip
        c["c1"] = _contact(1, at(2026, 8, 28, 10), children=[ann, ben, cal], rating=ratings["amber"],
                           outcome="assessment", decided=at(2026, 9, 1, 10), worker=hub["worker"])  # fmt: skip
        c["c2"] = _contact(2, at(2026, 9, 7, 9), children=[dan], source="2A", rating=ratings["blue"], outcome="nfa",
                           decided=at(2026, 9, 8, 12))  # fmt: skip
        c["c3"] = _contact(3, at(2026, 9, 9, 9), children=[ann], status="in_triage", breached=at(2026, 9, 10, 9))
        c["c4"] = _contact(4, at(2026, 9, 15, 10), children=[eve], source="3A", rating=ratings["green"],
                           outcome="early_help", decided=at(2026, 9, 15, 14))  # fmt: skip
        c["c5"] = _contact(5, at(2026, 9, 16, 10), children=[finn], source="2A", rating=ratings["blue"],
                           outcome="advice", decided=at(2026, 9, 16, 11))  # fmt: skip
        c["c6"] = _contact(6, at(2026, 10, 1, 10), children=[gus], decided=at(2026, 10, 1, 11), outcome="nfa",
                           rating=ratings["blue"])  # fmt: skip
        ag = hub["agencies"]
        requested = at(2026, 8, 28, 11)
        for agency, returned in (("police", at(2026, 8, 28, 17)), ("health", at(2026, 8, 28, 17, 1)),
                                 ("education", at(2026, 8, 28, 12))):  # fmt: skip
            InformationRequest.objects.create(
                contact=c["c1"], agency=ag[agency], rating=ratings["amber"], status="returned",
                requested_at=requested, due_at=at(2026, 8, 28, 17), returned_at=returned,
            )  # fmt: skip
        InformationRequest.objects.create(
            contact=c["c4"], agency=ag["police"], rating=ratings["green"], status="overdue",
            requested_at=at(2026, 9, 15, 11), due_at=at(2026, 9, 16, 11), breached_at=at(2026, 9, 16, 11),
        )  # fmt: skip
        eh1 = EarlyHelpRequest.objects.create(
            reference="EH-ALP-2026-000001", contact=c["c4"], status="outcome_given", received_at=at(2026, 9, 15, 14),
            review_due_at=at(2026, 9, 17, 14), outcome="district_service", outcome_at=at(2026, 9, 17, 14),
            assessment_started_on=date(2026, 9, 20), assessment_completed_on=date(2026, 10, 2),
            assessment_organisation="Family hub",
        )  # fmt: skip
        EarlyHelpChild.objects.create(request=eh1, person=eve, first_name="Eve", last_name="Hart",
                                      date_of_birth=eve.date_of_birth, sex="F", ethnicity="WBRI")  # fmt: skip
        eh2 = EarlyHelpRequest.objects.create(
            reference="EH-ALP-2026-000002", status="stepped_up", received_at=at(2026, 9, 2, 10),
            review_due_at=at(2026, 9, 4, 10), outcome="advice", outcome_at=at(2026, 9, 5, 10),
            stepped_up_to=c["c5"], stepped_up_at=at(2026, 9, 16, 9),
        )  # fmt: skip
        EarlyHelpChild.objects.create(request=eh2, first_name="Finn", last_name="Hart", sex="M")
        eh3 = EarlyHelpRequest.objects.create(
            reference="EH-ALP-2026-000003", received_at=at(2026, 9, 20, 10), review_due_at=at(2026, 9, 22, 10),
            breached_at=at(2026, 9, 22, 10),
        )  # fmt: skip
        services.rebuild(tenant=tenant)
    # The saves above queued a refresh for the test's transaction, which never commits; the rebuild did
    # the work. Forget it, so a test's own changes queue (and, when captured, run) a refresh of their own.
    services._local.pending = None
    return {**hub, **c, "team": team, "eh1": eh1, "eh2": eh2, "eh3": eh3, "ann": ann, "eve": eve}


NOW = at(2026, 12, 20, 12)
OUTCOMES = ["nfa", "advice", "early_help", "assessment", "strategy_discussion", "other_service"]
SOURCES = ["6", "2A", "3A", "5A", "1A"]


@pytest.fixture
def generated(history):
    """The hand-checkable history and 120 seeded-random contacts across 2026: many outcomes, ratings, sources,
    workers (some in the team), decision times in minutes, returns early, late and missing, early help
    reviewed or not, children seen before."""
    rng = random.Random(22)
    tenant, agencies = history["tenant"], list(history["agencies"].values())
    with tenancy.tenant_context(tenant):
        from thresholds.models import Rating

        ratings = list(Rating.objects.all())
        pool = [_person(f"Kid{i}", date(2014, 1, 1) + timedelta(days=i)) for i in range(25)]
        for n in range(120):
            received = at(2026, 1, 5, 8) + timedelta(minutes=rng.randrange(0, 340 * 24 * 60))
            decided = received + timedelta(minutes=rng.randrange(5, 4 * 24 * 60)) if rng.random() < 0.9 else None
            contact = _contact(
                500 + n, received, children=rng.sample(pool, rng.choice([1, 1, 2, 3])), source=rng.choice(SOURCES),
                rating=rng.choice(ratings) if decided else None, outcome=rng.choice(OUTCOMES) if decided else None,
                decided=decided, status="decided" if decided else "in_triage",
                worker=rng.choice([history["worker"], history["triage"], None]),
            )  # fmt: skip
            for agency in rng.sample(agencies, rng.randrange(0, 3)):
                requested = received + timedelta(minutes=rng.randrange(10, 600))
                due = requested + timedelta(hours=rng.choice([6, 24]))
                returned = requested + timedelta(minutes=rng.randrange(30, 3000)) if rng.random() < 0.8 else None
                InformationRequest.objects.create(
                    contact=contact, agency=agency, rating=rng.choice(ratings), requested_at=requested, due_at=due,
                    returned_at=returned, status="returned" if returned else "requested",
                )  # fmt: skip
            if rng.random() < 0.3:
                given = received + timedelta(minutes=rng.randrange(60, 5000)) if rng.random() < 0.7 else None
                request = EarlyHelpRequest.objects.create(
                    reference=f"EH-ALP-2026-{500 + n:06d}", contact=contact if rng.random() < 0.5 else None,
                    received_at=received, review_due_at=received + timedelta(hours=48),
                    outcome=rng.choice(["district_service", "signpost", "advice"]) if given else "",
                    outcome_at=given, status="outcome_given" if given else "received",
                )  # fmt: skip
                EarlyHelpChild.objects.create(request=request, first_name="Kid", last_name="Hart", sex="F")
        services.rebuild(tenant=tenant)
    return history
