"""The contact's working record: everything received, history, Signs of Safety, notes, calls, level of need,
information sharing, the requests, the decision and a timeline of every step."""

import pytest
from django.test import Client

from contacts.models import PersonMatchCandidate
from mash import tenancy
from mash.models import AuditEvent
from tests.text import read
from tests.triage.builders import new_contact
from triage.models import SignsOfSafetyMap

pytestmark = pytest.mark.django_db

SAFETY_MAP = {
    "harm": "Bruise to the baby's cheek.",
    "danger_statements": "We are worried the baby will be hurt again.",
    "complicating_factors": "Father's drinking.",
    "existing_strengths": "Grandmother visits daily.",
    "existing_safety": "Mother took the baby to the GP.",
    "safety_goals": "The baby is safe from harm at home.",
    "next_steps": "Agency checks; strategy discussion if police know the father.",
    "scale_professionals": "3",
    "scale_child": "",
    "scale_parents": "6",
}


def browser(user):
    client = Client()
    client.force_login(user)
    return client


def page(client, contact):
    response = client.get(f"/triage/contacts/{contact.pk}/")
    assert response.status_code == 200
    return response.content.decode()


def test_staff_opening_a_contact_land_on_its_working_record(cambs):
    contact = new_contact(cambs)
    response = browser(cambs["triage"]).get(f"/contacts/{contact.pk}/")
    assert response.status_code == 302
    assert response.url == f"/triage/contacts/{contact.pk}/"


def test_a_signs_of_safety_map_is_recorded_changed_and_shown(cambs):
    contact = new_contact(cambs)
    client = browser(cambs["triage"])
    assert client.post(f"/triage/contacts/{contact.pk}/signs-of-safety/", SAFETY_MAP).status_code == 302
    html = page(client, contact)
    assert "Grandmother visits daily." in html
    assert "Professionals: 3" in html and "Child: not scaled" in html and "Parents or carers: 6" in html
    with tenancy.tenant_context(cambs["tenant"]):
        saved = SignsOfSafetyMap.objects.get(contact=contact)
    changed = {**SAFETY_MAP, "harm": "Two bruises.", "version": saved.version}
    assert client.post(f"/triage/contacts/{contact.pk}/signs-of-safety/", changed).status_code == 302
    stale = browser(cambs["triage2"]).post(
        f"/triage/contacts/{contact.pk}/signs-of-safety/", {**SAFETY_MAP, "harm": "Old view.", "version": saved.version}
    )
    assert stale.status_code == 409
    assert "changed this Signs of Safety analysis" in stale.content.decode()
    assert "Two bruises." in page(client, contact)
    assert "Signs of Safety analysis changed" in page(client, contact)


def test_a_safety_scale_outside_0_to_10_or_an_empty_map_is_refused(cambs):
    contact = new_contact(cambs)
    client = browser(cambs["triage"])
    response = client.post(f"/triage/contacts/{contact.pk}/signs-of-safety/", {**SAFETY_MAP, "scale_child": "11"})
    assert response.status_code == 400
    assert "govuk-error-summary" in response.content.decode()
    empty = client.post(f"/triage/contacts/{contact.pk}/signs-of-safety/", {})
    assert empty.status_code == 400
    assert "Write at least one part" in empty.content.decode()


def test_case_notes_and_calls_with_the_referrer_are_kept(cambs):
    contact = new_contact(cambs)
    client = browser(cambs["triage"])
    client.post(f"/triage/contacts/{contact.pk}/notes/", {"text": "Checked the school's records."})
    response = client.post(
        f"/triage/contacts/{contact.pk}/call/",
        {"direction": "outgoing", "spoke_to": "Dr Shah", "summary": "Bruise seen on Monday."},
    )
    assert response.status_code == 302
    html = page(client, contact)
    assert "Checked the school&#x27;s records." in html
    assert "Dr Shah" in html and "Bruise seen on Monday." in html
    missing = client.post(f"/triage/contacts/{contact.pk}/call/", {"direction": "outgoing", "spoke_to": ""})
    assert missing.status_code == 400


