"""``/api/v1/users/`` (API.md, "Additions, round 2"): administrators of their own tenant only, and no way
round the rules (no superusers, no other tenant, no changing one's own role)."""

import pytest
from rest_framework.authtoken.models import Token

from mash import tenancy
from mash.models import Team, User
from mash.roles import AGENCY_ROLES, Role
from tests.audit_helpers import audit_event
from tests.factories import AgencyFactory

URL = "/api/v1/users/"


@pytest.fixture
def admin(tenant_a, make_user):
    return make_user(tenant_a, Role.ADMIN, username="alpha-admin")


@pytest.fixture
def police(tenant_a):
    return AgencyFactory(tenant=tenant_a, slug="police", name="Police")


def _new(**fields):
    return {"username": "alpha-new", "email": "new@example.org", "role": Role.TRIAGE, **fields}


def test_an_admin_lists_their_own_councils_accounts_with_the_contract_fields(admin, tenant_b, make_user, api_as):
    make_user(tenant_b, Role.TRIAGE, username="beta-someone")
    response = api_as(admin).get(URL)
    assert response.status_code == 200
    assert [row["username"] for row in response.data["results"]] == ["alpha-admin"]
    assert set(response.data["results"][0]) >= {"id", "username", "email", "role", "agency", "team", "is_active"}


def test_creating_a_navigator_needs_an_agency_and_gives_a_team(admin, police, tenant_a, api_as, mailoutbox,
                                                               django_capture_on_commit_callbacks):  # fmt: skip
    with tenancy.tenant_context(tenant_a):
        team = Team.objects.create(name="MASH team A")
    client = api_as(admin)
    missing = client.post(URL, _new(role=Role.NAVIGATOR), format="json")
    assert missing.status_code == 400 and "agency" in missing.data
    with django_capture_on_commit_callbacks(execute=True):
        created = client.post(URL, _new(role=Role.NAVIGATOR, agency="police", team=team.pk), format="json")
    assert created.status_code == 201, created.data
    assert created.data | {"id": 0} == {
        "id": 0, "username": "alpha-new", "email": "new@example.org", "first_name": "", "last_name": "",
        "role": "navigator", "agency": "police", "team": team.pk, "is_active": True,
    }  # fmt: skip
    assert mailoutbox[0].to == ["new@example.org"] and "/account/set-up/" in mailoutbox[0].body
    assert client.get(f"{URL}{created.data['id']}/").data["agency"] == "police"


@pytest.mark.parametrize("role", Role.values)
def test_every_role_of_the_role_choices_is_accepted(admin, police, api_as, role):
    # Validation follows ``Role``: a role added there (e.g. ``edt``) is accepted without a change here.
    body = _new(role=role, agency="police" if role in AGENCY_ROLES else None)
    response = api_as(admin).post(URL, body, format="json")
    assert response.status_code == 201, response.data
    assert response.data["role"] == role


@pytest.mark.parametrize(
    "body, field",
    [
        (_new(role="wizard"), "role"),
        (_new(role=""), "role"),
        (_new(email="not-an-email"), "email"),
        (_new(username=""), "username"),
        (_new(agency="no-such-agency", role=Role.NAVIGATOR), "agency"),
        (_new(agency="police"), "agency"),  # triage belongs to no agency
        (_new(team=999999), "team"),
        (_new(team="abc"), "team"),
        (_new(is_superuser=True), "is_superuser"),
        (_new(is_staff=True), "is_staff"),
        (_new(password="chosen-by-the-admin"), "password"),
        (_new(tenant="beta"), "tenant"),
    ],
)
def test_bad_or_forbidden_input_is_400_with_the_field_and_creates_nothing(admin, police, tenant_b, api_as, body,
                                                                         field):  # fmt: skip
    response = api_as(admin).post(URL, body, format="json")
    assert response.status_code == 400 and field in response.data, response.data
    assert not User.objects.filter(username="alpha-new").exists()
    assert not User.objects.filter(is_superuser=True).exists()


