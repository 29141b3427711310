"""The dashboard's charts draw what the tables beside them say: agencies as horizontal bars with every agency
named, ratings in their rating colours with their words, counts on whole-number axes from zero. The charts'
configurations reach the page as JSON (json_script): these tests read what the page carries."""

import json
import re
from html import unescape

import pytest

from mash import tenancy
from tests.reporting.builders import RANGE
from tests.text import read
from thresholds.models import Rating

pytestmark = pytest.mark.django_db


def _charts(client):
    response = client.get("/dashboard/", RANGE)
    assert response.status_code == 200
    return _charts_of(response.content.decode())


def _charts_of(page):
    payload = re.search(r'<script id="chart-data" type="application/json">(.*?)</script>', page, re.S)
    assert payload, "the charts' data is missing from the page"
    return page, json.loads(unescape(payload.group(1)))


@pytest.fixture
def manager(client, history):
    client.force_login(history["manager"])
    return client


def test_agencies_are_horizontal_bars_naming_every_agency(manager):
    page, charts = _charts(manager)
    agencies = charts["chart-agencies"]
    assert agencies["options"]["indexAxis"] == "y"
    assert sorted(agencies["data"]["labels"]) == ["Education", "Health", "Police"]
    assert agencies["options"]["scales"]["y"]["ticks"]["autoSkip"] is False
    assert agencies["height"] >= 3 * 30  # room for each agency's bar and name
    assert agencies["options"]["maintainAspectRatio"] is False
    # the bars sit beside the table, in the same order as its rows
    rows = re.findall(r'<tr class="govuk-table__row"><th scope="row" class="govuk-table__header">(\w+)</th>',
                      page.split('id="table-agencies"')[1].split("</table>")[0])  # fmt: skip
    assert rows == agencies["data"]["labels"]
    assert 'class="mash-chart"><canvas id="chart-agencies"' in page


def test_rating_bars_are_drawn_in_their_rating_colours_with_their_words(manager, history):
    with tenancy.tenant_context(history["tenant"]):
        Rating.objects.filter(code="amber").update(label="Medium")  # a scheme's own words for a colour
    _, charts = _charts(manager)
    ratings = charts["chart-ratings"]
    drawn = dict(zip(ratings["data"]["labels"], ratings["data"]["datasets"][0]["backgroundColor"], strict=True))
    assert drawn["Medium (Amber)"] == "#f47738"  # the words, and the colour named as the tag names it
    assert drawn["Blue"] == "#1d70b8"
    assert drawn["Green"] == "#00703c"
    counts = dict(zip(ratings["data"]["labels"], ratings["data"]["datasets"][0]["data"], strict=True))
    assert counts["Blue"] == 2 and counts["Medium (Amber)"] == 1  # c2 and c5 Blue, c1 Amber


def test_every_count_axis_is_whole_numbers_from_zero(manager):
    _, charts = _charts(manager)
    count_axes = [
        charts["chart-trend"]["options"]["scales"]["y"],
        charts["chart-agencies"]["options"]["scales"]["x"],
        charts["chart-ratings"]["options"]["scales"]["y"],
        charts["chart-outcomes"]["options"]["scales"]["y"],
    ]
    for axis in count_axes:
        assert axis["beginAtZero"] is True and axis["ticks"]["precision"] == 0, axis


def test_the_charts_are_drawn_by_a_nonced_script_from_the_page_data(manager):
    page, _ = _charts(manager)
    assert re.search(r'<script nonce="[^"]+">\s*\(function \(\) \{\s*if \(typeof Chart', page)
    assert "chart.umd.min.js" in page
    assert " style=" not in page  # the content-security policy refuses inline styles


@pytest.mark.parametrize(
    ("interval", "periods"),
    [("week", ["24 Aug 2026", "7 Sep 2026", "14 Sep 2026"]), ("month", ["Aug 2026", "Sep 2026"])],
)
def test_the_trend_names_its_periods_in_words_in_the_table_and_on_the_chart(manager, interval, periods):
    """They were ISO dates ("2026-08-24"), on a page for a head of service."""
    response = manager.get("/dashboard/", {**RANGE, "interval": interval})
    page = response.content.decode()
    table = page.split("Contacts, decisions and returns by")[1].split("</table>")[0]
    assert re.findall(r'<th scope="row" class="govuk-table__header[^"]*">([^<]+)</th>', table) == periods
    _, charts = _charts_of(page)
    assert charts["chart-trend"]["data"]["labels"] == periods
    assert "2026-08-24" not in read(page)


def test_times_taken_say_their_unit_in_words_and_counts_agree_with_their_nouns(manager):
    """Times read "median 0.8, 90th percentile 1.3 (workingdays, working time; 4 decisions)", and "1 of 1
    decisions" was a possible line."""
    text = read(manager.get("/dashboard/", RANGE).content.decode())
    assert "Time to decision median 0.8 working days, 90th percentile 1.3 working days (4 decisions)" in text
    assert "Time to early-help outcome median 60 hours, 90th percentile 69.6 hours (2 reviews)" in text
    assert "Amber 2 3 66.7% median 6 hours, 90th percentile 6 hours" in text
    assert "workingdays" not in text and "clock_hours" not in text
