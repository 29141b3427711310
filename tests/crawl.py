"""The product's URL patterns and a populated tenant to visit them with, shared by the crawls of every page
(tests/security/test_hostile_input.py: no input is a 500; tests/mash/test_every_form.py: every form reports its
errors the GOV.UK way).

``patterns()`` comes from the URL resolver, so a new page is crawled without anyone remembering; ``build_world``
fills every path parameter with a real row, and a pattern with a parameter it cannot fill fails the crawl.
"""

from __future__ import annotations

from datetime import timedelta
from types import SimpleNamespace

from django.core import mail
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone

from contacts import services as contact_services
from contacts.models import Person, PersonMatchCandidate
from deadlines.models import Notification
from deadlines.services import ensure_default_ladders
from earlyhelp import services as earlyhelp_services
from earlyhelp.models import EarlyHelpRequest, FeedbackTask
from mash import tenancy
from mash.models import Team
from mash.pages import ROLE_HOMES
from mash.roles import Role
from navigators import demo as navigators_demo
from navigators import services as navigator_services
from tests.contacts.builders import marf, settle_matching
from tests.factories import AgencyFactory, token_for
from tests.mash import document_builders as document_files
from thresholds.models import ClosureDay, Rating, ThresholdIndicator
from thresholds.services import ensure_default_policy
from triage import services as triage_services

ANONYMOUS = "anonymous"
ROLES = [*Role.values, ANONYMOUS]
REFUSED = {301, 302, 401, 403, 404, 405}


# --- the patterns -----------------------------------------------------------------------------------


def _walk(patterns, prefix="", namespace=""):
    for entry in patterns:
        if isinstance(entry, URLResolver):
            inner = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
            yield from _walk(entry.url_patterns, prefix + str(entry.pattern), inner)
        elif isinstance(entry, URLPattern) and entry.name:
            params = list(getattr(entry.pattern, "converters", {}) or entry.pattern.regex.groupindex)
            yield SimpleNamespace(
                route=(prefix + str(entry.pattern)).replace("^", "").replace("$", ""),
                name=namespace + entry.name,
                params=params,
                callback=entry.callback,
            )


def patterns():
    # The Django admin (/platform-admin/) is for platform superusers, none of the roles crawled here.
    return [p for p in _walk(get_resolver().url_patterns) if not p.route.startswith("platform-admin/")]


def body_methods(callback) -> list[str]:
    actions = getattr(callback, "actions", None)
    if actions:
        return [m for m in ("post", "put", "patch") if m in actions]
    cls = getattr(callback, "cls", None) or getattr(callback, "view_class", None)
    if cls is not None:
        return [m for m in ("post", "put", "patch") if hasattr(cls, m)]
    return ["post"]  # function views: a page's form posts


# --- a populated tenant ------------------------------------------------------------------------------


def build_hub(tenant, make_user):
    """The tenant's default policy and ladders, two agencies and one user of every role (police for agency roles)."""
    with tenancy.tenant_context(tenant):
        ensure_default_policy(tenant=tenant)
    ensure_default_ladders(tenant=tenant)
    police = AgencyFactory(tenant=tenant, slug="police", name="Police")
    AgencyFactory(tenant=tenant, slug="health", name="Health")
    users = {}
    for role in Role.values:
        agency = police if role in (Role.NAVIGATOR, Role.AGENCY_LEAD) else None
        users[role] = make_user(tenant, role, username=f"crawl-{role}", agency=agency)
    return SimpleNamespace(tenant=tenant, users=users, police=police)


