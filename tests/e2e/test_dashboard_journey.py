"""A MASH team manager opens the timeliness dashboard, sees its charts and tables, follows a figure to the
records behind it, and downloads Ofsted Annex A List 1."""

import csv
import io
from datetime import timedelta
from types import SimpleNamespace

import pytest
from django.utils import timezone

from contacts.models import Contact
from mash import tenancy
from mash.models import Agency, Tenant
from navigators.models import InformationRequest
from tests.e2e.conftest import sign_in
from thresholds.models import Rating

pytestmark = pytest.mark.e2e


@pytest.fixture(autouse=True)
def _figures_refreshed_in_place(monkeypatch):
    """No Celery worker runs beside the live server: the figures refresh that a commit queues for a worker
    (reporting.services) runs in place instead, through the task itself, so the dashboard reads current figures."""
    from reporting import tasks

    task = tasks.refresh_figures
    monkeypatch.setattr(
        tasks, "refresh_figures", SimpleNamespace(delay=lambda *args, **kwargs: task.apply(args, kwargs).get())
    )


def _ask_every_agency():
    """Information requests to every demo agency about one demo contact, so the agencies chart has bars."""
    with tenancy.tenant_context(Tenant.objects.get(slug="cambridgeshire")):
        contact = Contact.objects.order_by("received_at").first()
        rating = Rating.objects.order_by("pk").first()
        now, agencies = timezone.now(), list(Agency.objects.all())
        for agency in agencies:
            InformationRequest.objects.create(
                contact=contact, agency=agency, rating=rating, status="returned", requested_at=now,
                due_at=now + timedelta(hours=4), returned_at=now,
            )  # fmt: skip
    return sorted(a.name for a in agencies)


def test_a_manager_reads_the_dashboard_and_downloads_annex_a_list_1(page, axe, live_server, demo_data):
    js_errors = []
    page.on("pageerror", lambda e: js_errors.append(str(e)))
    # Console messages from the service's own pages and scripts (the accessibility auditor's injected axe has no
    # address, and the content-security policy refusing it is the policy working).
    page.on("console", lambda m: m.location.get("url") and js_errors.append(f"{m.location['url']}: {m.text}"))
    asked = _ask_every_agency()
    sign_in(page, live_server, "cambridgeshire-manager")
    page.goto(f"{live_server.url}/dashboard/")
    assert page.get_by_role("heading", level=1).inner_text() == "Timeliness dashboard"

    # Charts drawn by Chart.js (once the page's web font has loaded), each with its figures in a table beside it,
    # their words in the page's typeface (they were in Chart.js's Helvetica).
    charts = ("chart-trend", "chart-agencies", "chart-ratings", "chart-outcomes")
    page.wait_for_function(f"() => {list(charts)}.every(id => Chart.getChart(document.getElementById(id)))")
    assert page.evaluate("() => Chart.defaults.font.family").startswith('"GDS Transport"'), js_errors
    # Agencies as horizontal bars, every agency named on the axis; ratings in their colours.
    agencies = page.evaluate(
        "() => { const c = Chart.getChart(document.getElementById('chart-agencies')), y = c.scales.y;"
        " return {axis: c.options.indexAxis, labels: c.data.labels,"
        " ticks: y.ticks.map(t => y.getLabelForValue(t.value))}; }"
    )
    table_agencies = page.locator("#table-agencies tbody th").all_inner_texts()
    assert agencies["axis"] == "y"
    assert agencies["labels"] == agencies["ticks"] == table_agencies
    assert sorted(table_agencies) == asked and len(asked) > 1
    rating_colours = page.evaluate(
        "() => Chart.getChart(document.getElementById('chart-ratings')).data.datasets[0].backgroundColor"
    )
    assert len(set(rating_colours)) == len(rating_colours) > 1  # one colour a rating, not one for all
    assert js_errors == [], "\n".join(js_errors)
    trend = page.locator("#table-trend")
    assert "Contacts, decisions and returns by week" in trend.locator("caption").inner_text()
    summary = page.locator("#summary").inner_text()
    assert "Contacts received" in summary and "4 contacts" in summary  # seed_demo's four contacts
    assert page.locator("#table-outcomes").get_by_role("row").count() == 7  # header and six outcomes

    # Every figure opens the records behind it.
    page.locator("#summary").get_by_role("link", name="4 contacts").click()
    assert page.get_by_role("heading", level=1).inner_text().startswith("Records behind the figure")
    assert page.locator("#records caption").inner_text() == "4 records"
    page.get_by_role("link", name="Back to the dashboard").click()

    # Ofsted Annex A List 1: a CSV with Annex A's exact headers, one row per child.
    with page.expect_download() as download_info:
        page.get_by_role("button", name="Download List 1: contacts").click()
    download = download_info.value
    assert download.suggested_filename.startswith("annex-a-list-1-cambridgeshire-")
    rows = list(csv.reader(io.StringIO(open(download.path(), encoding="utf-8").read())))
    assert rows[0] == ["Child Unique ID", "Sex", "Ethnicity", "Date of Birth", "Age of Child (Years)",
                       "Date of Contact", "Contact Source"]  # fmt: skip
    assert len(rows) == 1 + 5  # the demo contacts name five children
    assert all(len(row[5].split("/")) == 3 for row in rows[1:])  # dd/mm/yyyy
