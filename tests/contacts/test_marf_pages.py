"""The MARF in the browser (without one): a page per thing, a draft kept at every step, check your answers."""

import re
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.test import Client

from contacts.models import Contact, MarfDraft
from mash import tenancy
from tests.audit_helpers import audit_events

pytestmark = pytest.mark.django_db

CHILD = {"first_name": "Leo", "last_name": "Hart", "date_of_birth_0": "2", "date_of_birth_1": "4",
         "date_of_birth_2": "2025", "sex": "M", "ethnicity": "WBRI", "disability": "", "postcode": ""}  # fmt: skip
STEPS = {
    "family": {"address": "12 Mill Road, Cambridge", "postcode": "cb1 2ab", "school": "", "gp": "Mill Road Surgery",
               "language": "English"},
    "referrer": {"source": "3A", "referrer_name": "Dr Priya Shah", "referrer_role": "GP",
                 "referrer_organisation": "Mill Road Surgery", "referrer_email": "p.shah@example.org",
                 "referrer_phone": "01223 000000"},
    "concerns": {"concerns": "Mother, 19, six months pregnant, no midwife; has a 9-month-old son.",
                 "support_provided": "Advised to attend hospital."},
    "consent": {"parents_aware": "yes", "consent_to_referral": "given", "consent_to_sharing": "given"},
    "threshold": {"threshold_level": "2"},
}  # fmt: skip


@pytest.fixture
def browser(hub):
    client = Client()
    client.force_login(hub["referrer"])
    return client


def _draft(hub):
    with tenancy.tenant_context(hub["tenant"]):
        return MarfDraft.objects.filter(owner=hub["referrer"]).first()


def _fill_everything(browser):
    assert browser.post("/contacts/referral/child/", CHILD).url == "/contacts/referral/children/"
    assert browser.post("/contacts/referral/children/", {"add_another": "no"}).url == "/contacts/referral/household/"
    assert browser.post("/contacts/referral/household/", {"add_another": "yes"}).url == "/contacts/referral/person/"
    mother = {"role": "parent", "relationship": "mother", "first_name": "Amy", "last_name": "Hart",
              "date_of_birth_0": "19", "date_of_birth_1": "8", "date_of_birth_2": "2006", "phone": ""}  # fmt: skip
    assert browser.post("/contacts/referral/person/", mother).status_code == 302
    assert browser.post("/contacts/referral/household/", {"add_another": "no"}).url == "/contacts/referral/family/"
    nexts = ["referrer", "concerns", "consent", "threshold", "check"]
    for (step, values), following in zip(STEPS.items(), nexts, strict=True):
        response = browser.post(f"/contacts/referral/{step}/", values)
        assert response.status_code == 302, response.content.decode()[:2000]
        assert response.url.rstrip("/").endswith(following)


def test_a_referrer_files_a_marf_page_by_page_and_sees_the_reference(hub, browser):
    start = browser.get("/contacts/referral/")
    assert "Start now" in start.content.decode()
    assert 'class="govuk-button__start-icon"' in start.content.decode()  # GOV.UK's start button, with its arrow
    _fill_everything(browser)
    check = browser.get("/contacts/referral/check/").content.decode()
    for shown in ("Leo Hart", "Born 2 April 2025", "mother", "Mill Road Surgery", "Health services: GP",
                  "six months pregnant", "Given", "Level 2"):  # fmt: skip
        assert shown in check, shown

    done = browser.post("/contacts/referral/check/")
    assert done.status_code == 302
    page = browser.get(done.url).content.decode()
    reference = re.search(r"ALP-\d{4}-\d{6}", page).group(0)
    assert "Referral sent" in page
    with tenancy.tenant_context(hub["tenant"]):
        contact = Contact.objects.get(reference=reference)
        assert contact.submitted_by == hub["referrer"] and contact.channel == "marf"
        assert contact.postcode == "CB1 2AB" and contact.threshold_level.number == 2
        assert [p.first_name for p in contact.people.all()] == ["Leo", "Amy"]
    assert _draft(hub) is None  # sent: the draft is gone
    assert len(audit_events(hub["tenant"], action="marf_draft.submitted")) == 1

    mine = browser.get("/contacts/mine/").content.decode()
    assert reference in mine and "Received" in mine


