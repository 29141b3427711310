"""The queue page and the API list cost the same number of queries however many requests, tasks and reviews."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from earlyhelp import services
from mash import tenancy
from tests.earlyhelp.builders import file_direct, stepped_down

pytestmark = pytest.mark.django_db


def _queries(client, url):
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200
    return len(captured)


def _fill(hub, api_as, n):
    """n stepped-down requests awaiting an outcome, n direct ones, and n with an outcome, tasks and a plan review."""
    for i in range(n):
        stepped_down(hub, key=f"waiting-{n}-{i}")
        file_direct(api_as(hub.referrer))
        request = stepped_down(hub, key=f"planned-{n}-{i}")
        with tenancy.tenant_context(hub.tenant):
            services.give_outcome(request=request, actor=hub.ehcoord, outcome="district_service", lead_professional="J",
                                  district_services="Family Work", further_assessment=False)  # fmt: skip
            services.start_plan(request=request, actor=hub.ehcoord, lead_professional="J", services="Family Work",
                                first_review_on=timezone.localdate() + timedelta(days=20))  # fmt: skip


def test_the_queue_page_costs_a_fixed_number_of_queries(hub, api_as, client):
    client.force_login(hub.ehcoord)
    _fill(hub, api_as, 1)
    few = _queries(client, "/early-help/")
    _fill(hub, api_as, 6)
    many = _queries(client, "/early-help/")
    assert few == many
    # session, user, (tenant), queue + children, feedback tasks, plan reviews, their children, the header's unread
    # count
    assert many <= 10


def test_the_calls_letters_and_reviews_due_name_the_child_each_is_about(hub, api_as, client):
    """They named only the request's reference: a coordinator phoning a family had to open each one to see whom."""
    from tests.text import read

    client.force_login(hub.ehcoord)
    _fill(hub, api_as, 1)
    with tenancy.tenant_context(hub.tenant):
        from earlyhelp.models import EarlyHelpChild

        planned = EarlyHelpChild.objects.filter(request__status="plan").order_by("order", "id").first()
    assert planned is not None
    html = client.get("/early-help/").content.decode()
    name = f"{planned.first_name} {planned.last_name}"
    for table in ("feedback-table", "reviews-table"):
        rows = read(html.split(f'id="{table}"')[1].split("</table>")[0])
        assert "Child Request" in rows and name in rows, (table, rows)


def test_the_htmx_refresh_costs_a_fixed_number_of_queries(hub, api_as, client):
    client.force_login(hub.ehcoord)
    _fill(hub, api_as, 1)
    few = _queries(client, "/early-help/queue/rows/")
    _fill(hub, api_as, 4)
    assert _queries(client, "/early-help/queue/rows/") == few


@pytest.mark.parametrize("role", ["ehcoord", "referrer"])
def test_the_api_list_costs_a_fixed_number_of_queries(hub, api_as, role):
    client = api_as(getattr(hub, role))
    _fill(hub, api_as, 1)
    few = _queries(client, "/api/v1/early-help/requests/")
    _fill(hub, api_as, 4)
    assert _queries(client, "/api/v1/early-help/requests/") == few
