"""Receiving contacts through the API, and who sees what of them."""

from datetime import UTC, datetime, timedelta

import pytest
import time_machine

from mash import tenancy
from tests.audit_helpers import audit_event, audit_events
from tests.contacts.builders import marf, submit

pytestmark = pytest.mark.django_db

# Friday 2026-01-16 10:00 London (= UTC in winter).
FRIDAY_MORNING = datetime(2026, 1, 16, 10, 0, tzinfo=UTC)


@time_machine.travel(FRIDAY_MORNING, tick=False)
def test_a_referrers_marf_gets_a_reference_and_a_decision_due_one_working_day_later(hub, api_as):
    data = submit(api_as(hub["referrer"]))

    assert data["reference"] == "ALP-2026-000001"
    assert data["status"] == "received"
    assert data["received_at"] == "2026-01-16T10:00:00Z"
    assert data["children"] == [
        {"first_name": "Leo", "last_name": "Hart", "date_of_birth": "2025-04-02", "unborn": False,
         "expected_date": None, "postcode": "CB1 2AB", "sex": "M", "ethnicity": "WBRI", "disability": ""}
    ]  # fmt: skip
    with tenancy.tenant_context(hub["tenant"]):
        from contacts.models import Contact

        contact = Contact.objects.get()
    # Working Together: one working day from Friday 10:00 is Monday 10:00.
    assert contact.decision_due_at == datetime(2026, 1, 19, 10, 0, tzinfo=UTC)
    assert contact.channel == "marf" and contact.source == "3A" and contact.submitted_by == hub["referrer"]
    assert contact.postcode == "CB1 2AB"
    received = audit_event(hub["tenant"], action="contact.received")
    assert received.actor == hub["referrer"] and received.object_id == str(contact.pk)


def test_references_count_up_per_tenant(hub, api_as, tenant_b, make_user):
    first = submit(api_as(hub["referrer"]))["reference"]
    second = submit(api_as(hub["referrer"]))["reference"]
    year = datetime.now().year
    assert (first, second) == (f"ALP-{year}-000001", f"ALP-{year}-000002")
    from mash.roles import Role
    from thresholds.services import ensure_default_policy

    with tenancy.tenant_context(tenant_b):
        ensure_default_policy(tenant=tenant_b)
    other = submit(api_as(make_user(tenant_b, Role.REFERRER)))["reference"]
    assert other == f"BET-{year}-000001"


@time_machine.travel(FRIDAY_MORNING, tick=False)
def test_triage_records_a_phone_contact_received_earlier(hub, api_as):
    earlier = FRIDAY_MORNING - timedelta(hours=3)
    data = submit(api_as(hub["triage"]), received_at=earlier.isoformat(), channel="phone", call_notes="Rang at 7am")
    assert data["received_at"] == "2026-01-16T07:00:00Z"
    assert data["channel"] == "phone" and data["call_notes"] == "Rang at 7am"
    # Received before the working day starts: the day counts from 09:00, so it is due at Friday's close.
    assert data["decision_due_at"] == "2026-01-16T17:00:00Z"


@time_machine.travel(FRIDAY_MORNING, tick=False)
def test_a_contact_cannot_be_received_in_the_future(hub, api_as):
    later = (FRIDAY_MORNING + timedelta(minutes=5)).isoformat()
    response = api_as(hub["triage"]).post("/api/v1/contacts/", marf(received_at=later), format="json")
    assert response.status_code == 400
    assert response.data == {"received_at": ["The time received must be now or in the past."]}


# Year 1 parses, but the re-contact window (a year before receipt) cannot be taken from it: the fuzzer's rare
# draw that answered 500 in a randomised run and passed the next (issue 22), once the contact was stored.
@pytest.mark.parametrize("received_at", ["0001-01-01T00:00:00-14:00", "0001-01-01", "1899-12-31T23:59:59Z"])
def test_a_contact_received_before_1900_is_a_400_on_the_field_and_nothing_is_stored(hub, api_as, received_at):
    from contacts.models import Contact

    response = api_as(hub["triage"]).post("/api/v1/contacts/", marf(received_at=received_at), format="json")
    assert response.status_code == 400
    assert response.data == {"received_at": ["The time received must be after 1 January 1900."]}
    with tenancy.tenant_context(hub["tenant"]):
        assert not Contact.objects.exists()


