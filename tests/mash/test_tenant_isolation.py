"""Tenant A can never list, read, change or delete tenant B's rows, nor infer that they exist.

Every router-registered API resource must appear in RESOURCES below, or in the
``RESOURCES`` of a ``tests/<capability>/isolation.py`` module (merged in here); the first
test fails when a new endpoint is added without being covered.
"""

from importlib import import_module

import pytest

import mash.urls  # noqa: F401 - loading the URLconf registers every capability's viewsets on the router
from mash import tenancy
from mash.models import Agency
from mash.routing import router
from mash.tenancy import TenantNotSet
from tests.contacts.builders import make_contact
from tests.factories import AgencyFactory, UserFactory
from tests.mash.isolation import Resource
from tests.thresholds.helpers import make_rating

RESOURCES = {
    "agency": Resource(
        lambda tenant, key: AgencyFactory(tenant=tenant, slug=key), lambda o: o.slug, {"name": "X"}, "name"
    ),
    "contact": Resource(make_contact, lambda obj: obj.pk, None),
    "rating": Resource(make_rating, lambda obj: obj.code, {"label": "Renamed"}, "label"),
    # Usernames are unique across tenants, so the "same natural key" is the same name under each slug.
    "user": Resource(
        lambda tenant, key: UserFactory(tenant=tenant, username=f"{tenant.slug}-{key}", email=f"{key}@example.org"),
        lambda obj: obj.pk,
        {"email": "renamed@example.org"},
        "email",
    ),
}


CAPABILITY_REGISTRIES = ["tests.triage.isolation", "tests.navigators.isolation", "tests.earlyhelp.isolation",
                         "tests.reporting.isolation"]  # fmt: skip
for _module_name in CAPABILITY_REGISTRIES:
    try:
        _module = import_module(_module_name)
    except ModuleNotFoundError as exc:
        if exc.name is None or not _module_name.startswith(exc.name):
            raise
        continue
    RESOURCES |= _module.RESOURCES


def test_every_api_resource_is_covered_by_the_isolation_tests():
    registered = {basename for _prefix, _viewset, basename in router.registry}
    assert registered <= set(RESOURCES), f"Add isolation coverage for: {sorted(registered - set(RESOURCES))}"


def _url(basename, lookup=None):
    prefix = next(p for p, _v, b in router.registry if b == basename)
    return f"/api/v1/{prefix}/" + (f"{lookup}/" if lookup is not None else "")


@pytest.fixture(params=sorted(RESOURCES))
def resource(request, tenant_a, tenant_b, make_user):
    make, lookup, patch, field, role = RESOURCES[request.param]
    return {
        "basename": request.param,
        "mine": make(tenant_a, "shared-key"),
        "twin": make(tenant_b, "shared-key"),  # same natural key in the other tenant
        "theirs": make(tenant_b, "only-in-b"),
        "lookup": lookup,
        "patch": patch,
        "field": field,
        "admin_a": make_user(tenant_a, role),
    }


def test_list_shows_only_own_tenant_rows(resource, api_as):
    response = api_as(resource["admin_a"]).get(_url(resource["basename"]))
    assert response.status_code == 200
    ids = {row["id"] for row in response.data["results"]}
    assert resource["mine"].pk in ids
    assert resource["theirs"].pk not in ids


@pytest.mark.parametrize("method", ["get", "patch", "put", "delete"])
def test_other_tenants_row_is_not_found_never_forbidden(resource, api_as, method):
    client = api_as(resource["admin_a"])
    url = _url(resource["basename"], resource["lookup"](resource["theirs"]))
    response = getattr(client, method)(url, resource["patch"], format="json")
    assert response.status_code == 404, response.content
    with tenancy.tenant_context(resource["theirs"].tenant):
        resource["theirs"].refresh_from_db()  # still there, unchanged
    if resource["field"]:
        assert getattr(resource["theirs"], resource["field"]) != resource["patch"][resource["field"]]


