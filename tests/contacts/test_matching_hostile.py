"""Intake can never be stopped by what is already in the register.

A name with no letters (``-``, ``'``, ``.``, ``2015-02-30``, digits, emoji, combining marks alone) is an
unknown name: it matches nothing and nothing matches it. Scoring never raises for any pair of stored and
incoming people. And matching is helpful, not essential: if it fails for any reason the contact is still
received (201), the failure is logged, and a worker links the people afterwards.
"""

import itertools
import logging
import unicodedata
from collections import Counter
from datetime import date

import pytest
from django.db import DataError
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from rest_framework.test import APIClient

from contacts import matching, services, tasks
from contacts.models import NAME_MAX, Contact, ContactPerson, Person, PersonMatchCandidate
from mash import tenancy
from mash.models import AuditEvent
from tests.audit_helpers import audit_events
from tests.contacts.builders import make_contact, marf, settle_matching

NO_LETTERS = [
    "-", "'", ".", "2015-02-30", "0123456789", "😀👶🏽", "\u0301\u0308\u0327", " \t\u00a0\u3000 ", "- -", "''--..",
    "\u200f\u202e\u2066", "\u0640\u0640", "()[]/\\", "#5 ½",
]  # fmt: skip
BORN = date(2015, 3, 27)
PUBLIC = "/api/v1/public/alpha/contacts/"
POLICE = "/api/v1/contacts/police-notifications/"


# --- normalisation ----------------------------------------------------------------------------------


@pytest.mark.parametrize("name", NO_LETTERS)
def test_a_name_without_letters_is_unknown(name):
    assert matching.normalise_name(name) == ""
    key = matching.PersonKey.of(name, name, BORN, "CB1 2AB", "F")
    assert not key.known_name
    assert key.surname_key == "" and key.postcode_key == ""  # no blocking key made of punctuation


@pytest.mark.parametrize(
    ("written", "normalised"),
    [
        ("O'Brien", "obrien"),
        ("O\u2019Brien", "obrien"),
        ("Smith-Jones", "smith-jones"),
        ("Smith - Jones", "smith jones"),  # a hyphen only joins two letters
        ("-Smith-", "smith"),
        ("Zoë", "zoe"),
        ("ZOE\u0308", "zoe"),  # a combining diaeresis, not a precomposed letter
        ("Straße", "strasse"),
        ("Łukasz", "łukasz"),  # a letter of its own, not an accent: kept, not dropped
        ("محمد", "محمد"),
        ("مُحَمَّد", "محمد"),  # Arabic vowel marks are optional
        ("محـــمد", "محمد"),  # tatweel only stretches the word
        ("\u200fمحمد\u200f", "محمد"),  # right-to-left marks are invisible
        ("\u202eevil\u202c", "evil"),  # so is an override
        ("نور\u200cالدين", "نورالدين"),  # noqa: RUF001 - a zero-width non-joiner does not split a name
        ("שָׁלוֹם", "שלום"),  # Hebrew points
        ("김민준", "김민준"),
        ("ﬁnn", "finn"),  # compatibility ligature
        ("Mary 2nd", "mary nd"),
    ],
)
def test_names_keep_their_letters_in_any_script(written, normalised):
    assert matching.normalise_name(written) == normalised


@pytest.mark.parametrize("name", ["x" * 200, "ﷺ" * 100, "㎉" * 100, "a-" * 100, ("é" * 150)])
def test_a_long_name_normalises_to_what_the_register_can_store(name):
    normalised = matching.normalise_name(name)
    assert 0 < len(normalised) <= NAME_MAX
    assert not normalised.endswith(("-", " "))


def _letters_spaces_hyphens(value):
    return all(unicodedata.category(c).startswith("L") or c in " -" for c in value)


ANY_TEXT = st.text(st.characters(exclude_categories=["Cs"]), max_size=220)


