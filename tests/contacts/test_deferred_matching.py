"""A referrer's and the public's contacts are matched against the register after the request, by a worker (issue 22:
nothing a referrer does not wait for happens in their request); staff never read one unmatched, because their
next request finishes the matching first (mash.freshness). Staff contacts are still matched in the request."""

import threading
from unittest import mock

import pytest
from django.db import connection, connections
from django.test import Client
from rest_framework.test import APIClient

from contacts import services
from contacts.models import Contact, ContactPerson, Person
from contacts.tasks import match_pending_people
from mash import tenancy
from tests.contacts.builders import submit

pytestmark = pytest.mark.django_db

ELSIE = [{"first_name": "Elsie", "last_name": "Marsh", "date_of_birth": "2016-05-11"}]


def _people(tenant, contact_id):
    with tenancy.tenant_context(tenant):
        return list(ContactPerson.objects.filter(contact_id=contact_id).order_by("order"))


def _entries(tenant, first_name="Elsie"):
    with tenancy.tenant_context(tenant):
        return Person.objects.filter(first_name=first_name).count()


def test_a_referrers_marf_is_answered_before_its_people_are_matched(hub, api_as):
    reply = submit(api_as(hub["referrer"]), children=ELSIE)
    assert reply["reference"] and reply["children"][0]["first_name"] == "Elsie"
    people = _people(hub["tenant"], reply["id"])
    assert people and all(p.matching_pending and p.person_id is None for p in people)
    assert _entries(hub["tenant"]) == 0  # nothing in the register yet: a worker's job


def test_what_a_referrer_is_told_was_received_is_stored_before_the_reply(
    hub, api_as, django_capture_on_commit_callbacks
):
    """Matching is the only thing that follows a referrer's reply. The contact, its people, its decision clock, the
    audit of its arrival and the referrer's acknowledgement are written in the request's own transaction (no
    after-commit callback, no worker has run here), so triage's queue and the sweep see the referral as soon as its
    sender has its reference (docs/architecture.md: a referral exists when its sender is told it was received)."""
    from deadlines.models import Clock, Notification
    from mash.models import AuditEvent
    from thresholds.models import ClockKind

    with django_capture_on_commit_callbacks(execute=False) as after_commit:
        reply = submit(api_as(hub["referrer"]), children=ELSIE)

    assert after_commit  # matching (and the rest that may follow) was left to after the commit, not run
    with tenancy.tenant_context(hub["tenant"]):
        contact = Contact.objects.get(pk=reply["id"])
        clock = Clock.objects.get(subject_type="contacts.contact", subject_id=str(contact.pk), kind=ClockKind.DECISION)
        received = AuditEvent.objects.filter(action="contact.received", object_id=str(contact.pk))
        acknowledged = Notification.objects.filter(recipient=hub["referrer"], subject=reply["reference"])
        assert contact.reference == reply["reference"]
        people = _people(hub["tenant"], contact.pk)
        assert [p.first_name for p in people if p.role == "child"] == ["Elsie"] and len(people) > 1  # and household
        assert clock.due_at == contact.decision_due_at and clock.started_at == contact.received_at
        assert received.count() == 1
        assert acknowledged.count() == 1 and reply["reference"] in acknowledged.get().message
        queue = api_as(hub["triage"]).get("/api/v1/triage/queue/")
    assert queue.status_code == 200
    assert reply["reference"] in queue.content.decode()


def test_triage_reads_a_referrers_contacts_matched_with_the_earlier_contact_about_the_same_child(hub, api_as):
    referrer = api_as(hub["referrer"])
    first = submit(referrer, children=ELSIE)["id"]
    second = submit(referrer, children=ELSIE)["id"]

    detail = api_as(hub["triage"]).get(f"/api/v1/contacts/{second}/")

    assert detail.status_code == 200
    assert detail.data["previous_contacts"] == [first]
    assert not any(child["matching_pending"] for child in detail.data["children"])
    # Matched in the order received: the second contact found the entry the first made, so one entry, not two.
    assert _entries(hub["tenant"]) == 1
    assert {p.person_id for p in _people(hub["tenant"], first) + _people(hub["tenant"], second) if p.role == "child"}


def test_the_triage_list_and_pages_settle_first_too(hub, api_as):
    referrer = api_as(hub["referrer"])
    first = submit(referrer, children=ELSIE)["id"]
    second = submit(referrer, children=ELSIE)["id"]
    listed = {c["id"]: c for c in api_as(hub["triage"]).get("/api/v1/contacts/").data["results"]}
    assert listed[second]["previous_contacts"] == [first]

    third = submit(referrer, children=ELSIE)["id"]
    page = Client()
    page.force_login(hub["triage"])
    assert page.get(f"/triage/contacts/{third}/").status_code == 200
    assert not any(p.matching_pending for p in _people(hub["tenant"], third))


