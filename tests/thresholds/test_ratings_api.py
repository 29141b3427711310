"""The rating scheme through the API: staff read it, tenant administrators change it (API.md)."""

from decimal import Decimal

import pytest
from django.core.management import call_command

from mash import tenancy
from mash.models import User
from mash.roles import Role
from tests.audit_helpers import audit_event, audit_events
from thresholds.models import Rating
from thresholds.services import ensure_default_policy


def with_policy(tenant):
    with tenancy.tenant_context(tenant):
        ensure_default_policy(tenant=tenant)
    return tenant


def rating(tenant, code):
    with tenancy.tenant_context(tenant):
        return Rating.objects.get(code=code)


def scheme(response):
    return {
        row["code"]: (
            row["label"],
            row["colour"],
            row["agencies_asked"],
            None
            if row["return_deadline"] is None
            else (Decimal(str(row["return_deadline"]["amount"])), row["return_deadline"]["unit"]),
        )
        for row in response.data["results"]
    }


@pytest.fixture
def demo(db):
    call_command("seed_demo", password="demo-password-for-tests", verbosity=0)


def test_seeded_cambridgeshire_scheme_is_the_default_brag_in_clock_hours(demo, api_as):
    response = api_as(User.objects.get(username="cambridgeshire-triage")).get("/api/v1/ratings/")
    assert response.status_code == 200
    assert set(response.data) == {"count", "next", "previous", "results"}
    assert [row["code"] for row in response.data["results"]] == ["red", "amber", "green", "blue"]
    assert scheme(response) == {
        "red": ("Red", "red", "all", (Decimal(4), "clock_hours")),
        "amber": ("Amber", "amber", "all", (Decimal(6), "clock_hours")),
        "green": ("Green", "green", "selected", (Decimal(24), "clock_hours")),
        "blue": ("Blue", "blue", "none", None),
    }
    green = response.data["results"][2]
    assert green["can_route_to_early_help"] is True
    assert green["active"] is True
    assert {"description", "examples", "order"} <= set(green)


def test_seeded_durham_scheme_counts_working_time(demo, api_as):
    response = api_as(User.objects.get(username="durham-manager")).get("/api/v1/ratings/")
    assert response.status_code == 200
    found = scheme(response)
    assert found["red"][3] == (Decimal(4), "working_hours")
    assert found["amber-l4"][:3] == ("Amber Level 4", "amber", "all")
    assert found["amber-l4"][3] == (Decimal(1), "working_days")
    assert "blue" not in found


def test_one_rating_is_read_by_its_code(tenant_a, make_user, api_as):
    with_policy(tenant_a)
    response = api_as(make_user(tenant_a, Role.NAVIGATOR)).get("/api/v1/ratings/green/")
    assert response.status_code == 200
    assert response.data["agencies_asked"] == "selected"
    assert response.data["return_deadline"] == {"amount": Decimal("24.00"), "unit": "clock_hours"}


def test_admin_changes_own_rating_and_the_change_is_audited(tenant_a, make_user, api_as):
    with_policy(tenant_a)
    admin = make_user(tenant_a, Role.ADMIN)
    response = api_as(admin).patch(
        "/api/v1/ratings/red/",
        {"label": "Red: immediate", "return_deadline": {"amount": "2.5", "unit": "working_hours"}},
    )
    assert response.status_code == 200, response.data
    assert response.data["label"] == "Red: immediate"
    assert response.data["return_deadline"]["unit"] == "working_hours"
    assert Decimal(str(response.data["return_deadline"]["amount"])) == Decimal("2.5")
    red = rating(tenant_a, "red")
    assert (red.return_amount, red.return_unit) == (Decimal("2.5"), "working_hours")
    event = audit_event(tenant_a, action="rating.changed")
    assert event.actor == admin
    assert event.tenant == tenant_a
    assert set(event.changes) == {"label", "return_amount", "return_unit"}
    assert event.changes["return_unit"] == ["clock_hours", "working_hours"]


def test_reading_then_sending_back_the_same_values_records_no_change(tenant_a, make_user, api_as):
    with_policy(tenant_a)
    client = api_as(make_user(tenant_a, Role.ADMIN))
    current = client.get("/api/v1/ratings/amber/").data
    body = {k: v for k, v in current.items() if k not in {"id", "code"}}
    assert client.put("/api/v1/ratings/amber/", body).status_code == 200
    assert not audit_events(tenant_a, action="rating.changed")


def test_admin_cannot_change_another_tenants_rating(tenant_a, tenant_b, make_user, api_as):
    with_policy(tenant_a)
    with_policy(tenant_b)
    with tenancy.tenant_context(tenant_b):
        Rating.objects.create(code="purple", label="Purple", colour="purple", agencies_asked="none")
    client = api_as(make_user(tenant_a, Role.ADMIN))
    assert client.patch("/api/v1/ratings/purple/", {"label": "Mine now"}).status_code == 404
    assert client.get("/api/v1/ratings/purple/").status_code == 404
    # The same code in both tenants: the caller's own is changed, never the other's.
    assert client.patch("/api/v1/ratings/red/", {"label": "Alpha red"}).status_code == 200
    assert rating(tenant_b, "red").label == "Red"
    assert rating(tenant_b, "purple").label == "Purple"


@pytest.mark.parametrize("role", [Role.TRIAGE, Role.MANAGER, Role.NAVIGATOR, Role.AGENCY_LEAD, Role.EHCOORD, Role.HEAD])
def test_hub_staff_read_the_scheme_but_cannot_change_it(role, tenant_a, make_user, api_as):
    with_policy(tenant_a)
    client = api_as(make_user(tenant_a, role))
    assert client.get("/api/v1/ratings/").status_code == 200
    response = client.patch("/api/v1/ratings/red/", {"label": "Changed"})
    assert response.status_code == 403
    assert rating(tenant_a, "red").label == "Red"


