"""An information request and each form about it say whom it is about (the MoJ identity bar, as a contact's and an
early-help request's pages do): the child and how many more, date of birth, the contact's reference, the agency,
rating, the request's status, the return's time left and who has it. A navigator checking their own agency's
systems needs the name and date of birth at the top, not in a table halfway down. A form names the child, so
opening it is logged as a read of the request, with the page."""

import pytest

from mash import tenancy
from mash.models import AuditEvent
from tests.navigators.builders import open_enquiry
from tests.queries import queries_of
from tests.text import identity_bar, signed_in

pytestmark = pytest.mark.django_db
SAM = {"first_name": "Sam", "last_name": "Hart", "date_of_birth": "2019-01-15", "postcode": "CB1 2AB"}
LEO = {"first_name": "Leo", "last_name": "Hart", "date_of_birth": "2025-04-02", "postcode": "CB1 2AB"}


def reads(hub, req) -> list[dict]:
    with tenancy.tenant_context(hub.tenant):
        events = AuditEvent.objects.filter(action="information_request.viewed", object_id=str(req.pk)).order_by("id")
        return [{"who": e.actor_id, **e.changes} for e in events]


def test_the_request_page_names_the_child_above_its_heading_with_the_time_left(hub):
    contact, requests = open_enquiry(hub, children=[LEO, SAM])
    police = requests["police"]
    html = signed_in(hub.nav_police).get(f"/navigators/requests/{police.pk}/").content.decode()
    facts = identity_bar(html)
    assert facts.startswith("Leo Hart and 1 more child")
    assert "2 April 2025" in facts and contact.reference in facts and "Agency Police" in facts
    assert "Rating Red" in facts and "Request Open" in facts and "On time" in facts
    assert "With Any navigator of Police" in facts
    assert html.index('id="identity"') < html.index("<h1")
    assert '<td class="govuk-table__cell">Mother</td>' in html  # the household's connection, capitalised
    assert reads(hub, police) == [{"who": hub.nav_police.pk}]


def test_the_reassign_and_attach_forms_name_the_child_and_log_the_read(hub):
    _contact, requests = open_enquiry(hub)
    police = requests["police"]
    lead = signed_in(hub.lead_police)
    reassign = lead.get(f"/navigators/requests/{police.pk}/assign/").content.decode()
    assert identity_bar(reassign).startswith("Leo Hart") and "2 April 2025" in identity_bar(reassign)
    attach = signed_in(hub.nav_police).get(f"/navigators/requests/{police.pk}/documents/add/")
    assert attach.status_code == 200 and identity_bar(attach.content.decode()).startswith("Leo Hart")
    assert reads(hub, police) == [
        {"who": hub.lead_police.pk, "page": f"Reassign {police.contact.reference}"},
        {"who": hub.nav_police.pk, "page": "Attach a document to your agency's return"},
    ]


def test_another_agencys_navigator_sees_no_bar_and_no_read_is_logged(hub):
    _contact, requests = open_enquiry(hub, agencies=[hub.police])
    police = requests["police"]
    for path in ("", "documents/add/"):
        assert signed_in(hub.nav_health).get(f"/navigators/requests/{police.pk}/{path}").status_code == 404
    assert reads(hub, police) == []


def test_the_request_page_costs_the_same_queries_for_one_child_or_four(hub):
    one = open_enquiry(hub, "one", children=[LEO])[1]["police"]
    four = open_enquiry(hub, "four", children=[LEO, SAM, {**SAM, "first_name": "Kai"}, {**SAM, "first_name": "Ada"}])
    four = four[1]["police"]
    client = signed_in(hub.nav_police)
    client.get(f"/navigators/requests/{one.pk}/")  # sessions and settings warmed
    assert queries_of(client, f"/navigators/requests/{one.pk}/") == queries_of(
        client, f"/navigators/requests/{four.pk}/"
    )