def test_a_referrers_own_reads_never_wait_for_matching(hub, api_as):
    referrer = api_as(hub["referrer"])
    contact = submit(referrer, children=ELSIE)["id"]
    assert referrer.get(f"/api/v1/contacts/{contact}/").status_code == 200
    assert referrer.get("/api/v1/contacts/").status_code == 200
    assert all(p.matching_pending for p in _people(hub["tenant"], contact))


def test_a_public_report_is_matched_after_it_too(hub, api_as):
    body = {"children": [{"first_name": "Mia", "last_name": "Cole"}], "postcode": "CB4 1AA",
            "concerns": "The girl next door is often left alone at night.", "relationship": "acquaintance"}  # fmt: skip
    assert APIClient().post("/api/v1/public/alpha/contacts/", body, format="json").status_code == 201
    with tenancy.tenant_context(hub["tenant"]):
        contact = Contact.objects.get(channel="public")
    assert all(p.matching_pending for p in _people(hub["tenant"], contact.pk))
    api_as(hub["manager"]).get("/api/v1/contacts/")
    assert not any(p.matching_pending for p in _people(hub["tenant"], contact.pk))


def test_a_staff_contact_is_matched_in_the_request(hub, api_as):
    triage = api_as(hub["triage"])
    first = submit(triage, children=ELSIE)
    second = submit(triage, children=ELSIE)
    assert second["previous_contacts"] == [first["id"]]
    assert not any(child["matching_pending"] for child in second["children"])


def test_the_worker_matches_the_earlier_pending_contacts_first(hub, api_as):
    referrer = api_as(hub["referrer"])
    first = submit(referrer, children=ELSIE)["id"]
    second = submit(referrer, children=ELSIE)["id"]

    match_pending_people.apply(args=[second, hub["tenant"].pk])  # the later contact's message arrives first

    with tenancy.tenant_context(hub["tenant"]):
        entries = {p.person_id for p in ContactPerson.objects.filter(contact_id__in=[first, second], role="child")}
    assert len(entries) == 1 and None not in entries
    assert _entries(hub["tenant"]) == 1


def test_the_bounce_check_follows_the_matching(hub, api_as):
    """A child back within the window of a "no further action" is flagged once matched, by whoever matches."""
    from django.utils import timezone

    referrer = api_as(hub["referrer"])
    earlier = submit(api_as(hub["triage"]), children=ELSIE)["id"]
    with tenancy.tenant_context(hub["tenant"]):
        Contact.objects.filter(pk=earlier).update(status="decided", outcome="nfa", decided_at=timezone.now())
    again = submit(referrer, children=ELSIE)["id"]
    with tenancy.tenant_context(hub["tenant"]):
        assert not Contact.objects.get(pk=again).bounce  # not yet: the referrer's request checked nothing
    assert api_as(hub["triage"]).get(f"/api/v1/contacts/{again}/").status_code == 200
    with tenancy.tenant_context(hub["tenant"]):
        assert Contact.objects.get(pk=again).bounce == "after_nfa"


def test_a_staff_request_goes_on_when_the_cache_is_down(hub, api_as):
    contact = submit(api_as(hub["referrer"]), children=ELSIE)["id"]
    with mock.patch("mash.freshness.cache.get_many", side_effect=ConnectionError("redis gone")):
        response = api_as(hub["triage"]).get(f"/api/v1/contacts/{contact}/")
    assert response.status_code == 200
    assert response.data["children"][0]["matching_pending"]  # shown as pending, honestly; a worker matches it


def test_a_matching_failure_never_fails_the_staff_request(hub, api_as):
    contact = submit(api_as(hub["referrer"]), children=ELSIE)["id"]
    with mock.patch("contacts.matching.find_candidates", side_effect=RuntimeError("scorer broke")):
        response = api_as(hub["triage"]).get(f"/api/v1/contacts/{contact}/")
    assert response.status_code == 200
    assert response.data["children"][0]["matching_pending"]


@pytest.mark.django_db(transaction=True)
def test_one_matcher_at_a_time_per_tenant(hub, api_as):
    """A second matcher (a worker, a staff request) waits for the first: never two register entries for one child
    made by matchers that could not see each other's."""
    if connection.vendor != "postgresql":
        pytest.skip("the lock is PostgreSQL's")
    submit(api_as(hub["referrer"]), children=ELSIE)
    holder = connections.create_connection("default")
    try:
        with holder.cursor() as cursor:
            cursor.execute("BEGIN")
            cursor.execute("SELECT pg_advisory_xact_lock(%s, %s)", [services.MATCHING_LOCK, hub["tenant"].pk])
        done = threading.Event()

        def settle():
            try:
                with tenancy.tenant_context(hub["tenant"]):
                    services.settle_pending_matching()
            finally:
                connections.close_all()
                done.set()

        worker = threading.Thread(target=settle)
        worker.start()
        assert not done.wait(1.0), "the second matcher did not wait for the lock"
        with holder.cursor() as cursor:
            cursor.execute("COMMIT")
        assert done.wait(20)
        worker.join()
    finally:
        holder.close()
    assert _entries(hub["tenant"]) == 1


