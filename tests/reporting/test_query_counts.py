"""The dashboard API and pages cost the same number of queries however many records they cover."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from contacts.models import Contact
from mash import tenancy
from navigators.models import InformationRequest
from reporting.services import rebuild
from tests.reporting.builders import RANGE, consultation
from triage.strategy import start_strategy_clock

pytestmark = pytest.mark.django_db


def _queries(client, url, data=None):
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url, data or {})
    assert response.status_code == 200, response.content[:500]
    return len(captured)


def _more(history, n):
    """``n`` more decided contacts in the range, each with two children, a return, a strategy discussion clock
    and a consultation on the advice line."""
    tenant = history["tenant"]
    with tenancy.tenant_context(tenant):
        template = Contact.objects.get(pk=history["c1"].pk)
        people = list(template.people.all())
        request = InformationRequest.objects.filter(contact=template).first()
        for i in range(n):
            copy = Contact.objects.get(pk=template.pk)
            copy.pk = None
            copy.reference = f"ALP-2026-9{i:05d}"
            copy.received_at = template.received_at + timedelta(days=i % 20, hours=i % 5)
            copy.save()
            for person in people[:2]:
                person.pk = None
                person.contact = copy
                person.save()
            request.pk = None
            request.contact = copy
            request.save()
            start_strategy_clock(copy, actor=history["manager"], at=copy.received_at + timedelta(hours=1))
            consultation(tenant, history["triage"], copy.received_at, organisation_type=("school", "health")[i % 2])
        rebuild(tenant=tenant)


def test_the_api_costs_a_fixed_number_of_queries(history, api_as):
    client = api_as(history["manager"])
    few = _queries(client, "/api/v1/dashboard/timeliness/", RANGE)
    _more(history, 12)
    many = _queries(client, "/api/v1/dashboard/timeliness/", RANGE)
    assert few == many
    # Token auth (1: the token with its user and tenant), ratings and agencies (2), the figures' version (1),
    # one pass over each figures table for its counts (3) and one for its times (3), consultations, strategy
    # discussions, open breaches (3: per table the oldest few, each carrying the count of all).
    assert many == 15
    # Asked again with nothing changed, what it read from the figures tables comes from the cache: the six
    # passes are not run again (the live parts, open breaches and strategy discussions, still are).
    assert _queries(client, "/api/v1/dashboard/timeliness/", RANGE) == 9


@pytest.mark.parametrize(
    "url", ["/dashboard/", "/dashboard/records/contacts/", "/dashboard/records/returns/", "/dashboard/figures.csv"]
)
def test_pages_cost_a_fixed_number_of_queries(history, client, url):
    client.force_login(history["manager"])
    few = _queries(client, url, RANGE)
    _more(history, 12)
    assert _queries(client, url, RANGE) == few


@pytest.mark.parametrize("number", ["1", "2", "3"])
def test_annex_a_downloads_cost_a_fixed_number_of_queries(history, client, number):
    client.force_login(history["manager"])
    query = {"list": number, "on": "2026-09-30"}
    few = _queries(client, "/dashboard/annex-a/download/", query)
    _more(history, 12)
    assert _queries(client, "/dashboard/annex-a/download/", query) == few
