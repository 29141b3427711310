"""The outcome page asks each outcome's own questions under its radio (GOV.UK conditional reveals): only the chosen
outcome's questions are required or read, and an error opens the reveal it belongs to (issue 17)."""

import re

import pytest

from earlyhelp.models import EarlyHelpRequest
from mash import tenancy
from tests.earlyhelp.builders import stepped_down

pytestmark = pytest.mark.django_db


def _reveal(html: str, outcome: str) -> str:
    """The opening tag of the block revealed under ``outcome``'s radio."""
    match = re.search(rf'<div class="govuk-radios__conditional[^"]*" id="conditional-outcome-{outcome}">', html)
    assert match, f"no reveal under {outcome}"
    return match.group(0)


def _block(html: str, outcome: str) -> str:
    """The revealed block under ``outcome``'s radio, up to the next radio."""
    rest = html[html.index(f'id="conditional-outcome-{outcome}"') :]
    end = rest.find('id="id_outcome_')
    return rest if end == -1 else rest[:end]


def test_each_outcomes_questions_sit_under_its_radio_and_are_hidden_until_it_is_chosen(hub, client):
    request = stepped_down(hub)
    client.force_login(hub.ehcoord)
    html = client.get(f"/early-help/{request.pk}/outcome/").content.decode()
    for outcome in ("district_service", "lead_professional_support", "signpost"):
        assert f'data-aria-controls="conditional-outcome-{outcome}"' in html
        assert "govuk-radios__conditional--hidden" in _reveal(html, outcome)
    assert 'name="district_services"' in _block(html, "district_service")
    assert 'name="further_assessment"' in _block(html, "district_service")
    assert 'name="support_lead_professional"' in _block(html, "lead_professional_support")
    assert 'name="signposted_to"' in _block(html, "signpost")
    assert "conditional-outcome-advice" not in html  # advice asks nothing more


def test_an_error_opens_the_chosen_outcomes_reveal_and_keeps_what_was_typed(hub, client):
    request = stepped_down(hub)
    client.force_login(hub.ehcoord)
    response = client.post(
        f"/early-help/{request.pk}/outcome/",
        {"outcome": "district_service", "lead_professional": "Jo Patel", "signposted_to": "Parenting group"},
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert "govuk-radios__conditional--hidden" not in _reveal(html, "district_service")
    assert "govuk-radios__conditional--hidden" in _reveal(html, "signpost")
    assert 'href="#id_district_services"' in html and 'href="#id_further_assessment_0"' in html
    assert 'value="Jo Patel"' in html and 'value="Parenting group"' in html  # nothing typed is lost
    assert "Enter the service the family is signposted to" not in html  # another outcome's question is not asked


def test_only_the_chosen_outcomes_questions_are_required_or_read(hub, client):
    request = stepped_down(hub)
    client.force_login(hub.ehcoord)
    response = client.post(
        f"/early-help/{request.pk}/outcome/",
        {
            "outcome": "lead_professional_support", "support_lead_professional": "Ms L. Grant, Ridgeway Primary",
            "support_lead_professional_email": "l.grant@example.org",
            # typed under District service before the coordinator changed their mind: ignored, even too long
            "district_services": "x" * 600, "lead_professional": "Someone else",
        },
    )  # fmt: skip
    assert response.status_code == 302, response.content.decode()
    with tenancy.tenant_context(hub.tenant):
        saved = EarlyHelpRequest.objects.get(pk=request.pk)
    assert saved.outcome == "lead_professional_support"
    assert saved.lead_professional == "Ms L. Grant, Ridgeway Primary"
    assert saved.lead_professional_email == "l.grant@example.org"
    assert saved.district_services == ""


def test_support_to_the_lead_professional_needs_their_name_under_its_own_radio(hub, client):
    request = stepped_down(hub)
    client.force_login(hub.ehcoord)
    response = client.post(f"/early-help/{request.pk}/outcome/", {"outcome": "lead_professional_support"})
    assert response.status_code == 400
    html = response.content.decode()
    assert '<a href="#id_support_lead_professional">Enter the name of the lead professional to support</a>' in html
    assert "govuk-radios__conditional--hidden" not in _reveal(html, "lead_professional_support")
