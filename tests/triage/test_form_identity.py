"""Every form about one contact shows whom it is about (the MoJ identity bar of the contact page: the child's name,
date of birth, reference, rating and the decision's time left), so no one records a decision or a rating against
the wrong child; it names the child, so opening it is logged as a read of their record, with the page read."""

import pytest
import time_machine

from mash import tenancy, timefmt
from mash.models import AuditEvent
from mash.roles import Role
from tests.text import identity_bar, signed_in
from tests.triage.builders import new_contact
from tests.triage.test_decision import decide, rate_red

pytestmark = pytest.mark.django_db

RUBY = {"first_name": "Ruby", "last_name": "Hart", "date_of_birth": "2019-03-05", "postcode": "CB1 2AB"}
SAM = {"first_name": "Sam", "last_name": "Hart", "date_of_birth": "2021-07-14", "postcode": "CB1 2AB"}

# (who opens it, the form's path under the contact, its title)
FORMS = [
    ("triage", "rating/", "Rate this contact"),
    ("manager", "decision/", "Decide next steps"),
    ("triage", "signs-of-safety/", "Signs of Safety analysis"),
    ("triage", "threshold/", "Level of need"),
    ("triage", "sharing/", "Information-sharing decision"),
    ("triage", "call/", "Record a call with the referrer"),
    ("triage", "reporter-identity/", "Record that you have verified who the reporter is"),
    ("triage", "cpis-check/", "Record the CP-IS check"),
    ("edt", "out-of-hours/", "Record what the Emergency Duty Team did"),
]


@pytest.fixture
def hub(cambs, make_user):
    cambs["edt"] = make_user(cambs["tenant"], Role.EDT, username="cambridgeshire-edt")
    return cambs


def reads(hub, contact) -> list[dict]:
    with tenancy.tenant_context(hub["tenant"]):
        events = AuditEvent.objects.filter(action="contact.viewed", object_id=str(contact.pk)).order_by("id")
        return [{"who": e.actor_id, **e.changes} for e in events]


@pytest.mark.parametrize(("role", "path", "title"), FORMS, ids=[f[1].strip("/") for f in FORMS])
def test_each_form_about_a_contact_names_the_child_and_the_time_left_and_logs_the_read(hub, role, path, title):
    contact = new_contact(hub, children=[RUBY, SAM])
    response = signed_in(hub[role]).get(f"/triage/contacts/{contact.pk}/{path}")
    assert response.status_code == 200
    html = response.content.decode()
    bar = identity_bar(html)
    assert "Ruby Hart and 1 more child" in bar
    assert "5 March 2019" in bar and contact.reference in bar and "Not rated yet" in bar
    assert f"(due {timefmt.govuk_datetime(contact.decision_due_at)})" in bar
    assert html.index('id="identity"') < html.index(f">{title}</h1>")  # above the form it is about
    assert reads(hub, contact) == [{"who": hub[role].pk, "page": title}]


def test_a_decision_refused_for_a_missing_reason_still_shows_whom_it_is_about_and_logs_that_read(hub):
    contact = new_contact(hub, children=[RUBY])
    client = signed_in(hub["manager"])
    response = client.post(f"/triage/contacts/{contact.pk}/decision/", {"outcome": "nfa", "reason": ""})
    assert response.status_code == 400
    bar = identity_bar(response.content.decode())
    assert "Ruby Hart" in bar and "more child" not in bar
    assert reads(hub, contact) == [{"who": hub["manager"].pk, "page": "Decide next steps"}]


def test_the_bar_on_a_form_says_who_took_it_its_rating_and_that_it_is_a_re_contact(hub, api_as):
    earlier = new_contact(hub, "earlier", children=[RUBY])
    contact = new_contact(hub, "later", children=[RUBY])
    client = signed_in(hub["triage"])
    assert client.post(f"/triage/contacts/{contact.pk}/take/", {"version": contact.version}).status_code == 302
    rate_red(api_as, hub, contact.pk)
    bar = identity_bar(signed_in(hub["manager"]).get(f"/triage/contacts/{contact.pk}/decision/").content.decode())
    assert "Re-contact within 12 months" in bar and "Red" in bar and hub["triage"].get_full_name() in bar
    assert earlier.reference not in bar  # the earlier contact is flagged, not shown


def test_the_strategy_discussion_form_names_the_child_of_a_contact_decided_for_one(hub, api_as):
    with time_machine.travel("2026-03-10T09:00:00+00:00", tick=False):
        contact = new_contact(hub, children=[RUBY])
    with time_machine.travel("2026-03-10T10:00:00+00:00", tick=False):
        response = decide(
            api_as, hub["manager"], contact.pk, outcome="strategy_discussion", reason="Injury.", primary_need="N1"
        )
    assert response.status_code == 200, response.content
    html = signed_in(hub["manager"]).get(f"/triage/contacts/{contact.pk}/strategy-discussion/").content.decode()
    bar = identity_bar(html)
    assert "Ruby Hart" in bar and "Strategy discussion" in bar  # the outcome, where an open one's time left is
    assert {"who": hub["manager"].pk, "page": "Record the strategy discussion"} in reads(hub, contact)


def test_a_form_costs_the_same_queries_however_many_children_and_earlier_contacts(hub, django_assert_num_queries):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    one = new_contact(hub, "one", children=[RUBY])
    client = signed_in(hub["manager"])
    client.get(f"/triage/contacts/{one.pk}/decision/")  # the session and the tenant's settings warm
    with CaptureQueriesContext(connection) as few:
        assert client.get(f"/triage/contacts/{one.pk}/decision/").status_code == 200
    for n in range(3):
        new_contact(hub, f"earlier-{n}", children=[RUBY, SAM])
    many = new_contact(hub, "many", children=[RUBY, SAM, {**RUBY, "first_name": "Ava"}])
    with django_assert_num_queries(len(few)):
        assert client.get(f"/triage/contacts/{many.pk}/decision/").status_code == 200


def test_a_form_of_another_councils_contact_shows_nothing_and_logs_no_read(hub, make_hub):
    other = make_hub("durham")
    contact = new_contact(other, children=[RUBY])
    response = signed_in(hub["manager"]).get(f"/triage/contacts/{contact.pk}/decision/")
    assert response.status_code == 404
    assert "Ruby" not in response.content.decode()
    assert reads(other, contact) == []
