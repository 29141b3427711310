"""Every figure on the dashboard links to the records behind it, with the same filters."""

import re

import pytest

from tests.audit_helpers import audit_event
from tests.reporting.builders import RANGE

pytestmark = pytest.mark.django_db


def _references(client, figure, **extra):
    response = client.get(f"/dashboard/records/{figure}/", {**RANGE, **extra})
    assert response.status_code == 200
    return re.findall(r"(?:EH-)?ALP-20\d\d-\d{6}", response.content.decode())


@pytest.fixture
def manager(client, history):
    client.force_login(history["manager"])
    return client


@pytest.mark.parametrize(
    ("figure", "extra", "expected"),
    [
        ("contacts", {}, ["ALP-2026-000001", "ALP-2026-000002", "ALP-2026-000003", "ALP-2026-000004",
                          "ALP-2026-000005"]),
        ("decided_late", {}, ["ALP-2026-000002"]),
        ("decided_in_time", {}, ["ALP-2026-000001", "ALP-2026-000004", "ALP-2026-000005"]),
        ("re_contacts", {}, ["ALP-2026-000003", "ALP-2026-000005"]),
        ("step_downs", {}, ["ALP-2026-000004"]),
        ("step_ups", {}, ["ALP-2026-000005"]),
        ("contacts", {"outcome": "nfa"}, ["ALP-2026-000002"]),
        ("contacts", {"rating": "blue"}, ["ALP-2026-000002", "ALP-2026-000005"]),
        ("contacts", {"source": "6"}, ["ALP-2026-000001", "ALP-2026-000003"]),
        ("contacts", {"interval": "month", "period": "2026-08-01"}, ["ALP-2026-000001"]),
        ("returns", {"agency": "health"}, ["ALP-2026-000001"]),
        ("returns_late", {}, ["ALP-2026-000001"]),
        ("early_help_late", {}, ["EH-ALP-2026-000002"]),
    ],
)  # fmt: skip
def test_a_figure_lists_exactly_the_records_it_counts(manager, figure, extra, expected):
    assert _references(manager, figure, **extra) == expected


def test_the_dashboard_links_each_figure_to_its_records(manager):
    page = manager.get("/dashboard/", RANGE).content.decode()
    for figure in ("contacts", "decided_in_time", "decisions", "returns_on_time", "returns", "early_help_in_time",
                   "re_contacts", "referrals", "step_downs", "step_ups"):  # fmt: skip
        assert f"/dashboard/records/{figure}/?from=2026-08-01&amp;to=2026-09-30" in page, figure
    assert "/dashboard/records/contacts/?from=2026-08-01&amp;to=2026-09-30&amp;outcome=assessment" in page


def test_viewing_the_records_is_audited(manager, history):
    _references(manager, "decided_late")
    event = audit_event(history["tenant"], action="reporting.records_viewed")
    assert event.actor == history["manager"]
    assert event.changes["figure"] == "decided_late" and event.changes["shown"] == ["ALP-2026-000002"]


def test_an_unknown_figure_or_period_is_not_found(manager):
    assert manager.get("/dashboard/records/everything/", RANGE).status_code == 404
    assert manager.get("/dashboard/records/contacts/", {**RANGE, "period": "soon"}).status_code == 404


def test_a_records_rating_shows_in_its_gov_uk_colour_and_says_its_name(manager):
    """ALP-2026-000001 is rated Amber: GOV.UK Frontend's amber is its orange tag ("govuk-tag--amber", written before,
    is no class of GOV.UK's, so the tag showed in the default blue)."""
    html = manager.get("/dashboard/records/contacts/", RANGE).content.decode()
    assert '<strong class="govuk-tag govuk-tag--orange">Amber</strong>' in html
    assert "govuk-tag--amber" not in html
