"""No input is a 500: every URL pattern, as every role and anonymously, with hostile query strings and bodies.

The patterns come from the URL resolver, so a new page or endpoint is crawled without anyone
remembering; its path parameters are filled with real rows of a populated tenant (``_world``), and a
pattern with a parameter this file cannot fill fails the test. Hostile input: NUL, 10**23, year 1
and year 9999 dates, 1 MB strings, JSON nested 10,000 deep, ``?format=api``.

The crawl is a smart sample: each (pattern, role) gets one probe; a role the probe shows to be
refused (sign-in redirect, 401, 403, 404) gets no more, since authorisation runs before input is
read; a role that gets in gets every hostile kind. ``test_every_pattern_role_and_kind`` sends every kind
as every role, refused or not: about five minutes, so it runs only with ``MASH_EXHAUSTIVE_CRAWL=1``
(before a release, or after changing authentication or input handling). What it adds over the fast crawl
is hostile input to roles already refused, and a refusal happens before any input is read.
"""

from __future__ import annotations

import json
import os
from datetime import timedelta
from types import SimpleNamespace

import pytest
from django import forms
from django.core import mail
from django.core.cache import cache
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone
from rest_framework import serializers

from contacts import services as contact_services
from contacts.models import Person, PersonMatchCandidate
from deadlines.models import Notification
from deadlines.services import ensure_default_ladders
from earlyhelp import services as earlyhelp_services
from earlyhelp.models import FeedbackTask
from mash import tenancy
from mash.models import Team
from mash.pages import ROLE_HOMES
from mash.roles import Role
from mash.security.input import MAX_JSON_DEPTH
from navigators import demo as navigators_demo
from navigators import services as navigator_services
from tests.contacts.builders import marf
from tests.factories import AgencyFactory, token_for
from tests.mash import document_builders as document_files
from thresholds.models import ClosureDay, Rating, ThresholdIndicator
from thresholds.services import ensure_default_policy
from triage import services as triage_services

pytestmark = pytest.mark.django_db

ANONYMOUS = "anonymous"
ROLES = [*Role.values, ANONYMOUS]
REFUSED = {301, 302, 401, 403, 404, 405}

HUGE = 10**23
MEGABYTE = "x" * 1_000_000
FILLER = "y" * 3_000  # longer than every max_length and than a PostgreSQL b-tree index entry (2,704 bytes)
DEEP = '{"a": ' + "[" * 10_000 + "]" * 10_000 + "}"

# Query parameters the pages and endpoints read (dates, pages, filters, searches, lists).
QUERY_NAMES = [
    "page", "page_size", "from", "to", "date_from", "date_to", "start", "amount", "unit", "on", "list",
    "status", "rating", "q", "mine", "overdue", "assigned", "outcome", "source", "agency", "period", "team",
    "interval", "contact", "reference", "user", "action", "next", "expired", "domain", "limit", "offset",
    "ordering", "search", "child", "agency_slug", "kind",
]  # fmt: skip


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


def _hub(tenant, make_user):
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


