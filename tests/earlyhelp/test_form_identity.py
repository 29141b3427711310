"""An early-help request and every form about it show whom they are about (the MoJ identity bar, as a contact's pages
have: the child's name, date of birth, reference, status, the outcome's time left, the family's consent and the lead
professional), so no one records an outcome, a call or a review against the wrong family; a form names the child,
so opening it is logged as a read of the request, with the page read."""

import re
from html import unescape

import pytest
from django.utils import timezone

from earlyhelp import services
from earlyhelp.models import EarlyHelpRequest
from mash import tenancy, timefmt
from mash.models import AuditEvent
from tests.earlyhelp.builders import file_direct, make_hub
from tests.queries import queries_of
from tests.text import identity_bar, read, signed_in

pytestmark = pytest.mark.django_db

RUBY = {"first_name": "Ruby", "last_name": "Ellis", "date_of_birth": "2014-06-30", "sex": "F", "postcode": "cb2 8pq"}
SAM = {"first_name": "Sam", "last_name": "Ellis", "date_of_birth": "2017-02-11", "sex": "M", "postcode": "cb2 8pq"}


def reads(hub, eh) -> list[dict]:
    with tenancy.tenant_context(hub.tenant):
        events = AuditEvent.objects.filter(action="early_help.viewed", object_id=str(eh.pk)).order_by("id")
        return [{"who": e.actor_id, **e.changes} for e in events]


def filed(hub, api_as, children=(RUBY, SAM)) -> EarlyHelpRequest:
    data = file_direct(api_as(hub.ehcoord), children=list(children))
    with tenancy.tenant_context(hub.tenant):
        return EarlyHelpRequest.objects.get(pk=data["id"])


def offered(hub, eh) -> EarlyHelpRequest:
    """The district service offered with Jo Patel as lead professional."""
    with tenancy.tenant_context(hub.tenant):
        services.give_outcome(request=eh, actor=hub.ehcoord, outcome="district_service", lead_professional="Jo Patel",
                              district_services="Family Work", further_assessment=False)  # fmt: skip
        return EarlyHelpRequest.objects.get(pk=eh.pk)


def with_a_plan(hub, eh) -> EarlyHelpRequest:
    """The district service offered with Jo Patel as lead professional, and a plan with its first review."""
    eh = offered(hub, eh)
    with tenancy.tenant_context(hub.tenant):
        services.start_plan(request=EarlyHelpRequest.objects.get(pk=eh.pk), actor=hub.ehcoord,
                            lead_professional="Jo Patel", services="Family Work",
                            first_review_on=timezone.localdate() + timezone.timedelta(days=28))  # fmt: skip
        return EarlyHelpRequest.objects.get(pk=eh.pk)


def form_paths(eh) -> list[tuple[str, str]]:
    """(path under the request, the form's title) for every form a coordinator opens about ``eh`` once it has a plan
    (the outcome's and the plan's own forms are for the stages before: see the test after)."""
    tasks = {t.kind: t.pk for t in eh.feedback_tasks.all()}
    review = eh.plan.reviews.get()
    return [
        ("assessment/", "Record the Early Help Assessment"),
        ("consent/", "Record the family's consent to early help"),
        ("plan/actions/new/", "Add an action to the Early Help Plan"),
        (f"tasks/{tasks['call_referrer']}/call/", "Call the referrer"),
        (f"tasks/{tasks['letter_lead_professional']}/letter/", "Letter to the lead professional"),
        (f"reviews/{review.pk}/", "Record plan review 1"),
        ("close/", "Close the request"),
        ("step-up/", "Step up to the MASH"),
    ]


def test_each_form_about_a_request_names_the_child_the_family_and_logs_the_read(hub, api_as):
    eh = with_a_plan(hub, filed(hub, api_as))
    with tenancy.tenant_context(hub.tenant):
        paths = form_paths(eh)
    client = signed_in(hub.ehcoord)
    for path, title in paths:
        response = client.get(f"/early-help/{eh.pk}/{path}")
        assert response.status_code == 200, path
        html = response.content.decode()
        bar = identity_bar(html)
        assert "Ruby Ellis and 1 more child" in bar, path
        assert "30 June 2014" in bar and eh.reference in bar, path
        assert "Early Help Plan in place" in bar and "District Early Help service offered" in bar, path
        assert "Family's consent Not recorded" in bar and "Lead professional Jo Patel" in bar, path
        heading = html.index("<h1", html.index('id="identity"'))
        assert unescape(read(html[heading : html.index("</h1>", heading)])) == title, path  # above the form
    assert reads(hub, eh) == [{"who": hub.ehcoord.pk, "page": title} for _path, title in paths]