def test_a_contact_received_on_1_january_1900_is_taken_with_its_earlier_contacts_read(hub, api_as):
    data = submit(api_as(hub["triage"]), received_at="1900-01-01T00:00:00Z", channel="phone")
    assert data["received_at"] == "1900-01-01T00:00:00Z" and data["previous_contacts"] == []


def test_a_referrer_may_not_backdate_a_contact(hub, api_as):
    response = api_as(hub["referrer"]).post(
        "/api/v1/contacts/", marf(received_at="2025-01-01T10:00:00Z"), format="json"
    )
    assert response.status_code == 400
    assert "received_at" in response.data


def _child(**overrides):
    return [{**marf()["children"][0], **overrides}]


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"children": []}, "children", "Add at least one child."),
        ({"children": _child(date_of_birth="2999-01-01")}, "children", "Date of birth must be today or in the past."),
        ({"children": _child(date_of_birth="1899-12-31")}, "children", "Date of birth must be after 1 January 1900."),
        ({"children": _child(date_of_birth="31/02/2020")}, "children", "Enter the date of birth as a real date"),
        ({"children": _child(first_name="")}, "children", "Enter first name."),
        ({"postcode": "NOT A POSTCODE"}, "postcode", "Enter a real UK postcode, like CB1 2AB."),
        ({"children": _child(postcode="12345")}, "children", "Enter a real UK postcode, like CB1 2AB."),
        ({"consent_to_referral": "refused"}, "consent_reason", "Select why consent was not given or not sought."),
        ({"consent_to_sharing": "not_sought"}, "consent_decided_by", "Enter who decided to refer without consent."),
        ({"consent_to_sharing": "maybe"}, "consent_to_sharing", "Choose a valid option for consent to sharing"),
        ({"concerns": "x" * 10_001}, "concerns", "must be 10,000 characters or fewer."),
        ({"concerns": "   "}, "concerns", "Enter what you are worried about."),
        ({"children": _child(first_name="A" * 101)}, "children", "must be 100 characters or fewer."),
        ({"source": "99"}, "source", "Choose a valid option for who is making the referral."),
        ({"threshold_level": 7}, "threshold_level", "Choose a level of need from the list."),
        ({"referrer_email": "not-an-email"}, "referrer_email", "Enter an email address in the correct format"),
    ],
)
def test_bad_input_is_a_400_naming_the_field_and_what_to_fix(hub, api_as, overrides, field, message):
    response = api_as(hub["referrer"]).post("/api/v1/contacts/", marf(**overrides), format="json")
    assert response.status_code == 400, response.content
    assert field in response.data
    assert message in str(response.data[field])


def test_malformed_json_is_a_400_not_a_500(hub, api_as):
    response = api_as(hub["referrer"]).post("/api/v1/contacts/", '{"children": [', content_type="application/json")
    assert response.status_code == 400
    assert "JSON parse error" in response.data["detail"]


@pytest.mark.parametrize("body", [[], "a string", 42, {"children": "Leo"}, {"children": [None]}])
def test_wrong_shapes_are_a_400_not_a_500(hub, api_as, body):
    response = api_as(hub["referrer"]).post("/api/v1/contacts/", body, format="json")
    assert response.status_code == 400


def test_consent_not_given_is_accepted_with_the_reason_and_who_decided(hub, api_as):
    data = submit(
        api_as(hub["triage"]),
        parents_aware="no",
        consent_to_referral="not_sought",
        consent_to_sharing="not_sought",
        consent_reason="risk_to_child",
        consent_decided_by="DSL, after speaking to the child",
    )
    assert (data["consent_reason"], data["consent_decided_by"]) == ("risk_to_child", "DSL, after speaking to the child")


# --- who sees what -------------------------------------------------------------------------------


def test_staff_see_every_contact_of_the_tenant(hub, api_as):
    mine = submit(api_as(hub["referrer"]))
    theirs = submit(api_as(hub["referrer2"]))
    for role in ("triage", "manager", "head", "admin", "ehcoord"):
        response = api_as(hub[role]).get("/api/v1/contacts/")
        assert response.status_code == 200
        assert {row["id"] for row in response.data["results"]} == {mine["id"], theirs["id"]}, role


