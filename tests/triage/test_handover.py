"""Handover (issue 20): the MASH summary from the record, sent to a receiving team, acknowledged on its own
clock (breached once and escalated when late), closing the contact; the summary honours each return's sharing."""

import re
import zlib
from datetime import UTC, datetime

import pytest
import time_machine
from django.test import Client

from contacts.models import Contact
from deadlines.models import Clock, Notification
from deadlines.services import process_due
from mash import tenancy
from mash.models import AuditEvent, Tenant
from tests.triage.handover_helpers import HEALTH_SECRET, POLICE_SUMMARY, enquiry
from tests.triage.test_decision import decide

pytestmark = pytest.mark.django_db


@pytest.fixture
def case(cambs, api_as, make_user):
    return enquiry(cambs, api_as, make_user)


def _decide(api_as, hub, case, outcome="assessment", **extra):
    body = {
        "outcome": outcome,
        "reason": "Repeated domestic abuse; a section 17 assessment is needed.",
        "override_reason": "Police and health have returned: enough to decide.",
    }
    if outcome in ("assessment", "strategy_discussion"):
        body["primary_need"] = "N1"
    body.update(extra)
    response = decide(api_as, hub["manager"], case["contact"].pk, **body)
    assert response.status_code == 200, response.content
    return response


def test_the_summary_holds_the_records_facts_and_withholds_a_return_not_for_onward_sharing(cambs, api_as, case):
    _decide(api_as, cambs, case)
    response = api_as(cambs["manager"]).get(f"/api/v1/contacts/{case['contact'].pk}/handover/")
    assert response.status_code == 200, response.content
    data = response.data
    with tenancy.tenant_context(cambs["tenant"]):
        contact = Contact.objects.get(pk=case["contact"].pk)
        child = contact.people.filter(role="child").first()
    assert data["contact"]["reference"] == contact.reference
    assert data["contact"]["concerns"] == contact.concerns
    assert [c["last_name"] for c in data["children"]] == [child.last_name]
    assert [r["rating"] for r in data["ratings"]] == ["amber"]
    assert data["ratings"][0]["rationale"] == "Domestic abuse in the household."
    returns = {r["agency"]: r for r in data["returns"]}
    assert returns["police"]["shared"] and returns["police"]["summary"] == POLICE_SUMMARY
    assert not returns["health"]["shared"] and returns["health"]["summary"] == ""
    assert "not for onward sharing" in returns["health"]["withheld_reason"]
    assert HEALTH_SECRET not in str(data)
    assert data["decision"]["outcome"] == "assessment"
    assert data["decision"]["reason"].startswith("Repeated domestic abuse")
    assert data["team"] is None
    with tenancy.tenant_context(cambs["tenant"]):
        assert AuditEvent.objects.filter(action="handover_summary.exported", object_id=str(contact.pk)).exists()


def test_sending_names_the_team_starts_the_clock_and_resending_is_idempotent(cambs, api_as, case):
    _decide(api_as, cambs, case)
    url = f"/api/v1/contacts/{case['contact'].pk}/handover/"
    assert api_as(cambs["triage"]).post(url, {"team": case["team"].pk}, format="json").status_code == 403
    first = api_as(cambs["manager"]).post(url, {"team": case["team"].pk}, format="json")
    assert first.status_code == 200, first.content
    assert first.data["team"]["name"] == "Assessment team North"
    again = api_as(cambs["manager"]).post(url, {"team": case["team"].pk}, format="json")
    assert again.status_code == 200 and again.data["team"] == first.data["team"]
    with tenancy.tenant_context(cambs["tenant"]):
        assert Clock.objects.filter(kind="handover_acknowledgement").count() == 1
        assert Notification.objects.filter(recipient=case["worker"], subject__contains="handover").count() == 1
    # The receiving team reads it; someone outside it and outside the MASH does not.
    assert api_as(case["worker"]).get(url).status_code == 200
    assert api_as(cambs["referrer"]).get(url).status_code == 404