@settings(max_examples=300, deadline=None)
@given(ANY_TEXT)
def test_normalising_any_text_gives_letters_within_the_column_and_is_stable(value):
    normalised = matching.normalise_name(value)
    assert len(normalised) <= NAME_MAX
    assert _letters_spaces_hyphens(normalised)
    assert "  " not in normalised and not normalised.startswith((" ", "-")) and not normalised.endswith((" ", "-"))
    assert matching.normalise_name(normalised) == normalised  # a stored value reads back as itself
    stored = value[:NAME_MAX]  # whatever a register entry holds, however it was written
    assert matching.PersonKey.stored(stored, stored, None).first == matching.normalise_name(stored)


# --- scoring ------------------------------------------------------------------------------------------


@pytest.mark.parametrize("stored", [*NO_LETTERS, "", "-", "- -", "--", " - "])
def test_a_stored_entry_without_letters_scores_against_anyone_without_error_and_is_never_a_match(stored):
    # Entries stored by the old rule kept punctuation (``-``): read back as unknown names.
    entry = matching.PersonKey(stored, stored, BORN, "CB12AB", "F")
    for incoming in (
        matching.PersonKey.of("Olivia", "Smith", BORN, "CB1 2AB", "F"),
        matching.PersonKey.of("Olivia", "", BORN),
        matching.PersonKey.of(stored, stored, BORN, "CB1 2AB", "F"),
    ):
        for a, b in ((incoming, entry), (entry, incoming)):
            value, reasons = matching.score(a, b)
            assert 0.0 <= value < matching.POSSIBLE
            assert reasons["date_of_birth"] == "same date of birth"
            assert not matching.is_identical(a, b)


def test_two_children_with_unknown_names_and_one_birthday_are_not_the_same_child():
    one, other = matching.PersonKey.of("-", "-", BORN), matching.PersonKey.of(".", "2015-02-30", BORN)
    assert not matching.is_identical(one, other)
    assert matching.score(one, other)[0] < matching.POSSIBLE


def test_dates_from_the_first_and_last_years_score_without_error():
    assert matching.dob_similarity(date(1, 1, 1), date(1, 1, 2)) == (0.8, "date of birth differs by one digit")
    assert matching.dob_similarity(date(9999, 12, 31), date(1, 1, 1))[0] == 0.0


PEOPLE_FIELDS = st.tuples(
    ANY_TEXT, ANY_TEXT, st.none() | st.dates(), st.text(max_size=10), st.sampled_from(["F", "M", "U", "", "X"])
)


@settings(max_examples=300, deadline=None)
@given(stored=PEOPLE_FIELDS, incoming=PEOPLE_FIELDS)
def test_scoring_never_raises_for_any_pair_of_stored_and_incoming_people(stored, incoming):
    first, last, dob, postcode, sex = stored
    keys = [
        matching.PersonKey(first, last, dob, postcode, sex),  # stored by any rule, however old
        matching.PersonKey.stored(first, last, dob, postcode, sex),
        matching.PersonKey.of(*stored),
    ]
    new = matching.PersonKey.of(*incoming)
    for key in keys:
        for a, b in ((new, key), (key, new)):
            value, reasons = matching.score(a, b)
            assert 0.0 <= value <= 1.0
            assert set(reasons) == {"names", "name_rule", "date_of_birth", "postcode"}
            matching.is_identical(a, b)
    assert len(new.surname_key) <= 24 and len(new.postcode_key) <= 12  # they fit the register's columns


# --- through the API ------------------------------------------------------------------------------


_public_clients = itertools.count(1)


def _public(body, ip=None):
    # The public throttle is not under test here: each submission comes from its own address
    # (clearing the cache would empty the whole Redis database, the Celery broker's keys included).
    n = next(_public_clients)
    client = APIClient(REMOTE_ADDR=ip or f"10.{n // 65536 % 256}.{n // 256 % 256}.{n % 256}")
    client.raise_request_exception = False
    return client.post(PUBLIC, body, format="json")


def _child(first, last, born=BORN, **extra):
    return {"first_name": first, "last_name": last, "date_of_birth": born.isoformat(), **extra}


def _police(number, children):
    body = marf(
        children=children,
        household=[],
        external_reference=f"CC-HOSTILE-{number:06d}",
        consent_to_referral="not_sought",
        consent_to_sharing="not_sought",
        consent_reason="serious_crime",
        consent_decided_by="PS 1234 Smith",
    )
    del body["source"]
    return {"notifications": [body]}