@pytest.fixture
def messages(monkeypatch):
    """The matching runs sent to the broker (not run: each test runs them as a worker would, when it says)."""
    sent = []
    monkeypatch.setattr(match_pending_people, "delay", lambda *args: sent.append(args))
    return sent


def test_a_burst_of_marfs_sends_the_worker_one_run_that_matches_them_all(
    hub, api_as, messages, django_capture_on_commit_callbacks
):
    """While a run is queued, later MARFs of the council ride on it: one message, every contact matched by it."""
    referrer, tenant = api_as(hub["referrer"]), hub["tenant"]
    with django_capture_on_commit_callbacks(execute=True):
        filed = [submit(referrer, children=ELSIE)["id"] for _ in range(3)]
    assert messages == [(filed[0], tenant.pk)]
    match_pending_people.apply(args=messages[0])
    assert not any(p.matching_pending for contact_id in filed for p in _people(tenant, contact_id))
    assert _entries(tenant) == 1
    with django_capture_on_commit_callbacks(execute=True):  # the run claimed the mark: the next MARF sends its own
        later = submit(referrer, children=ELSIE)["id"]
    assert messages[1:] == [(later, tenant.pk)]


def test_a_run_that_leaves_contacts_pending_queues_the_next(
    hub, api_as, messages, monkeypatch, django_capture_on_commit_callbacks
):
    monkeypatch.setattr(services, "SETTLE_AT_MOST", 2)
    referrer, tenant = api_as(hub["referrer"]), hub["tenant"]
    with django_capture_on_commit_callbacks(execute=True):
        filed = [submit(referrer, children=ELSIE)["id"] for _ in range(3)]
    with django_capture_on_commit_callbacks(execute=True):
        match_pending_people.apply(args=messages[0])
    assert all(p.matching_pending for p in _people(tenant, filed[2]))  # more than one run takes
    assert len(messages) == 2
    match_pending_people.apply(args=messages[1])
    assert not any(p.matching_pending for p in _people(tenant, filed[2]))


def test_a_message_the_broker_refuses_lets_the_next_marf_try_again(
    hub, api_as, monkeypatch, django_capture_on_commit_callbacks
):
    attempts = []

    def refused(*args):
        attempts.append(args)
        raise ConnectionRefusedError("broker down")

    monkeypatch.setattr(match_pending_people, "delay", refused)
    referrer = api_as(hub["referrer"])
    with django_capture_on_commit_callbacks(execute=True):
        filed = [submit(referrer, children=ELSIE)["id"] for _ in range(2)]
    assert [contact_id for contact_id, _ in attempts] == filed


def test_a_run_is_retried_while_a_contact_that_rode_on_it_still_fails(
    hub, api_as, messages, monkeypatch, django_capture_on_commit_callbacks
):
    """The run was queued for the first MARF, which it matches; the second rode on it and fails: the run is retried
    for it (as its own message would have been), and not once everything it ran for is matched."""
    from contacts import matching

    real = matching.find_candidates

    def broken_for_quill(key, **kwargs):
        if key.last.lower().startswith("quil"):
            raise IndexError("list index out of range")
        return real(key, **kwargs)

    monkeypatch.setattr(matching, "find_candidates", broken_for_quill)
    retries = []

    def retry(**kwargs):
        retries.append(kwargs)
        raise RuntimeError("retried")

    monkeypatch.setattr(match_pending_people, "retry", retry)
    referrer, tenant = api_as(hub["referrer"]), hub["tenant"]
    quill = [{"first_name": "Ada", "last_name": "Quill", "date_of_birth": "2017-01-02"}]
    with django_capture_on_commit_callbacks(execute=True):
        first = submit(referrer, children=ELSIE, household=[])["id"]
        second = submit(referrer, children=quill, household=[])["id"]
    assert messages == [(first, tenant.pk)]
    with pytest.raises(RuntimeError, match="retried"):
        match_pending_people(*messages[0])
    assert not any(p.matching_pending for p in _people(tenant, first))
    assert all(p.matching_pending for p in _people(tenant, second))
    monkeypatch.setattr(matching, "find_candidates", real)
    assert match_pending_people(*messages[0]) == 0
    assert len(retries) == 1 and not any(p.matching_pending for p in _people(tenant, second))
