"""Each rating may shorten the decision deadline (issue 19): the ratings API's ``decision_deadline`` and the
settings page. Durham is seeded as seed 004 says: Red within 4 working hours, Amber within one working day."""

from decimal import Decimal

import pytest

from mash import tenancy
from mash.models import AuditEvent
from tests.thresholds.test_settings_pages import rating_form, text
from tests.triage.conftest import make_hub  # noqa: F401  (fixture)
from thresholds.models import Rating

pytestmark = pytest.mark.django_db


@pytest.fixture
def durham(make_hub):  # noqa: F811
    return make_hub("durham")


def deadlines(response):
    return {row["code"]: row["decision_deadline"] for row in response.data["results"]}


def test_durham_ratings_carry_their_decision_deadlines(durham, api_as):
    response = api_as(durham["triage"]).get("/api/v1/ratings/")
    assert response.status_code == 200
    assert deadlines(response) == {
        "red": {"amount": Decimal("4.00"), "unit": "working_hours"},
        "amber-l4": {"amount": Decimal("1.00"), "unit": "working_days"},
        "amber-l3": {"amount": Decimal("1.00"), "unit": "working_days"},
    }
    assert {row["code"]: row["immediate"] for row in response.data["results"]}["red"] is True


def test_cambridgeshire_ratings_have_no_decision_deadline_and_red_is_immediate(make_hub, api_as):  # noqa: F811
    hub = make_hub("cambridgeshire")
    response = api_as(hub["manager"]).get("/api/v1/ratings/")
    assert set(deadlines(response).values()) == {None}
    assert [row["code"] for row in response.data["results"] if row["immediate"]] == ["red"]


def test_an_admin_sets_and_clears_a_decision_deadline_audited(durham, api_as):
    client = api_as(durham["admin"])
    response = client.patch(
        "/api/v1/ratings/amber-l4/", {"decision_deadline": {"amount": 6, "unit": "working_hours"}}, format="json"
    )
    assert response.status_code == 200, response.content
    assert response.data["decision_deadline"] == {"amount": Decimal("6.00"), "unit": "working_hours"}
    response = client.patch("/api/v1/ratings/red/", {"decision_deadline": None}, format="json")
    assert response.status_code == 200
    assert response.data["decision_deadline"] is None
    with tenancy.tenant_context(durham["tenant"]):
        red = Rating.objects.get(code="red")
        assert (red.decision_amount, red.decision_unit) == (None, "")
        changes = [e.changes for e in AuditEvent.objects.filter(action="rating.changed").order_by("id")]
    assert "decision_amount" in changes[0]
    assert "decision_unit" in changes[0]
    assert "decision_amount" in changes[1]


@pytest.mark.parametrize(
    "body",
    [
        {"decision_deadline": {"amount": 0, "unit": "working_hours"}},
        {"decision_deadline": {"amount": 4, "unit": "fortnights"}},
        {"decision_deadline": {"amount": 4}},
        {"decision_deadline": "soon"},
    ],
)
def test_a_bad_decision_deadline_is_a_field_error(durham, api_as, body):
    response = api_as(durham["admin"]).patch("/api/v1/ratings/red/", body, format="json")
    assert response.status_code == 400
    assert isinstance(response.data["decision_deadline"], list) and response.data["decision_deadline"]
    with tenancy.tenant_context(durham["tenant"]):
        assert Rating.objects.get(code="red").decision_amount == Decimal("4.00")


def test_staff_other_than_admins_cannot_change_it(durham, api_as):
    response = api_as(durham["manager"]).patch("/api/v1/ratings/red/", {"decision_deadline": None}, format="json")
    assert response.status_code == 403


def test_the_settings_page_shows_and_saves_the_decision_deadline(durham, client):
    client.force_login(durham["admin"])
    page = client.get("/settings/ratings/red/")
    assert "Decision deadline" in text(page)
    assert 'name="decision_amount"' in page.content.decode() and 'value="4"' in page.content.decode()
    response = client.post(
        "/settings/ratings/red/",
        rating_form(return_unit="working_hours", decision_amount="2", decision_unit="working_hours"),
        follow=True,
    )
    assert "Rating Red saved" in text(response)
    with tenancy.tenant_context(durham["tenant"]):
        red = Rating.objects.get(code="red")
    assert (red.decision_amount, red.decision_unit, red.immediate) == (Decimal("2"), "working_hours", True)


def test_the_settings_page_refuses_an_amount_without_a_unit(durham, client):
    client.force_login(durham["admin"])
    response = client.post(
        "/settings/ratings/red/", rating_form(return_unit="working_hours", decision_amount="2", decision_unit="")
    )
    assert response.status_code == 200
    assert "Select the unit of the decision deadline" in text(response)
    with tenancy.tenant_context(durham["tenant"]):
        assert Rating.objects.get(code="red").decision_amount == Decimal("4.00")
