"""The contact list and detail cost the same number of queries however many contacts and people there are."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.contacts.builders import submit

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
    return [submit(client, children=twins)["id"] for _ in range(n)]


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
