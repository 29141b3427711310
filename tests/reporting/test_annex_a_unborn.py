"""Annex A and unborn children (pre-birth referrals): one row per child like any other; the Date of Birth cell
holds the expected date of delivery until the birth is recorded, and the age is blank for a child not yet born
on the date of the contact (reporting/annex_a.py states the reading of the Ofsted guidance)."""

import csv
import io
from datetime import UTC, date, datetime

import pytest
import time_machine

from contacts import services as contact_services
from contacts.models import Person
from mash import tenancy
from tests.contacts.builders import make_contact

pytestmark = pytest.mark.django_db

URL = "/dashboard/annex-a/download/"
REFERRED = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)
UNBORN = {"first_name": "Unborn", "last_name": "Hart", "unborn": True, "expected_date": "2026-05-10"}
LEO = {"first_name": "Leo", "last_name": "Hart", "date_of_birth": "2025-04-02", "sex": "M", "ethnicity": "WBRI"}


def _list_1(client, on):
    response = client.get(URL, {"list": 1, "on": on})
    assert response.status_code == 200, response.content
    return list(csv.reader(io.StringIO(response.content.decode("utf-8"))))[1:]


def test_an_unborn_child_is_a_row_of_list_1_with_the_due_date_and_no_age(hub, client):
    tenant = hub["tenant"]
    with time_machine.travel(REFERRED, tick=False):
        make_contact(tenant, "pre-birth", children=[UNBORN, LEO], received_at=REFERRED.isoformat())
    with tenancy.tenant_context(tenant):
        unborn = Person.objects.get(first_name="Unborn")
        leo = Person.objects.get(first_name="Leo")
    client.force_login(hub["manager"])

    before = _list_1(client, "2026-03-31")
    with time_machine.travel(datetime(2026, 5, 20, 10, 0, tzinfo=UTC), tick=False):
        with tenancy.tenant_context(tenant):
            contact_services.record_birth(actor=hub["triage"], person=unborn, date_of_birth=date(2026, 5, 8))
    after = _list_1(client, "2026-05-31")

    # One row per child: the unborn child counts like her brother.
    assert [row[:5] for row in before] == [
        [f"ALP-{unborn.pk}", "c) Not stated/recorded", "NOBT", "10/05/2026", ""],
        [f"ALP-{leo.pk}", "a) Male", "WBRI", "02/04/2025", "0"],
    ]
    assert before[0][5] == "02/03/2026"
    # Once born, the same child (same id) carries the real date of birth; still no age on the date of the contact.
    assert after[0][:5] == [f"ALP-{unborn.pk}", "c) Not stated/recorded", "NOBT", "08/05/2026", ""]


def test_the_dashboard_counts_an_unborn_child_as_a_child_and_says_how_many_were_unborn(
    hub, client, api_as, django_capture_on_commit_callbacks
):
    with time_machine.travel(REFERRED, tick=False), django_capture_on_commit_callbacks(execute=True):
        make_contact(hub["tenant"], "pre-birth", children=[UNBORN, LEO], received_at=REFERRED.isoformat())
    period = {"from": "2026-03-01", "to": "2026-03-31"}

    figures = api_as(hub["manager"]).get("/api/v1/dashboard/timeliness/", period).data
    client.force_login(hub["manager"])
    page = client.get("/dashboard/", period).content.decode()

    assert (figures["contacts"], figures["children"], figures["unborn_children"]) == (1, 2, 1)
    assert "about 2 children (1 unborn)" in page
