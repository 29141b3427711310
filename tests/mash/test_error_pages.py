"""Error pages are GOV.UK pages that say what happened and what to do next; the 500 page needs no database."""

import pytest
from django.test import Client, RequestFactory

from mash.roles import Role
from mash.views import server_error

pytestmark = pytest.mark.django_db


def _signed_in(user):
    client = Client()
    client.force_login(user)
    return client


def test_an_unknown_address_is_a_govuk_page_not_found(tenant_a, make_user):
    response = _signed_in(make_user(tenant_a, Role.TRIAGE)).get("/no-such-page/")
    body = response.content.decode()
    assert response.status_code == 404
    assert "govuk-template" in body and '<h1 class="govuk-heading-l">Page not found</h1>' in body
    assert "check you copied the entire address" in body and "Sign out" in body


def test_a_page_of_another_role_is_a_govuk_permission_page(tenant_a, make_user):
    response = _signed_in(make_user(tenant_a, Role.REFERRER)).get("/triage/")
    body = response.content.decode()
    assert response.status_code == 403
    assert "govuk-template" in body and "You do not have permission to view this page" in body


def test_a_server_error_is_a_govuk_page_that_needs_no_database_or_session(django_db_blocker):
    request = RequestFactory().get("/triage/")  # no session, no user: the middleware may not have run
    with django_db_blocker.block():  # any query would raise here
        response = server_error(request)
    body = response.content.decode()
    assert response.status_code == 500
    assert "govuk-template" in body and "Sorry, there is a problem with the service" in body
    assert "/static/govuk/govuk-frontend.min.css" in body


def test_an_exception_in_a_page_answers_the_govuk_500_page(tenant_a, make_user, monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("the queue is broken")

    monkeypatch.setattr("triage.selectors.queue_page", broken)
    client = Client(raise_request_exception=False)
    client.force_login(make_user(tenant_a, Role.TRIAGE))
    response = client.get("/triage/")
    assert response.status_code == 500
    assert "Sorry, there is a problem with the service" in response.content.decode()


def test_a_form_sent_without_its_csrf_token_gets_the_govuk_expired_form_page(db):
    response = Client(enforce_csrf_checks=True).post("/sign-in/", {"username": "x", "password": "y"})
    body = response.content.decode()
    assert response.status_code == 403
    assert "govuk-template" in body and "Sorry, this form has expired" in body