def build_world(tenant, make_user):
    """The hub with a row behind every path parameter: contacts, requests, a return, a case note, a match,
    an early-help request with its feedback tasks and plan review, a notification, a closure day, a team."""
    hub = build_hub(tenant, make_user)
    users, police = hub.users, hub.police
    with tenancy.tenant_context(tenant):
        navigators_demo.seed(tenant)
    navigator = users[Role.NAVIGATOR]

    referrer = Client()
    referrer.defaults["HTTP_AUTHORIZATION"] = f"Token {token_for(users[Role.REFERRER])}"
    leon = marf(
        children=[{"first_name": "Leon", "last_name": "Hart", "date_of_birth": "2025-04-02", "postcode": "CB1 2AB"}]
    )  # a possible match of the first contact's Leo Hart
    bodies = [marf(), leon, marf(), marf(), marf(), marf()]
    created = [referrer.post("/api/v1/contacts/", body, content_type="application/json") for body in bodies]
    assert all(r.status_code == 201 for r in created), [r.content for r in created]
    first, contact_id, stepped_down_id, harm_id, fresh_id, offered_id = (r.json()["id"] for r in created)
    settle_matching(tenant)  # the worker's matching of the referrer's contacts (the match candidate below)

    with tenancy.tenant_context(tenant):
        from contacts.models import Contact

        contact, returned, stepped = (Contact.objects.get(pk=pk) for pk in (contact_id, first, stepped_down_id))
        red = Rating.objects.get(code="red")
        (request,) = navigator_services.open_requests(
            contact=contact, rating=red, agencies=[police], actor=users[Role.TRIAGE], at=timezone.now()
        )
        (answered,) = navigator_services.open_requests(
            contact=returned, rating=red, agencies=[police], actor=users[Role.TRIAGE], at=timezone.now()
        )
        information_return = navigator_services.submit_return(
            request=answered, actor=navigator,
            values={"known_to_agency": False, "summary": "Not known.", "recommendation": "No police action."},
        )  # fmt: skip
        note = triage_services.add_case_note(contact=contact, actor=users[Role.TRIAGE], text="Called the school.")
        Contact.objects.filter(pk=stepped.pk).update(
            status="decided",
            outcome="early_help",
            decided_at=timezone.now(),
            decided_by=users[Role.MANAGER],
            rating=Rating.objects.get(code="amber"),  # a rating whose colour GOV.UK's tags call by another name
        )
        stepped.refresh_from_db()
        early_help = earlyhelp_services.create_from_contact(
            contact=stepped, actor=users[Role.MANAGER], reason="Needs parenting support."
        )
        earlyhelp_services.give_outcome(
            request=early_help, actor=users[Role.EHCOORD], outcome="district_service", lead_professional="Jo Patel",
            district_services="Family Work", further_assessment=True, lead_professional_email="jo@example.org",
        )  # fmt: skip
        plan = earlyhelp_services.start_plan(
            request=early_help, actor=users[Role.EHCOORD], lead_professional="Jo Patel", services="Family Work",
            first_review_on=timezone.localdate() + timedelta(days=30),
        )  # fmt: skip
        tasks = {t.kind: t for t in FeedbackTask.objects.filter(request=early_help)}
        # Forms for the stages before: a contact decided as a strategy discussion (significant harm), an early-help
        # request awaiting its outcome and one whose outcome leads to a plan not yet recorded.
        harm, fresh, offered = (Contact.objects.get(pk=pk) for pk in (harm_id, fresh_id, offered_id))
        triage_services.decide_contact(contact=harm, actor=users[Role.MANAGER], outcome="strategy_discussion",
                                       reason="Bruising to a non-mobile baby.", primary_need="N1")  # fmt: skip
        for each in (fresh, offered):
            triage_services.decide_contact(contact=each, actor=users[Role.MANAGER], outcome="early_help",
                                           reason="Needs parenting support.")  # fmt: skip
        fresh, offered = (EarlyHelpRequest.objects.get(contact_id=pk) for pk in (fresh_id, offered_id))
        earlyhelp_services.give_outcome(
            request=offered, actor=users[Role.EHCOORD], outcome="lead_professional_support",
            lead_professional="Jo Patel",
        )  # fmt: skip
        candidate = PersonMatchCandidate.objects.filter(contact_person__contact=contact).first()
        notification = Notification.objects.create(recipient=users[Role.TRIAGE], kind="info", message="Hello")
        closure = ClosureDay.objects.create(date=timezone.localdate() + timedelta(days=60), reason="Closure")
        indicator = ThresholdIndicator.objects.select_related("level").first()
        team = Team.objects.create(name="Team North")
        review = plan.reviews.first()
        person = Person.objects.first()
        document = contact_services.attach_document(
            contact=contact, actor=users[Role.TRIAGE], upload=document_files.upload("report.pdf", document_files.pdf()),
            kind="police_report",
        )  # fmt: skip
    mail.outbox.clear()
    assert candidate is not None and indicator is not None and review is not None

    by_prefix = [  # (route prefix, the row whose pk fills "pk"): the first that fits
        ("triage/contacts/<int:pk>/strategy-discussion/", harm), ("early-help/<int:pk>/outcome/", fresh),
        ("early-help/<int:pk>/plan/actions/", early_help), ("early-help/<int:pk>/plan/", offered),
        ("api/v1/notifications/", notification), ("api/v1/contacts/", contact), ("api/v1/case-notes/", note),
        ("api/v1/information-requests/", request), ("api/v1/information-returns/", information_return),
        ("api/v1/early-help/requests/", early_help), ("api/v1/teams/", team), ("notifications/", notification),
        ("settings/closure-days/", closure), ("settings/thresholds/indicators/", indicator),
        ("contacts/", contact), ("triage/contacts/", contact), ("navigators/requests/", request),
        ("early-help/", early_help), ("api/v1/users/", users[Role.TRIAGE]), ("settings/users/", users[Role.TRIAGE]),
        ("settings/teams/", team),
        ("api/v1/people/", person), ("people/links/contacts/", contact),
        ("people/links/", SimpleNamespace(pk=999_999)),  # a link that does not exist: its 404 is under test
        ("people/", person), ("documents/", document), ("api/v1/documents/", document),
    ]  # fmt: skip
    values = {
        "tenant_slug": tenant.slug, "code": "red", "kind": "decision", "number": indicator.level.number,
        "index": 0, "step": "concerns", "figure": "contacts", "candidate_pk": candidate.pk, "verdict": "reject",
        "contact_id": contact.pk, "agency_slug": "police", "task_pk": tasks["call_family"].pk,
        "review_pk": review.pk, "format": "json", "uidb64": "MQ", "token": "not-a-token", "rule": "nfa_contacts",
    }  # fmt: skip

    def path(pattern, role):
        kwargs = {}
        for param in pattern.params:
            if param == "pk":
                kwargs[param] = next(row.pk for prefix, row in by_prefix if pattern.route.startswith(prefix))
            elif param == "slug" and pattern.name == "role-home":
                kwargs[param] = ROLE_HOMES[role].slug if role in ROLE_HOMES else "triage"
            elif param == "slug":
                kwargs[param] = "police"  # the agency detail
            elif param in values:
                kwargs[param] = values[param]
            else:
                raise AssertionError(f"{pattern.route}: add a value for the path parameter {param!r}")
        return reverse(pattern.name, kwargs=kwargs)

    return SimpleNamespace(tenant=tenant, users=users, path=path)


def role_clients(world):
    """Per role: a signed-in page client and a token API client; neither re-raises, so a 500 is a status."""
    clients = {ANONYMOUS: (Client(raise_request_exception=False), Client(raise_request_exception=False))}
    for role, user in world.users.items():
        page = Client(raise_request_exception=False)
        page.force_login(user)
        api = Client(raise_request_exception=False, HTTP_AUTHORIZATION=f"Token {token_for(user)}")
        clients[role] = (page, api)
    return clients
