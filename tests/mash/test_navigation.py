"""The header takes each role to the places it works all day, and every link there opens for that role."""

import re

import pytest

from mash.roles import Role

pytestmark = pytest.mark.django_db

EXPECTED = {
    Role.TRIAGE: {"Triage queue", "Contacts"},
    Role.MANAGER: {"Triage queue", "Contacts", "Early help", "Dashboard"},
    Role.HEAD: {"Dashboard", "Early help", "Annex A", "Audit log"},
    Role.EHCOORD: {"Early help queue"},
    Role.REFERRER: {"Your referrals", "Your early help requests"},
    Role.NAVIGATOR: {"Information requests"},
    Role.AGENCY_LEAD: {"Information requests"},
    Role.ADMIN: {"Settings", "Agencies", "Teams", "Navigator settings", "Audit log"},
    Role.EDT: {"Out-of-hours queue"},
}
# Staff pages carry the MoJ primary navigation; referrers' pages the GOV.UK service navigation.
NAV_LINK = re.compile(
    r'<a class="(?:govuk-service-navigation__link|moj-primary-navigation__link)" href="([^"]+)"[^>]*>([^<]+)</a>'
)
STAFF = set(EXPECTED) - {Role.REFERRER}


@pytest.mark.parametrize("role", list(EXPECTED))
def test_every_header_link_of_a_role_opens_for_that_role(role, tenant_a, make_user, client):
    client.force_login(make_user(tenant_a, role))
    body = client.get("/", follow=True).content.decode()
    links = dict((label, href) for href, label in NAV_LINK.findall(body))
    assert EXPECTED[role] | {"Home"} <= set(links), links
    for label, href in links.items():
        assert client.get(href).status_code == 200, f"{role}: {label} ({href})"


@pytest.mark.parametrize("role", list(EXPECTED))
def test_staff_work_full_width_with_the_moj_header_and_referrers_keep_the_govuk_column(
    role, tenant_a, make_user, client
):
    client.force_login(make_user(tenant_a, role))
    body = client.get("/", follow=True).content.decode()
    if role in STAFF:
        assert 'class="moj-header govuk-template__header"' in body
        assert "moj/moj-frontend.min.css" in body and "mash/staff.js" in body
        assert 'class="govuk-width-container mash-width-fluid"' in body
        assert 'aria-current="page">Home</a>' in body  # the section the user is in is marked
    else:
        assert "moj-frontend" not in body and "mash-width-fluid" not in body
        assert "govuk-service-navigation__link" in body


def test_public_pages_keep_the_govuk_column_and_load_no_moj_frontend(client, db):
    body = client.get("/sign-in/").content.decode()
    assert "moj-frontend" not in body and "mash-width-fluid" not in body
