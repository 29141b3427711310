"""A contact rated Red with police and health asked, both returned (health's not for onward sharing), ready to
decide; the hub has a receiving team with one member."""

from deadlines.services import ensure_default_ladders
from mash import tenancy
from mash.models import Team, TeamMember
from mash.roles import Role
from navigators import services as navigator_services
from navigators.models import InformationRequest
from tests.triage.builders import new_contact

POLICE_SUMMARY = "Two call-outs to the address in 2025; partner has a violence warning marker."
HEALTH_SECRET = "Mother disclosed to her GP a pregnancy she has told no one of."


def enquiry(hub, api_as, make_user, *, key="c1"):
    ensure_default_ladders(tenant=hub["tenant"])
    hub["nav_police"].email = "police-navigator@example.org"
    hub["nav_police"].save(update_fields=["email"])
    contact = new_contact(hub, key)
    response = api_as(hub["triage"]).post(
        f"/api/v1/contacts/{contact.pk}/rating/",
        {"rating": "amber", "rationale": "Domestic abuse in the household."},
        format="json",
    )
    assert response.status_code == 200, response.content
    nav_health = make_user(
        hub["tenant"],
        Role.NAVIGATOR,
        agency=hub["agencies"]["health"],
        username=f"{key}-nh",
        email=f"{key}-nh@example.org",
    )
    with tenancy.tenant_context(hub["tenant"]):
        requests = {r.agency.slug: r for r in InformationRequest.objects.filter(contact=contact)}
        navigator_services.submit_return(
            request=requests["police"], actor=hub["nav_police"],
            values={"known_to_agency": True, "summary": POLICE_SUMMARY, "recommendation": "Assessment.",
                    "lawful_basis": "public_task", "consent_status": "not_sought", "consent_reason": "risk_to_child"},
        )  # fmt: skip
        navigator_services.submit_return(
            request=requests["health"], actor=nav_health,
            values={"known_to_agency": True, "summary": HEALTH_SECRET, "recommendation": "Health visitor to visit.",
                    "lawful_basis": "public_task", "consent_status": "not_sought", "consent_reason": "risk_to_child",
                    "not_for_onward_sharing": True},
        )  # fmt: skip
        team = Team.objects.create(name="Assessment team North")
        worker = make_user(hub["tenant"], Role.TRIAGE, username=f"{key}-north", email=f"{key}-north@example.org")
        TeamMember.objects.create(team=team, user=worker)
    return {"contact": contact, "team": team, "worker": worker, "nav_health": nav_health, "requests": requests}
