"""The contact list and detail cost the same number of queries however many contacts and people there are."""

from unittest import mock

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.contacts.builders import settle_matching, submit

pytestmark = pytest.mark.django_db


def _queries(client, url):
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200
    return len(captured)


def _file(hub, api_as, n):
    client = api_as(hub["referrer"])
    twins = [
        {"first_name": "Olivia", "last_name": "Smith", "date_of_birth": "2015-03-27"},
        {"first_name": "Oliver", "last_name": "Smith", "date_of_birth": "2015-03-27"},
    ]
    filed = [submit(client, children=twins)["id"] for _ in range(n)]
    settle_matching(hub["tenant"])  # the worker, a moment after each commit: the reads below owe nothing
    return filed


def test_the_list_costs_a_fixed_number_of_queries(hub, api_as):
    client = api_as(hub["triage"])
    _file(hub, api_as, 2)
    few = _queries(client, "/api/v1/contacts/")
    _file(hub, api_as, 10)
    many = _queries(client, "/api/v1/contacts/")
    assert few == many
    assert many <= 9  # auth, count, contacts, people, matches, previous contacts (x2)


def test_the_detail_costs_a_fixed_number_of_queries(hub, api_as):
    client = api_as(hub["triage"])
    first = _file(hub, api_as, 1)[0]
    sparse = _queries(client, f"/api/v1/contacts/{first}/")
    last = _file(hub, api_as, 8)[-1]  # many earlier contacts, people and candidates
    busy = _queries(client, f"/api/v1/contacts/{last}/")
    assert sparse == busy
    assert busy <= 10  # ... plus candidates and the audit event of the read


def test_a_referrers_list_costs_a_fixed_number_of_queries(hub, api_as):
    client = api_as(hub["referrer"])
    _file(hub, api_as, 2)
    few = _queries(client, "/api/v1/contacts/")
    _file(hub, api_as, 6)
    assert _queries(client, "/api/v1/contacts/") == few


# What a referrer waits for (the MARF, issue 22's measure). 37 before issue 22: a savepoint per matched person and
# round the clock (now one round all the matching, none round a new contact's clock), one insert and one update per
# person (now one of each), the counter updated then read (now UPDATE ... RETURNING), the tenant read after the
# token (now joined), the reply read back (now serialised from what was stored). 19, then 20 again: the bounce check
# reads the children's register entries as ids first (an index look-up), since one statement that OR-ed three
# sub-selects over the register made PostgreSQL scan all of it for every MARF (35 ms at 50,000 people; 18 ms now).
# 19: intake hands the bounce check the entries its matching has just found, so they are not read back. 18: the
# contact's audit events (received, its clock) are one INSERT (mash.audit.batched). 11: no register, no earlier
# contacts, no bounce check in the request (the referrer is shown none of them); a worker matches the people
# after the commit, and the tenant's next staff request first if it comes sooner (mash.freshness). 9: the decision
# clock's policy and escalation ladder are kept in the process until the tenant's settings change, as its
# working calendar is (mash.tenant_settings). 8: with nothing slow after it, the reference is taken first and the
# contact stored once, with its reference and decision deadline (no UPDATE of a row with 18 indexes). 7: the
# decision clock names the triage role, whose members the engine reads when a warning is due, instead of a copy
# of the tenant's triage workers read with every contact. 4: the rows nothing in the request reads back (the
# people, the clock, the audit events, the acknowledgement) are held and written together, one statement
# (mash.inserts.batched): the token, the reference, the contact, the rest.
STATEMENTS_PER_MARF = 4
# What staff wait for when they record a contact: those with the matching done in the request (they are
# shown the register entries, possible matches and earlier contacts in the reply; the clock and the events in one
# statement), and that reply read back with its earlier contacts (5).
STATEMENTS_PER_STAFF_CONTACT = 18

TWINS = [
    {"first_name": "Olivia", "last_name": "Smith", "date_of_birth": "2015-03-27"},
    {"first_name": "Oliver", "last_name": "Smith", "date_of_birth": "2015-03-27"},
]


def _second_marf(hub, api_as, django_capture_on_commit_callbacks, children=TWINS, who="triage"):
    """The statements of a MARF (and of the callbacks run after its commit), once the tenant's calendar is cached
    and its counter row made by a first one.

    This test's own transaction turns the submission's BEGIN and COMMIT (never counted as statements) into a
    savepoint and its release: those two are left out, so the count is production's."""
    client = api_as(hub[who])
    # The hub's calendar settings were written in this test's (never committed) transaction, so this
    # connection reads them fresh; in production they were committed long ago: forget that they changed.
    connection.__dict__.pop("_mash_settings_changing", None)
    with django_capture_on_commit_callbacks(execute=True):  # run (and so clear) the first one's callbacks
        submit(client, children=TWINS)
    with CaptureQueriesContext(connection) as captured, django_capture_on_commit_callbacks(execute=True):
        submit(client, children=children)
    statements = [query["sql"] for query in captured.captured_queries]
    opened = next(i for i, sql in enumerate(statements) if sql.startswith("SAVEPOINT"))
    name = statements[opened].split()[1]
    closed = statements.index(f"RELEASE SAVEPOINT {name}")
    return [sql for i, sql in enumerate(statements) if i not in (opened, closed)]


