"""The Early Help Hub's pages: the queue by time left, the request record and its forms, the Early Help Assessment
form with drafts, a referrer's own requests. Unseen is 404, seen but not theirs to change is 403."""

import re
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.core import mail
from django.utils import timezone

from earlyhelp import services
from earlyhelp.models import EarlyHelpDraft, EarlyHelpRequest, FeedbackTask
from mash import tenancy
from mash.models import Tenant
from tests.audit_helpers import audit_events
from tests.earlyhelp.builders import PAGE_CONSENT, file_direct, make_hub, page_action, stepped_down
from tests.text import read

pytestmark = pytest.mark.django_db
T0 = datetime(2025, 11, 24, 10, 0, tzinfo=UTC)


def signed_in(client, user):
    client.force_login(user)
    return client


@pytest.mark.parametrize(("role", "status"), [("ehcoord", 200), ("manager", 200), ("head", 200), ("triage", 403),
                                              ("referrer", 403), ("navigator", 403)])  # fmt: skip
def test_who_may_open_the_queue(hub, client, role, status):
    assert signed_in(client, getattr(hub, role)).get("/early-help/").status_code == status


def test_the_queue_puts_overdue_first_and_says_the_time_left_in_words(hub, client):
    with time_machine.travel(T0, tick=False):
        old = stepped_down(hub, key="old")
    with time_machine.travel(T0 + timedelta(hours=12), tick=False):
        new = stepped_down(hub, key="new")
    with time_machine.travel(T0 + timedelta(hours=40), tick=False):
        newest = stepped_down(hub, key="newest")
    with time_machine.travel(T0 + timedelta(hours=50), tick=False):
        body = signed_in(client, hub.ehcoord).get("/early-help/").content.decode()
        partial = client.get("/early-help/queue/rows/", HTTP_HX_REQUEST="true").content.decode()
    order = [body.index(r.reference) for r in (old, new, newest)]
    assert order == sorted(order)
    row = body[body.index(old.reference) : body.index(new.reference)]
    assert "Overdue by 2 h" in read(row)
    row = body[body.index(new.reference) : body.index(newest.reference)]
    assert "Due soon" in row  # 10 hours of its 48 left: under a quarter
    assert "On time" in body[body.index(newest.reference) :]
    assert 'hx-trigger="every 60s"' in body
    assert "<html" not in partial and old.reference in partial
    counts = body[body.index('id="early-help-counts"') : body.index("</ul>", body.index('id="early-help-counts"'))]
    assert ">1</span> overdue" in counts and ">1</span> due soon" in counts
    assert 'data-module="moj-sortable-table"' in body and "moj-filter-layout" in body
    with time_machine.travel(T0 + timedelta(hours=50), tick=False):
        overdue_only = client.get("/early-help/", {"due": "overdue"}).content.decode()
        refreshed = client.get("/early-help/queue/rows/", {"due": "overdue"}, HTTP_HX_REQUEST="true").content.decode()
    assert old.reference in overdue_only and new.reference not in overdue_only and newest.reference not in overdue_only
    assert new.reference not in refreshed and "?due=overdue" in refreshed  # the refresh keeps the filter
    # Deadlines on screen are in the tenant's zone, GOV.UK style: Wednesday 26 November, 10:00 GMT.
    assert "26 November 2025 at 10am" in body


def test_the_request_page_logs_the_read_and_offers_coordinators_the_outcome(hub, client):
    request = stepped_down(hub)
    body = signed_in(client, hub.ehcoord).get(f"/early-help/{request.pk}/").content.decode()
    assert "Record the outcome" in body and "Leo Hart" in body and request.contact.reference in body
    assert audit_events(hub.tenant, action="early_help.viewed", object_id=str(request.pk), actor=hub.ehcoord)
    manager_view = signed_in(client, hub.manager).get(f"/early-help/{request.pk}/").content.decode()
    assert "Leo Hart" in manager_view and "Record the outcome" not in manager_view


def test_another_tenants_request_and_an_unseen_one_are_404(hub, tenant_b, make_user, client, api_as):
    other = make_hub(tenant_b, make_user)
    theirs = stepped_down(other)
    ours = stepped_down(hub)
    signed_in(client, hub.ehcoord)
    for url in (f"/early-help/{theirs.pk}/", f"/early-help/{theirs.pk}/outcome/", f"/early-help/{theirs.pk}/close/",
                f"/early-help/{theirs.pk}/step-up/"):  # fmt: skip
        assert client.get(url).status_code == 404, url
    signed_in(client, hub.navigator)
    assert client.get(f"/early-help/{ours.pk}/").status_code == 404
    assert client.get(f"/early-help/{ours.pk}/outcome/").status_code == 404
    signed_in(client, hub.referrer2)
    assert client.get(f"/early-help/{ours.pk}/").status_code == 404


