"""Hub staff's list of every contact: newest first, fifty a page, saying how many there are in all, the filters kept
from page to page, in the same number of queries however many there are."""

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from contacts.models import Contact
from mash import tenancy
from tests.contacts.builders import make_contact

pytestmark = pytest.mark.django_db


def _file(hub, n, start=0):
    for i in range(start, start + n):
        make_contact(hub["tenant"], f"LIST-{i:03d}")


def _references(hub):
    with tenancy.tenant_context(hub["tenant"]):
        return list(Contact.objects.order_by("-received_at", "-id").values_list("reference", flat=True))


def _page(client, url):
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200
    return response.content.decode(), len(captured)


def test_the_list_shows_fifty_a_page_newest_first_and_how_many_in_all(hub):
    client = Client()
    client.force_login(hub["triage"])
    _file(hub, 3)
    _few, few_queries = _page(client, "/contacts/")
    _file(hub, 50, start=3)
    newest_first = _references(hub)
    first, many_queries = _page(client, "/contacts/")
    assert many_queries == few_queries, "a page costs the same queries however many contacts there are"
    assert "53 contacts, showing 1 to 50, newest first" in first
    assert newest_first[0] in first and newest_first[49] in first and newest_first[50] not in first
    assert 'href="?page=2" rel="next"' in first and 'rel="prev"' not in first
    second, _ = _page(client, "/contacts/?page=2")
    assert "53 contacts, showing 51 to 53, newest first" in second
    assert all(reference in second for reference in newest_first[50:]) and newest_first[0] not in second
    assert 'href="?page=1" rel="prev"' in second and 'rel="next"' not in second
    # A page past the end is the last one; anything not a page number, the first.
    assert "showing 51 to 53" in _page(client, "/contacts/?page=999999999999999999999")[0]
    assert "showing 1 to 50" in _page(client, "/contacts/?page=first")[0]


def test_a_filter_is_kept_from_page_to_page_and_counted(hub):
    client = Client()
    client.force_login(hub["triage"])
    _file(hub, 52)
    html, _ = _page(client, "/contacts/?status=received")
    assert "52 contacts match, showing 1 to 50, newest first" in html
    assert 'href="?status=received&amp;page=2" rel="next"' in html
    none, _ = _page(client, "/contacts/?status=closed")
    assert "0 contacts match" in none and "No contacts match." in none and "govuk-pagination" not in none


def test_ratings_and_statuses_show_in_the_colours_every_other_staff_page_gives_them(hub):
    """An Amber rating was written as "govuk-tag--amber", a class GOV.UK Frontend does not have, so it showed in
    the default blue; and every status was grey here, though the queue and the contact colour each its own."""
    from thresholds.models import Rating

    _file(hub, 2)
    with tenancy.tenant_context(hub["tenant"]):
        rated = Contact.objects.order_by("id").first()
        Contact.objects.filter(pk=rated.pk).update(rating=Rating.objects.get(code="amber"), status="in_triage")
    client = Client()
    client.force_login(hub["triage"])
    html, _ = _page(client, "/contacts/")
    assert '<strong class="govuk-tag govuk-tag--orange">Amber</strong>' in html
    assert "govuk-tag--amber" not in html
    assert '<strong class="govuk-tag govuk-tag--teal">In triage</strong>' in html
    assert '<strong class="govuk-tag govuk-tag--pink">Received</strong>' in html


def test_a_decided_contact_says_when_it_was_decided_and_an_open_one_when_it_is_due(hub):
    """The column gave a decided contact's old deadline, as if it were still to decide."""
    from django.utils import timezone

    from mash import timefmt
    from tests.text import read

    _file(hub, 2)
    decided_at = timezone.now()
    with tenancy.tenant_context(hub["tenant"]):
        decided, waiting = Contact.objects.order_by("id")
        Contact.objects.filter(pk=decided.pk).update(status="decided", outcome="nfa", decided_at=decided_at)
    client = Client()
    client.force_login(hub["triage"])
    text = read(_page(client, "/contacts/")[0])
    assert f"{decided.reference} " in text and f"Decided {timefmt.govuk_datetime(decided_at)}" in text
    assert f"Due {timefmt.govuk_datetime(waiting.decision_due_at)}" in text