@pytest.mark.parametrize(("who", "most"), [("referrer", STATEMENTS_PER_MARF), ("triage", STATEMENTS_PER_STAFF_CONTACT)])
def test_a_marf_costs_a_fixed_number_of_statements(hub, api_as, django_capture_on_commit_callbacks, who, most):
    """The whole path the sender waits for, after-commit callbacks included: the figures refresh (18
    statements when it ran in the request) is queued for a worker, so it adds none, as is a referrer's matching."""
    statements = _second_marf(hub, api_as, django_capture_on_commit_callbacks, who=who)
    assert len(statements) <= most, "\n".join(statements)
    figures = ('FROM "reporting_', 'INTO "reporting_', 'UPDATE "reporting_', "pg_advisory")
    assert not [sql for sql in statements if any(part in sql for part in figures)]


def test_a_referrers_marf_reads_neither_the_register_nor_earlier_contacts(
    hub, api_as, django_capture_on_commit_callbacks
):
    """The referrer is shown neither, so their request does neither: a worker matches after the commit."""
    statements = _second_marf(hub, api_as, django_capture_on_commit_callbacks, who="referrer")
    assert not [sql for sql in statements if 'FROM "contacts_person"' in sql or 'INTO "contacts_person"' in sql]
    assert not _bounce_reads(statements)
    settings = ("thresholds_clockpolicy", "mash_escalationstep", "thresholds_calendarsettings", "thresholds_closureday")
    assert not [sql for sql in statements if any(f'FROM "{table}"' in sql for table in settings)]


def test_a_referrers_marf_is_stored_once_with_its_reference_and_deadline(
    hub, api_as, django_capture_on_commit_callbacks
):
    """Nothing slow follows the counter in a referrer's request, so the number is taken first and the contact
    written once: never a provisional reference updated later."""
    statements = _second_marf(hub, api_as, django_capture_on_commit_callbacks, who="referrer")
    counter = next(i for i, sql in enumerate(statements) if "contacts_referencecounter" in sql)
    stored = [
        i
        for i, sql in enumerate(statements)
        if sql.startswith(('INSERT INTO "contacts_contact"', 'UPDATE "contacts_contact"'))
    ]
    assert len(stored) == 1 and counter < stored[0]
    assert "'~" not in statements[stored[0]]  # no provisional reference


@pytest.mark.parametrize(("who", "most"), [("referrer", STATEMENTS_PER_MARF), ("triage", STATEMENTS_PER_STAFF_CONTACT)])
def test_intake_itself_costs_a_fixed_number_of_statements(hub, api_as, django_capture_on_commit_callbacks, who, most):
    """Intake does only what its sender waits for: the working calendar, the clock policy and the ladder read
    once and kept, no earlier contacts for a reader who is never shown them, the reply from what was just stored.

    The figures refresh is patched out, so this pins intake's own statements whatever reporting does."""
    with mock.patch("reporting.receivers.schedule"):
        statements = _second_marf(hub, api_as, django_capture_on_commit_callbacks, who=who)
    assert len(statements) <= most, "\n".join(statements)
    assert not [sql for sql in statements if 'FROM "thresholds_clockpolicy"' in sql]  # kept from the first MARF


def test_staff_intake_locks_the_counter_after_searching_the_register(hub, api_as, django_capture_on_commit_callbacks):
    """The tenant's reference counter is one row every submission queues on until its transaction ends: a staff
    contact, matched in the request, takes it only once the register has been searched."""
    statements = _second_marf(hub, api_as, django_capture_on_commit_callbacks)
    counter = next(i for i, sql in enumerate(statements) if "contacts_referencecounter" in sql)
    matching = [i for i, sql in enumerate(statements) if 'FROM "contacts_person"' in sql]
    assert matching and counter > max(matching)  # the tenant's counter is locked after the register is searched


def _bounce_reads(statements: list[str]) -> list[str]:
    """The bounce check's reads: earlier contacts decided in the window, and the children's register entries."""
    marks = ('"contacts_contact"."decided_at" >=', '"person__merged_into_id"')
    return [sql for sql in statements if any(mark in sql for mark in marks)]


def test_the_bounce_check_reads_only_earlier_contacts_for_children_already_known(
    hub, api_as, django_capture_on_commit_callbacks
):
    """Intake knows which register entries the children stand for from the matching it has just done: the bounce
    check reads the earlier contacts about them (one statement), not the entries again."""
    statements = _second_marf(hub, api_as, django_capture_on_commit_callbacks)
    assert len(_bounce_reads(statements)) == 1, "\n".join(_bounce_reads(statements))
    assert '"decided_at" >=' in _bounce_reads(statements)[0]


def test_a_marf_about_children_new_to_the_register_reads_no_earlier_contacts(
    hub, api_as, django_capture_on_commit_callbacks
):
    """Nothing can name a register entry made in this very transaction: no earlier step-down to look for."""
    strangers = [{"first_name": "Zebedee", "last_name": "Quorn", "date_of_birth": "2012-09-30"}]
    statements = _second_marf(hub, api_as, django_capture_on_commit_callbacks, children=strangers)
    assert any('INSERT INTO "contacts_person"' in sql for sql in statements)  # new to the register indeed
    assert _bounce_reads(statements) == []