@pytest.mark.parametrize("page", ["outcome", "assessment", "close"])
def test_managers_see_the_request_but_may_not_act_on_it(hub, client, page):
    request = stepped_down(hub)
    assert signed_in(client, hub.manager).get(f"/early-help/{request.pk}/{page}/").status_code == 403


def test_the_outcome_form_explains_mistakes_and_keeps_the_request_unchanged(hub, client):
    request = stepped_down(hub)
    signed_in(client, hub.ehcoord)
    response = client.post(f"/early-help/{request.pk}/outcome/", {"outcome": "district_service"})
    assert response.status_code == 400
    body = response.content.decode()
    assert "govuk-error-summary" in body and "<title>Error: " in body
    assert "Enter the name of the lead professional" in body
    assert "Select whether the offer includes further assessment" in body
    with tenancy.tenant_context(hub.tenant):
        assert EarlyHelpRequest.objects.get(pk=request.pk).status == "received"


def test_a_coordinator_works_a_district_service_through_the_pages(hub, client):
    request = stepped_down(hub)
    signed_in(client, hub.ehcoord)
    response = client.post(f"/early-help/{request.pk}/outcome/", {
        "outcome": "district_service", "lead_professional": "Jo Patel", "district_services": "Family Work",
        "further_assessment": "yes", "lead_professional_email": "jo@example.org", "notes": "",
    })  # fmt: skip
    assert response.status_code == 302
    with tenancy.tenant_context(hub.tenant):
        tasks = {t.kind: t for t in FeedbackTask.objects.filter(request=request)}
    now = timezone.localtime()
    call = {"spoke_to": "Amy Hart (mother)", "called_on_0": now.day, "called_on_1": now.month,
            "called_on_2": now.year, "called_time": "25:00", "outcome": "told"}  # fmt: skip
    response = client.post(f"/early-help/{request.pk}/tasks/{tasks['call_family'].pk}/call/", call)
    assert response.status_code == 400 and "like 14:30" in response.content.decode()
    earlier = now - timedelta(minutes=5)
    call |= {"called_time": earlier.strftime("%H:%M"), "called_on_0": earlier.day, "called_on_1": earlier.month,
             "called_on_2": earlier.year}  # fmt: skip
    assert client.post(f"/early-help/{request.pk}/tasks/{tasks['call_family'].pk}/call/", call).status_code == 302
    letter = client.get(f"/early-help/{request.pk}/tasks/{tasks['letter_lead_professional'].pk}/letter/")
    assert "Dear Jo Patel" in letter.content.decode()
    # It prints as a letter through a stylesheet the content-security policy allows (no inline <style>).
    assert "<style" not in letter.content.decode()
    assert 'href="/static/mash/print.css" media="print"' in letter.content.decode()
    from django.contrib.staticfiles import finders

    print_css = open(finders.find("mash/print.css")).read()
    assert "@media print" in print_css and ".moj-header" in print_css and "form" in print_css
    from django.test import TestCase

    mail.outbox.clear()
    with TestCase.captureOnCommitCallbacks(execute=True):
        response = client.post(f"/early-help/{request.pk}/tasks/{tasks['letter_lead_professional'].pk}/letter/",
                               {"sent_by": "email", "email": "jo@example.org"})  # fmt: skip
    assert response.status_code == 302
    assert [m.to for m in mail.outbox] == [["jo@example.org"]]
    # A letter task has no call page, a call task no letter page.
    assert client.get(f"/early-help/{request.pk}/tasks/{tasks['call_family'].pk}/letter/").status_code == 404
    review_day = timezone.localdate() + timedelta(days=30)
    response = client.post(f"/early-help/{request.pk}/plan/", {
        "lead_professional": "Jo Patel", "services": "Family Work",
        "first_review_on_0": review_day.day, "first_review_on_1": review_day.month,
        "first_review_on_2": review_day.year,
        **page_action("action1", description="Family Work sessions", owner="Jo Patel", due_on=review_day),
    })  # fmt: skip
    assert response.status_code == 302
    body = client.get(f"/early-help/{request.pk}/").content.decode()
    assert "Early Help Plan" in body and "Review 1" in body and "Scheduled" in body
    with tenancy.tenant_context(hub.tenant):
        review = EarlyHelpRequest.objects.get(pk=request.pk).plan.reviews.get()
        action = review.plan.actions.get()
    today = timezone.localdate()
    response = client.post(f"/early-help/{request.pk}/reviews/{review.pk}/", {
        "held_on_0": today.day, "held_on_1": today.month, "held_on_2": today.year, "progress": "on_track",
    })  # fmt: skip
    assert response.status_code == 400 and "Enter the next review date" in response.content.decode()
    response = client.post(f"/early-help/{request.pk}/reviews/{review.pk}/", {
        "held_on_0": today.day, "held_on_1": today.month, "held_on_2": today.year, "progress": "on_track",
        "plan_ending": "on",
    })  # fmt: skip
    assert response.status_code == 400 and "Select the progress of the action" in response.content.decode()
    response = client.post(f"/early-help/{request.pk}/reviews/{review.pk}/", {
        "held_on_0": today.day, "held_on_1": today.month, "held_on_2": today.year, "progress": "on_track",
        "plan_ending": "on", f"action_{action.pk}_status": "done",
    })  # fmt: skip
    assert response.status_code == 302
    assert client.post(f"/early-help/{request.pk}/close/", {"reason": "outcomes_met"}).status_code == 302
    with tenancy.tenant_context(hub.tenant):
        assert EarlyHelpRequest.objects.get(pk=request.pk).status == "closed"