def _every_channel(hub, api_as, children, number):
    """Submit a contact naming ``children`` by each way in: MARF, phone contact, police batch, public report."""
    referrer, triage = api_as(hub["referrer"]), api_as(hub["triage"])
    for client in (referrer, triage):
        client.raise_request_exception = False
    results = {
        "marf": referrer.post("/api/v1/contacts/", marf(children=children, household=[]), format="json"),
        "phone": triage.post(
            "/api/v1/contacts/", marf(children=children, household=[], channel="phone"), format="json"
        ),
        "police": triage.post(POLICE, _police(number, children), format="json"),
        "public": _public(
            {"children": [{k: c[k] for k in ("first_name", "last_name", "date_of_birth")} for c in children],
             "concerns": "I heard the baby crying for hours and nobody came."},
            ip=f"198.51.100.{number % 250 + 1}",
        ),
    }  # fmt: skip
    return results


def _assert_all_received(results):
    for channel, response in results.items():
        if channel == "police":
            assert response.status_code == 200, (channel, response.content)
            assert response.data["accepted"] == 1, (channel, response.data)
        else:
            assert response.status_code == 201, (channel, response.content)


@pytest.mark.django_db
@pytest.mark.parametrize("name", ["-", "'", ".", "2015-02-30", "😀", "\u0301"])
def test_a_public_report_naming_a_child_without_letters_stops_no_later_contact(hub, api_as, name):
    assert _public({"children": [_child(name, name)], "concerns": "Worried about a child."}).status_code == 201

    results = _every_channel(hub, api_as, [_child("Olivia", "Smith", postcode="CB1 2AB", sex="F")], 1)

    _assert_all_received(results)
    settle_matching(hub["tenant"])  # the public's and the referrer's: the worker's, after the request
    with tenancy.tenant_context(hub["tenant"]):
        olivias = ContactPerson.objects.filter(first_name="Olivia")
        assert olivias.count() == 4 and not olivias.filter(person=None).exists()
        assert len({m.person_id for m in olivias}) == 1  # matched to each other, as before
        unknown = Person.objects.get(first_name=name)
        assert not PersonMatchCandidate.objects.filter(person=unknown).exists()


@pytest.mark.django_db
def test_two_reports_naming_unknown_children_born_the_same_day_are_two_register_entries(hub):
    for _ in range(2):
        assert _public({"children": [_child("-", "-")], "concerns": "Worried."}).status_code == 201
    settle_matching(hub["tenant"])
    with tenancy.tenant_context(hub["tenant"]):
        assert Person.objects.filter(first_name="-").count() == 2


def _valid(name):
    return 0 < len(name.strip()) <= NAME_MAX and "\x00" not in name


# Names as a hostile or careless sender writes them; NUL is left out only because PostgreSQL cannot
# store it at all (the API refuses it with a 400).
CHARACTERS = st.characters(exclude_categories=["Cs"], exclude_characters="\x00")
HOSTILE_NAMES = st.one_of(
    st.sampled_from([*NO_LETTERS, "", "x" * 200, "ﷺ" * 100, "㎉" * 100, "Olivia", "Smith", "محمد", "\u202eOlivia"]),
    st.text(st.sampled_from("-'. 0123456789\u0301\u0640\u200f\u202e😀"), max_size=40),  # no letters at all
    st.text(st.characters(categories=["Lo", "Mn", "Mc", "Cf"]), min_size=1, max_size=200),  # RTL, marks
    st.text(CHARACTERS, max_size=200),
)
INCOMING_NAMES = st.one_of(
    st.sampled_from(["Olivia", "Smith", "O'Brien", "Smith-Jones", "Zoë", "محمد", "김민준", "Leo"]),
    HOSTILE_NAMES.filter(_valid),
)
LAST_BIRTHDAY = date(2025, 12, 31)
NO_SHRINK = [Phase.explicit, Phase.reuse, Phase.generate]


