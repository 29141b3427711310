"""A contact's number is taken in a transaction of its own: no referral waits for another to be stored, and a
number taken by a submission that then fails is accounted for in the audit trail, never silently missing."""

import threading

import pytest
from django.db import DatabaseError

from contacts import services
from contacts.models import Contact
from contacts.serializers import ContactInput, StaffContactInput
from contacts.signals import contact_received
from mash import tenancy
from mash.roles import Role
from tests.audit_helpers import audit_events
from tests.contacts.builders import marf
from tests.contacts.test_police_and_public import URL as POLICE_URL
from tests.contacts.test_police_and_public import notification
from tests.factories import AgencyFactory, TenantFactory, UserFactory
from tests.threads import Runs, finished_while_held
from thresholds.services import ensure_default_policy

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def council():
    tenant = TenantFactory(slug="first", reference_prefix="FST")
    with tenancy.tenant_context(tenant):
        ensure_default_policy(tenant=tenant)
    police = AgencyFactory(tenant=tenant, slug="police", name="Police")
    return {
        "tenant": tenant,
        "referrer": UserFactory(tenant=tenant, role=Role.REFERRER),
        "triage": UserFactory(tenant=tenant, role=Role.TRIAGE),
        "police": UserFactory(tenant=tenant, role=Role.NAVIGATOR, agency=police),
    }


def _file(council, *, who="referrer"):
    with tenancy.tenant_context(council["tenant"]):
        if who == "referrer":
            serializer = ContactInput(data=marf())
            serializer.is_valid(raise_exception=True)
            submission = serializer.to_submission(channel="marf")
        else:
            serializer = StaffContactInput(data=marf())
            serializer.is_valid(raise_exception=True)
            submission = serializer.to_submission()
        return services.submit_contact(tenant=council["tenant"], actor=council[who], submission=submission)


def _references(tenant) -> list[str]:
    with tenancy.tenant_context(tenant):
        return sorted(Contact.objects.values_list("reference", flat=True))


def test_a_referral_still_being_stored_does_not_hold_up_the_next_one(council):
    """Before, the council's counter row stayed locked until the first referral committed, so every referral
    filed meanwhile waited for it (a sixth of a MARF's database time with four referrers at once)."""
    inside, release = threading.Event(), threading.Event()

    def pause_the_first(sender, contact, **kwargs):
        if threading.current_thread().name == "first":
            inside.set()
            release.wait(30)

    contact_received.connect(pause_the_first, weak=False)
    runs = Runs()
    first = runs.thread("first", lambda: _file(council).reference)
    second = runs.thread("second", lambda: _file(council).reference)
    finished_while_first_open = finished_while_held(
        first, second, inside=inside, release=release, done=lambda: contact_received.disconnect(pause_the_first)
    )
    assert runs.errors == []
    stored = runs.results
    assert finished_while_first_open, "the second referral waited for the first to be stored"
    assert stored == {"first": "FST-2026-000001", "second": "FST-2026-000002"} or stored == {
        "first": "FST-2027-000001",
        "second": "FST-2027-000002",
    }
    assert _references(council["tenant"]) == sorted(stored.values())


def test_a_referral_that_fails_after_its_number_is_taken_stores_nothing_and_its_number_is_audited(council):
    def fail(sender, contact, **kwargs):
        raise DatabaseError("could not extend file: No space left on device")

    contact_received.connect(fail, weak=False)
    try:
        with pytest.raises(DatabaseError):
            _file(council)
    finally:
        contact_received.disconnect(fail)
    tenant = council["tenant"]
    assert _references(tenant) == []
    assert audit_events(tenant, action="contact.received") == []
    [unused] = audit_events(tenant, action="contact.reference_unused")
    assert unused.object_label.startswith("FST-") and unused.object_label.endswith("-000001")
    assert unused.changes == {"reference": unused.object_label, "error": "DatabaseError"}
    assert unused.actor == council["referrer"]

    following = _file(council)  # the next referral is stored, under the next number
    assert following.reference.endswith("-000002")
    assert _references(tenant) == [following.reference]


def test_a_police_batch_being_filed_does_not_hold_up_a_referrers_marf(council, api_as):
    """Before, a batch (up to 500 notifications) was one transaction: from its first notification's number to its
    commit, every referrer of the council waited on the counter row."""
    inside, release = threading.Event(), threading.Event()
    seen = []

    def pause_the_batch(sender, contact, **kwargs):
        if threading.current_thread().name == "batch":
            seen.append(contact.external_reference)
            if len(seen) == 2:  # the first is stored; the batch is busy with the second
                inside.set()
                release.wait(30)

    contact_received.connect(pause_the_batch, weak=False)
    runs = Runs()
    batch = {"notifications": [notification(1), notification(2), notification(3)]}
    filing = runs.thread("batch", lambda: api_as(council["police"]).post(POLICE_URL, batch, format="json"))
    referring = runs.thread(
        "marf", lambda: api_as(council["referrer"]).post("/api/v1/contacts/", marf(), format="json")
    )
    finished_while_batch_open = finished_while_held(
        filing, referring, inside=inside, release=release, done=lambda: contact_received.disconnect(pause_the_batch)
    )
    assert runs.errors == []
    answers = runs.results
    assert finished_while_batch_open, "the referrer's MARF waited for the police batch"
    assert answers["marf"].status_code == 201 and answers["batch"].data["accepted"] == 3
    numbers = sorted(int(r.rsplit("-", 1)[1]) for r in _references(council["tenant"]))
    assert numbers == [1, 2, 3, 4]


def test_a_resent_police_notification_is_refused_without_taking_a_number(council, api_as):
    police = api_as(council["police"])
    first = police.post(POLICE_URL, {"notifications": [notification(1)]}, format="json").data["results"]
    again = police.post(POLICE_URL, {"notifications": [notification(1), notification(2)]}, format="json").data
    assert again["results"][0]["errors"] == {
        "external_reference": ["A contact with this reference has already been received."]
    }
    assert again["accepted"] == 1
    assert [first[0]["reference"][-6:], again["results"][1]["reference"][-6:]] == ["000001", "000002"]
    assert audit_events(council["tenant"], action="contact.reference_unused") == []


def test_a_number_taken_on_its_own_is_committed_without_waiting_for_the_disk_and_nothing_else_is(council):
    """Its transaction is the one statement: its commit need not wait, since the contact's own commit, later on
    the same connection, waits for the log up to and past it. The contact's commit, and the connection's setting
    for everything after, still wait."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    first = _file(council)  # the year's counter row made
    with CaptureQueriesContext(connection) as captured:
        contact = _file(council)
    counter = [q["sql"] for q in captured.captured_queries if "contacts_referencecounter" in q["sql"]]
    assert len(counter) == 1 and "set_config('synchronous_commit', 'off', true)" in counter[0]
    others = [q["sql"] for q in captured.captured_queries if q["sql"] not in counter]
    assert not [sql for sql in others if "synchronous_commit" in sql]
    with connection.cursor() as cursor:
        cursor.execute("SHOW synchronous_commit")
        assert cursor.fetchone()[0] == "on"
    assert _references(council["tenant"]) == [first.reference, contact.reference]


def test_a_number_taken_inside_a_callers_transaction_is_committed_as_that_transaction_is(council):
    from django.db import connection, transaction
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured, transaction.atomic():
        _file(council, who="triage")
    assert not [q["sql"] for q in captured.captured_queries if "synchronous_commit" in q["sql"]]
