"""The person's record: identity, flags, household, and a chronology newest first in constant queries."""

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from contacts.models import Contact
from earlyhelp import services as early_help
from mash import tenancy
from mash.models import AuditEvent
from people import selectors
from people.models import ChronologyEntry
from tests.earlyhelp.builders import decide_early_help
from tests.people.builders import child, contact_about, person_named
from tests.text import read
from triage import services as triage
from triage.strategy import record_strategy_discussion

pytestmark = pytest.mark.django_db
LONDON = ZoneInfo("Europe/London")
LEO = child("Leo", "Hart", "2015-04-02")
CONSENT = {"parents_aware": "yes", "consent_to_referral": "given", "consent_to_sharing": "given"}


def _at(text):
    return datetime.fromisoformat(text).replace(tzinfo=LONDON)


def _rated_and_decided(hub, contact, when, outcome="nfa", rerate=False):
    tenant = hub["tenant"]
    with time_machine.travel(when, tick=False), tenancy.tenant_context(tenant):
        contact = Contact.objects.get(pk=contact.pk)
        triage.rate_contact(contact=contact, actor=hub["triage"], rating_code="blue", rationale="Low level worries.")
        if rerate:
            contact.refresh_from_db()
            triage.rate_contact(contact=contact, actor=hub["manager"], rating_code="green", rationale="More known.",
                                agencies=["police"], reason="School reports new bruising.")  # fmt: skip
        contact.refresh_from_db()
        if outcome:
            triage.decide_contact(contact=contact, actor=hub["manager"], outcome=outcome, reason="Decided.",
                                  override_reason="Decided on what is known." if rerate else "",
                                  **({"primary_need": "N1", "factors": ["18C"]} if outcome == "strategy_discussion"
                                     else {}))  # fmt: skip
    return contact


def three_years_of_leo(hub):
    """Five contacts over three years; the third stepped down to early help, which stepped back up (the fifth)."""
    contacts = []
    for n, when in enumerate(["2023-02-01T09:00", "2023-09-14T11:00", "2024-06-03T10:00", "2025-05-20T15:00"]):
        with time_machine.travel(_at(when), tick=False):
            contacts.append(contact_about(hub, f"leo-{n}", LEO, received_at=_at(when).isoformat()))
    _rated_and_decided(hub, contacts[0], _at("2023-02-01T12:00"))
    _rated_and_decided(hub, contacts[1], _at("2023-09-14T15:00"), rerate=True)
    _rated_and_decided(hub, contacts[2], _at("2024-06-03T14:00"), outcome="early_help")
    tenant = hub["tenant"]
    with time_machine.travel(_at("2024-06-03T14:30"), tick=False), tenancy.tenant_context(tenant):
        request = early_help.create_from_contact(
            contact=Contact.objects.get(pk=contacts[2].pk), actor=hub["manager"], reason="Parenting support."
        )
    with time_machine.travel(_at("2024-06-05T10:00"), tick=False), tenancy.tenant_context(tenant):
        early_help.give_outcome(request=request, actor=hub["ehcoord"], outcome="lead_professional_support",
                                lead_professional="Ms Grant")  # fmt: skip
    with time_machine.travel(_at("2024-11-11T09:30"), tick=False), tenancy.tenant_context(tenant):
        request.refresh_from_db()
        stepped_up = early_help.step_up(request=request, actor=hub["ehcoord"],
                                        concerns="Leo said his mother's partner hit him.", **CONSENT)  # fmt: skip
    contacts.insert(3, stepped_up)
    _rated_and_decided(hub, stepped_up, _at("2024-11-11T13:00"), outcome="strategy_discussion")
    with time_machine.travel(_at("2024-11-11T17:00"), tick=False), tenancy.tenant_context(tenant):
        record_strategy_discussion(
            contact=Contact.objects.get(pk=stepped_up.pk), actor=hub["manager"], held_at=_at("2024-11-11T16:00"),
            chair="Sam Patel, MASH team manager", decision="section_47_joint", conference=True,
            attendees=[{"agency": "police", "name": "DS Jo Reid"}, {"agency": "health", "name": "Dr Amy Khan"}],
        )  # fmt: skip
    return contacts, request