def test_the_level_of_need_is_judged_against_the_tenants_indicators(cambs):
    contact = new_contact(cambs)
    client = browser(cambs["triage"])
    form = client.get(f"/triage/contacts/{contact.pk}/threshold/").content.decode()
    assert "Suspected non-accidental injury" in form  # the tenant's level 4 indicator
    with tenancy.tenant_context(cambs["tenant"]):
        from thresholds.models import ThresholdIndicator

        level4 = ThresholdIndicator.objects.get(text="Suspected non-accidental injury")
        level2 = ThresholdIndicator.objects.filter(level__number=2).first()
    wrong = client.post(
        f"/triage/contacts/{contact.pk}/threshold/",
        {"level": "4", "indicators": [str(level2.pk)], "rationale": "Injury."},
    )
    assert wrong.status_code == 400
    assert "Choose indicators of level 4 only" in wrong.content.decode()
    right = client.post(
        f"/triage/contacts/{contact.pk}/threshold/",
        {"level": "4", "indicators": [str(level4.pk)], "rationale": "Injury to a baby."},
    )
    assert right.status_code == 302
    html = page(client, contact)
    assert "Level 4: Statutory intervention" in html and "Suspected non-accidental injury" in html


def test_sharing_without_consent_needs_a_reason(cambs):
    contact = new_contact(cambs)
    client = browser(cambs["triage"])
    url = f"/triage/contacts/{contact.pk}/sharing/"
    refused = client.post(url, {"basis": "without_consent", "explanation": "Risk to the child."})
    assert refused.status_code == 400
    assert "Say why information is shared without consent" in refused.content.decode()
    done = client.post(
        url,
        {
            "basis": "without_consent",
            "consent_reason": "risk_to_child",
            "explanation": "Telling the father would put the baby at risk.",
        },
    )
    assert done.status_code == 302
    html = page(client, contact)
    assert "Share without consent" in html and "Asking would increase the risk" in html


def test_rating_on_the_page_shows_requests_with_their_deadlines_and_the_timeline(cambs):
    contact = new_contact(cambs)
    client = browser(cambs["triage"])
    form = client.get(f"/triage/contacts/{contact.pk}/rating/").content.decode()
    assert "Asks every agency, within 4 clock hours" in form
    missing = client.post(
        f"/triage/contacts/{contact.pk}/rating/",
        {"rating": "green", "rationale": "Attendance.", "version": contact.version},
    )
    assert missing.status_code == 400
    assert "choose at least one agency" in missing.content.decode()
    done = client.post(
        f"/triage/contacts/{contact.pk}/rating/", {"rating": "red", "rationale": "Injury.", "version": contact.version}
    )
    assert done.status_code == 302
    html = page(client, contact)
    assert "Police" in html and "Domestic abuse service" in html
    # Each request says how long is left in the one wording, its state in words (and the decision too, in the
    # identity bar at the top).
    requests = html[html.index('id="requests"') : html.index("</table>", html.index('id="requests"'))]
    assert requests.count('mash-time-left__tag">On time</strong>') == len(cambs["agencies"])
    assert requests.count("h left<") + requests.count("min left<") == len(cambs["agencies"])
    identity = html[html.index('id="identity"') : html.index("</dl>", html.index('id="identity"'))]
    assert "Red" in identity and contact.reference in identity and "On time</strong>" in identity
    assert html.index('id="identity"') < html.index('id="requests"') < html.index('id="people"')
    for words in ("Contact received", "Rated (red)", "Information requested", "Deadline started"):
        assert words in html
    assert f'href="/navigators/enquiries/{contact.pk}/"' in html  # every return side by side


def test_a_stale_rating_on_the_page_is_a_conflict_and_nothing_is_overwritten(cambs):
    contact = new_contact(cambs)
    browser(cambs["triage2"]).post(
        f"/triage/contacts/{contact.pk}/rating/", {"rating": "blue", "rationale": "Advice.", "version": contact.version}
    )
    stale = browser(cambs["triage"]).post(
        f"/triage/contacts/{contact.pk}/rating/", {"rating": "red", "rationale": "Injury.", "version": contact.version}
    )
    assert stale.status_code == 409
    html = stale.content.decode()
    assert "Someone else changed this contact" in html and "cambridgeshire-triage2" in html
    assert 'value="Injury."' in html or "Injury.</textarea>" in html  # what they typed is still there


