"""Ofsted Annex A Lists 1-3: exact headers, dd/mm/yyyy dates, coded values, one row per child; audited."""

import csv
import io

import pytest

from tests.audit_helpers import audit_event, audit_events

pytestmark = pytest.mark.django_db

URL = "/dashboard/annex-a/download/"
COMMON = ["Child Unique ID", "Sex", "Ethnicity", "Date of Birth", "Age of Child (Years)"]


def _download(client, number, on="2026-09-30"):
    response = client.get(URL, {"list": number, "on": on})
    assert response.status_code == 200, response.content
    assert response["Content-Type"].startswith("text/csv")
    assert response["Content-Disposition"].startswith("attachment;")
    return list(csv.reader(io.StringIO(response.content.decode("utf-8"))))


@pytest.fixture
def manager_client(client, history):
    client.force_login(history["manager"])
    return client


def test_list_1_has_one_row_per_child_of_every_contact_in_the_six_months(manager_client, history):
    rows = _download(manager_client, 1)
    assert rows[0] == [*COMMON, "Date of Contact", "Contact Source"]
    body = rows[1:]
    # c1 (three children), c2, c3, c4, c5; c0 and c0b are older than six months, c6 after the date.
    assert len(body) == 7
    ann = f"ALP-{history['ann'].pk}"
    assert body[0] == [ann, "b) Female", "WBRI", "01/03/2015", "11", "28/08/2026", "r) 6: Police"]
    assert [row[0] for row in body[:3]] == [ann, f"ALP-{history['ann'].pk + 1}", f"ALP-{history['ann'].pk + 2}"]
    assert body[1][2] == "NOBT"  # ethnicity not recorded: "information not yet obtained"
    assert body[3][5:] == ["07/09/2026", "e) 2A: Schools"]
    assert body[4][0] == ann  # the re-contact about Ann carries the same child id


def test_list_2_lists_recent_assessments_and_current_interventions_per_child(manager_client, history):
    rows = _download(manager_client, 2)
    assert rows[0] == [*COMMON, "Assessment start date", "Assessment completion date",
                       "Organisation completing assessment"]  # fmt: skip
    assert rows[1:] == [
        [f"ALP-{history['eve'].pk}", "b) Female", "WBRI", "16/09/2012", "14", "20/09/2026", "02/10/2026", "Family hub"]
    ]


def test_list_3_lists_referrals_with_coded_values_team_and_worker(manager_client, history):
    rows = _download(manager_client, 3)
    assert rows[0] == [*COMMON, "Date of referral", "Referral Source", "Referral NFA?",
                       "Number of Referrals in Last 12 Months", "Allocated Team", "Allocated Worker"]  # fmt: skip
    assert len(rows) == 4  # c1 became a referral (assessment) about three children
    assert rows[1][5:] == ["01/09/2026", "r) 6: Police", "b) No", "1", "MASH team A", "Wren Cole"]


def test_the_six_months_end_on_the_chosen_date(manager_client):
    # Up to and including 15 September: c1 (3 children), c2, c3 and c4 (that day); not c5 (16 September).
    assert len(_download(manager_client, 1, on="2026-09-15")) == 1 + 6
    assert len(_download(manager_client, 1, on="2026-03-14")) == 1 + 1  # only c0b (1 Oct 2025); c0 is before


def test_every_download_is_audited(manager_client, history):
    _download(manager_client, 1)
    event = audit_event(history["tenant"], action="reporting.annex_a_list_1_downloaded")
    assert event.actor == history["manager"]
    assert event.changes == {"list": 1, "from": "2026-03-31", "to": "2026-09-30", "rows": 7}
    manager_client.get("/dashboard/figures.csv", {"from": "2026-08-01", "to": "2026-09-30"})
    assert audit_events(history["tenant"], action="reporting.figures_downloaded", actor=history["manager"])


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ({"list": "1", "on": "31/09/2026"}, "The date must be a real date"),
        ({"list": "1"}, "Enter the date"),
        ({"list": "4", "on": "2026-09-30"}, "Choose List 1, 2 or 3."),
        ({"list": "1", "on": "0001-03-01"}, "The date must be between 1900 and 2100"),
    ],
)
def test_a_bad_download_request_shows_the_error_and_no_file(manager_client, history, query, message):
    response = manager_client.get(URL, query)
    assert response.status_code == 400
    assert "govuk-error-summary" in response.content.decode() and message in response.content.decode()
    assert not audit_events(history["tenant"], action__endswith="_downloaded")
