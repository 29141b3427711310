import pytest

from mash.pages import ROLE_HOMES
from mash.roles import Role


@pytest.mark.parametrize("role", list(Role))
def test_each_role_lands_on_its_own_home_page(role, client, tenant_a, make_user):
    user = make_user(tenant_a, role)
    client.force_login(user)
    response = client.get("/", follow=True)
    home = ROLE_HOMES[role]
    assert response.redirect_chain[-1][0] == f"/home/{home.slug}/"
    assert response.status_code == 200
    body = response.content.decode()
    assert home.title in body
    assert tenant_a.name in body  # the header names the local authority


@pytest.mark.parametrize("role", list(Role))
def test_each_role_is_refused_every_other_roles_home(role, client, tenant_a, make_user):
    client.force_login(make_user(tenant_a, role))
    for other, home in ROLE_HOMES.items():
        if other == role:
            continue
        response = client.get(f"/home/{home.slug}/")
        assert response.status_code == 403, (role, other)
        assert "You do not have permission to view this page" in response.content.decode()


def test_anonymous_visitors_are_sent_to_sign_in(client, db):
    response = client.get("/home/triage/")
    assert response.status_code == 302
    assert response["Location"].startswith("/sign-in/")


def test_roles_map_onto_django_groups(tenant_a, make_user):
    user = make_user(tenant_a, Role.MANAGER)
    assert list(user.groups.values_list("name", flat=True)) == ["role:manager"]
    user.role = Role.HEAD
    user.save()
    assert list(user.groups.values_list("name", flat=True)) == ["role:head"]


def test_navigators_must_belong_to_an_agency(tenant_a):
    from django.core.exceptions import ValidationError
    from django.db import IntegrityError, transaction

    from mash.models import User

    user = User(username="nav-without-agency", tenant=tenant_a, role=Role.NAVIGATOR)
    with pytest.raises(ValidationError) as caught:
        user.full_clean()
    assert "agency" in caught.value.message_dict
    with pytest.raises(IntegrityError), transaction.atomic():
        user.save()


@pytest.mark.parametrize("role", [Role.TRIAGE, Role.NAVIGATOR, Role.REFERRER])
def test_only_admins_change_agencies(role, tenant_a, make_user, api_as, agency_factory):
    agency = agency_factory(tenant=tenant_a, slug="housing")
    client = api_as(make_user(tenant_a, role))
    response = client.patch(f"/api/v1/agencies/{agency.slug}/", {"name": "Changed"}, format="json")
    assert response.status_code == 403


def test_referrers_cannot_read_the_agency_list(tenant_a, make_user, api_as):
    response = api_as(make_user(tenant_a, Role.REFERRER)).get("/api/v1/agencies/")
    assert response.status_code == 403