def test_referrers_cannot_list_or_read_ratings(tenant_a, make_user, api_as):
    with_policy(tenant_a)
    client = api_as(make_user(tenant_a, Role.REFERRER))
    assert client.get("/api/v1/ratings/").status_code == 403
    assert client.get("/api/v1/ratings/red/").status_code == 403
    assert client.patch("/api/v1/ratings/red/", {"label": "Changed"}).status_code == 403


def test_anonymous_callers_are_refused(tenant_a, client):
    with_policy(tenant_a)
    assert client.get("/api/v1/ratings/").status_code in (401, 403)


@pytest.mark.parametrize(
    ("code", "body", "field", "message"),
    [
        ("red", {"return_deadline": None}, "return_deadline", "must have a return deadline"),
        ("blue", {"agencies_asked": "all"}, "return_deadline", "must have a return deadline"),
        ("red", {"return_deadline": {"amount": "0", "unit": "clock_hours"}}, "return_deadline", "more than 0"),
        ("red", {"return_deadline": {"amount": "-2", "unit": "clock_hours"}}, "return_deadline", "more than 0"),
        ("red", {"return_deadline": {"amount": "soon", "unit": "clock_hours"}}, "return_deadline", "as a number"),
        ("red", {"return_deadline": {"amount": "4", "unit": "fortnights"}}, "return_deadline", "clock_hours"),
        ("red", {"return_deadline": {"amount": "4"}}, "return_deadline", "unit"),
        ("red", {"return_deadline": "4 hours"}, "return_deadline", "Send the deadline as"),
        ("blue", {"return_deadline": {"amount": "4", "unit": "clock_hours"}}, "return_deadline", "asks no agencies"),
        ("red", {"agencies_asked": "some"}, "agencies_asked", "not a valid choice"),
        ("red", {"colour": "pink"}, "colour", "not a valid choice"),
        ("red", {"label": ""}, "label", "blank"),
    ],
)
def test_bad_changes_answer_400_naming_the_field_and_change_nothing(
    code, body, field, message, tenant_a, make_user, api_as
):
    with_policy(tenant_a)
    before = rating(tenant_a, code)
    response = api_as(make_user(tenant_a, Role.ADMIN)).patch(f"/api/v1/ratings/{code}/", body)
    assert response.status_code == 400, response.data
    assert list(response.data) == [field]
    assert isinstance(response.data[field], list)
    assert any(message in str(m) for m in response.data[field]), response.data
    after = rating(tenant_a, code)
    assert (after.label, after.agencies_asked, after.return_amount, after.return_unit) == (
        before.label,
        before.agencies_asked,
        before.return_amount,
        before.return_unit,
    )
    assert not audit_events(tenant_a, action="rating.changed")


def test_asking_no_agencies_clears_the_deadline(tenant_a, make_user, api_as):
    with_policy(tenant_a)
    response = api_as(make_user(tenant_a, Role.ADMIN)).patch("/api/v1/ratings/green/", {"agencies_asked": "none"})
    assert response.status_code == 200
    assert response.data["return_deadline"] is None
    green = rating(tenant_a, "green")
    assert (green.return_amount, green.return_unit) == (None, "")


def test_asking_agencies_again_takes_a_new_deadline(tenant_a, make_user, api_as):
    with_policy(tenant_a)
    response = api_as(make_user(tenant_a, Role.ADMIN)).patch(
        "/api/v1/ratings/blue/",
        {"agencies_asked": "selected", "return_deadline": {"amount": 3, "unit": "working_days"}},
    )
    assert response.status_code == 200, response.data
    assert response.data["return_deadline"] == {"amount": Decimal("3.00"), "unit": "working_days"}


def test_the_code_cannot_be_changed(tenant_a, make_user, api_as):
    with_policy(tenant_a)
    response = api_as(make_user(tenant_a, Role.ADMIN)).patch("/api/v1/ratings/red/", {"code": "crimson"})
    assert response.status_code == 200
    assert response.data["code"] == "red"


def test_ratings_are_retired_not_deleted(tenant_a, make_user, api_as):
    with_policy(tenant_a)
    client = api_as(make_user(tenant_a, Role.ADMIN))
    assert client.delete("/api/v1/ratings/blue/").status_code == 405
    response = client.patch("/api/v1/ratings/blue/", {"active": False})
    assert response.status_code == 200
    assert response.data["active"] is False
    assert [r["code"] for r in client.get("/api/v1/ratings/?active=true").data["results"]] == ["red", "amber", "green"]


def test_the_last_active_rating_cannot_be_retired(tenant_a, make_user, api_as):
    with_policy(tenant_a)
    client = api_as(make_user(tenant_a, Role.ADMIN))
    for code in ("red", "amber", "green"):
        assert client.patch(f"/api/v1/ratings/{code}/", {"active": False}).status_code == 200
    response = client.patch("/api/v1/ratings/blue/", {"active": False})
    assert response.status_code == 400
    assert "at least one rating" in response.data["active"][0]
    assert rating(tenant_a, "blue").active is True


def test_the_schema_documents_the_policy_endpoints(client, db):
    document = client.get("/api/v1/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json").json()
    assert {"get", "put", "patch"} <= set(document["paths"]["/api/v1/ratings/{code}/"])
    due = document["paths"]["/api/v1/calendar/due/"]["get"]
    assert {p["name"] for p in due["parameters"]} == {"start", "amount", "unit"}
    assert "due_at" in document["components"]["schemas"]["Due"]["properties"]
    assert "return_deadline" in document["components"]["schemas"]["Rating"]["properties"]