def test_every_step_is_saved_and_restored_after_signing_in_again(hub, browser):
    browser.post("/contacts/referral/child/", CHILD)
    browser.post("/contacts/referral/concerns/", STEPS["concerns"])
    assert _draft(hub).data["children"][0]["date_of_birth"] == "2025-04-02"
    browser.logout()

    again = Client()
    again.force_login(hub["referrer"])
    start = again.get("/contacts/referral/").content.decode()
    assert "Continue your referral" in start
    concerns = again.get("/contacts/referral/concerns/").content.decode()
    assert "six months pregnant" in concerns
    children = again.get("/contacts/referral/children/").content.decode()
    assert "Leo Hart" in children


def test_autosave_keeps_what_is_typed_before_the_page_is_sent(hub, browser):
    response = browser.post("/contacts/referral/autosave/concerns/", {"concerns": "Half a sentence about"})
    assert response.status_code == 200 and "Draft saved at" in response.content.decode()
    assert _draft(hub).data["concerns"] == "Half a sentence about"
    assert "Half a sentence about" in browser.get("/contacts/referral/concerns/").content.decode()


def test_a_step_with_errors_says_what_to_fix(hub, browser):
    future = datetime.now() + timedelta(days=40)
    bad = {**CHILD, "first_name": "", "date_of_birth_0": str(future.day), "date_of_birth_1": str(future.month),
           "date_of_birth_2": str(future.year)}  # fmt: skip
    page = browser.post("/contacts/referral/child/", bad)
    html = page.content.decode()
    assert page.status_code == 200
    assert "There is a problem" in html and "Enter first name" in html
    assert "Date of birth must be today or in the past" in html
    assert browser.post("/contacts/referral/child/", {**CHILD, "date_of_birth_1": "13"}).status_code == 200
    html = browser.post("/contacts/referral/consent/", {**STEPS["consent"], "consent_to_sharing": "refused"})
    assert "Select why consent was not given or not sought" in html.content.decode()
    html = browser.post("/contacts/referral/family/", {**STEPS["family"], "postcode": "nowhere"}).content.decode()
    assert "Enter a real UK postcode" in html


def test_a_rejected_submission_keeps_the_draft_and_links_to_the_page_to_fix(hub, browser):
    browser.post("/contacts/referral/child/", CHILD)
    browser.post("/contacts/referral/concerns/", STEPS["concerns"])
    response = browser.post("/contacts/referral/check/")
    assert response.status_code == 400
    html = response.content.decode()
    assert "There is a problem" in html
    assert 'href="/contacts/referral/consent/?from=check"' in html
    assert 'href="/contacts/referral/referrer/?from=check"' in html
    assert _draft(hub) is not None
    with tenancy.tenant_context(hub["tenant"]):
        assert Contact.objects.count() == 0


def test_oversized_concerns_are_refused_on_the_page(hub, browser):
    html = browser.post("/contacts/referral/concerns/", {"concerns": "x" * 10_001}).content.decode()
    assert "must be 10,000 characters or fewer" in html


def test_the_threshold_page_shows_the_tenants_indicators_and_links_to_the_document(hub, browser):
    html = browser.get("/contacts/referral/threshold/").content.decode()
    assert 'href="/thresholds/"' in html
    assert "Level 4: Statutory" in html or "Level 4" in html
    assert "I am not sure" in html


def test_my_referrals_show_the_outcome_and_feedback_when_decided(hub, browser, api_as):
    from tests.contacts.builders import submit

    contact = submit(api_as(hub["referrer"]))
    with tenancy.tenant_context(hub["tenant"]):
        Contact.objects.filter(pk=contact["id"]).update(
            status="decided", outcome="early_help", feedback_to_referrer="The family has been offered Early Help."
        )
    html = browser.get("/contacts/mine/").content.decode()
    assert "Step down to Early Help" in html and "The family has been offered Early Help." in html
    assert "Decided" in html


def test_a_referrers_record_page_shows_only_their_view(hub, browser, api_as):
    from tests.contacts.builders import submit

    mine = submit(api_as(hub["referrer"]))
    theirs = submit(api_as(hub["referrer2"]))
    html = browser.get(f"/contacts/{mine['id']}/").content.decode()
    assert mine["reference"] in html and "Possible matches" not in html and "Earlier contacts" not in html
    assert browser.get(f"/contacts/{theirs['id']}/").status_code == 404
    assert len(audit_events(hub["tenant"], action="contact.viewed", actor=hub["referrer"])) == 1


@pytest.mark.parametrize("who", ["nav_police", "lead_health"])
def test_navigators_do_not_see_contacts_pages(hub, api_as, who):
    from tests.contacts.builders import submit

    contact = submit(api_as(hub["referrer"]))
    client = Client()
    client.force_login(hub[who])
    assert client.get("/contacts/").status_code == 403
    assert client.get(f"/contacts/{contact['id']}/").status_code == 404


