"""Is this child already known? Scoring rules, the register, previous contacts, and triage's decision on a match."""

from datetime import UTC, date, datetime, timedelta

import hypothesis
import pytest
import time_machine
from hypothesis import strategies as st

from contacts import matching, selectors, services
from contacts.models import ContactPerson, Person, PersonMatchCandidate
from mash import tenancy
from mash.exceptions import Conflict, NotAllowed
from tests.audit_helpers import audit_event, audit_events
from tests.contacts.builders import marf, settle_matching, submit

pytestmark = pytest.mark.django_db
DOB = date(2015, 3, 27)


def key(first, last, dob=DOB, postcode="CB1 2AB", sex=""):
    return matching.PersonKey.of(first, last, dob, postcode, sex)


@pytest.mark.parametrize(
    ("written_again", "why"),
    [
        (key("OLIVIA", " smith "), "case and spaces"),
        (key("Olivai", "Smith"), "letters transposed"),
        (key("Olivia", "Smyth"), "surname misspelt"),
        (key("Smith", "Olivia"), "first and last name swapped"),
        (key("Olivia", "Smith-Jones"), "surname now double-barrelled"),
        (key("Olivia", "Smith", date(2015, 3, 28)), "date of birth one digit out"),
        (key("Olivia", "Smith", postcode="PE1 1AA"), "moved house"),
    ],
)
def test_the_same_child_written_differently_is_a_possible_match(written_again, why):
    value, _reasons = matching.score(key("Olivia", "Smith"), written_again)
    assert value >= matching.POSSIBLE, why


def test_day_and_month_swapped_and_nicknames_are_possible_matches():
    assert matching.score(key("William", "Ng", date(2016, 4, 7)), key("Will", "Ng", date(2016, 7, 4)))[0] >= 0.8


@pytest.mark.parametrize(
    ("other", "why"),
    [
        (key("Olivia", "Smith", date(2012, 9, 1)), "a sibling: same name, different date of birth"),
        (key("Jack", "Smith"), "a twin: same surname, date of birth and postcode"),
        (key("Christopher", "Hill", sex="M"), "a twin of the other sex"),
    ],
)
def test_different_children_who_look_alike_are_not_strong_matches(other, why):
    first = key("Christine", "Hill", sex="F") if "other sex" in why else key("Olivia", "Smith")
    value, _ = matching.score(first, other)
    assert value < matching.STRONG, why
    if "other sex" not in why:
        assert value < matching.POSSIBLE, why


def _child(first, last, dob="2015-03-27", postcode="CB1 2AB"):
    return [{"first_name": first, "last_name": last, "date_of_birth": dob, "postcode": postcode}]


def test_an_identical_child_is_the_same_register_entry(hub, api_as):
    client = api_as(hub["referrer"])
    first = submit(client, children=_child("Olivia", "Smith"), household=[])
    second = submit(client, children=_child("olivia", "SMITH"), household=[])
    settle_matching(hub["tenant"])  # the worker, a moment after each commit
    with tenancy.tenant_context(hub["tenant"]):
        assert Person.objects.count() == 1
        assert PersonMatchCandidate.objects.count() == 0
    detail = api_as(hub["triage"]).get(f"/api/v1/contacts/{second['id']}/").data
    assert detail["previous_contacts"] == [first["id"]]
    assert (
        detail["children"][0]["person"]
        == api_as(hub["triage"]).get(f"/api/v1/contacts/{first['id']}/").data["children"][0]["person"]
    )


def test_a_misspelt_child_is_a_possible_match_for_triage(hub, api_as):
    client = api_as(hub["referrer"])
    first = submit(client, children=_child("Olivia", "Smith"), household=[])
    second = submit(client, children=_child("Olivai", "Smith"), household=[])
    detail = api_as(hub["triage"]).get(f"/api/v1/contacts/{second['id']}/").data
    [candidate] = detail["match_candidates"]
    assert (candidate["first_name"], candidate["last_name"], candidate["status"]) == ("Olivia", "Smith", "possible")
    assert candidate["score"] >= matching.STRONG
    assert detail["previous_contacts"] == [first["id"]]  # strong enough to count until triage says otherwise
    # The referrer never sees the register.
    assert "match_candidates" not in client.get(f"/api/v1/contacts/{second['id']}/").data


def test_previous_contacts_reach_back_twelve_months_only(hub, api_as):
    client = api_as(hub["triage"])
    now = datetime(2026, 6, 1, 10, tzinfo=UTC)
    ids = []
    for days_ago in (400, 200, 10):
        received = (now - timedelta(days=days_ago)).isoformat()
        ids.append(submit(client, children=_child("Olivia", "Smith"), received_at=received)["id"])
    with time_machine.travel(now, tick=False):
        latest = submit(client, children=_child("Olivia", "Smith"))
    assert latest["previous_contacts"] == [ids[2], ids[1]]  # newest first; 400 days ago is too old
    listed = {row["id"]: row["previous_contacts"] for row in client.get("/api/v1/contacts/").data["results"]}
    assert listed[ids[1]] == [ids[0]]  # each looks back 12 months from when it was received
    assert listed[ids[2]] == [ids[1]]


def test_a_different_child_in_the_same_family_is_not_a_previous_contact(hub, api_as):
    client = api_as(hub["referrer"])
    submit(client, children=_child("Olivia", "Smith", dob="2012-09-01"), household=[])
    second = submit(client, children=_child("Jack", "Smith"), household=[])
    assert api_as(hub["triage"]).get(f"/api/v1/contacts/{second['id']}/").data["previous_contacts"] == []


def _candidate(tenant):
    with tenancy.tenant_context(tenant):
        return PersonMatchCandidate.objects.get()


