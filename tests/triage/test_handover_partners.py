"""Partners are told (issue 20): after a decision each agency that returned gets one outcome notice (in-app and
by email) naming the outcome and receiving team, nothing of other agencies' returns; others get none."""

import pytest
from django.core import mail

from deadlines.models import Notification
from mash import tenancy
from mash.roles import Role
from tests.triage.handover_helpers import HEALTH_SECRET, POLICE_SUMMARY, enquiry
from tests.triage.test_decision import decide

pytestmark = pytest.mark.django_db


def test_each_agency_that_returned_is_told_once_and_others_not(
    cambs, api_as, make_user, django_capture_on_commit_callbacks
):
    case = enquiry(cambs, api_as, make_user)
    nav_education = make_user(cambs["tenant"], Role.NAVIGATOR, agency=cambs["agencies"]["education"], username="ned")
    with django_capture_on_commit_callbacks(execute=True):
        response = decide(
            api_as, cambs["manager"], case["contact"].pk, outcome="assessment", reason="Assess.",
            primary_need="N1", override_reason="Enough is known.", team=case["team"].pk,
        )  # fmt: skip
    assert response.status_code == 200, response.content
    reference = case["contact"].reference
    with tenancy.tenant_context(cambs["tenant"]):
        police = Notification.objects.filter(recipient=cambs["nav_police"], subject__contains=reference)
        health = Notification.objects.filter(recipient=case["nav_health"], subject__contains=reference)
        assert police.count() == 1 and health.count() == 1
        assert Notification.objects.filter(recipient=nav_education).count() == 0
        message = police.get().message
    assert "Children and families assessment" in message and "Assessment team North" in message
    assert HEALTH_SECRET not in message and POLICE_SUMMARY not in message
    emailed = [m for m in mail.outbox if reference in m.subject]
    assert {r for m in emailed for r in m.to} >= {cambs["nav_police"].email, case["nav_health"].email}
    assert not any(HEALTH_SECRET in m.body for m in emailed)