def test_each_passing_on_outcome_needs_a_receiving_team(cambs, api_as, case):
    _decide(api_as, cambs, case, outcome="other_service")
    url = f"/api/v1/contacts/{case['contact'].pk}/handover/"
    assert api_as(cambs["manager"]).post(url, {}, format="json").status_code == 400
    no_details = {"service_name": "Young carers' service"}
    assert api_as(cambs["manager"]).post(url, no_details, format="json").status_code == 400
    body = {"service_name": "Young carers' service", "service_contact": "01223 000000"}
    response = api_as(cambs["manager"]).post(url, body, format="json")
    assert response.status_code == 200, response.content
    assert response.data["team"]["name"] == "Young carers' service"
    assert response.data["team"]["contact_details"] == "01223 000000"


def test_a_no_further_action_contact_is_not_handed_over(cambs, api_as, case):
    _decide(api_as, cambs, case, outcome="nfa")
    url = f"/api/v1/contacts/{case['contact'].pk}/handover/"
    assert api_as(cambs["manager"]).post(url, {"team": case["team"].pk}, format="json").status_code == 409


def test_the_receiving_team_acknowledges_and_the_contact_closes(cambs, api_as, case):
    _decide(api_as, cambs, case, team=case["team"].pk)
    url = f"/api/v1/contacts/{case['contact'].pk}/handover/acknowledge/"
    assert api_as(cambs["triage"]).post(url, {}, format="json").status_code == 403  # not in the team
    response = api_as(case["worker"]).post(url, {}, format="json")
    assert response.status_code == 200, response.content
    assert response.data["contact"]["status"] == "closed"
    assert response.data["team"]["acknowledged_at"]
    assert api_as(case["worker"]).post(url, {}, format="json").status_code == 409
    with tenancy.tenant_context(cambs["tenant"]):
        assert Contact.objects.get(pk=case["contact"].pk).status == "closed"
        clock = Clock.objects.get(kind="handover_acknowledgement")
        assert clock.met_at is not None
        assert AuditEvent.objects.filter(action="handover.acknowledged").count() == 1


def test_an_acknowledgement_not_given_in_time_is_breached_once_and_escalated(cambs, api_as, case):
    with time_machine.travel("2026-03-10T10:00:00+00:00", tick=False):  # Tuesday
        _decide(api_as, cambs, case, team=case["team"].pk)
    with tenancy.tenant_context(cambs["tenant"]):
        clock = Clock.objects.get(kind="handover_acknowledgement")
    assert clock.due_at == datetime(2026, 3, 11, 10, 0, tzinfo=UTC)  # one working day
    process_due(now=datetime(2026, 3, 11, 10, 1, tzinfo=UTC))
    process_due(now=datetime(2026, 3, 11, 10, 2, tzinfo=UTC))
    process_due(now=datetime(2026, 3, 11, 15, 0, tzinfo=UTC))
    with tenancy.tenant_context(cambs["tenant"]):
        clock.refresh_from_db()
        assert clock.breached_at is not None and clock.escalation_level == 2
        breaches = Notification.objects.filter(clock=clock, kind="breach")
        assert breaches.filter(recipient=case["worker"]).count() == 1
        assert Notification.objects.filter(clock=clock, kind="escalation", recipient=cambs["head"]).count() == 1


def test_the_team_warned_of_a_late_acknowledgement_is_the_team_as_it_is_then(cambs, api_as, case, make_user):
    """The receiving team's members are read when the clock's steps fall due, not copied at the handover: someone
    who joined the team since is told of the breach, someone who has left it is not."""
    from mash.models import TeamMember
    from mash.roles import Role

    with time_machine.travel("2026-03-10T10:00:00+00:00", tick=False):  # Tuesday
        _decide(api_as, cambs, case, team=case["team"].pk)
    newcomer = make_user(cambs["tenant"], Role.TRIAGE, username="north-newcomer")
    with tenancy.tenant_context(cambs["tenant"]):
        TeamMember.objects.filter(user=case["worker"]).delete()  # moved to another service
        TeamMember.objects.create(team=case["team"], user=newcomer)
        clock = Clock.objects.get(kind="handover_acknowledgement")
    assert clock.responsible_team_id == case["team"].pk
    process_due(now=datetime(2026, 3, 11, 10, 1, tzinfo=UTC))
    with tenancy.tenant_context(cambs["tenant"]):
        breaches = Notification.objects.filter(clock=clock, kind="breach")
        told = set(breaches.values_list("recipient__username", flat=True))
    assert "north-newcomer" in told
    assert case["worker"].username not in told
    assert cambs["manager"].username in told  # who sent it, named on the clock