def test_the_outcome_and_plan_forms_name_the_child_at_their_own_stage(hub, api_as):
    eh = filed(hub, api_as)
    client = signed_in(hub.ehcoord)
    html = client.get(f"/early-help/{eh.pk}/outcome/").content.decode()
    assert "Ruby Ellis and 1 more child" in identity_bar(html) and "Status Received" in identity_bar(html)
    eh = offered(hub, eh)
    html = client.get(f"/early-help/{eh.pk}/plan/").content.decode()
    assert "Ruby Ellis and 1 more child" in identity_bar(html) and "Lead professional Jo Patel" in identity_bar(html)
    assert reads(hub, eh) == [{"who": hub.ehcoord.pk, "page": "Record the outcome"},
                              {"who": hub.ehcoord.pk, "page": "Record the Early Help Plan"}]  # fmt: skip


def test_a_request_awaiting_its_outcome_says_how_long_is_left_and_the_printed_letter_leaves_the_bar_out(hub, api_as):
    eh = filed(hub, api_as, children=[RUBY])
    html = signed_in(hub.ehcoord).get(f"/early-help/{eh.pk}/").content.decode()
    bar = identity_bar(html)
    assert "Ruby Ellis" in bar and "more child" not in bar
    assert "Status Received" in bar and "Lead professional None named" in bar
    assert f"(due {timefmt.govuk_datetime(eh.review_due_at)})" in bar and "On time" in bar
    assert html.index('id="identity"') < html.index(f"Early help {eh.reference}</h1>")
    assert reads(hub, eh) == [{"who": hub.ehcoord.pk}]  # the request page's own read, logged once

    eh = with_a_plan(hub, eh)
    with tenancy.tenant_context(hub.tenant):
        letter = next(t for t in eh.feedback_tasks.all() if t.kind == "letter_lead_professional")
    page = signed_in(hub.ehcoord).get(f"/early-help/{eh.pk}/tasks/{letter.pk}/letter/").content.decode()
    assert re.search(r'<div class="mash-no-print">\s*<div class="moj-identity-bar', page)  # print.css hides it


def test_an_outcome_refused_for_a_missing_lead_professional_still_shows_whom_it_is_about(hub, api_as):
    eh = filed(hub, api_as, children=[RUBY])
    response = signed_in(hub.ehcoord).post(f"/early-help/{eh.pk}/outcome/", {"outcome": "district_service"})
    assert response.status_code == 400
    html = response.content.decode()
    assert "Enter the name of the lead professional" in html
    assert "Ruby Ellis" in identity_bar(html)
    assert reads(hub, eh) == [{"who": hub.ehcoord.pk, "page": "Record the outcome"}]


def test_the_request_page_costs_the_same_queries_for_one_child_or_five(hub, api_as):
    one = filed(hub, api_as, children=[RUBY])
    five = filed(hub, api_as, children=[{**RUBY, "first_name": f"Child{n}"} for n in range(5)])
    client = signed_in(hub.ehcoord)
    client.get(f"/early-help/{one.pk}/")  # settings and sessions warmed
    assert queries_of(client, f"/early-help/{one.pk}/outcome/") == queries_of(client, f"/early-help/{five.pk}/outcome/")


def test_the_professional_who_asked_steps_up_without_the_hubs_bar_and_another_council_sees_nothing(
    hub, api_as, tenant_b, make_user
):
    data = file_direct(api_as(hub.referrer), children=[RUBY])
    page = signed_in(hub.referrer).get(f"/early-help/{data['id']}/step-up/")
    assert page.status_code == 200 and 'id="identity"' not in page.content.decode()

    other = make_hub(tenant_b, make_user)
    for path in ("", "outcome/", "step-up/"):
        assert signed_in(other.ehcoord).get(f"/early-help/{data['id']}/{path}").status_code == 404
    with tenancy.tenant_context(hub.tenant):
        assert not AuditEvent.objects.filter(action="early_help.viewed", actor=other.ehcoord).exists()