@st.composite
def register_entries(draw, born, postcode):
    """Register entries sharing the incoming child's blocking keys: written as now, or by an older rule."""
    first, last = draw(HOSTILE_NAMES), draw(HOSTILE_NAMES)
    dob = draw(st.one_of(st.just(born), st.none(), st.dates()))
    sex = draw(st.sampled_from("FMU"))
    if draw(st.booleans()):
        return matching.register_fields(first[:NAME_MAX], last[:NAME_MAX], dob, postcode, sex)
    key = matching.PersonKey.of("Olivia", "Smith", born, postcode)
    return {
        "first_name": first[:NAME_MAX], "last_name": last[:NAME_MAX],
        "norm_first": first[:NAME_MAX], "norm_last": last[:NAME_MAX],  # stored as-is, punctuation and all
        "date_of_birth": dob, "sex": sex, "postcode": matching.normalise_postcode(postcode),
        "surname_key": key.surname_key, "postcode_key": key.postcode_key,
    }  # fmt: skip


@st.composite
def scenarios(draw):
    born = draw(st.dates(min_value=date(2000, 1, 1), max_value=LAST_BIRTHDAY))
    entries = draw(st.lists(register_entries(born, "CB1 2AB"), max_size=6))
    children = [
        _child(draw(INCOMING_NAMES), draw(INCOMING_NAMES), born, postcode="CB1 2AB", sex=draw(st.sampled_from("FMU")))
        for _ in range(draw(st.integers(1, 2)))
    ]
    return entries, children


@pytest.mark.django_db
def test_every_valid_contact_is_received_whatever_the_register_holds(hub, api_as):
    numbers = itertools.count(1)
    tenant = hub["tenant"]

    # Shrinking would replay dozens of API round trips per step: a failure is reported as found.
    @settings(max_examples=30, deadline=None, suppress_health_check=list(HealthCheck), phases=NO_SHRINK)
    @given(scenarios())
    def check(scenario):
        entries, children = scenario
        with tenancy.tenant_context(tenant):
            Person.objects.bulk_create([Person(tenant_id=tenant.pk, **fields) for fields in entries])
            before = set(ContactPerson.objects.values_list("pk", flat=True))
            register = set(Person.objects.values_list("pk", flat=True))

        _assert_all_received(_every_channel(hub, api_as, children, next(numbers)))
        settle_matching(tenant)  # the public's and the referrer's contacts are matched by a worker after the request

        with tenancy.tenant_context(tenant):
            new = ContactPerson.objects.exclude(pk__in=before).select_related("person")
            assert new.count() == 4 * len(children)
            # Matching did its work (nothing fell back to the worker), and only ever gave two mentions one
            # register entry when both name the child, in letters, alike and with one date of birth.
            assert not new.filter(matching_pending=True).exists() and not new.filter(person=None).exists()
            mentions_of = Counter(m.person_id for m in new)
            for mention in new:
                entry = mention.person
                if entry.pk in register or mentions_of[entry.pk] > 1:
                    mine = matching.PersonKey.of(mention.first_name, mention.last_name, mention.date_of_birth)
                    theirs = matching.PersonKey.stored(entry.norm_first, entry.norm_last, entry.date_of_birth)
                    assert mine.known_name
                    assert (mine.first, mine.last, mine.dob) == (theirs.first, theirs.last, theirs.dob)

    check()


# --- matching fails: the contact is still received, and a worker links its people ---------------------


@pytest.fixture
def queued(monkeypatch):
    """What intake queues for the worker (the broker is not under test)."""
    calls = []
    monkeypatch.setattr(tasks.match_pending_people, "delay", lambda *args: calls.append(args))
    return calls


def _broken(*args, **kwargs):
    raise IndexError("list index out of range")


REAL_FIND_CANDIDATES = matching.find_candidates


@pytest.fixture
def matching_broken(monkeypatch):
    monkeypatch.setattr(matching, "find_candidates", _broken)
    return monkeypatch