def test_the_assessment_form_saves_a_draft_restores_it_and_sends(hub, client):
    signed_in(client, hub.referrer)
    form = client.get("/early-help/new/").content.decode()
    assert 'value="A-Referrer' in form or "Referrer" in form  # the account's name is filled in
    draft = {"action": "draft", "child1_first_name": "Ruby", "child1_last_name": "Ellis",
             "child1_date_of_birth_0": "30", "child1_date_of_birth_1": "6", "needs": "Attendance at 71%."}  # fmt: skip
    assert client.post("/early-help/new/", draft).status_code == 302
    with tenancy.tenant_context(hub.tenant):
        assert EarlyHelpDraft.objects.get(owner=hub.referrer).data["child1_first_name"] == "Ruby"
    restored = client.get("/early-help/new/").content.decode()
    assert 'value="Ruby"' in restored and "Attendance at 71%." in restored and 'value="30"' in restored
    # Sending with the year missing: the error says so, the draft keeps what was typed.
    response = client.post("/early-help/new/", {**draft, "action": "send", "referrer_name": "Ms Grant",
                                                "referrer_organisation": "Ridgeway Primary"})  # fmt: skip
    assert response.status_code == 400
    assert "Date of birth must include a day, month and year" in response.content.decode()
    with tenancy.tenant_context(hub.tenant):
        assert EarlyHelpDraft.objects.get(owner=hub.referrer).data["referrer_organisation"] == "Ridgeway Primary"
    response = client.post(
        "/early-help/new/",
        {
            **draft,
            "action": "send",
            "child1_date_of_birth_2": "2014",
            "referrer_name": "Ms Grant",
            "referrer_organisation": "Ridgeway",
            **PAGE_CONSENT,
        },
    )
    assert response.status_code == 302 and response["Location"] == "/early-help/mine/"
    with tenancy.tenant_context(hub.tenant):
        request = EarlyHelpRequest.objects.get()
        assert not EarlyHelpDraft.objects.exists()
        assert request.children.get().first_name == "Ruby" and request.requested_by == hub.referrer
    mine = client.get("/early-help/mine/").content.decode()
    assert request.reference in mine and "Not decided yet" in mine


def test_a_referrer_sees_their_own_request_status_and_feedback_not_the_hubs_working(hub, client, api_as):
    own = file_direct(api_as(hub.referrer), needs="Private hub-only detail about the family.")
    other = file_direct(api_as(hub.referrer2))
    with tenancy.tenant_context(hub.tenant):
        request = EarlyHelpRequest.objects.get(pk=own["id"])
        services.give_outcome(request=request, actor=hub.ehcoord, outcome="signpost", signposted_to="Home-Start",
                              notes="Internal: coordinator's notes.", lead_professional="Sam Lee")  # fmt: skip
    signed_in(client, hub.referrer)
    mine = client.get("/early-help/mine/").content.decode()
    assert own["reference"] in mine and other["reference"] not in mine
    assert "Signposted to a service outside the hub" in mine and "Sam Lee" in mine
    page = client.get(f"/early-help/{own['id']}/").content.decode()
    assert "Signposted" in page and "Internal: coordinator" not in page and "Private hub-only" not in page
    assert client.get(f"/early-help/{other['id']}/").status_code == 404