def test_same_lookup_in_two_tenants_resolves_to_the_callers_own(resource, api_as):
    client = api_as(resource["admin_a"])
    url = _url(resource["basename"], resource["lookup"](resource["mine"]))
    if resource["patch"] is None:  # read-only through the API: the read must find the caller's own row
        response = client.get(url)
        assert response.status_code == 200
        assert response.data["id"] == resource["mine"].pk
        return
    response = client.patch(url, resource["patch"])
    assert response.status_code == 200
    assert response.data["id"] == resource["mine"].pk
    with tenancy.tenant_context(resource["twin"].tenant):
        resource["twin"].refresh_from_db()
    assert getattr(resource["twin"], resource["field"]) != resource["patch"][resource["field"]]


def test_scoped_manager_refuses_to_query_without_a_tenant(tenant_a):
    AgencyFactory(tenant=tenant_a)
    with pytest.raises(TenantNotSet):
        list(Agency.objects.all())


def test_scoped_manager_returns_only_the_active_tenants_rows(tenant_a, tenant_b):
    AgencyFactory(tenant=tenant_a, slug="police")
    AgencyFactory(tenant=tenant_b, slug="police")
    with tenancy.tenant_context(tenant_a):
        assert {a.tenant_id for a in Agency.objects.all()} == {tenant_a.pk}
        assert Agency.objects.filter(slug="police").count() == 1


def test_a_row_of_another_tenant_cannot_be_saved_while_a_tenant_is_active(tenant_a, tenant_b):
    theirs = AgencyFactory(tenant=tenant_b)
    with tenancy.tenant_context(tenant_a), pytest.raises(TenantNotSet):
        theirs.name = "Hijacked"
        theirs.save()


def test_work_naming_one_tenant_is_refused_while_another_is_active(tenant_a, tenant_b):
    """Saving a row, auditing, planning a clock and seeding a policy all refuse another tenant's work the same way;
    only seeding a policy (which also reads the active tenant's rows) needs a tenant active at all."""
    from datetime import UTC, datetime

    from deadlines.services import plan_clock
    from mash import audit
    from thresholds.models import ClockKind
    from thresholds.services import ensure_default_policy

    theirs = AgencyFactory(tenant=tenant_b)
    attempts = {
        "to save a row": lambda: theirs.save(),
        "to audit an event": lambda: audit.record(actor=None, action="agency.viewed", obj=theirs),
        "a clock": lambda: plan_clock(tenant=tenant_b, kind=ClockKind.DECISION, started_at=datetime.now(UTC)),
        "the default policy": lambda: ensure_default_policy(tenant=tenant_b),
    }
    for what, attempt in attempts.items():
        with tenancy.tenant_context(tenant_a), pytest.raises(TenantNotSet) as refused:
            attempt()
        assert str(refused.value) == f"Refusing {what} of tenant {tenant_b.pk} while tenant {tenant_a.pk} is active."
    # With no tenant active (system work naming its tenant) an event is audited and a clock planned in the row's
    # tenant; a policy is not seeded (a save, with none, meets row-level security in the database instead).
    attempts["to audit an event"]()
    attempts["a clock"]()
    with pytest.raises(TenantNotSet, match="No tenant is active"):
        attempts["the default policy"]()
    with tenancy.tenant_context(tenant_b):
        ensure_default_policy(tenant=tenant_b)


def test_new_rows_take_the_active_tenant(tenant_a):
    with tenancy.tenant_context(tenant_a):
        agency = Agency.objects.create(slug="housing", name="Housing")
    assert agency.tenant_id == tenant_a.pk


def test_a_user_without_a_tenant_gets_no_tenant_api(db, api_as):
    from tests.factories import UserFactory

    platform = UserFactory(tenant=None, role="", is_superuser=True, is_staff=True)
    assert api_as(platform).get("/api/v1/agencies/").status_code == 403
