"""The header takes each role to the places it works all day, and every link there opens for that role."""

import re

import pytest

from mash.roles import Role

pytestmark = pytest.mark.django_db

EXPECTED = {
    Role.TRIAGE: {"Triage queue", "Contacts"},
    Role.MANAGER: {"Triage queue", "Contacts", "Early help", "Dashboard"},
    Role.HEAD: {"Dashboard", "Early help"},
    Role.EHCOORD: {"Early help queue"},
    Role.REFERRER: {"Your referrals", "Your early help requests"},
    Role.NAVIGATOR: {"Information requests"},
    Role.AGENCY_LEAD: {"Information requests"},
    Role.ADMIN: {"Audit log"},
}
NAV_LINK = re.compile(r'<a class="govuk-service-navigation__link" href="([^"]+)">([^<]+)</a>')


@pytest.mark.parametrize("role", list(EXPECTED))
def test_every_header_link_of_a_role_opens_for_that_role(role, tenant_a, make_user, client):
    client.force_login(make_user(tenant_a, role))
    body = client.get("/", follow=True).content.decode()
    links = dict((label, href) for href, label in NAV_LINK.findall(body))
    assert EXPECTED[role] | {"Home"} <= set(links), links
    for label, href in links.items():
        assert client.get(href).status_code == 200, f"{role}: {label} ({href})"