def test_the_page_print_view_and_pdf(cambs, api_as, case):
    _decide(api_as, cambs, case, team=case["team"].pk)
    client = Client()
    client.force_login(cambs["manager"])
    pk, reference = case["contact"].pk, case["contact"].reference
    page = client.get(f"/triage/contacts/{pk}/handover/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "Assessment team North" in html and POLICE_SUMMARY in html and HEALTH_SECRET not in html
    assert "Not for onward sharing" in html
    contact_page = client.get(f"/triage/contacts/{pk}/").content.decode()
    assert "Handed over to <strong>Assessment team North</strong>" in contact_page
    printed = client.get(f"/triage/contacts/{pk}/handover/print/").content.decode()
    assert reference in printed and POLICE_SUMMARY in printed
    pdf = client.get(f"/triage/contacts/{pk}/handover/summary.pdf")
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"
    assert pdf.content.startswith(b"%PDF")
    # A whole document a reader opens: every stream inflates, one of them holds a page, and the trailer ends it.
    # (A stream's data may itself end in a carriage return: only the newline before endstream is taken off.)
    streams = [zlib.decompress(s) for s in re.findall(rb"stream\r?\n(.*?)\nendstream", pdf.content, re.S)]
    assert any(re.search(rb"/Type\s*/Page\b", s) for s in [pdf.content, *streams])
    assert pdf.content.rstrip().endswith(b"%%EOF")
    assert pdf["Content-Disposition"] == f'attachment; filename="mash-summary-{reference.lower()}.pdf"'
    with tenancy.tenant_context(cambs["tenant"]):
        actions = set(AuditEvent.objects.filter(object_id=str(pk)).values_list("action", flat=True))
    assert {"handover_summary.viewed", "handover_summary.printed", "handover_summary.downloaded"} <= actions


def test_the_manager_hands_over_and_acknowledges_on_the_teams_behalf_from_the_page(cambs, api_as, case):
    _decide(api_as, cambs, case)
    client = Client()
    client.force_login(cambs["manager"])
    pk = case["contact"].pk
    bad = client.post(f"/triage/contacts/{pk}/handover/send/", {"team": ""})
    assert bad.status_code == 400 and "Choose the receiving team" in bad.content.decode()
    sent = client.post(f"/triage/contacts/{pk}/handover/send/", {"team": str(case["team"].pk)})
    assert sent.status_code == 302
    done = client.post(f"/triage/contacts/{pk}/handover/acknowledge/", follow=True).content.decode()
    assert "on the team&#x27;s behalf" in done or "on the team's behalf" in done
    with tenancy.tenant_context(cambs["tenant"]):
        assert Contact.objects.get(pk=pk).status == "closed"


def test_every_section_of_the_summary_is_the_records_own_facts(cambs, api_as, case):
    """Issue 20's Prove: each section of the summary (household, Signs of Safety, level of need, the decision and
    the recommendations) holds what the record holds, compared field by field; the page shows the same."""
    from thresholds.models import ThresholdLevel
    from triage import services as triage_services
    from triage.models import SignsOfSafetyMap, ThresholdJudgement

    contact = case["contact"]
    with tenancy.tenant_context(cambs["tenant"]):
        triage_services.save_safety_map(
            contact=contact, actor=cambs["triage"],
            values={"harm": "Leo was left alone overnight.", "danger_statements": "We worry Leo will be hurt.",
                    "existing_strengths": "Grandmother lives nearby.", "next_steps": "Assess the family."},
            scales={"professionals": 3, "parents": 6},
        )  # fmt: skip
        level = ThresholdLevel.objects.order_by("-number").first()
        indicator = level.indicators.order_by("order", "id").first()
        triage_services.judge_threshold(
            contact=contact, actor=cambs["triage"], level_number=level.number,
            indicator_ids=[indicator.pk], rationale="Needs meet level 4: a section 17 assessment.",
        )  # fmt: skip
    _decide(api_as, cambs, case, team=case["team"].pk)
    data = api_as(cambs["manager"]).get(f"/api/v1/contacts/{contact.pk}/handover/").data
    with tenancy.tenant_context(cambs["tenant"]):
        record = Contact.objects.get(pk=contact.pk)
        household = [(p.first_name, p.last_name, p.relationship) for p in record.people.exclude(role="child")]
        safety = SignsOfSafetyMap.objects.get(contact=contact)
        judgement = ThresholdJudgement.objects.get(contact=contact)
    assert household and [(p["first_name"], p["last_name"], p["relationship"]) for p in data["household"]] == household
    for part in ("harm", "danger_statements", "existing_strengths", "next_steps", "complicating_factors"):
        assert data["signs_of_safety"][part] == getattr(safety, part)
    assert {s["perspective"]: s["score"] for s in data["signs_of_safety"]["scales"]} == {
        "Professionals": 3, "Parents or carers": 6,
    }  # fmt: skip
    assert data["level_of_need"] == {
        "level": level.number, "name": level.name, "rationale": judgement.rationale, "indicators": [indicator.text],
    }  # fmt: skip
    manager = cambs["manager"]
    assert data["decision"]["decided_by"] == (manager.get_full_name() or manager.get_username())
    assert data["decision"]["decided_at"] == record.decided_at.isoformat()
    # Police's recommendation goes on; health's return was not for onward sharing, so neither does its advice.
    assert data["decision"]["recommendations"] == [{"source": "Police", "text": "Assessment."}]
    assert data["team"]["name"] == "Assessment team North" and data["team"]["acknowledged_at"] is None
    client = Client()
    client.force_login(cambs["manager"])
    page = client.get(f"/triage/contacts/{contact.pk}/handover/").content.decode()
    for fact in (safety.harm, judgement.rationale, level.name, indicator.text, household[0][0]):
        assert fact in page, fact


def test_the_printed_summary_is_a_document_under_the_councils_letterhead(cambs, api_as, case):
    Tenant.objects.filter(pk=cambs["tenant"].pk).update(name="Shire County Council", mash_phone="01223 555000")
    with time_machine.travel("2026-03-10T10:00:00+00:00", tick=False):  # Tuesday 10 March 2026
        _decide(api_as, cambs, case, team=case["team"].pk)
    client = Client()
    client.force_login(cambs["manager"])
    with time_machine.travel("2026-03-12T10:00:00+00:00", tick=False):
        response = client.get(f"/triage/contacts/{case['contact'].pk}/handover/print/")
    html = response.content.decode()
    start = html.index('id="letterhead"')
    head = " ".join(re.sub(r"<[^>]+>", " ", html[start : html.index("</dl>", start)]).split())
    assert "Shire County Council" in head and "Multi-Agency Safeguarding Hub" in head
    assert "Telephone: 01223 555000" in head
    assert "Date 10 March 2026" in head  # the day it was handed over
    assert "To Assessment team North" in head  # the receiving team
    assert f"Reference {case['contact'].reference}" in head
    # No service around it (no header, menu or form), and its styles carry the nonce the policy allows.
    assert "<form" not in html and "<nav" not in html and "<header" not in html
    nonce = re.search(r"'nonce-([^']+)'", response["Content-Security-Policy"]).group(1)
    assert f'<style nonce="{nonce}">' in html
    assert len(re.findall(r"<style\b", html)) == 1