def test_a_patch_cannot_make_a_superuser_or_move_someone_to_another_council(admin, tenant_a, make_user, api_as):
    user = make_user(tenant_a, Role.TRIAGE)
    client = api_as(admin)
    assert client.patch(f"{URL}{user.pk}/", {"is_superuser": True}, format="json").status_code == 400
    assert client.patch(f"{URL}{user.pk}/", {"tenant": "beta"}, format="json").status_code == 400
    user.refresh_from_db()
    assert not user.is_superuser and user.tenant == tenant_a


def test_an_admin_cannot_change_their_own_role_nor_deactivate_themselves(admin, api_as):
    client = api_as(admin)
    response = client.patch(f"{URL}{admin.pk}/", {"role": Role.HEAD}, format="json")
    assert response.status_code == 403 and "your own role" in str(response.data)
    assert client.patch(f"{URL}{admin.pk}/", {"is_active": False}, format="json").status_code == 403
    admin.refresh_from_db()
    assert admin.role == Role.ADMIN and admin.is_active
    assert client.patch(f"{URL}{admin.pk}/", {"first_name": "Ada"}, format="json").status_code == 200


def test_patch_changes_role_and_is_audited(admin, tenant_a, make_user, api_as):
    user = make_user(tenant_a, Role.TRIAGE)
    response = api_as(admin).patch(f"{URL}{user.pk}/", {"role": Role.MANAGER}, format="json")
    assert response.status_code == 200 and response.data["role"] == Role.MANAGER
    event = audit_event(tenant_a, action="user.changed", object_id=str(user.pk))
    assert event.changes["role"] == [Role.TRIAGE, Role.MANAGER] and event.actor == admin


def test_deactivating_through_the_api_revokes_the_token_at_once(admin, tenant_a, make_user, api_as):
    leaver = make_user(tenant_a, Role.TRIAGE)
    leaver_client = api_as(leaver)
    assert leaver_client.get("/api/v1/agencies/").status_code == 200
    response = api_as(admin).patch(f"{URL}{leaver.pk}/", {"is_active": False}, format="json")
    assert response.status_code == 200 and response.data["is_active"] is False
    assert leaver_client.get("/api/v1/agencies/").status_code == 401
    assert not Token.objects.filter(user=leaver).exists()


def test_another_councils_account_is_404(admin, tenant_b, make_user, api_as):
    theirs = make_user(tenant_b, Role.TRIAGE)
    client = api_as(admin)
    assert client.get(f"{URL}{theirs.pk}/").status_code == 404
    assert client.patch(f"{URL}{theirs.pk}/", {"is_active": False}, format="json").status_code == 404
    theirs.refresh_from_db()
    assert theirs.is_active


@pytest.mark.parametrize("role", [r for r in Role.values if r != Role.ADMIN])
def test_only_administrators_use_the_users_api(tenant_a, make_user, api_as, role):
    client = api_as(make_user(tenant_a, role))
    assert client.get(URL).status_code == 403
    assert client.post(URL, _new(), format="json").status_code == 403


@pytest.mark.parametrize("chosen", ["alpha-sam", "Alpha-SAM"])
@pytest.mark.parametrize("change", ["create", "rename"])
def test_a_username_taken_by_another_request_after_the_check_is_a_field_error_not_a_500(
    admin, tenant_a, make_user, api_as, monkeypatch, change, chosen
):
    """Two administrators (of any councils: usernames are sign-in names) choosing one name at the same moment:
    both pass the check before either saves, and the unique index refuses the second. Simulated by passing the
    check, as the second request did."""
    from mash.accounts import services

    make_user(tenant_a, Role.TRIAGE, username="alpha-sam")
    renamed = make_user(tenant_a, Role.TRIAGE, username="alpha-jo")
    monkeypatch.setattr(services, "_field_errors", lambda **kwargs: {})
    client = api_as(admin)
    if change == "create":
        response = client.post(URL, _new(username=chosen), format="json")
    else:
        response = client.patch(f"{URL}{renamed.pk}/", {"username": chosen}, format="json")
    assert response.status_code == 400
    assert response.data == {"username": [services.USERNAME_TAKEN]}
    assert User.objects.filter(username__iexact="alpha-sam").count() == 1  # "Sam" and "sam" are one name
    assert User.objects.filter(pk=renamed.pk, username="alpha-jo").exists()