def test_the_chronology_shows_every_event_newest_first(cambs):
    contacts, request = three_years_of_leo(cambs)
    leo = person_named(cambs, "Leo", "Hart")
    with time_machine.travel(_at("2025-06-01T09:00"), tick=False), tenancy.tenant_context(cambs["tenant"]):
        record = selectors.person_record(cambs["triage"], leo)
    events = record.chronology
    assert [e.at for e in events] == sorted((e.at for e in events), reverse=True)
    received = [e.contact.reference for e in events if e.kind == "contact"]
    assert received == [c.reference for c in reversed(contacts)]  # five contacts, newest first
    kinds = [e.kind for e in events]
    assert kinds.count("rating") == 4 and kinds.count("rerating") == 1 and kinds.count("decision") == 4
    # The strategy discussion is a record of its own, when it was held, after the decision to hold it.
    (held,) = [e for e in events if e.kind == "strategy_discussion"]
    assert held.at == _at("2024-11-11T16:00") and held.contact.reference == contacts[3].reference
    assert "jointly with the police" in held.summary and "DS Jo Reid" in held.summary
    assert "Dr Amy Khan" in held.summary and "child protection conference" in held.summary
    assert kinds.index("strategy_discussion") < kinds.index("decision")  # held after the decision: newer
    assert kinds.index("step_up") < kinds.index("early_help_outcome") < kinds.index("step_down")
    rerating = next(e for e in events if e.kind == "rerating")
    assert "Blue to Green" in rerating.summary and "new bruising" in rerating.summary
    step_up = next(e for e in events if e.kind == "step_up")
    assert request.reference in step_up.summary and contacts[3].reference in step_up.summary
    # The front door's flags: the open fifth contact, a strategy discussion before, re-contacts this year.
    assert [c.reference for c in record.flags["open_contacts"]] == [contacts[4].reference]
    assert [c.reference for c in record.flags["strategy_discussions"]] == [contacts[3].reference]
    # In the 12 months to 1 June 2025: 3 June 2024, 11 November 2024 and 20 May 2025.
    assert (record.flags["contacts_last_12_months"], record.flags["recontacts_last_12_months"]) == (3, 2)
    assert record.age == 10


def test_the_chronology_costs_the_same_queries_however_long_it_is(cambs, durham, django_assert_num_queries):
    # The short history: one contact, stepped down (so every kind of query has rows to read, as the long one).
    once_contact = contact_about(durham, "once", LEO)
    decide_early_help(type("Hub", (), {"tenant": durham["tenant"], "manager": durham["manager"]}), once_contact)
    once = person_named(durham, "Leo", "Hart")
    with tenancy.tenant_context(durham["tenant"]), CaptureQueriesContext(connection) as short:
        selectors.person_record(durham["triage"], once)
    three_years_of_leo(cambs)
    leo = person_named(cambs, "Leo", "Hart")
    with tenancy.tenant_context(cambs["tenant"]), django_assert_num_queries(len(short.captured_queries)):
        record = selectors.person_record(cambs["triage"], leo)
        assert len(record.chronology) > 15


def test_the_page_and_api_show_the_record_and_every_view_is_audited(cambs, client, api_as):
    contacts, _request = three_years_of_leo(cambs)
    leo = person_named(cambs, "Leo", "Hart")
    client.force_login(cambs["ehcoord"])
    page = client.get(f"/people/{leo.pk}/")
    html = page.content.decode()
    assert page.status_code == 200
    assert "Leo Hart" in html and "2 April 2015" in html and "Open contact" in html
    assert "Previous strategy discussion" in html and "Re-rated from Blue to Green" in html
    assert f"held on {contacts[3].reference}, 11 Nov 2024" in html and "Strategy discussion on" in html
    assert html.index(contacts[4].reference) < html.index(contacts[0].reference)
    filtered = client.get(f"/people/{leo.pk}/", {"kind": "step_up"}).content.decode()
    assert "Stepped up from" in filtered and "Re-rated" not in filtered
    assert client.get(f"/people/{leo.pk}/", {"from": "2030-13-01"}).status_code == 400
    assert "Printed" in client.get(f"/people/{leo.pk}/print/").content.decode()
    response = api_as(cambs["head"]).get(f"/api/v1/people/{leo.pk}/")
    assert response.status_code == 200
    chronology = response.data["chronology"]
    assert set(chronology[0]) == {"at", "kind", "summary", "contact"}
    assert chronology[0]["at"] > chronology[-1]["at"] and chronology[-1]["contact"] == contacts[0].pk
    assert chronology[0]["at"].endswith("+00:00")
    (held,) = [e for e in chronology if e["kind"] == "strategy_discussion"]
    assert held["contact"] == contacts[3].pk and held["at"] == "2024-11-11T16:00:00+00:00"
    assert response.data["flags"]["strategy_discussions"] == [contacts[3].reference]
    assert response.data["date_of_birth"] == "2015-04-02" and len(response.data["contacts"]) == 5
    assert api_as(cambs["head"]).get(f"/api/v1/people/{leo.pk}/", {"kind": "nonsense"}).status_code == 400
    with tenancy.tenant_context(cambs["tenant"]):
        views = AuditEvent.objects.filter(object_type="contacts.person", object_id=str(leo.pk))
        assert {(e.actor_label, e.action) for e in views} == {
            (cambs["ehcoord"].username, "person.record_viewed"),
            (cambs["ehcoord"].username, "person.record_printed_viewed"),
            (cambs["head"].username, "person.record_viewed"),
        }