def test_a_referrer_sees_only_their_own_contacts_and_none_of_the_hubs_information(hub, api_as):
    mine = submit(api_as(hub["referrer"]))
    theirs = submit(api_as(hub["referrer2"]))
    client = api_as(hub["referrer"])

    listed = client.get("/api/v1/contacts/").data["results"]
    assert [row["id"] for row in listed] == [mine["id"]]
    assert client.get(f"/api/v1/contacts/{theirs['id']}/").status_code == 404
    detail = client.get(f"/api/v1/contacts/{mine['id']}/").data
    hidden = {"rating", "previous_contacts", "match_candidates", "internal_notes", "household", "assigned_to",
              "breached_at", "escalation_level"}  # fmt: skip
    assert not hidden & set(detail), hidden & set(detail)
    assert detail["reference"] == mine["reference"] and detail["outcome"] is None


@pytest.mark.parametrize("who", ["nav_police", "nav_health", "lead_health"])
def test_navigators_cannot_see_contacts(hub, api_as, who):
    contact = submit(api_as(hub["referrer"]))
    client = api_as(hub[who])
    assert client.get("/api/v1/contacts/").status_code == 403
    assert client.get(f"/api/v1/contacts/{contact['id']}/").status_code == 404


@pytest.mark.parametrize("who", ["manager", "head", "admin", "ehcoord", "nav_police"])
def test_only_referrers_and_triage_file_contacts(hub, api_as, who):
    response = api_as(hub[who]).post("/api/v1/contacts/", marf(), format="json")
    assert response.status_code == 403


@pytest.mark.parametrize("method", ["patch", "put", "delete"])
def test_contacts_are_not_changed_through_this_resource(hub, api_as, method):
    contact = submit(api_as(hub["referrer"]))
    response = getattr(api_as(hub["triage"]), method)(f"/api/v1/contacts/{contact['id']}/", {}, format="json")
    assert response.status_code == 405
    # ... and a contact the caller cannot see does not exist for them, whatever the method.
    response = getattr(api_as(hub["nav_health"]), method)(f"/api/v1/contacts/{contact['id']}/", {}, format="json")
    assert response.status_code == 404


def test_reading_a_contact_is_audited(hub, api_as):
    contact = submit(api_as(hub["referrer"]))
    api_as(hub["triage"]).get(f"/api/v1/contacts/{contact['id']}/")
    viewed = audit_events(hub["tenant"], action="contact.viewed")
    assert [(e.actor, e.object_id) for e in viewed] == [(hub["triage"], str(contact["id"]))]


def test_contacts_filter_by_status_and_rating_code(hub, api_as):
    from contacts.models import Contact
    from thresholds.models import Rating

    first = submit(api_as(hub["referrer"]))
    second = submit(api_as(hub["referrer"]))
    with tenancy.tenant_context(hub["tenant"]):
        Contact.objects.filter(pk=second["id"]).update(status="in_triage", rating=Rating.objects.get(code="amber"))
    client = api_as(hub["triage"])

    def ids(query):
        return [row["id"] for row in client.get(f"/api/v1/contacts/?{query}").data["results"]]

    assert ids("status=received") == [first["id"]]
    assert ids("status=in_triage") == [second["id"]]
    assert ids("rating=amber") == [second["id"]]
    assert client.get("/api/v1/contacts/?rating=amber").data["results"][0]["rating"] == "amber"
    assert ids("rating=red") == []
    assert client.get("/api/v1/contacts/?status=nonsense").status_code == 400


def test_another_tenants_contact_is_not_found(hub, api_as, tenant_b, make_user):
    from mash.roles import Role
    from thresholds.services import ensure_default_policy

    with tenancy.tenant_context(tenant_b):
        ensure_default_policy(tenant=tenant_b)
    theirs = submit(api_as(make_user(tenant_b, Role.REFERRER)))
    assert api_as(hub["triage"]).get(f"/api/v1/contacts/{theirs['id']}/").status_code == 404
    assert api_as(hub["triage"]).get("/api/v1/contacts/").data["count"] == 0
