"""The dashboard adds its figures up from months kept in the cache, each under its own version: after a change it
reads only the months the change touched. Every figure (counts, percentages, breakdowns, trend points, medians and
90th percentiles) equals what one pass over the whole range gives, for any range, interval and team, cold, warm
and after a change."""

import random
from array import array
from datetime import date, timedelta

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from hypothesis import given, settings
from hypothesis import strategies as st

from contacts.models import Contact
from mash import tenancy
from navigators.models import InformationRequest
from reporting import selectors, services, tallies
from reporting.models import FiguresMonth
from reporting.selectors import Filters
from tests.reporting.conftest import NOW, _contact, _person, at
from thresholds.models import Rating

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="months are added up on PostgreSQL only"),
]


def _whole(filters, tenant):
    return selectors._timeliness(filters, now=NOW, tenant=tenant, one_pass=True, cached=False)


def _by_month(filters, tenant):
    return selectors._timeliness(filters, now=NOW, tenant=tenant, one_pass=True)


def _random_ranges(seed, n):
    rng = random.Random(seed)
    for _ in range(n):
        start = date(2025, 11, 1) + timedelta(days=rng.randrange(0, 420))
        end = start + timedelta(days=rng.randrange(0, 400))
        yield start, end, rng.choice(["day", "week", "month"]), rng.random() < 0.3


def test_added_up_from_months_every_figure_equals_one_pass_over_the_range(generated):
    tenant = generated["tenant"]
    with tenancy.tenant_context(tenant):
        covered = 0
        for start, end, interval, by_team in _random_ranges(7, 30):
            filters = Filters(start, end, generated["team"] if by_team else None, interval)
            expected = _whole(filters, tenant)
            assert _by_month(filters, tenant) == expected, (start, end, interval, by_team)  # cold
            assert _by_month(filters, tenant) == expected, (start, end, interval, by_team)  # from the cache
            covered += bool(expected["times"]["return_by_rating"])
        assert covered >= 10, "the ranges must cover months with times in them"


def test_after_a_change_only_its_month_is_read_again_and_the_figures_are_right(generated):
    tenant = generated["tenant"]
    filters = Filters(date(2026, 1, 1), date(2026, 12, 31), None, "week")
    with tenancy.tenant_context(tenant):
        before = _by_month(filters, tenant)
        # A new contact in June with a late return, refreshed as the worker does after the commit.
        contact = _contact(900, at(2026, 6, 10, 9), children=[_person("Zed", date(2015, 2, 2))], decided=None)
        police, amber = generated["agencies"]["police"], Rating.objects.get(code="amber")
        InformationRequest.objects.create(
            contact=contact, agency=police, rating=amber, requested_at=at(2026, 6, 10, 10),
            due_at=at(2026, 6, 10, 16), returned_at=at(2026, 6, 11, 9, 17), status="returned",
        )  # fmt: skip
        versions = dict(FiguresMonth.objects.values_list("month", "token"))
        services.refresh(tenant_id=tenant.pk, contacts=[contact.pk])
        assert _changed_since(versions) == {date(2026, 6, 1)}
        with CaptureQueriesContext(connection) as captured:
            after = _by_month(filters, tenant)
        facts_read = [
            q["sql"]
            for q in captured.captured_queries
            if "reporting_contactfact" in q["sql"] and ("GROUPING" in q["sql"] or "ARRAY_AGG" in q["sql"])
        ]
        assert facts_read, "June is read again"
        assert all("2026-06-01" in sql and "2026-01-01" not in sql for sql in facts_read), facts_read
        assert after == _whole(filters, tenant)
        assert after["contacts"] == before["contacts"] + 1
        assert after["returns"] == before["returns"] + 1


def _changed_since(versions) -> set:
    now = FiguresMonth.objects.values_list("month", "token")
    return {month for month, token in now if versions.get(month) != token}


def _passes(captured, table="reporting_returnfact"):
    return [q["sql"] for q in captured if table in q["sql"] and ("GROUPING" in q["sql"] or "float8send" in q["sql"])]