def test_the_assessment_dates_page_records_annex_a_list_2(hub, client):
    request = stepped_down(hub)
    signed_in(client, hub.ehcoord)
    response = client.post(f"/early-help/{request.pk}/assessment/", {
        "started_on_0": "5", "started_on_1": "1", "started_on_2": "2026", "completed_on_0": "1",
        "completed_on_1": "1", "completed_on_2": "2026", "organisation": "North District",
    })  # fmt: skip
    assert response.status_code == 400
    assert "cannot be completed before it started" in response.content.decode()
    response = client.post(f"/early-help/{request.pk}/assessment/", {
        "started_on_0": "5", "started_on_1": "1", "started_on_2": "2026", "organisation": "North District",
    })  # fmt: skip
    assert response.status_code == 302
    body = client.get(f"/early-help/{request.pk}/").content.decode()
    assert "5 January 2026" in body and "North District" in body


def test_triage_files_a_request_from_the_form_and_is_told_its_reference(hub, client):
    signed_in(client, hub.triage)
    response = client.post("/early-help/new/", {
        "action": "send", "child1_first_name": "Ava", "child1_last_name": "Moore", "child1_date_of_birth_0": "21",
        "child1_date_of_birth_1": "11", "child1_date_of_birth_2": "2020", "needs": "Nursery place and parenting.",
        "referrer_name": "MASH triage", "referrer_organisation": "MASH", **PAGE_CONSENT,
    }, follow=True)  # fmt: skip
    assert response.status_code == 200
    with tenancy.tenant_context(hub.tenant):
        request = EarlyHelpRequest.objects.get()
    assert f"Early help request {request.reference} sent" in response.content.decode()


def _letterhead(html):
    start = html.index('id="letterhead"')
    return re.sub(r"<[^>]+>", " ", html[start : html.index("</dl>", start)])


def test_the_letter_prints_as_a_document_under_the_councils_letterhead(hub, client):
    Tenant.objects.filter(pk=hub.tenant.pk).update(name="Shire County Council", mash_phone="01223 555000")
    request = stepped_down(hub)
    signed_in(client, hub.ehcoord)
    with time_machine.travel(T0, tick=False):  # Monday 24 November 2025
        client.post(f"/early-help/{request.pk}/outcome/", {
            "outcome": "district_service", "lead_professional": "Jo Patel", "district_services": "Family Work",
            "further_assessment": "yes", "lead_professional_email": "jo@example.org", "notes": "",
        })  # fmt: skip
    with tenancy.tenant_context(hub.tenant):
        task = FeedbackTask.objects.get(request=request, kind="letter_lead_professional")
    url = f"/early-help/{request.pk}/tasks/{task.pk}/letter/"
    with time_machine.travel(T0 + timedelta(days=1), tick=False):
        html = client.get(url).content.decode()
    head = " ".join(_letterhead(html).split())
    assert "Shire County Council" in head and "Multi-Agency Safeguarding Hub" in head
    assert "Telephone: 01223 555000" in head
    assert "Date 25 November 2025" in head  # the day it is printed, until it is sent
    assert "To Jo Patel jo@example.org" in head
    assert f"Reference {request.reference}" in head
    # The letterhead and the letter print; the page's heading, status and form do not.
    assert 'href="/static/mash/print.css" media="print"' in html
    assert '<form method="post" novalidate class="mash-no-print">' in html
    assert '<h1 class="govuk-heading-l mash-no-print">' in html

    with time_machine.travel(T0 + timedelta(days=2), tick=False):
        client.post(url, {"sent_by": "post"})
    with time_machine.travel(T0 + timedelta(days=9), tick=False):
        head = " ".join(_letterhead(client.get(url).content.decode()).split())
    assert "Date 26 November 2025" in head  # a sent letter keeps the day it was sent

    Tenant.objects.filter(pk=hub.tenant.pk).update(mash_phone="")
    assert "Telephone" not in _letterhead(client.get(url).content.decode())


def test_the_print_stylesheet_leaves_out_the_service_around_a_document():
    from django.contrib.staticfiles import finders

    css = open(finders.find("mash/print.css")).read()
    hidden = {s.strip() for s in css.split("@media print {")[1].split("{ display: none !important; }")[0].split(",")}
    for selector in (".govuk-template__header", ".moj-header", ".moj-primary-navigation", "nav", ".govuk-footer",
                     ".govuk-back-link", "form", "button", ".mash-no-print"):  # fmt: skip
        assert selector in hidden, selector
    assert ".mash-letterhead" in css
