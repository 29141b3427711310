"""No input is a 500: every URL pattern, as every role and anonymously, with hostile query strings and bodies.

The patterns come from the URL resolver, so a new page or endpoint is crawled without anyone
remembering; its path parameters are filled with real rows of a populated tenant (``tests.crawl.build_world``), and a
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

import pytest
from django import forms
from django.core.cache import cache
from django.test import Client
from rest_framework import serializers

from mash import tenancy
from mash.roles import Role
from mash.security.input import MAX_JSON_DEPTH
from tests.contacts.builders import marf
from tests.crawl import ANONYMOUS, REFUSED, ROLES, body_methods, build_hub, build_world, patterns
from tests.crawl import role_clients as _clients
from thresholds.models import Rating

pytestmark = pytest.mark.django_db


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
    return build_world(tenant_a, make_user)


@pytest.fixture
def hub(tenant_a, make_user):
    return build_hub(tenant_a, make_user)


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
    assert "The start date must be between 1900 and 2100" in response.content.decode()
    assert "The end date must be between 1900 and 2100" in response.content.decode()


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