def _world(tenant, make_user):
    """The hub with a row behind every path parameter: contacts, requests, a return, a case note, a match,
    an early-help request with its feedback tasks and plan review, a notification, a closure day, a team."""
    hub = _hub(tenant, make_user)
    users, police = hub.users, hub.police
    with tenancy.tenant_context(tenant):
        navigators_demo.seed(tenant)
    navigator = users[Role.NAVIGATOR]

    referrer = Client()
    referrer.defaults["HTTP_AUTHORIZATION"] = f"Token {token_for(users[Role.REFERRER])}"
    leon = marf(
        children=[{"first_name": "Leon", "last_name": "Hart", "date_of_birth": "2025-04-02", "postcode": "CB1 2AB"}]
    )  # a possible match of the first contact's Leo Hart
    bodies = [marf(), leon, marf()]
    created = [referrer.post("/api/v1/contacts/", body, content_type="application/json") for body in bodies]
    assert all(r.status_code == 201 for r in created), [r.content for r in created]
    first, contact_id, stepped_down_id = (r.json()["id"] for r in created)

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
            status="decided", outcome="early_help", decided_at=timezone.now(), decided_by=users[Role.MANAGER]
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

    by_prefix = [  # (route prefix, the row whose pk fills "pk")
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


def _clients(world):
    """Per role: a signed-in page client and a token API client; neither re-raises, so a 500 is a status."""
    clients = {ANONYMOUS: (Client(raise_request_exception=False), Client(raise_request_exception=False))}
    for role, user in world.users.items():
        page = Client(raise_request_exception=False)
        page.force_login(user)
        api = Client(raise_request_exception=False, HTTP_AUTHORIZATION=f"Token {token_for(user)}")
        clients[role] = (page, api)
    return clients


# --- the hostile inputs ------------------------------------------------------------------------------


def _form_field_names() -> set[str]:
    """Every field name of the product's forms and serializers, date inputs' day/month/year parts too."""

    def subclasses(cls):
        for sub in cls.__subclasses__():
            yield sub
            yield from subclasses(sub)

    names = set()
    for form in subclasses(forms.BaseForm):
        if form.__module__.split(".")[0] not in ("mash", "contacts", "triage", "navigators", "earlyhelp", "thresholds"):
            continue
        for name, field in form.base_fields.items():
            names.add(name)
            names.update(f"{name}_{i}" for i in range(len(getattr(field.widget, "widgets", []))))
    for serializer in subclasses(serializers.Serializer):
        if serializer.__module__.split(".")[0] not in ("mash", "contacts", "triage", "navigators", "earlyhelp",
                                                       "thresholds"):  # fmt: skip
            continue
        try:
            names.update(serializer().fields)
        except Exception:  # noqa: BLE001 - a serializer that needs context: its fields come from its forms
            continue
    return names


def _values(names, kind):
    """name -> hostile value for one kind (date inputs' parts get a hostile day, month or year)."""

    def value(name):
        if kind == "nul":
            return "a\x00b"
        if kind == "huge":
            return str(HUGE)
        if kind == "long":
            return MEGABYTE if name in ("q", "text") else FILLER
        year = "0001" if kind == "year-1" else "9999"
        if name.endswith("_2"):
            return year
        if name.endswith(("_0", "_1")):
            return "1" if kind == "year-1" else "12"
        return f"{year}-01-01" if kind == "year-1" else f"{year}-12-31"

    return {name: value(name) for name in names}


# The OpenAPI document is generated alike for every caller (half a second each): the fast crawl asks once.
SAME_FOR_EVERYONE = {"api:schema"}
QUERY_KINDS = ["year-1", "year-9999", "huge", "nul", "long", "format-api"]
BODY_KINDS = ["year-1", "year-9999", "huge", "nul", "long", "deep"]


def query(kind) -> dict:
    if kind == "format-api":
        return {"format": "api"}
    return _values(QUERY_NAMES, kind)


def send_body(client, method, url, kind, names, *, api):
    if kind == "deep":
        return getattr(client, method)(url, DEEP, content_type="application/json")
    data = _values(names, kind)
    if api:
        if kind == "huge":
            data = dict.fromkeys(names, HUGE)
        return getattr(client, method)(url, json.dumps(data), content_type="application/json")
    return client.post(url, data)


# --- the crawl ---------------------------------------------------------------------------------------


def crawl(world, *, exhaustive: bool):
    """Every pattern as every role; returns each request answered 5xx, as "METHOD url as role with kind: status".

    Smart sample (``exhaustive=False``): a role refused the page (sign-in redirect, 401, 403, 404, 405)
    gets no more hostile queries, and no bodies unless the page is POST-only (405 to a GET); a role
    refused a body gets no more bodies. NUL is refused before sign-in, alike for everyone, so the
    anonymous caller sends it to every pattern and the roles that get in send it too.
    """
    clients = _clients(world)
    names = sorted(_form_field_names())
    failures = []

    def probe(client, method, url, kind, *, role, api, public):
        if public:
            cache.clear()  # the public form's throttle would answer 429 before reading the input
        if method == "get":
            response = client.get(url, query(kind))
        else:
            response = send_body(client, method, url, kind, names, api=api)
        if response.status_code >= 500:
            failures.append(f"{method.upper()} {url} as {role} with {kind}: {response.status_code}")
        return response.status_code

    for pattern in patterns():
        api = pattern.route.startswith("api/")
        query_kinds = QUERY_KINDS if api else [k for k in QUERY_KINDS if k != "format-api"]
        public = "tenant_slug" in pattern.params
        for role in ROLES:
            if pattern.name in SAME_FOR_EVERYONE and role != ANONYMOUS and not exhaustive:
                continue
            client = clients[role][1 if api else 0]
            url = world.path(pattern, role)

            def send(method, kind, client=client, url=url, role=role):
                return probe(client, method, url, kind, role=role, api=api, public=public)  # noqa: B023 - called now

            first = send("get", query_kinds[0])
            get_in = exhaustive or first not in REFUSED
            for kind in query_kinds[1:] if get_in else ["nul"] if role == ANONYMOUS else []:
                send("get", kind)
            if not (get_in or first == 405 or role == ANONYMOUS):
                continue
            for method in body_methods(pattern.callback):
                if send(method, BODY_KINDS[0]) in REFUSED and not exhaustive:
                    if role == ANONYMOUS:
                        send(method, "nul")
                    continue
                for kind in BODY_KINDS[1:]:
                    send(method, kind)
    return failures


@pytest.fixture(autouse=True)
def _fresh_throttle_cache():
    # The public form's throttle counts in Django's cache: no test may inherit another's count.
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def world(tenant_a, make_user, settings):
    settings.AXES_ENABLED = False  # hostile sign-in posts must not lock the crawl's own accounts out
    return _world(tenant_a, make_user)


@pytest.fixture
def hub(tenant_a, make_user):
    return _hub(tenant_a, make_user)


def test_no_url_answers_a_server_error_to_hostile_input_as_any_role(world):
    failures = crawl(world, exhaustive=False)
    assert not failures, f"{len(failures)} server errors; first: {failures[0]}\n" + "\n".join(failures)


@pytest.mark.slow
@pytest.mark.skipif(
    os.environ.get("MASH_EXHAUSTIVE_CRAWL") != "1",
    reason="five minutes of requests the fast crawl shows are refused before input is read: MASH_EXHAUSTIVE_CRAWL=1",
)
def test_every_pattern_role_and_kind(world):
    failures = crawl(world, exhaustive=True)
    assert not failures, f"{len(failures)} server errors; first: {failures[0]}\n" + "\n".join(failures)


# --- the rules the crawl relies on, one by one ------------------------------------------------------------


def test_nul_in_a_query_parameter_is_a_field_error_not_a_server_error(hub):
    page, api = _clients(hub)[Role.TRIAGE]
    response = page.get("/triage/", {"rating": "red\x00"})
    assert response.status_code == 400
    assert "cannot be stored" in response.content.decode() and "rating" in response.content.decode()
    response = api.get("/api/v1/triage/queue/", {"rating": "red\x00"})
    assert response.status_code == 400 and list(response.json()) == ["rating"]


def test_nul_in_a_form_field_of_a_draft_autosave_is_refused_and_nothing_is_saved(hub):
    page, _ = _clients(hub)[Role.REFERRER]
    response = page.post("/contacts/referral/autosave/concerns/", {"concerns": "Hit\x00 by dad"})
    assert response.status_code == 400 and "concerns" in response.content.decode()
    assert "Hit" not in page.get("/contacts/referral/concerns/").content.decode()


def test_nul_or_a_lone_surrogate_in_a_json_string_is_a_400_on_the_field(hub):
    _, api = _clients(hub)[Role.REFERRER]
    for text in ('"Hit\\u0000 by dad"', '"Hit\\ud800 by dad"'):
        body = json.dumps(marf())[:-1] + f', "concerns": {text}}}'
        response = api.post("/api/v1/contacts/", body, content_type="application/json")
        assert response.status_code == 400, response.content
        assert list(response.json()) == ["concerns"]


def test_nul_in_a_form_encoded_patch_to_the_api_is_a_400_on_the_field(hub):
    # DRF parses PUT and PATCH form bodies itself, after the input middleware (which reads POST forms).
    _, api = _clients(hub)[Role.ADMIN]
    response = api.patch("/api/v1/ratings/red/", "label=Red%00", content_type="application/x-www-form-urlencoded")
    assert response.status_code == 400, response.content
    assert list(response.json()) == ["label"]
    with tenancy.tenant_context(hub.tenant):
        assert Rating.objects.get(code="red").label != "Red\x00"


@pytest.mark.parametrize("depth", [MAX_JSON_DEPTH + 1, 10_000])
def test_json_nested_too_deep_is_a_400_on_the_anonymous_public_endpoint(hub, depth):
    body = '{"children": ' + "[" * depth + "]" * depth + "}"
    response = Client().post(f"/api/v1/public/{hub.tenant.slug}/contacts/", body, content_type="application/json")
    assert response.status_code == 400
    assert "nested more than" in response.json()["detail"]


def test_a_page_number_of_ten_to_the_23_is_an_invalid_page_not_a_server_error(hub):
    page, api = _clients(hub)[Role.TRIAGE]
    assert page.get("/triage/", {"page": str(HUGE)}).status_code == 200
    response = api.get("/api/v1/triage/queue/", {"page": str(HUGE)})
    assert response.status_code == 404 and response.json() == {"detail": "Invalid page."}


def test_the_audit_search_from_year_1_to_9999_is_a_field_error(hub):
    page, _ = _clients(hub)[Role.ADMIN]
    response = page.get("/security/audit/", {"date_from": "0001-01-01", "date_to": "9999-12-31"})
    assert response.status_code == 400
    assert "Enter a date between 1900 and 2100" in response.content.decode()


def test_the_browsable_api_is_off_and_the_documentation_still_works(hub):
    _, api = _clients(hub)[Role.TRIAGE]
    assert api.get("/api/v1/contacts/", {"format": "api"}).status_code == 404
    assert api.get("/api/v1/contacts/").status_code == 200
    docs = Client().get("/api/v1/docs/")
    assert docs.status_code == 200 and b"swagger" in docs.content.lower()
    assert Client().get("/api/v1/schema/").status_code == 200


# --- X-Request-Id ---------------------------------------------------------------------------------------


def test_a_well_formed_request_id_is_kept_and_stamped_on_the_audit_events(hub):
    from mash.models import AuditEvent

    _, api = _clients(hub)[Role.REFERRER]
    supplied = "3f2b6c1e-9a47-4d0b-8c1e-2b7f0a9d5e11"
    response = api.post("/api/v1/contacts/", marf(), content_type="application/json", HTTP_X_REQUEST_ID=supplied)
    assert response.status_code == 201 and response["X-Request-Id"] == supplied
    with tenancy.tenant_context(hub.tenant):
        assert AuditEvent.objects.filter(request_id=supplied).exists()


@pytest.mark.parametrize(
    "supplied",
    ["a" * 65, "has space", "nul\x00here", "<script>alert(1)</script>", "-leading-dash", "line\nbreak", "é"],
)
def test_a_request_id_that_is_long_or_malformed_is_replaced_not_trusted(hub, supplied):
    response = Client().get("/health/", HTTP_X_REQUEST_ID=supplied)
    assert response.status_code == 200
    assert response["X-Request-Id"] != supplied
    assert len(response["X-Request-Id"]) == 32 and response["X-Request-Id"].isalnum()
