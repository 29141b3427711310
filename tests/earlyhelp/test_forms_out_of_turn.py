"""A coordinator who reaches a form the request is past (a bookmark, the back button, a colleague who acted first)
is sent back to the request with the reason, before typing anything; a form posted anyway is refused with what was
typed kept, and nothing about the request changes."""

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from earlyhelp import services
from earlyhelp.models import EarlyHelpRequest
from mash import tenancy
from tests.earlyhelp.builders import file_direct
from tests.earlyhelp.test_form_identity import offered, with_a_plan
from tests.text import read

pytestmark = pytest.mark.django_db


def coordinator(hub):
    client = Client()
    client.force_login(hub.ehcoord)
    return client


def filed(hub, api_as) -> EarlyHelpRequest:
    data = file_direct(api_as(hub.ehcoord))
    with tenancy.tenant_context(hub.tenant):
        return EarlyHelpRequest.objects.get(pk=data["id"])


def sent_back(client, eh, path) -> str:
    """GET the form: it must send the coordinator to the request page; the words of the error banner there."""
    response = client.get(f"/early-help/{eh.pk}/{path}")
    assert response.status_code == 302 and response.url == f"/early-help/{eh.pk}/", path
    page = client.get(response.url).content.decode()
    start = page.index("govuk-notification-banner")
    return read(page[start : page.index("</div>", page.index("govuk-notification-banner__content", start))])


def test_the_outcome_form_of_a_request_with_a_plan_sends_the_coordinator_back_with_its_outcome(hub, api_as):
    eh = with_a_plan(hub, filed(hub, api_as))
    client = coordinator(hub)
    assert f"Request {eh.reference} already has its outcome: District Early Help service offered." in sent_back(
        client, eh, "outcome/"
    )
    assert f"Request {eh.reference} already has an Early Help Plan." in sent_back(client, eh, "plan/")

    typed = {"outcome": "advice", "notes": "Mum asked for the parenting course leaflet."}
    response = client.post(f"/early-help/{eh.pk}/outcome/", typed)
    assert response.status_code == 400
    html = response.content.decode()
    assert "already has its outcome" in html and typed["notes"] in html  # refused, nothing typed lost
    with tenancy.tenant_context(hub.tenant):
        eh.refresh_from_db()
    assert (eh.status, eh.outcome) == ("plan", "district_service")


def test_forms_for_a_later_stage_say_what_comes_first(hub, api_as):
    eh = filed(hub, api_as)
    client = coordinator(hub)
    assert f"Record the outcome of request {eh.reference} before its plan." in sent_back(client, eh, "plan/")
    assert f"Record the outcome of request {eh.reference} before closing it." in sent_back(client, eh, "close/")
    assert f"Request {eh.reference} has no Early Help Plan running" in sent_back(client, eh, "plan/actions/new/")
    assert client.get(f"/early-help/{eh.pk}/outcome/").status_code == 200  # what can be done opens

    eh = offered(hub, eh)
    assert client.get(f"/early-help/{eh.pk}/plan/").status_code == 200
    assert client.get(f"/early-help/{eh.pk}/close/").status_code == 200


def test_a_signposted_request_has_no_plan_and_a_closed_one_takes_nothing_more(hub, api_as):
    eh = filed(hub, api_as)
    with tenancy.tenant_context(hub.tenant):
        services.give_outcome(request=eh, actor=hub.ehcoord, outcome="signpost", signposted_to="Homestart")
        eh = EarlyHelpRequest.objects.get(pk=eh.pk)
    client = coordinator(hub)
    assert "was signposted to a service outside the hub: a plan follows a district service" in sent_back(
        client, eh, "plan/"
    )
    with tenancy.tenant_context(hub.tenant):
        services.close_request(request=eh, actor=hub.ehcoord, reason="signposted")
        eh = EarlyHelpRequest.objects.get(pk=eh.pk)
    for path in ("outcome/", "plan/", "close/", "consent/", "plan/actions/new/"):
        assert f"Request {eh.reference} is closed." in sent_back(client, eh, path)


def test_a_call_already_made_and_a_review_already_held_say_so(hub, api_as):
    eh = with_a_plan(hub, filed(hub, api_as))
    with tenancy.tenant_context(hub.tenant):
        task = eh.feedback_tasks.get(kind="call_referrer")
        services.record_call(task=task, actor=hub.ehcoord, spoke_to="Ms L. Grant", called_at=eh.received_at,
                             outcome="told")  # fmt: skip
        review = eh.plan.reviews.get()
    client = coordinator(hub)
    assert "Call the referrer: recorded as done on" in sent_back(client, eh, f"tasks/{task.pk}/call/")
    assert client.get(f"/early-help/{eh.pk}/reviews/{review.pk}/").status_code == 200
    with tenancy.tenant_context(hub.tenant):
        services.record_review(review=review, actor=hub.ehcoord, held_on=timezone.localdate(), progress="on_track",
                               next_review_on=timezone.localdate() + timedelta(days=28))  # fmt: skip
    assert "Plan review 1 is already recorded." in sent_back(client, eh, f"reviews/{review.pk}/")