def test_only_managers_get_the_decision_page(cambs):
    contact = new_contact(cambs)
    assert browser(cambs["triage"]).get(f"/triage/contacts/{contact.pk}/decision/").status_code == 403
    manager = browser(cambs["manager"])
    browser(cambs["triage"]).post(
        f"/triage/contacts/{contact.pk}/rating/", {"rating": "red", "rationale": "Injury.", "version": contact.version}
    )
    form = manager.get(f"/triage/contacts/{contact.pk}/decision/").content.decode()
    assert f"{len(cambs['agencies'])} information requests are still outstanding" in form
    refused = manager.post(f"/triage/contacts/{contact.pk}/decision/", {"outcome": "nfa", "reason": "Explained."})
    assert refused.status_code == 400
    assert "say why you are deciding before every return is in" in refused.content.decode()
    done = manager.post(
        f"/triage/contacts/{contact.pk}/decision/",
        {"outcome": "nfa", "reason": "Explained.", "override_reason": "Hospital saw the baby."},
    )
    assert done.status_code == 302
    html = page(manager, contact)
    assert "No further action" in html and "Hospital saw the baby." in html and "Feedback to the referrer" in html


def test_triage_confirms_a_person_match_from_the_page(cambs):
    new_contact(cambs, "first")
    second = new_contact(
        cambs,
        "second",
        children=[{"first_name": "Leon", "last_name": "Hart", "date_of_birth": "2025-04-02", "postcode": "CB1 2AB"}],
    )
    with tenancy.tenant_context(cambs["tenant"]):
        candidate = PersonMatchCandidate.objects.filter(contact_person__contact=second).first()
    assert candidate is not None
    client = browser(cambs["triage"])
    assert "Confirm" in page(client, second)
    client.post(f"/triage/contacts/{second.pk}/matches/{candidate.pk}/confirm/")
    html = page(client, second)
    assert "Confirmed" in html
    assert "Person match confirmed" in html
    with tenancy.tenant_context(cambs["tenant"]):
        assert AuditEvent.objects.filter(action="person_match.confirmed", object_id=str(second.pk)).exists()


def test_the_record_shows_earlier_contacts_about_the_same_child_with_their_outcomes(cambs, api_as):
    first = new_contact(cambs, "first")
    api_as(cambs["manager"]).post(
        f"/api/v1/contacts/{first.pk}/decision/", {"outcome": "advice", "reason": "x"}, format="json"
    )
    second = new_contact(cambs, "second")  # same child, same name and date of birth
    html = page(browser(cambs["triage"]), second)
    assert first.reference in html and "Information and advice" in html and "Re-contact" in html


def test_viewing_the_record_is_logged(cambs):
    contact = new_contact(cambs)
    page(browser(cambs["manager"]), contact)
    with tenancy.tenant_context(cambs["tenant"]):
        assert AuditEvent.objects.filter(
            action="contact.viewed", object_id=str(contact.pk), actor=cambs["manager"]
        ).exists()


def _queries(client, url):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured)


def test_the_record_costs_the_same_number_of_queries_however_much_is_on_it(cambs, api_as, django_assert_num_queries):
    contact = new_contact(cambs)
    client = browser(cambs["triage"])
    client.post(f"/triage/contacts/{contact.pk}/notes/", {"text": "First note."})
    client.post(f"/triage/contacts/{contact.pk}/signs-of-safety/", SAFETY_MAP)
    url = f"/triage/contacts/{contact.pk}/"
    sparse = _queries(client, url)
    for n in range(8):
        client.post(f"/triage/contacts/{contact.pk}/notes/", {"text": f"Note {n}."})
        client.post(
            f"/triage/contacts/{contact.pk}/call/", {"direction": "incoming", "spoke_to": f"Caller {n}", "summary": "x"}
        )
    api_as(cambs["triage"]).post(
        f"/api/v1/contacts/{contact.pk}/rating/", {"rating": "red", "rationale": "Injury."}, format="json"
    )
    for n in range(3):
        new_contact(cambs, f"earlier-{n}")  # the same child again: history rows
    with django_assert_num_queries(sparse):
        assert client.get(url).status_code == 200


def test_a_navigators_return_shows_on_the_record_and_in_the_timeline(cambs, api_as):
    from navigators import services as navigator_services
    from navigators.models import InformationRequest

    contact = new_contact(cambs)
    api_as(cambs["triage"]).post(
        f"/api/v1/contacts/{contact.pk}/rating/", {"rating": "red", "rationale": "Injury."}, format="json"
    )
    with tenancy.tenant_context(cambs["tenant"]):
        police = InformationRequest.objects.get(contact=contact, agency__slug="police")
        navigator_services.submit_return(
            request=police,
            actor=cambs["nav_police"],
            values={"known_to_agency": True, "summary": "Known.", "recommendation": "Assessment."},
        )
    html = page(browser(cambs["manager"]), contact)
    assert html.count('<strong class="govuk-tag govuk-tag--green">Returned</strong>') == 1
    assert "Information returned" in html