@pytest.mark.django_db
def test_when_matching_fails_the_contact_is_received_and_a_worker_links_its_people(
    hub, api_as, queued, monkeypatch, caplog, django_capture_on_commit_callbacks
):
    tenant = hub["tenant"]
    earlier = make_contact(tenant, "EARLIER-1")  # Leo and Amy Hart are on the register
    monkeypatch.setattr(matching, "find_candidates", _broken)
    with caplog.at_level(logging.ERROR, logger="contacts.services"), django_capture_on_commit_callbacks(execute=True):
        # A staff contact: matched in the request (a referrer's is matched by a worker after it, failing there).
        response = api_as(hub["triage"]).post("/api/v1/contacts/", marf(), format="json")

    assert response.status_code == 201, response.content
    assert response.data["reference"].startswith("ALP-")
    failures = [r for r in caplog.records if r.name == "contacts.services" and r.exc_info]
    assert len(failures) == 2 and "until a worker's retry succeeds" in failures[0].getMessage()
    assert failures[0].exc_info[0] is IndexError
    with tenancy.tenant_context(tenant):
        contact = Contact.objects.get(pk=response.data["id"])
        mentions = list(contact.people.order_by("order"))
        assert [(m.first_name, m.person_id, m.matching_pending) for m in mentions] == [
            ("Leo", None, True),
            ("Amy", None, True),
        ]
    assert queued == [(contact.pk, tenant.pk)]  # one retry for the contact, after commit
    client = api_as(hub["triage"])
    shown = client.get(f"/api/v1/contacts/{contact.pk}/").data
    assert (shown["children"][0]["person"], shown["children"][0]["matching_pending"]) == (None, True)
    assert shown["previous_contacts"] == []  # not known yet

    monkeypatch.setattr(matching, "find_candidates", REAL_FIND_CANDIDATES)  # fixed; the worker runs the task
    assert tasks.match_pending_people(contact.pk, tenant.pk) == 0

    with tenancy.tenant_context(tenant):
        was = {m.first_name: m.person_id for m in ContactPerson.objects.filter(contact__external_reference="EARLIER-1")}
        now = {m.first_name: m for m in contact.people.all()}
        assert {name: m.person_id for name, m in now.items()} == was  # the same children, as intake would have
        assert not any(m.matching_pending for m in now.values())
        event = AuditEvent.objects.get(action="contact.people_matched")
        assert event.object_id == str(contact.pk) and event.actor is None
    assert client.get(f"/api/v1/contacts/{contact.pk}/").data["previous_contacts"] == [earlier.pk]

    assert tasks.match_pending_people(contact.pk, tenant.pk) == 0  # again: nothing more happens
    assert len(audit_events(tenant, action="contact.people_matched")) == 1


@pytest.mark.django_db
def test_the_worker_makes_the_same_links_and_possible_matches_as_intake_would_have(
    tenant_a, tenant_b, queued, monkeypatch, django_capture_on_commit_callbacks
):
    children = [
        {"first_name": "Olivia", "last_name": "Smyth", "date_of_birth": "2015-03-27", "postcode": "CB1 2AB"},
        {"first_name": "Leo", "last_name": "Hart", "date_of_birth": "2025-04-02", "postcode": "CB1 2AB"},
    ]
    earlier = [{"first_name": "Olivia", "last_name": "Smith", "date_of_birth": "2015-03-27", "postcode": "CB1 2AB"},
               children[1]]  # fmt: skip

    def outcome(tenant, contact):
        with tenancy.tenant_context(tenant):
            return [
                (
                    m.first_name,
                    sorted(m.person.mentions.values_list("contact__external_reference", flat=True)),
                    sorted(
                        (c.person.first_name, c.person.last_name, str(c.score), tuple(sorted(c.reasons.items())))
                        for c in m.match_candidates.all()
                    ),
                )
                for m in contact.people.order_by("order")
            ]

    make_contact(tenant_a, "EARLIER", children=earlier)
    make_contact(tenant_b, "EARLIER", children=earlier)
    synchronous = make_contact(tenant_b, "NEW", children=children)

    monkeypatch.setattr(matching, "find_candidates", _broken)
    with django_capture_on_commit_callbacks(execute=True):
        deferred = make_contact(tenant_a, "NEW", children=children)
    monkeypatch.setattr(matching, "find_candidates", REAL_FIND_CANDIDATES)
    tasks.match_pending_people(deferred.pk, tenant_a.pk)

    assert outcome(tenant_a, deferred) == outcome(tenant_b, synchronous)
    assert outcome(tenant_a, deferred)[0][2]  # Olivia Smyth has Olivia Smith as a possible match