def test_a_deletion_reads_again_only_the_months_of_what_it_deleted(generated, django_capture_on_commit_callbacks):
    tenant = generated["tenant"]
    filters = Filters(date(2026, 1, 1), date(2026, 12, 31), None, "month")
    with tenancy.tenant_context(tenant):
        before = _by_month(filters, tenant)
        versions = dict(FiguresMonth.objects.values_list("month", "token"))
        # A returned information request alone: its return facts are dated by its contact's receipt (March).
        request = InformationRequest.objects.filter(
            contact__received_at__year=2026, contact__received_at__month=3, returned_at__isnull=False
        )
        with django_capture_on_commit_callbacks(execute=True) as callbacks:
            request.order_by("pk")[0].delete()
        assert len(callbacks) == 1
        assert _changed_since(versions) == {date(2026, 3, 1)}
        with CaptureQueriesContext(connection) as captured:
            after = _by_month(filters, tenant)
        passes = _passes(captured)
        assert passes and all("2026-03-01" in sql and "2026-01-01" not in sql for sql in passes), passes
        assert after == _whole(filters, tenant)
        assert after["returns"] == before["returns"] - 1


def test_a_purge_in_one_transaction_changes_each_deleted_month_once(generated, django_capture_on_commit_callbacks):
    tenant = generated["tenant"]
    filters = Filters(date(2026, 1, 1), date(2026, 12, 31), None, "week")
    with tenancy.tenant_context(tenant):
        before = _by_month(filters, tenant)
        versions = dict(FiguresMonth.objects.values_list("month", "token"))
        # A purge of two months' contacts and their requests, their facts going with them (CASCADE).
        purged = Contact.objects.filter(
            received_at__year=2026, received_at__month__in=[2, 5], early_help_requests__isnull=True
        )
        gone = purged.count()
        requests = InformationRequest.objects.filter(contact__in=purged)
        assert gone > 1 and requests.exists()
        with django_capture_on_commit_callbacks(execute=True) as callbacks, transaction.atomic():
            requests.delete()
            purged.delete()
        assert len(callbacks) == 1, "one change of versions however many records went"
        assert _changed_since(versions) == {date(2026, 2, 1), date(2026, 5, 1)}
        after = _by_month(filters, tenant)
        assert after == _whole(filters, tenant)
        assert after["contacts"] == before["contacts"] - gone


def test_a_deletion_rolled_back_changes_no_version(generated, django_capture_on_commit_callbacks):
    tenant = generated["tenant"]
    with tenancy.tenant_context(tenant):
        versions = dict(FiguresMonth.objects.values_list("month", "token"))
        with django_capture_on_commit_callbacks(execute=True) as callbacks:
            try:
                with transaction.atomic():
                    InformationRequest.objects.filter(contact__received_at__month=4).delete()
                    raise RuntimeError("the purge failed")
            except RuntimeError:
                pass
        assert callbacks == []
        assert _changed_since(versions) == set()


def test_the_nightly_rebuild_gives_a_new_version_only_to_the_months_it_repaired(generated):
    tenant = generated["tenant"]
    filters = Filters(date(2026, 1, 1), date(2026, 12, 31), None, "week")
    with tenancy.tenant_context(tenant):
        before = _by_month(filters, tenant)
        services.rebuild(tenant=tenant)
        with CaptureQueriesContext(connection) as captured:
            assert _by_month(filters, tenant) == before
        assert _passes(captured) == [], "nothing changed: nothing is read again"
        # A bulk update sends no signal, so no refresh: the facts are wrong until the rebuild repairs them.
        march = Contact.objects.filter(received_at__month=3, received_at__year=2026, decided_at__isnull=False)
        assert march.update(outcome="nfa") > 0
        versions = dict(FiguresMonth.objects.values_list("month", "token"))
        services.rebuild(tenant=tenant)
        assert _changed_since(versions) == {date(2026, 3, 1)}
        with CaptureQueriesContext(connection) as captured:
            after = _by_month(filters, tenant)
        passes = _passes(captured, "reporting_contactfact")
        assert passes and all("2026-03-01" in sql and "2026-01-01" not in sql for sql in passes), passes
        assert after == _whole(filters, tenant)
        assert after["outcomes"]["nfa"] > before["outcomes"]["nfa"]


sorted_runs = st.lists(
    st.lists(st.floats(min_value=0, max_value=500, allow_nan=False) | st.sampled_from([0.0, 1.0, 2.5]), max_size=600),
    min_size=1,
    max_size=12,
)


@settings(max_examples=200, deadline=None)
@given(sorted_runs)
def test_percentiles_of_sorted_runs_are_those_of_all_the_values_together(runs):
    values = sorted(value for run in runs for value in run)
    n, (median, p90) = tallies.percentiles([array("d", sorted(run)) for run in runs])
    assert n == len(values)
    assert median == selectors._interpolated(values, 0.5)
    assert p90 == selectors._interpolated(values, 0.9)