def test_triage_confirms_a_match_and_the_register_entries_merge(hub, api_as):
    client = api_as(hub["referrer"])
    first = submit(client, children=_child("Olivia", "Smith", dob="2015-03-27"), household=[])
    # Day and month swapped: a possible but not strong match, so not yet a previous contact.
    second = submit(client, children=_child("Olivia", "Smith", dob="2015-03-29", postcode="PE1 1AA"), household=[])
    triage = api_as(hub["triage"])
    assert triage.get(f"/api/v1/contacts/{second['id']}/").data["previous_contacts"] == []

    with tenancy.tenant_context(hub["tenant"]):
        services.confirm_match(actor=hub["triage"], candidate=_candidate(hub["tenant"]))
        assert len({m.person_id for m in ContactPerson.objects.all()}) == 1
    detail = triage.get(f"/api/v1/contacts/{second['id']}/").data
    assert detail["previous_contacts"] == [first["id"]]
    assert detail["match_candidates"][0]["status"] == "confirmed"
    event = audit_event(hub["tenant"], action="person_match.confirmed")
    assert event.actor == hub["triage"] and event.object_id == str(second["id"])

    with tenancy.tenant_context(hub["tenant"]), pytest.raises(Conflict):
        services.reject_match(actor=hub["triage"], candidate=_candidate(hub["tenant"]))


def test_triage_rejects_a_strong_match_and_it_no_longer_counts(hub, api_as):
    client = api_as(hub["referrer"])
    submit(client, children=_child("Olivia", "Smith"), household=[])
    second = submit(client, children=_child("Olivai", "Smith"), household=[])
    settle_matching(hub["tenant"])
    with tenancy.tenant_context(hub["tenant"]):
        services.reject_match(actor=hub["manager"], candidate=_candidate(hub["tenant"]))
    assert api_as(hub["triage"]).get(f"/api/v1/contacts/{second['id']}/").data["previous_contacts"] == []
    assert len(audit_events(hub["tenant"], action="person_match.rejected", actor=hub["manager"])) == 1


@pytest.mark.parametrize("who", ["referrer", "head", "nav_police"])
def test_only_triage_and_managers_decide_matches(hub, api_as, who):
    client = api_as(hub["referrer"])
    submit(client, children=_child("Olivia", "Smith"), household=[])
    submit(client, children=_child("Olivai", "Smith"), household=[])
    settle_matching(hub["tenant"])
    with tenancy.tenant_context(hub["tenant"]), pytest.raises(NotAllowed):
        services.confirm_match(actor=hub[who], candidate=_candidate(hub["tenant"]))


def test_twins_in_one_contact_are_two_people_and_not_matches_of_each_other(hub, api_as):
    twins = _child("Olivia", "Smith") + _child("Oliver", "Smith")
    submit(api_as(hub["referrer"]), children=twins, household=[])
    settle_matching(hub["tenant"])
    with tenancy.tenant_context(hub["tenant"]):
        assert Person.objects.count() == 2
        assert PersonMatchCandidate.objects.count() == 0


def test_previous_contacts_selector_works_on_an_empty_page():
    selectors.attach_previous_contacts([])  # no query, no error


def test_household_adults_join_the_register_too(hub, api_as):
    submit(api_as(hub["referrer"]), **{k: v for k, v in marf().items() if k != "children"}, children=_child("A", "B"))
    settle_matching(hub["tenant"])
    with tenancy.tenant_context(hub["tenant"]):
        roles = sorted(ContactPerson.objects.values_list("role", flat=True))
        assert roles == ["child", "parent"]
        assert Person.objects.count() == 2


# --- the candidates of a block: skipping a different date of birth loses no possible match ---------------------

_NAMES = st.sampled_from(["Olivia", "Oliva", "Smith", "Smyth", "Smith-Jones", "", "O'Neil"])
# Dates of birth in every relation to each other the score knows: the same, one digit out, day and month swapped,
# within two days, two digits out in the same year or not, missing, far apart.
_DOBS = st.sampled_from(
    [None, DOB, date(2015, 3, 28), date(2015, 3, 25), date(2015, 2, 17), date(2015, 12, 27), date(2016, 3, 27),
     date(2015, 3, 7), date(2015, 7, 3), date(2014, 12, 31), date(2015, 1, 1), date(2012, 8, 14)]
)  # fmt: skip
_ROWS = st.lists(
    st.tuples(_NAMES, _NAMES, _DOBS, st.sampled_from(["", "CB12AB", "CB13XY", "PE11AA"]), st.sampled_from("FMU")),
    max_size=40,
)


@hypothesis.given(first=_NAMES, last=_NAMES, dob=_DOBS, rows=_ROWS)
@hypothesis.settings(max_examples=300, deadline=None)
def test_a_blocks_candidates_are_every_row_scoring_a_possible_match(first, last, dob, rows):
    probe = matching.PersonKey.of(first, last, dob, "CB1 2AB", "F")
    stored = [
        (pid, matching.normalise_name(f), matching.normalise_name(la), d, pc, sex, "")
        for pid, (f, la, d, pc, sex) in enumerate(rows, start=1)
    ]
    # Every row scored in full, as before the shortcut.
    expected = []
    for pid, f, la, d, pc, sex, address in stored:
        other = matching.PersonKey.stored(f, la, d, pc, sex)
        value, reasons = matching.score(probe, other)
        if value >= matching.POSSIBLE:
            expected.append(matching.Candidate(pid, value, reasons, matching.is_identical(probe, other), address))
    expected.sort(key=lambda c: (not c.identical, -c.score, c.person_id))
    assert matching.best_candidates(probe, stored, limit=10) == expected[:10]