@pytest.mark.django_db
def test_a_register_entry_that_cannot_be_written_does_not_stop_the_contact(hub, api_as, queued, monkeypatch, caplog):
    real = matching.register_fields

    def too_long(*args, **kwargs):
        return {**real(*args, **kwargs), "norm_last": "x" * 500}  # the database refuses it

    monkeypatch.setattr(matching, "register_fields", too_long)
    with caplog.at_level(logging.ERROR, logger="contacts.services"):
        response = api_as(hub["triage"]).post("/api/v1/contacts/", marf(), format="json")  # matched in the request

    assert response.status_code == 201, response.content
    assert any(r.exc_info and r.exc_info[0] is DataError for r in caplog.records)
    with tenancy.tenant_context(hub["tenant"]):
        assert Person.objects.count() == 0  # nothing half-made
        assert ContactPerson.objects.filter(matching_pending=True, person=None).count() == 2


@pytest.mark.django_db
def test_when_matching_fails_public_reports_and_police_batches_are_still_received(
    hub, api_as, queued, matching_broken, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        results = _every_channel(hub, api_as, [_child("Olivia", "Smith")], 1)
    _assert_all_received(results)
    with tenancy.tenant_context(hub["tenant"]):
        assert ContactPerson.objects.filter(matching_pending=True, person=None).count() == 4
        contact_ids = sorted(Contact.objects.values_list("pk", flat=True))  # MARF, phone, police, public
    # Each staff contact whose matching failed sends a run of its own; the public report, received while the
    # MARF's run was queued, rides on that run (it matches every pending contact of the council).
    assert sorted(contact_id for contact_id, _tenant in queued) == contact_ids[:3]


@pytest.mark.django_db
def test_a_person_that_still_fails_stays_pending_and_the_sweep_tries_again(
    hub, api_as, queued, matching_broken, monkeypatch, caplog, django_capture_on_commit_callbacks
):
    tenant = hub["tenant"]
    with django_capture_on_commit_callbacks(execute=True):
        contact_id = api_as(hub["referrer"]).post("/api/v1/contacts/", marf(), format="json").data["id"]
    with tenancy.tenant_context(tenant):
        with caplog.at_level(logging.ERROR, logger="contacts.services"):
            assert services.match_pending_people(contact_id=contact_id) == 2  # still broken: both still pending
        assert "Matching failed for person 0" in caplog.text
        assert ContactPerson.objects.filter(matching_pending=True).count() == 2

    # The retries were lost (broker restarted); beat's sweep queues the contact again.
    queued.clear()
    assert tasks.sweep_pending_matching() == 1
    assert queued == [(contact_id, tenant.pk)]
    matching_broken.setattr(matching, "find_candidates", REAL_FIND_CANDIDATES)
    assert tasks.match_pending_people(contact_id, tenant.pk) == 0
    with tenancy.tenant_context(tenant):
        assert not ContactPerson.objects.filter(matching_pending=True).exists()
    queued.clear()
    assert tasks.sweep_pending_matching() == 0 and queued == []


@pytest.mark.django_db
def test_with_the_broker_down_a_contact_whose_matching_failed_is_still_received(
    hub, api_as, matching_broken, monkeypatch, caplog, django_capture_on_commit_callbacks
):
    def refused(*args):
        raise ConnectionRefusedError("broker down")

    monkeypatch.setattr(tasks.match_pending_people, "delay", refused)
    with caplog.at_level(logging.WARNING), django_capture_on_commit_callbacks(execute=True):
        response = api_as(hub["referrer"]).post("/api/v1/contacts/", marf(), format="json")
    assert response.status_code == 201
    assert "the sweep will retry it" in caplog.text


def test_a_postcode_longer_than_any_real_one_still_makes_a_key_that_fits_the_register():
    key = matching.PersonKey.of("Amy", "Smith", None, "000000000SS", "F")
    assert len(key.postcode_key) <= 12 and key.postcode_key.startswith("000000000S")