def test_staff_add_an_event_from_another_system_and_it_is_audited(cambs, client):
    contact_about(cambs, "k1", LEO)
    leo = person_named(cambs, "Leo", "Hart")
    client.force_login(cambs["triage"])
    bad = client.post(f"/people/{leo.pk}/chronology/new/", {"occurred_on": "32/1/2024", "source": "", "summary": ""})
    assert bad.status_code == 400 and "Enter a real date" in bad.content.decode()
    response = client.post(
        f"/people/{leo.pk}/chronology/new/",
        {"occurred_on": "3/1/2024", "source": "Police niche record", "summary": "Call-out: domestic incident.",
         "significant": "on"},
    )  # fmt: skip
    assert response.status_code == 302
    page = client.get(f"/people/{leo.pk}/").content.decode()
    assert "Call-out: domestic incident." in page and "Police niche record" in page and "Significant" in page
    with tenancy.tenant_context(cambs["tenant"]):
        entry = ChronologyEntry.objects.get()
        assert entry.recorded_by == cambs["triage"] and entry.significant
        event = AuditEvent.objects.get(action="chronology_entry.added")
        assert event.changes["source"] == "Police niche record" and event.object_id == str(leo.pk)
    client.force_login(cambs["head"])
    assert client.get(f"/people/{leo.pk}/chronology/new/").status_code == 404


def test_the_chronology_comes_first_and_its_filter_opens_when_used_with_errors_at_their_fields(cambs, client):
    """The fourteen kinds of event were a column of checkboxes above the chronology; now they are behind "Filter the
    chronology", which is open when a filter is applied (saying how many events it shows) or refused."""
    three_years_of_leo(cambs)
    leo = person_named(cambs, "Leo", "Hart")
    client.force_login(cambs["triage"])

    def filter_panel(params):
        response = client.get(f"/people/{leo.pk}/", params)
        html = response.content.decode()
        start = html.index('<details class="govuk-details" id="chronology-filter"')
        return response.status_code, html[start : html.index("</details>", start)], html

    status, panel, html = filter_panel({})
    assert status == 200 and 'chronology-filter">' in panel  # closed
    everything = html.count('<tr class="govuk-table__row">', html.index('id="chronology"'))
    assert panel.index("Kinds of event") > 0 and html.index('id="chronology"') > html.index("</details>")

    status, panel, html = filter_panel({"kind": "step_up"})
    assert status == 200 and 'chronology-filter" open>' in panel
    assert f"Filter the chronology (1 of {everything - 1} events shown)" in read(panel)  # less the header row
    assert 'value="step_up" checked' in panel and "Show every event" in panel

    status, panel, html = filter_panel({"from": "31/2/2024", "to": "1/1/2024"})
    assert status == 400 and 'chronology-filter" open>' in panel
    assert 'id="filter-from-error"' in panel and "Enter a real date" in read(panel)
    assert 'value="31/2/2024"' in panel and 'aria-describedby="filter-from-hint filter-from-error"' in panel
    assert '<a href="#filter-from">' in html  # the error summary links to the field
