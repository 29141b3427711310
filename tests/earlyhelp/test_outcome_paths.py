"""Each of the four outcomes end to end: the review clock met, feedback tasks on their clocks and done, the plan's
reviews on the deadline engine, closure stopping every clock."""

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.core import mail
from django.utils import timezone

from deadlines.models import Clock
from earlyhelp import services
from earlyhelp.models import EarlyHelpRequest, FeedbackTask, PlanReview
from mash import tenancy
from mash.exceptions import Conflict, NotAllowed, PolicyViolation
from mash.models import AuditEvent
from tests.audit_helpers import audit_event
from tests.earlyhelp.builders import file_direct, stepped_down

pytestmark = pytest.mark.django_db
LONDON = ZoneInfo("Europe/London")

OUTCOMES = {
    "district_service": {"lead_professional": "Jo Patel, Family Worker, North District", "district_services":
                         "Family Work (North District)", "further_assessment": True,
                         "lead_professional_email": "jo.patel@example.org"},
    "lead_professional_support": {"lead_professional": "Ms L. Grant, Ridgeway Primary School"},
    "signpost": {"signposted_to": "Home-Start Cambridge (voluntary organisation)"},
    "advice": {},
}  # fmt: skip


def clocks(request_or_subject, kind=None):
    label = request_or_subject._meta.label_lower
    qs = Clock.objects.filter(subject_type=label, subject_id=str(request_or_subject.pk))
    return list(qs.filter(kind=kind) if kind else qs)


def give(hub, api_as, request_id, outcome, **extra):
    body = {"outcome": outcome, "notes": "Discussed at the hub meeting.", **OUTCOMES[outcome], **extra}
    return api_as(hub.ehcoord).post(f"/api/v1/early-help/requests/{request_id}/outcome/", body, format="json")


def tell(hub, task, outcome="told"):
    return services.record_call(
        task=task, actor=hub.ehcoord, spoke_to=task.recipient or "Someone", called_at=timezone.now(),
        outcome=outcome, notes="",
    )  # fmt: skip


@pytest.mark.parametrize("outcome", list(OUTCOMES))
def test_each_outcome_meets_the_review_clock_and_sets_feedback_going_to_done(hub, api_as, outcome):
    request = stepped_down(hub)
    response = give(hub, api_as, request.pk, outcome)
    assert response.status_code == 200, response.content
    assert response.data["status"] == "outcome_given"
    assert response.data["outcome"] == outcome
    with tenancy.tenant_context(hub.tenant):
        (review_clock,) = clocks(request, "early_help_review")
        assert review_clock.met_at is not None and not review_clock.late_by
        tasks = {t.kind: t for t in FeedbackTask.objects.filter(request=request)}
        expected = {"call_referrer", "call_family"} | ({"letter_lead_professional"} if "lead_professional" in
                                                       OUTCOMES[outcome] else set())  # fmt: skip
        assert set(tasks) == expected
        for task in tasks.values():
            (clock,) = clocks(task, "early_help_feedback")
            assert clock.is_open and task.due_at == clock.due_at
        # The referrer's call: no answer first (still to do), then told.
        call = tell(hub, tasks["call_referrer"], "no_answer")
        assert call.done_at is None and len(call.attempts) == 1
        call = tell(hub, call)
        assert call.done_at is not None and len(call.attempts) == 2
        tell(hub, tasks["call_family"])
        if "letter_lead_professional" in tasks:
            services.send_letter(task=tasks["letter_lead_professional"], actor=hub.ehcoord, sent_by="post")
        assert not FeedbackTask.objects.filter(request=request, done_at__isnull=True).exists()
        assert all(c.met_at for t in FeedbackTask.objects.filter(request=request) for c in clocks(t))

        if outcome in services.PLAN_OUTCOMES:
            first = timezone.localdate() + timedelta(days=28)
            plan = services.start_plan(
                request=request, actor=hub.ehcoord, lead_professional=OUTCOMES[outcome]["lead_professional"],
                services="Family Work; school nurse", team_around_family_on=timezone.localdate() + timedelta(days=7),
                first_review_on=first,
            )  # fmt: skip
            review = plan.reviews.get()
            (clock,) = clocks(review, "plan_review")
            assert clock.due_at == datetime.combine(first, datetime.min.time().replace(hour=17), tzinfo=LONDON)
            assert review.due_at == clock.due_at
            nxt = first + timedelta(days=42)
            services.record_review(review=review, actor=hub.ehcoord, held_on=timezone.localdate(),
                                   progress="on_track", notes="Attendance up to 88%.", next_review_on=nxt)  # fmt: skip
            assert clocks(review, "plan_review")[0].met_at is not None
            second = plan.reviews.get(number=2)
            assert clocks(second, "plan_review")[0].is_open
            assert timezone.localtime(second.due_at).date() == nxt

        closed = services.close_request(
            request=request, actor=hub.ehcoord,
            reason="outcomes_met" if outcome in services.PLAN_OUTCOMES else "signposted",
        )  # fmt: skip
        assert closed.status == "closed"
        open_clocks = Clock.objects.filter(met_at__isnull=True, cancelled_at__isnull=True)
        open_clocks = open_clocks.exclude(subject_type="contacts.contact")  # the MASH's own decision clock
        assert not open_clocks.exists()  # the next review's clock stopped with the closure
        actions = set(AuditEvent.objects.filter(object_id=str(request.pk), object_type="earlyhelp.earlyhelprequest")
                      .values_list("action", flat=True))  # fmt: skip
        assert {"early_help.received", "early_help.outcome_given", "early_help.feedback_call_recorded",
                "early_help.closed"} <= actions  # fmt: skip


