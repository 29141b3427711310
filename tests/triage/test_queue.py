"""The triage queue: soonest deadline first, overdue marked, filters, take (with conflicts), fixed query count."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from contacts.models import Contact
from mash import tenancy
from tests.triage.builders import new_contact

pytestmark = pytest.mark.django_db


def browser(user):
    client = Client()
    client.force_login(user)
    return client


def _file(hub, n, *, start=0, hours_ago=1):
    received = timezone.now() - timedelta(hours=hours_ago)
    return [new_contact(hub, f"q{start + i}", received_at=received.isoformat()) for i in range(n)]


def test_queue_orders_by_deadline_and_marks_overdue_ones_first(cambs, api_as):
    recent = new_contact(cambs, "recent")
    old = new_contact(cambs, "old", received_at=(timezone.now() - timedelta(days=6)).isoformat())
    rows = api_as(cambs["triage"]).get("/api/v1/triage/queue/").data["results"]
    assert [r["id"] for r in rows] == [old.pk, recent.pk]
    assert rows[0]["overdue"] is True and rows[1]["overdue"] is False
    html = browser(cambs["triage"]).get("/triage/").content.decode()
    assert html.index(old.reference) < html.index(recent.reference)
    assert "Overdue" in html and "data-countdown" in html


def test_queue_filters_by_status_rating_mine_and_overdue(cambs, api_as):
    a, b, c = _file(cambs, 3)
    old = new_contact(cambs, "old", received_at=(timezone.now() - timedelta(days=6)).isoformat())
    client = api_as(cambs["triage"])
    client.post(f"/api/v1/contacts/{a.pk}/take/", {}, format="json")
    client.post(f"/api/v1/contacts/{b.pk}/rating/", {"rating": "red", "rationale": "Injury."}, format="json")

    def ids(query):
        return {r["id"] for r in client.get(f"/api/v1/triage/queue/?{query}").data["results"]}

    assert ids("") == {a.pk, b.pk, c.pk, old.pk}
    assert ids("status=enquiry") == {b.pk}
    assert ids("rating=red") == {b.pk}
    assert ids("mine=1") == {a.pk, b.pk}  # rating takes the contact too
    assert ids("overdue=1") == {old.pk}
    api_as(cambs["manager"]).post(
        f"/api/v1/contacts/{c.pk}/decision/", {"outcome": "nfa", "reason": "x"}, format="json"
    )
    assert c.pk not in ids("")  # decided contacts leave the queue


def test_queue_page_refreshes_in_place_with_htmx(cambs):
    _file(cambs, 2)
    response = browser(cambs["triage"]).get("/triage/?rating=", HTTP_HX_REQUEST="true")
    html = response.content.decode()
    assert html.lstrip().startswith('<div id="queue"')
    assert "<html" not in html and 'hx-trigger="every 60s"' in html


def test_taking_a_contact_assigns_it_and_a_stale_take_is_told_who_took_it(cambs):
    contact = new_contact(cambs)
    first, second = browser(cambs["triage"]), browser(cambs["triage2"])
    assert first.post(f"/triage/contacts/{contact.pk}/take/", {"version": contact.version}).status_code == 302
    response = second.post(f"/triage/contacts/{contact.pk}/take/", {"version": contact.version}, follow=True)
    html = response.content.decode()
    assert "cambridgeshire-triage" in html and "while you were looking at it" in html
    with tenancy.tenant_context(cambs["tenant"]):
        taken = Contact.objects.get(pk=contact.pk)
    assert taken.assigned_to == cambs["triage"]  # not overwritten
    assert taken.status == "in_triage"


def test_api_take_of_someone_elses_contact_is_a_conflict(cambs, api_as):
    contact = new_contact(cambs)
    assert api_as(cambs["triage"]).post(f"/api/v1/contacts/{contact.pk}/take/", {}, format="json").status_code == 200
    response = api_as(cambs["triage2"]).post(f"/api/v1/contacts/{contact.pk}/take/", {}, format="json")
    assert response.status_code == 409


def _count(client, url):
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured)


@pytest.mark.parametrize("url", ["/triage/", "/api/v1/triage/queue/"])
def test_the_queue_costs_the_same_number_of_queries_however_many_contacts(
    cambs, api_as, url, django_assert_num_queries
):
    client = browser(cambs["triage"]) if url == "/triage/" else api_as(cambs["triage"])
    _file(cambs, 2)
    few = _count(client, url)
    _file(cambs, 30, start=10)
    contacts = api_as(cambs["triage"]).get("/api/v1/triage/queue/").data["results"]
    api_as(cambs["triage"]).post(
        f"/api/v1/contacts/{contacts[0]['id']}/rating/", {"rating": "red", "rationale": "x"}, format="json"
    )
    # Rows taken by the reader and by a colleague (named on the page): the worker's name is read with the rows.
    taken = api_as(cambs["triage2"]).post(f"/api/v1/contacts/{contacts[1]['id']}/take/", {}, format="json")
    assert taken.status_code == 200
    with django_assert_num_queries(few):
        assert client.get(url).status_code == 200
    # The page adds to the API's: the strip of counts (one aggregate), the workers and teams for the filters,
    # the tenant's "due soon" point (clock policies), and 4 for the "also open" column (people).
    assert few <= 18


@pytest.mark.parametrize("role", ["referrer", "admin", "ehcoord", "nav_police"])
def test_roles_outside_triage_do_not_get_the_queue(cambs, api_as, role):
    assert browser(cambs[role]).get("/triage/").status_code == 403
    assert api_as(cambs[role]).get("/api/v1/triage/queue/").status_code == 403


def test_the_queue_pages_in_its_order_and_counts_every_contact_the_filters_keep(cambs, api_as, monkeypatch):
    monkeypatch.setattr("triage.selectors.QUEUE_PAGE_SIZE", 2)
    monkeypatch.setattr("triage.api.QueuePagination.page_size", 2)
    now = timezone.now()
    made = _file(cambs, 5)
    with tenancy.tenant_context(cambs["tenant"]):
        for i, contact in enumerate(made):  # the last made is due first
            Contact.objects.filter(pk=contact.pk).update(decision_due_at=now + timedelta(hours=10 - i))
        Contact.objects.filter(pk=made[4].pk).update(assigned_to=cambs["triage"])
    order = [c.reference for c in reversed(made)]
    api = api_as(cambs["triage"])
    first, second = api.get("/api/v1/triage/queue/").data, api.get("/api/v1/triage/queue/?page=2").data
    assert (first["count"], [r["reference"] for r in first["results"]]) == (5, order[:2])
    assert [r["reference"] for r in second["results"]] == order[2:4]
    unallocated = api.get("/api/v1/triage/queue/?worker=none&page=2").data
    assert (unallocated["count"], [r["reference"] for r in unallocated["results"]]) == (4, order[3:5])
    html = browser(cambs["triage"]).get("/triage/?worker=none&page=2").content.decode()
    assert "4 open contacts match, showing 2" in html
    assert html.index(order[3]) < html.index(order[4]) and order[1] not in html
    assert 'href="?worker=none&amp;page=1" rel="prev"' in html


FILTERS = ["", "worker=none", "overdue=1", "rating=red", "status=received", "mine=1", "due=today", "sort=received"]


@pytest.mark.parametrize("query", FILTERS)
def test_the_soonest_due_pick_gives_every_page_exactly_as_sorting_every_open_contact(cambs, query, monkeypatch):
    """The queue's first pages are picked from the contacts that stay on top and the soonest due alone
    (selectors.QueueSlices); every page must be the one sorting all open contacts gives: EDT handovers not yet
    taken first, then immediate action (Red, or urgent and unrated), then by deadline, ties by receipt and id."""
    from contacts.models import Contact
    from thresholds.models import Rating
    from triage import selectors
    from triage.models import EdtHandover

    monkeypatch.setattr(selectors, "SOONEST_PICK_UP_TO", 12)
    now = timezone.now()
    made = _file(cambs, 14)
    with tenancy.tenant_context(cambs["tenant"]):
        red, amber = Rating.objects.get(code="red"), Rating.objects.exclude(code="red").filter(immediate=False)[0]
        plan = [  # (hours to the deadline, urgent, rating, taken, handed back by the EDT)
            (5, False, None, False, False), (-2, True, None, False, False), (3, False, red, False, False),
            (3, False, None, False, True), (3, False, None, True, True), (-1, False, amber, True, False),
            (8, True, amber, False, False), (-2, False, None, False, False), (1, True, None, True, False),
            (3, False, None, False, False), (2, False, red, True, False), (-5, False, None, False, True),
            (3, False, None, False, False), (6, False, None, True, False),
        ]  # fmt: skip
        for contact, (hours, urgent, rating, taken, edt) in zip(made, plan, strict=True):
            Contact.objects.filter(pk=contact.pk).update(
                decision_due_at=now + timedelta(hours=hours), urgent=urgent, rating=rating,
                assigned_to=cambs["triage"] if taken else None,
            )  # fmt: skip
            if edt:
                EdtHandover.objects.create(
                    contact=contact, recorded_by=cambs["triage"], responded_at=now, updated_at=now,
                    handover_note="Visited; safe overnight.", handed_back_by=cambs["triage"], handed_back_at=now,
                )  # fmt: skip
        filters = selectors.QueueFilters.from_query(dict(part.split("=") for part in query.split("&") if part))
        contacts = selectors.queue(cambs["triage"], filters, now=now)
        everything = [c.pk for c in contacts]
        assert len(everything) >= 1
        for start in range(0, 14, 3):
            picked = selectors.QueueSlices(contacts, filters=filters)[start : start + 3]
            assert [c.pk for c in picked] == everything[start : start + 3], (query, start)


def test_the_queue_keeps_the_due_soon_point_until_the_tenant_changes_it(cambs):
    """The tenant's warning point for decisions is read once per process (mash.tenant_settings), not per page:
    the next page reads no clock policy. Changed behind the application's back (psql), the next request's tenant
    brings a new settings version, and the row turns "Due soon" at the new point."""
    from thresholds.models import ClockKind

    contact = _file(cambs, 1)[0]
    now = timezone.now()
    with tenancy.tenant_context(cambs["tenant"]):  # 60% of the time to the decision has passed
        Contact.objects.filter(pk=contact.pk).update(
            received_at=now - timedelta(hours=6), decision_due_at=now + timedelta(hours=4)
        )
    client = browser(cambs["triage"])
    # The policies were written in this test's (never committed) transaction, so this connection would read them
    # afresh; in production they were committed long ago and are kept: forget that they changed.
    connection.__dict__.pop("_mash_settings_changing", None)

    def due_soon() -> tuple[bool, list[str]]:
        with CaptureQueriesContext(connection) as captured:
            page = client.get("/triage/").content.decode()
        row = page[page.index(f'id="queue-row-{contact.pk}"') :].split("</tr>")[0]
        return "Due soon" in row, [q["sql"] for q in captured if 'FROM "thresholds_clockpolicy"' in q["sql"]]

    assert due_soon()[0] is False  # the default point: three quarters of the time
    assert due_soon() == (False, [])  # kept: no clock policy read
    with tenancy.tenant_context(cambs["tenant"]), connection.cursor() as cursor:  # scoping: allowed - as psql would
        cursor.execute(
            "UPDATE thresholds_clockpolicy SET warn_fraction = 0.5 WHERE tenant_id = %s AND kind = %s",
            [cambs["tenant"].pk, ClockKind.DECISION],
        )
        assert cursor.rowcount == 1
    assert due_soon()[0] is True


def test_a_queue_page_leaves_no_contact_for_the_garbage_collector(cambs):
    """Its rows, their children and what they show are freed by reference counting when the page is done
    (mash.templating releases the page's context; the children do not point back at their rows), not left for
    the collector's full passes, which paid for every page's leftovers at once at the page's p95."""
    import gc

    from django.test import RequestFactory
    from django.test.client import ClientHandler

    from contacts.models import ContactPerson, Person

    _file(cambs, 3)
    client = browser(cambs["triage"])
    assert client.get("/triage/").status_code == 200  # settles matching and caches first
    gc.collect()
    was = gc.isenabled()
    gc.disable()
    gc.set_debug(gc.DEBUG_SAVEALL)
    # Through the test client's handler, not the client: the client keeps each page's context (and its rows).
    environ = RequestFactory().get("/triage/", HTTP_COOKIE=client.cookies.output(header="", sep=";")).environ
    try:
        response = ClientHandler()(environ)
        assert response.status_code == 200 and "3 open contacts" in response.content.decode()
        del response
        gc.collect()
        left = [type(o) for o in gc.garbage if isinstance(o, (Contact, ContactPerson, Person))]
    finally:
        gc.set_debug(0)
        gc.garbage.clear()
        if was:
            gc.enable()
    assert left == []
