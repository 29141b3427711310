"""Issue 20, "Early help is consensual": the family's consent (without it the request is a MASH contact), the
"when to access targeted services" checks, the assessment's three domains and the child's views, and the plan's
actions reviewed at each plan review."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from contacts.models import Contact
from earlyhelp import services
from earlyhelp.models import EarlyHelpRequest, PlanAction, PlanActionUpdate
from mash import tenancy
from tests.audit_helpers import audit_events
from tests.earlyhelp.builders import PAGE_CONSENT, direct_body, file_direct, make_hub, page_action, stepped_down

pytestmark = pytest.mark.django_db

FORM = {
    "action": "send", "child1_first_name": "Ava", "child1_last_name": "Moore", "child1_date_of_birth_0": "21",
    "child1_date_of_birth_1": "11", "child1_date_of_birth_2": "2020", "needs": "Nursery place and parenting.",
    "referrer_name": "Ms Grant", "referrer_role": "Head teacher", "referrer_organisation": "Ridgeway Primary",
}  # fmt: skip
WITHOUT_CONSENT = {
    "consent": "not_given", "consent_basis": "undue_delay",
    "reason_without_consent": "Mum refuses to engage and the children are missing school every week.",
    "universal_services": ["school"], "universal_support_tried": "Attendance plan since September.",
}  # fmt: skip
API_WITHOUT_CONSENT = {
    **{k: v for k, v in WITHOUT_CONSENT.items() if k != "reason_without_consent"},
    "consent_reason": WITHOUT_CONSENT["reason_without_consent"],
}


def _in(hub, fn, *args, **kwargs):
    with tenancy.tenant_context(hub.tenant):
        return fn(*args, **kwargs)


# --- consent on the request form ----------------------------------------------------------------------------


def test_a_request_without_consent_proceeds_as_a_linked_mash_contact_and_the_referrer_is_told(hub, client):
    client.force_login(hub.referrer)
    response = client.post("/early-help/new/", {**FORM, **WITHOUT_CONSENT})
    assert response.status_code == 302
    request = _in(hub, lambda: EarlyHelpRequest.objects.select_related("stepped_up_to").get())
    contact = request.stepped_up_to
    assert response["Location"] == f"/early-help/{request.pk}/sent-to-mash/"
    assert request.status == "stepped_up" and request.consent == "not_given"
    assert request.consent_reason == WITHOUT_CONSENT["reason_without_consent"]
    # A MASH contact exists, linked, carrying the reason, the child and the referrer.
    assert _in(hub, lambda: Contact.objects.filter(pk=contact.pk).exists())
    assert WITHOUT_CONSENT["reason_without_consent"] in contact.concerns and "Nursery place" in contact.concerns
    assert contact.consent_reason == "undue_delay" and contact.consent_to_referral == "not_sought"
    assert "Ms Grant" in contact.consent_decided_by and contact.referrer_organisation == "Ridgeway Primary"
    assert "School or college" in contact.support_provided
    assert [(p.first_name, p.role) for p in _in(hub, lambda: list(contact.people.all()))] == [("Ava", "child")]
    # The Early Help Hub's review clock stopped: it is the MASH's now.
    assert not _in(hub, lambda: EarlyHelpRequest.objects.filter(status="received").exists())
    page = client.get(response["Location"]).content.decode()
    assert "Your request has gone to the MASH, not the Early Help Hub" in page
    assert contact.reference in page and WITHOUT_CONSENT["reason_without_consent"] in page
    assert audit_events(hub.tenant, action="early_help.sent_to_mash_without_consent")[0].changes["contact"] == (
        contact.reference
    )
    # Another referrer cannot open the confirmation.
    client.force_login(hub.referrer2)
    assert client.get(response["Location"]).status_code == 404


def test_a_request_with_consent_goes_to_the_hub_with_who_agreed_and_when(hub, client):
    client.force_login(hub.ehcoord)
    response = client.post("/early-help/new/", {**FORM, **PAGE_CONSENT})
    request = _in(hub, EarlyHelpRequest.objects.get)
    assert response.status_code == 302 and request.status == "received" and request.stepped_up_to is None
    assert (request.consent, request.consent_given_by) == ("given", "Sam Ellis (mother)")
    assert request.consent_given_on.isoformat() == "2026-03-02"
    assert request.universal_services == ["school", "gp"]
    assert not _in(hub, lambda: Contact.objects.exists())
    body = client.get(f"/early-help/{request.pk}/").content.decode()
    assert "by Sam Ellis (mother) on 2 March 2026" in body
    assert "School or college" in body and "GP" in body and "Attendance plan with the school" in body
    assert audit_events(hub.tenant, action="early_help.consent_recorded")[0].changes["consent"] == [
        "", "given"
    ]  # fmt: skip


@pytest.mark.parametrize(("answers", "field", "message"), [
    ({}, "consent", "Select whether the family agreed to early help"),
    ({"consent": "not_given"}, "reason_without_consent",
     "Enter the reason the request is proceeding without the family&#x27;s consent"),
    ({"consent": "not_given"}, "consent_basis",
     "Select why the request is proceeding without the family&#x27;s consent"),
    ({"consent": "given"}, "consent_given_by", "Enter who in the family agreed to early help"),
    ({"consent": "given", "consent_given_by": "Mum"}, "consent_given_on", "Enter the date the family agreed"),
])  # fmt: skip
def test_consent_answers_are_required_with_a_message_on_their_field_and_nothing_typed_is_lost(
    hub, client, answers, field, message
):
    client.force_login(hub.referrer)
    body = {**FORM, "universal_services": ["nursery", "health_visitor"], "universal_support_tried": "Tried X.",
            **answers}  # fmt: skip
    response = client.post("/early-help/new/", body)
    page = response.content.decode()
    assert response.status_code == 400 and message in page
    assert f'href="#id_{field}' in page  # the summary links to the field
    assert 'value="Ridgeway Primary"' in page and "Nursery place and parenting." in page
    assert 'value="nursery" checked' in page and 'value="health_visitor" checked' in page
    assert 'value="gp" checked' not in page
    assert not _in(hub, lambda: EarlyHelpRequest.objects.exists())


def test_the_reason_is_revealed_only_under_no(hub, client):
    client.force_login(hub.referrer)
    page = client.get("/early-help/new/").content.decode()
    # GOV.UK conditional radios: each answer controls its own hidden block.
    assert 'data-aria-controls="conditional-consent-not_given"' in page
    hidden = page.split('id="conditional-consent-not_given"')[0].rsplit("<div", 1)[1]
    assert "govuk-radios__conditional--hidden" in hidden
    block = page.split('id="conditional-consent-not_given"')[1].split('<h2 class="govuk-heading-m">')[0]
    assert 'name="reason_without_consent"' in block
    given_block = page.split('id="conditional-consent-given"')[1].split('id="conditional-consent-not_given"')[0]
    assert 'name="reason_without_consent"' not in given_block and 'name="consent_given_by"' in given_block
    # After an error with "No" chosen, the reason stays visible.
    response = client.post("/early-help/new/", {**FORM, "consent": "not_given"})
    chosen = response.content.decode().split('id="conditional-consent-not_given"')[0].rsplit("<div", 1)[1]
    assert "govuk-radios__conditional--hidden" not in chosen


def test_the_targeted_services_checks_are_required_on_the_form(hub, client):
    client.force_login(hub.referrer)
    response = client.post("/early-help/new/", {**FORM, **{k: v for k, v in PAGE_CONSENT.items() if not
                                                           k.startswith("universal")}})  # fmt: skip
    page = response.content.decode()
    assert response.status_code == 400
    assert "Select the universal services already involved with the family" in page
    assert "Enter what the universal services have tried" in page


# --- consent through the API --------------------------------------------------------------------------------


def test_the_api_takes_consent_and_without_it_hands_the_request_to_the_mash(hub, api_as):
    data = file_direct(api_as(hub.referrer), **API_WITHOUT_CONSENT)
    request = _in(hub, EarlyHelpRequest.objects.get, pk=data["id"])
    assert data["status"] == "stepped_up" and request.stepped_up_to_id is not None
    contact = _in(hub, Contact.objects.get, pk=request.stepped_up_to_id)
    assert WITHOUT_CONSENT["reason_without_consent"] in contact.concerns
    staff = api_as(hub.ehcoord).get(f"/api/v1/early-help/requests/{request.pk}/").json()
    assert staff["consent"] == "not_given" and staff["consent_reason"] == WITHOUT_CONSENT["reason_without_consent"]
    assert staff["universal_services"] == ["school"] and staff["stepped_up_to"] == contact.pk


def test_the_api_requires_the_reason_when_consent_is_not_given_and_checks_the_services(hub, api_as):
    client = api_as(hub.referrer)
    response = client.post("/api/v1/early-help/requests/", direct_body(consent="not_given"), format="json")
    assert response.status_code == 400
    assert response.json()["consent_reason"] == [
        "Enter the reason the request is proceeding without the family's consent."
    ]
    response = client.post("/api/v1/early-help/requests/", direct_body(
        consent="given", consent_given_by="Mum", consent_given_on="2026-01-05", universal_services=["hairdresser"],
        universal_support_tried="x"), format="json")  # fmt: skip
    assert response.status_code == 400 and list(response.json()) == ["universal_services"]
    # An older client that says nothing of consent still files; the hub records consent at the review.
    data = file_direct(client)
    assert data["status"] == "received"
    assert not _in(hub, lambda: Contact.objects.exists())


# --- the stepped-down path: consent recorded at review time --------------------------------------------------


def test_a_step_down_without_consent_has_it_recorded_at_the_review(hub, client):
    request = stepped_down(hub)
    client.force_login(hub.ehcoord)
    body = client.get(f"/early-help/{request.pk}/").content.decode()
    assert "Not recorded" in body and f"/early-help/{request.pk}/consent/" in body
    response = client.post(f"/early-help/{request.pk}/consent/", {"consent": "not_given"})
    assert response.status_code == 400 and "Enter the reason the request is proceeding" in response.content.decode()
    today = timezone.localdate()
    response = client.post(f"/early-help/{request.pk}/consent/", {
        "consent": "given", "consent_given_by": "Dad", "consent_given_on_0": today.day,
        "consent_given_on_1": today.month, "consent_given_on_2": today.year,
    })  # fmt: skip
    assert response.status_code == 302
    request = _in(hub, EarlyHelpRequest.objects.get, pk=request.pk)
    assert (request.consent, request.consent_given_by, request.consent_recorded_by) == ("given", "Dad", hub.ehcoord)
    assert f"/early-help/{request.pk}/consent/" not in client.get(f"/early-help/{request.pk}/").content.decode()
    # Only coordinators record it.
    client.force_login(hub.manager)
    assert client.post(f"/early-help/{request.pk}/consent/", {"consent": "given"}).status_code == 403


def test_a_step_down_whose_family_does_not_consent_goes_back_to_the_mash(hub, client):
    request = stepped_down(hub)
    client.force_login(hub.ehcoord)
    response = client.post(f"/early-help/{request.pk}/consent/", {
        "consent": "not_given", "consent_basis": "risk_to_child",
        "reason_without_consent": "Dad refused; bruising seen.",
    }, follow=True)  # fmt: skip
    request = _in(hub, lambda: EarlyHelpRequest.objects.select_related("stepped_up_to").get(pk=request.pk))
    assert request.status == "stepped_up" and request.stepped_up_to_id != request.contact_id
    assert "Dad refused; bruising seen." in request.stepped_up_to.concerns
    assert request.stepped_up_to.referrer_organisation == "Early Help Hub"
    assert f"now MASH contact {request.stepped_up_to.reference}" in response.content.decode()


def test_another_tenants_request_has_no_consent_page(hub, tenant_b, make_user, client):
    other = make_hub(tenant_b, make_user)
    theirs = stepped_down(other, key="theirs")
    client.force_login(hub.ehcoord)
    assert client.get(f"/early-help/{theirs.pk}/consent/").status_code == 404
    assert client.get(f"/early-help/{theirs.pk}/plan/actions/new/").status_code == 404


# --- the assessment's three domains and the child's views ------------------------------------------------


DOMAINS = {
    "development_strengths": "Reads well; loves football.", "development_needs": "Attendance at 71%.",
    "parenting_strengths": "Mum is warm and wants help.", "parenting_needs": "Routines at bedtime.",
    "family_strengths": "Grandmother nearby.", "family_needs": "Damp flat; rent arrears.",
    "child_views": "I want to stay at my school and see my friends.",
}  # fmt: skip


def test_the_three_domains_and_the_childs_views_are_saved_shown_and_audited(hub, client):
    request = stepped_down(hub)
    client.force_login(hub.ehcoord)
    page = client.get(f"/early-help/{request.pk}/assessment/").content.decode()
    for title in ("Child&#x27;s developmental needs", "Parenting capacity", "Family and environmental factors",
                  "The child&#x27;s own views"):  # fmt: skip
        assert title in page
    response = client.post(f"/early-help/{request.pk}/assessment/", {**DOMAINS, "organisation": "Ridgeway"})
    assert response.status_code == 302
    assessment = _in(hub, lambda: EarlyHelpRequest.objects.select_related("assessment").get(pk=request.pk).assessment)
    for field, value in DOMAINS.items():
        assert getattr(assessment, field) == value
    body = client.get(f"/early-help/{request.pk}/").content.decode()
    section = body.split('id="assessment-domains"')[1]
    for value in DOMAINS.values():
        assert value.replace("'", "&#x27;") in section
    event = audit_events(hub.tenant, action="early_help.assessment_domains_recorded")[0]
    assert set(event.changes) == set(DOMAINS)
    # A too-long answer: a message on its field, everything else kept.
    response = client.post(f"/early-help/{request.pk}/assessment/", {**DOMAINS, "family_needs": "x" * 10_001})
    page = response.content.decode()
    assert response.status_code == 400 and "The family&#x27;s needs must be 10,000 characters or fewer" in page
    assert "Grandmother nearby." in page
    client.force_login(hub.manager)
    assert client.post(f"/early-help/{request.pk}/assessment/", DOMAINS).status_code == 403


# --- plan actions, reviewed at each plan review ------------------------------------------------------------


def _planned(hub, client):
    request = stepped_down(hub)
    _in(hub, services.give_outcome, request=request, actor=hub.ehcoord, outcome="district_service",
        lead_professional="Jo Patel", district_services="Family Work", further_assessment=False)  # fmt: skip
    client.force_login(hub.ehcoord)
    review_day = timezone.localdate() + timedelta(days=30)
    return request, review_day


def test_the_plan_takes_actions_with_owners_and_due_dates(hub, client):
    request, review_day = _planned(hub, client)
    base = {"lead_professional": "Jo Patel", "services": "Family Work", "first_review_on_0": review_day.day,
            "first_review_on_1": review_day.month, "first_review_on_2": review_day.year}  # fmt: skip
    # The first action is needed; a partial second one says what it lacks; nothing typed is lost.
    response = client.post(f"/early-help/{request.pk}/plan/", {
        **base, "action2_description": "Housing referral", "action2_due_on-day": "31", "action2_due_on-month": "2",
        "action2_due_on-year": "2027",
    })  # fmt: skip
    page = response.content.decode()
    assert response.status_code == 400
    assert "Enter what the action is" in page and "Enter who owns the action" in page
    assert "The due date must be a real date" in page and "Housing referral" in page and 'value="31"' in page
    response = client.post(f"/early-help/{request.pk}/plan/", {
        **base, **page_action("action1", description="Bedtime routine sessions", owner="Jo Patel, Family Worker",
                              due_on=review_day),
        **page_action("action2", description="Housing referral", owner="Sam, Housing", due_on=review_day),
    })  # fmt: skip
    assert response.status_code == 302
    actions = _in(hub, lambda: list(PlanAction.objects.filter(plan__request=request).order_by("id")))
    assert [(a.description, a.owner, a.due_on, a.status) for a in actions] == [
        ("Bedtime routine sessions", "Jo Patel, Family Worker", review_day, "not_started"),
        ("Housing referral", "Sam, Housing", review_day, "not_started"),
    ]
    assert len(audit_events(hub.tenant, action="early_help.action_added")) == 2
    # A further action on the running plan.
    response = client.post(f"/early-help/{request.pk}/plan/actions/new/", page_action(
        "action", description="School nurse check", owner="School nurse", due_on=review_day))  # fmt: skip
    assert response.status_code == 302
    body = client.get(f"/early-help/{request.pk}/").content.decode()
    assert "School nurse check" in body.split('id="plan-actions"')[1]


def test_plan_actions_are_reviewed_at_each_plan_review_with_their_status_history(hub, client):
    request, review_day = _planned(hub, client)
    plan = _in(hub, services.start_plan, request=request, actor=hub.ehcoord, lead_professional="Jo Patel",
               services="Family Work", first_review_on=review_day, actions=[
                   {"description": "Bedtime routine sessions", "owner": "Jo Patel", "due_on": review_day},
                   {"description": "Housing referral", "owner": "Sam, Housing", "due_on": review_day},
               ])  # fmt: skip
    bedtime, housing = _in(hub, lambda: list(plan.actions.order_by("id")))
    first = _in(hub, plan.reviews.get)
    today = timezone.localdate()
    held = {"held_on_0": today.day, "held_on_1": today.month, "held_on_2": today.year, "progress": "some_progress",
            "next_review_on_0": review_day.day, "next_review_on_1": review_day.month,
            "next_review_on_2": review_day.year}  # fmt: skip
    page = client.get(f"/early-help/{request.pk}/reviews/{first.pk}/").content.decode()
    assert "Bedtime routine sessions" in page and "Housing referral" in page and "Owner: Sam, Housing" in page
    # Each open action needs its progress; the message names it; the note typed is kept.
    response = client.post(f"/early-help/{request.pk}/reviews/{first.pk}/", {
        **held, f"action_{bedtime.pk}_status": "in_progress", f"action_{housing.pk}_note": "Form sent.",
    })  # fmt: skip
    assert response.status_code == 400
    assert "Select the progress of the action &#x27;Housing referral&#x27;" in response.content.decode()
    assert "Form sent." in response.content.decode()
    assert _in(hub, lambda: _fresh(first).recorded_at) is None
    response = client.post(f"/early-help/{request.pk}/reviews/{first.pk}/", {
        **held, f"action_{bedtime.pk}_status": "in_progress", f"action_{bedtime.pk}_note": "Two of six sessions.",
        f"action_{housing.pk}_status": "done", f"action_{housing.pk}_note": "Moved to a dry flat.",
    })  # fmt: skip
    assert response.status_code == 302
    second = _in(hub, lambda: plan.reviews.get(number=2))
    # At the second review only the open action is asked about; the finished one is shown as finished.
    page = client.get(f"/early-help/{request.pk}/reviews/{second.pk}/").content.decode()
    assert f'name="action_{bedtime.pk}_status"' in page and f'name="action_{housing.pk}_status"' not in page
    response = client.post(f"/early-help/{request.pk}/reviews/{second.pk}/", {
        **held, "plan_ending": "on", f"action_{bedtime.pk}_status": "done",
    })  # fmt: skip
    assert response.status_code == 302
    history = _in(
        hub,
        lambda: [
            (u.action.description, u.review.number, u.status, u.note)
            for u in PlanActionUpdate.objects.select_related("action", "review").order_by("id")
        ],
    )
    assert history == [
        ("Bedtime routine sessions", 1, "in_progress", "Two of six sessions."),
        ("Housing referral", 1, "done", "Moved to a dry flat."),
        ("Bedtime routine sessions", 2, "done", ""),
    ]  # fmt: skip
    assert _in(hub, lambda: sorted(PlanAction.objects.values_list("status", flat=True))) == ["done", "done"]
    body = client.get(f"/early-help/{request.pk}/").content.decode().split('id="plan-actions"')[1]
    assert "Review 1: In progress (Two of six sessions.)" in body and "Review 2: Done" in body
    events = audit_events(hub.tenant, action="early_help.action_reviewed")
    assert sorted(e.changes["status"][1] for e in events) == ["done", "done", "in_progress"]


def _fresh(review):
    review.refresh_from_db()
    return review


def test_the_request_page_costs_a_fixed_number_of_queries_whatever_the_actions(hub, client):
    request, review_day = _planned(hub, client)
    plan = _in(hub, services.start_plan, request=request, actor=hub.ehcoord, lead_professional="Jo Patel",
               services="Family Work", first_review_on=review_day,
               actions=[{"description": "One", "owner": "A", "due_on": review_day}])  # fmt: skip
    _in(hub, services.record_domains, request=request, actor=hub.ehcoord, **DOMAINS)

    def count():
        with CaptureQueriesContext(connection) as captured:
            assert client.get(f"/early-help/{request.pk}/").status_code == 200
        return len(captured)

    few = count()
    review = _in(hub, plan.reviews.get)
    for n in range(4):
        _in(hub, services.add_action, request=request, actor=hub.ehcoord, description=f"More {n}", owner="B",
            due_on=review_day)  # fmt: skip
    statuses = {a.pk: {"status": "in_progress", "note": "n"} for a in _in(hub, lambda: list(plan.actions.all()))}
    _in(hub, services.record_review, review=review, actor=hub.ehcoord, held_on=timezone.localdate(),
        progress="on_track", next_review_on=review_day, action_updates=statuses)  # fmt: skip
    assert count() == few
