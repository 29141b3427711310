"""Everyone sees their own notifications, newest first; nobody sees anyone else's."""

from datetime import timedelta

import pytest
from django.template.loader import render_to_string
from django.test import RequestFactory
from django.utils import timezone

from deadlines.context_processors import notifications as notifications_context
from deadlines.models import Notification
from mash import tenancy
from mash.roles import Role

pytestmark = pytest.mark.django_db


def notify(user, subject, *, minutes_ago=0, read=False):
    with tenancy.tenant_context(user.tenant):
        return Notification.objects.create(
            recipient=user,
            kind="breach",
            subject=subject,
            message=f"Navigator information return for {subject} is overdue.",
            url="/contacts/1/",
            created_at=timezone.now() - timedelta(minutes=minutes_ago),
            read_at=timezone.now() if read else None,
        )


def reloaded(notification):
    """The notification as its own tenant now holds it (row-level security: never read as no one)."""
    with tenancy.tenant_context(notification.tenant_id):
        notification.refresh_from_db()
    return notification


@pytest.fixture
def people(tenant_a, tenant_b, make_user):
    return {
        "me": make_user(tenant_a, Role.MANAGER),
        "colleague": make_user(tenant_a, Role.MANAGER),
        "stranger": make_user(tenant_b, Role.MANAGER),
    }


def test_the_list_holds_only_my_notifications_newest_first(people, api_as):
    older = notify(people["me"], "ALP-1", minutes_ago=10)
    newer = notify(people["me"], "ALP-2", minutes_ago=1)
    notify(people["colleague"], "ALP-3")
    notify(people["stranger"], "BET-1")
    response = api_as(people["me"]).get("/api/v1/notifications/")
    assert response.status_code == 200
    assert response.data["count"] == 2
    assert set(response.data) == {"count", "next", "previous", "results"}
    assert [row["id"] for row in response.data["results"]] == [newer.pk, older.pk]
    row = response.data["results"][0]
    assert {"kind", "subject", "created_at", "read", "id", "message", "url"} <= set(row)
    assert (row["kind"], row["subject"], row["read"]) == ("breach", "ALP-2", False)


@pytest.mark.parametrize("owner", ["colleague", "stranger"])
def test_someone_elses_notification_is_not_found(people, api_as, owner):
    theirs = notify(people[owner], "X-1")
    response = api_as(people["me"]).post(f"/api/v1/notifications/{theirs.pk}/read/")
    assert response.status_code == 404
    assert reloaded(theirs).read_at is None


def test_marking_my_notification_read(people, api_as):
    mine = notify(people["me"], "ALP-1")
    client = api_as(people["me"])
    response = client.post(f"/api/v1/notifications/{mine.pk}/read/")
    assert response.status_code == 200
    assert response.data["read"] is True
    assert client.get("/api/v1/notifications/").data["results"][0]["read"] is True


def test_the_list_needs_a_signed_in_tenant_user():
    from rest_framework.test import APIClient

    assert APIClient().get("/api/v1/notifications/").status_code in (401, 403)


def test_the_list_is_paginated(people, api_as):
    for i in range(55):
        notify(people["me"], f"ALP-{i}", minutes_ago=i)
    page = api_as(people["me"]).get("/api/v1/notifications/").data
    assert page["count"] == 55
    assert len(page["results"]) == 50
    assert page["next"]


def test_the_header_count_is_my_unread_notifications_in_one_query(people, django_assert_num_queries):
    notify(people["me"], "ALP-1")
    notify(people["me"], "ALP-2")
    notify(people["me"], "ALP-3", read=True)
    notify(people["colleague"], "ALP-4")
    request = RequestFactory().get("/")
    request.user = people["me"]
    with tenancy.tenant_context(people["me"].tenant):
        context = notifications_context(request)
        with django_assert_num_queries(1):
            html = render_to_string("deadlines/partials/header_count.html", {**context, "user": people["me"]})
            render_to_string("deadlines/partials/header_count.html", {**context, "user": people["me"]})
    assert "2 unread" in html
    assert 'href="/notifications/"' in html


def test_the_notifications_page_lists_mine_and_marks_them_read(people, client):
    mine = notify(people["me"], "ALP-7")
    notify(people["colleague"], "ALP-8")
    client.force_login(people["me"])
    page = client.get("/notifications/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "ALP-7" in html and "ALP-8" not in html
    assert "Overdue" in html and "Unread" in html  # words, not only colours
    response = client.post(f"/notifications/{mine.pk}/read/")
    assert response.status_code == 302
    assert reloaded(mine).read


def test_the_page_cannot_mark_someone_elses_notification(people, client):
    theirs = notify(people["colleague"], "ALP-8")
    client.force_login(people["me"])
    assert client.post(f"/notifications/{theirs.pk}/read/").status_code == 404