def test_the_identity_bar_names_the_child_their_age_and_how_long_is_left_and_the_timeline_is_newest_first(cambs):
    from django.utils import timezone

    from mash import timefmt

    contact = new_contact(cambs, children=[{"first_name": "Ruby", "last_name": "Hart", "date_of_birth": "2019-03-05"}])
    client = browser(cambs["triage"])
    client.post(f"/triage/contacts/{contact.pk}/notes/", {"text": "Checked the school's records."})
    identity = lambda html: html[html.index('id="identity"') : html.index("</dl>", html.index('id="identity"'))]  # noqa: E731
    bar = identity(page(client, contact))
    age = timefmt.age_in_years(timezone.localdate().replace(year=2019, month=3, day=5))
    assert "Ruby Hart" in bar and f"5 March 2019 ({age} years)" in bar
    assert contact.reference in bar and "Not rated yet" in bar and "Not taken" in bar
    assert f"(due {timefmt.govuk_datetime(contact.decision_due_at)})" in bar
    with tenancy.tenant_context(cambs["tenant"]):
        type(contact).objects.filter(pk=contact.pk).update(
            decision_due_at=timezone.now() - timezone.timedelta(minutes=20, seconds=30)
        )
    late = identity(page(client, contact))
    assert 'govuk-tag--red mash-time-left__tag">Overdue</strong>' in late and "Overdue by 20 min" in read(late)
    html = page(client, contact)
    timeline = html[html.index('class="moj-timeline"') :]
    assert timeline.count('class="moj-timeline__item"') >= 2
    assert timeline.index("Case note added") < timeline.index("Contact received")  # the newest first


def test_the_level_of_need_page_keeps_ticked_indicators_on_error_and_groups_the_chosen_levels_by_domain(cambs):
    contact = new_contact(cambs)
    client = browser(cambs["triage"])
    with tenancy.tenant_context(cambs["tenant"]):
        from thresholds.models import ThresholdIndicator

        level4 = ThresholdIndicator.objects.get(text="Suspected non-accidental injury")
    response = client.post(f"/triage/contacts/{contact.pk}/threshold/", {"level": "4", "indicators": [str(level4.pk)]})
    assert response.status_code == 400
    html = response.content.decode()
    assert "Enter why this level applies." in html
    # What was ticked is still ticked, under its level (revealed) and its domain's heading.
    assert f'name="indicators" type="checkbox" value="{level4.pk}" checked' in html
    assert html.count(" checked") == 2  # the level and its indicator, nothing else
    assert 'href="#id_level_0"' not in html and html.count('id="id_indicators"') == 1  # in level 4's block
    assert html.index('id="conditional-level-4"') < html.index('id="id_indicators"')
    assert 'value="4" checked data-aria-controls="conditional-level-4"' in html
    level4_block = html[html.index('id="conditional-level-4"') :]
    assert level4_block.index("govuk-heading-s") < level4_block.index("Suspected non-accidental injury")
    assert 'class="govuk-radios__conditional govuk-radios__conditional--hidden" id="conditional-level-2"' in html
    assert 'class="govuk-radios__conditional" id="conditional-level-4"' in html


def test_a_missing_primary_need_opens_the_census_codes_expander_so_its_error_link_reaches_the_field(cambs):
    contact = new_contact(cambs)
    manager = browser(cambs["manager"])
    closed = manager.get(f"/triage/contacts/{contact.pk}/decision/").content.decode()
    assert '<details class="govuk-details">' in closed  # nothing to show yet: kept out of the way
    response = manager.post(
        f"/triage/contacts/{contact.pk}/decision/", {"outcome": "assessment", "reason": "Needs an assessment."}
    )
    html = response.content.decode()
    assert response.status_code in (400, 409) and "Choose the child" in html
    assert '<details class="govuk-details" open>' in html
    assert 'href="#id_primary_need"' in html and 'id="id_primary_need"' in html
    assert "Needs an assessment." in html  # what was typed is kept
