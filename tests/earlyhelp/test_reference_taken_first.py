"""An early-help request's number is taken in a transaction of its own, as a contact's is: no request waits for
another to be stored, and a number taken by a request that then fails is audited, never silently missing."""

import threading
from unittest import mock

import pytest
from django.db import DatabaseError, connection, transaction
from django.test.utils import CaptureQueriesContext

from earlyhelp import services
from earlyhelp.models import EarlyHelpRequest
from mash import tenancy
from tests.audit_helpers import audit_events
from tests.contacts.builders import make_contact
from tests.earlyhelp.builders import decide_early_help, make_hub
from tests.threads import Runs, finished_while_held

pytestmark = pytest.mark.django_db(transaction=True)

CHILD = {"first_name": "Ruby", "last_name": "Ellis", "date_of_birth": "2014-06-30"}


@pytest.fixture
def hub(tenant_a, make_user):
    return make_hub(tenant_a, make_user)


def _receive(hub):
    with tenancy.tenant_context(hub.tenant):
        return services.receive(
            tenant=hub.tenant, actor=hub.ehcoord, children=[CHILD], needs="Attendance has fallen to 71%."
        )


def _references(hub) -> list[str]:
    with tenancy.tenant_context(hub.tenant):
        return sorted(EarlyHelpRequest.objects.values_list("reference", flat=True))


def test_a_request_still_being_stored_does_not_hold_up_the_next_one(hub):
    """Before, the tenant's early-help counter stayed locked from the request's number to its commit (its
    children, its clock and its audit written meanwhile), so every request filed meanwhile waited for it."""
    inside, release = threading.Event(), threading.Event()
    real_start_clock = services.start_clock

    def pause_the_first(**kwargs):
        if threading.current_thread().name == "first":
            inside.set()
            release.wait(30)
        return real_start_clock(**kwargs)

    runs = Runs()
    first = runs.thread("first", lambda: _receive(hub).reference)
    second = runs.thread("second", lambda: _receive(hub).reference)
    with mock.patch.object(services, "start_clock", pause_the_first):
        finished_while_first_open = finished_while_held(first, second, inside=inside, release=release)
    assert runs.errors == []
    stored = runs.results
    assert finished_while_first_open, "the second request waited for the first to be stored"
    assert sorted(stored.values()) == _references(hub)
    assert stored["first"].endswith("-000001") and stored["second"].endswith("-000002")


def test_a_request_that_fails_after_its_number_is_taken_stores_nothing_and_its_number_is_audited(hub):
    with (
        mock.patch.object(services, "start_clock", side_effect=DatabaseError("could not extend file")),
        pytest.raises(DatabaseError),
    ):
        _receive(hub)
    assert _references(hub) == []
    [unused] = audit_events(hub.tenant, action="early_help.reference_unused")
    assert unused.object_label.startswith("EH-") and unused.object_label.endswith("-000001")
    assert unused.changes == {"reference": unused.object_label, "error": "DatabaseError"}
    assert unused.actor == hub.ehcoord
    following = _receive(hub)
    assert following.reference.endswith("-000002")
    assert _references(hub) == [following.reference]


def test_a_contact_stepped_down_takes_its_number_with_its_decision(hub):
    """Inside the caller's transaction (triage's decision, which steps the contact down) the number is taken there,
    and committed with it: the decision rolled back returns it."""
    contact = make_contact(hub.tenant, "stepped")
    with CaptureQueriesContext(connection) as captured, transaction.atomic():  # as decide_contact's
        request = decide_early_help(hub, contact)
    counter = [q["sql"] for q in captured.captured_queries if "earlyhelp_earlyhelpcounter" in q["sql"]]
    assert counter and not [sql for sql in counter if "synchronous_commit" in sql]
    assert request.reference.startswith("EH-")
    assert audit_events(hub.tenant, action="early_help.reference_unused") == []