def test_district_service_needs_the_services_and_whether_further_assessment(hub, api_as):
    request = stepped_down(hub)
    body = {"outcome": "district_service", "lead_professional": "Jo Patel"}
    response = api_as(hub.ehcoord).post(f"/api/v1/early-help/requests/{request.pk}/outcome/", body, format="json")
    assert response.status_code == 400
    assert response.data == {
        "district_services": ["Enter which district Early Help service or services are offered."],
        "further_assessment": ["Say whether the offer includes further assessment."],
    }
    with tenancy.tenant_context(hub.tenant):
        assert EarlyHelpRequest.objects.get(pk=request.pk).status == "received"


def test_an_unknown_outcome_is_a_field_error(hub, api_as):
    request = stepped_down(hub)
    response = api_as(hub.ehcoord).post(f"/api/v1/early-help/requests/{request.pk}/outcome/",
                                        {"outcome": "nfa"}, format="json")  # fmt: skip
    assert response.status_code == 400
    assert "outcome" in response.data


@pytest.mark.parametrize("role", ["manager", "head", "admin"])
def test_only_coordinators_give_the_outcome_others_who_see_it_get_403(hub, api_as, role):
    request = stepped_down(hub)
    client = api_as(getattr(hub, role))
    url = f"/api/v1/early-help/requests/{request.pk}/outcome/"
    assert client.post(url, {"outcome": "advice"}, format="json").status_code == 403


def test_a_referrer_cannot_give_the_outcome_of_their_own_request_and_others_are_404(hub, api_as):
    own = file_direct(api_as(hub.referrer))["id"]
    other = file_direct(api_as(hub.referrer2))["id"]
    client = api_as(hub.referrer)
    assert client.post(f"/api/v1/early-help/requests/{own}/outcome/", {"outcome": "advice"}).status_code == 403
    assert client.post(f"/api/v1/early-help/requests/{other}/outcome/", {"outcome": "advice"}).status_code == 404
    assert api_as(hub.navigator).post(f"/api/v1/early-help/requests/{own}/outcome/", {}).status_code == 404


def test_a_second_outcome_is_a_conflict(hub, api_as):
    request = stepped_down(hub)
    assert give(hub, api_as, request.pk, "advice").status_code == 200
    assert give(hub, api_as, request.pk, "signpost").status_code == 409


def test_the_referrer_is_told_the_outcome_and_sees_it_with_the_call(hub, api_as):
    request_id = file_direct(api_as(hub.referrer))["id"]
    give(hub, api_as, request_id, "lead_professional_support")
    with tenancy.tenant_context(hub.tenant):
        task = FeedbackTask.objects.get(request_id=request_id, kind="call_referrer")
        tell(hub, task)
    row = api_as(hub.referrer).get(f"/api/v1/early-help/requests/{request_id}/").data
    assert row["status"] == "outcome_given"
    assert row["feedback"]["outcome"] == "Support to the lead professional to review the plan"
    assert row["feedback"]["lead_professional"] == "Ms L. Grant, Ridgeway Primary School"
    assert row["feedback"]["called_at"] is not None
    notices = api_as(hub.referrer).get("/api/v1/notifications/").data["results"]
    told = [n for n in notices if n["subject"] == row["reference"]]
    assert len(told) == 1
    assert "Support to the lead professional" in told[0]["message"] and "Ms L. Grant" in told[0]["message"]