def test_staff_see_the_list_and_the_record_with_possible_matches(hub, api_as):
    from tests.contacts.builders import submit

    child = [{"first_name": "Olivia", "last_name": "Smith", "date_of_birth": "2015-03-27"}]
    submit(api_as(hub["referrer"]), children=child)
    second = submit(api_as(hub["referrer"]), children=[{**child[0], "first_name": "Olivai"}])
    client = Client()
    client.force_login(hub["triage"])
    assert second["reference"] in client.get("/contacts/?status=received").content.decode()
    html = client.get(f"/contacts/{second['id']}/", follow=True).content.decode()
    assert "Possible matches in the register" in html and "Olivia Smith" in html


@time_machine.travel(datetime(2026, 1, 16, 10, 0, tzinfo=UTC), tick=False)
def test_triage_records_a_phone_call_that_came_in_earlier_but_not_one_in_the_future(hub):
    client = Client()
    client.force_login(hub["triage"])
    call = {
        "received_date_0": "16", "received_date_1": "1", "received_date_2": "2026", "received_time": "08:15",
        "referrer_name": "Mrs Jones", "referrer_role": "Neighbour", "referrer_organisation": "", "referrer_phone": "",
        "source": "1B", "child_first_name": "Mia", "child_last_name": "Cole", "child_date_of_birth_0": "1",
        "child_date_of_birth_1": "6", "child_date_of_birth_2": "2019", "postcode": "CB4 1AA",
        "concerns": "Left alone at night.", "call_notes": "Advised to call 999 if it happens again tonight.",
        "parents_aware": "no", "consent_to_referral": "not_sought", "consent_to_sharing": "not_sought",
        "consent_reason": "risk_to_child", "consent_decided_by": "A. Social Worker",
    }  # fmt: skip
    future = client.post("/contacts/phone/", {**call, "received_time": "10:30"})
    assert "The call must be now or in the past" in future.content.decode()
    response = client.post("/contacts/phone/", call)
    assert response.status_code == 302
    with tenancy.tenant_context(hub["tenant"]):
        contact = Contact.objects.get()
    assert contact.channel == "phone" and contact.received_at == datetime(2026, 1, 16, 8, 15, tzinfo=UTC)
    assert contact.decision_due_at == datetime(2026, 1, 16, 17, 0, tzinfo=UTC)
    assert "recorded" in client.get(response.url, follow=True).content.decode()


def test_only_triage_records_phone_contacts(hub):
    client = Client()
    client.force_login(hub["referrer"])
    assert client.get("/contacts/phone/").status_code == 403


def test_a_member_of_the_public_reports_a_worry_in_plain_words(hub):
    client = Client()
    page = client.get("/contacts/report/alpha/").content.decode()
    assert "Tell us you are worried about a child" in page and "call 999" in page
    response = client.post("/contacts/report/alpha/", {"concerns": "Crying for hours", "child_first_name": "Mia"})
    assert response.status_code == 302
    sent = client.get(response.url).content.decode()
    assert re.search(r"ALP-\d{4}-\d{6}", sent) and "Thank you for telling us" in sent
    assert client.get("/contacts/report/nowhere/").status_code == 404
    html = client.post("/contacts/report/alpha/", {"concerns": "", "child_first_name": ""}).content.decode()
    assert "Enter what you are worried about" in html and "Enter the child&#x27;s first name" in html


def test_home_pages_link_to_referrals_and_phone_contacts(hub):
    client = Client()
    client.force_login(hub["referrer"])
    assert 'href="/contacts/referral/"' in client.get("/home/referrer/").content.decode()
    client.force_login(hub["triage"])
    assert 'href="/contacts/phone/"' in client.get("/home/triage/").content.decode()


def test_the_public_page_is_rate_limited_like_the_api(hub, settings):
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": {"public_marf": "2/hour"}}
    client = Client(REMOTE_ADDR="203.0.113.9")
    report = {"concerns": "Crying for hours", "child_first_name": "Mia"}
    assert [client.post("/contacts/report/alpha/", report).status_code for _ in range(2)] == [302, 302]
    refused = client.post("/contacts/report/alpha/", report)
    assert refused.status_code == 429 and "try again later" in refused.content.decode()
    with tenancy.tenant_context(hub["tenant"]):
        assert Contact.objects.count() == 2
