"""Platform admin in the web process works one tenant at a time: it has no cross-tenant database role."""

import pytest
from django.test import Client

from mash import tenancy
from mash.models import AuditEvent, User
from tests.factories import AgencyFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def root():
    client = Client()
    client.force_login(User.objects.create_superuser("platform-root", "root@example.org", "x"))
    return client


def test_platform_admin_lists_only_the_chosen_tenant_and_the_choice_is_audited(root, tenant_a, tenant_b):
    AgencyFactory(tenant=tenant_a, slug="police", name="Alpha Police")
    AgencyFactory(tenant=tenant_b, slug="police", name="Beta Police")

    unchosen = root.get("/platform-admin/mash/agency/").content.decode()
    assert "Alpha Police" not in unchosen and "Beta Police" not in unchosen

    chosen = root.get("/platform-admin/mash/agency/", {"platform_tenant": "alpha"})
    assert chosen.status_code == 302 and chosen.url == "/platform-admin/mash/agency/"
    page = root.get("/platform-admin/mash/agency/").content.decode()
    assert "Alpha Police" in page and "Beta Police" not in page
    with tenancy.tenant_context(tenant_a):
        chosen_events = AuditEvent.objects.filter(action="platform_admin.tenant_chosen", actor_label="platform-root")
        assert chosen_events.count() == 1

    assert root.get("/platform-admin/", {"platform_tenant": "nowhere"}).status_code == 404
    root.get("/platform-admin/", {"platform_tenant": ""})  # forget the choice
    assert "Alpha Police" not in root.get("/platform-admin/mash/agency/").content.decode()


def test_a_staff_user_cannot_choose_a_tenant_in_platform_admin(tenant_a, tenant_b, make_user):
    client = Client()
    client.force_login(make_user(tenant_a))
    response = client.get("/platform-admin/mash/agency/", {"platform_tenant": "beta"})
    assert response.status_code == 302 and "/platform-admin/login/" in response.url  # the admin's own sign-in
    assert "mash_platform_tenant" not in client.session