def test_the_letter_is_produced_from_the_template_and_emailed(hub, api_as):
    request = stepped_down(hub)
    give(hub, api_as, request.pk, "district_service")
    with tenancy.tenant_context(hub.tenant):
        task = FeedbackTask.objects.get(request=request, kind="letter_lead_professional")
        assert "Dear Jo Patel" in task.letter_body
        assert "Family Work (North District)" in task.letter_body
        assert "Leo Hart" in task.letter_body  # the child, carried from the MASH contact
        mail.outbox.clear()
        with pytest.raises(PolicyViolation):
            services.send_letter(task=task, actor=hub.ehcoord, sent_by="email", email="not-an-address")
    with pytest.raises(NotAllowed), tenancy.tenant_context(hub.tenant):
        services.send_letter(task=task, actor=hub.manager, sent_by="post")
    from django.test import TestCase

    with TestCase.captureOnCommitCallbacks(execute=True), tenancy.tenant_context(hub.tenant):
        done = services.send_letter(task=task, actor=hub.ehcoord, sent_by="email")
    assert done.done_at is not None and done.sent_by == "email"
    (message,) = mail.outbox
    assert message.to == ["jo.patel@example.org"]
    assert "you are the lead professional" in message.subject
    assert "Family Work (North District)" in message.body


def test_feedback_actions_are_for_coordinators_only(hub, api_as):
    request = stepped_down(hub)
    give(hub, api_as, request.pk, "advice")
    with tenancy.tenant_context(hub.tenant):
        task = FeedbackTask.objects.get(request=request, kind="call_family")
        with pytest.raises(NotAllowed):
            services.record_call(task=task, actor=hub.manager, spoke_to="Amy", called_at=timezone.now(),
                                 outcome="told")  # fmt: skip
        with pytest.raises(PolicyViolation):
            services.record_call(task=task, actor=hub.ehcoord, spoke_to="Amy",
                                 called_at=timezone.now() + timedelta(hours=2), outcome="told")  # fmt: skip
        tell(hub, task)
        with pytest.raises(Conflict):
            tell(hub, task)


def test_a_plan_only_follows_a_district_service_or_lead_professional_support(hub, api_as):
    request = stepped_down(hub)
    give(hub, api_as, request.pk, "signpost")
    with tenancy.tenant_context(hub.tenant), pytest.raises(Conflict):
        services.start_plan(request=request, actor=hub.ehcoord, lead_professional="X", services="Y",
                            first_review_on=date.today() + timedelta(days=30))  # fmt: skip


def test_a_review_date_in_the_past_is_refused_and_nothing_is_saved(hub, api_as):
    request = stepped_down(hub)
    give(hub, api_as, request.pk, "district_service")
    with tenancy.tenant_context(hub.tenant):
        with pytest.raises(PolicyViolation):
            services.start_plan(request=request, actor=hub.ehcoord, lead_professional="Jo", services="Family Work",
                                first_review_on=timezone.localdate() - timedelta(days=1))  # fmt: skip
        assert EarlyHelpRequest.objects.get(pk=request.pk).status == "outcome_given"
        assert not PlanReview.objects.exists()


def test_without_a_date_the_first_review_follows_the_tenants_plan_review_policy(hub, api_as):
    request = stepped_down(hub)
    give(hub, api_as, request.pk, "district_service")
    with tenancy.tenant_context(hub.tenant):
        plan = services.start_plan(request=request, actor=hub.ehcoord, lead_professional="Jo", services="Family Work")
        (clock,) = clocks(plan.reviews.get(), "plan_review")
        assert clock.policy["amount"] == "30.00" or clock.policy["amount"] == "30"
        assert clock.policy["unit"] == "working_days"


def test_closing_needs_a_reason_and_other_needs_words(hub, api_as):
    request = stepped_down(hub)
    give(hub, api_as, request.pk, "advice")
    with tenancy.tenant_context(hub.tenant):
        with pytest.raises(PolicyViolation):
            services.close_request(request=request, actor=hub.ehcoord, reason="because")
        with pytest.raises(PolicyViolation):
            services.close_request(request=request, actor=hub.ehcoord, reason="other", notes=" ")
        assert services.close_request(request=request, actor=hub.ehcoord, reason="other", notes="Moved to Wales")


def test_recording_the_assessment_dates_is_audited(hub, api_as):
    request = stepped_down(hub)
    with tenancy.tenant_context(hub.tenant):
        services.record_assessment(
            request=request,
            actor=hub.ehcoord,
            started_on=date(2026, 1, 5),
            completed_on=date(2026, 1, 19),
            organisation="North District Family Work",
        )
        with pytest.raises(PolicyViolation):
            services.record_assessment(request=request, actor=hub.ehcoord, started_on=None,
                                       completed_on=date(2026, 1, 19), organisation="X")  # fmt: skip
        stored = EarlyHelpRequest.objects.get(pk=request.pk)
    assert (stored.assessment_started_on, stored.assessment_completed_on) == (date(2026, 1, 5), date(2026, 1, 19))
    assert stored.assessment_organisation == "North District Family Work"
    event = audit_event(hub.tenant, action="early_help.assessment_recorded")
    assert event.changes["assessment_organisation"] == ["", "North District Family Work"]
