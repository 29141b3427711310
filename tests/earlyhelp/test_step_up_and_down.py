"""Step down (a MASH decision) and step up (safeguarding concerns in early help) keep one linked history, seen from
the early-help request and from the MASH contact alike."""

import pytest
from django.utils import timezone

from contacts.models import Contact
from deadlines.models import Clock
from earlyhelp import selectors, services
from earlyhelp.models import EarlyHelpRequest
from mash import tenancy
from mash.exceptions import Conflict, NotAllowed, PolicyViolation
from tests.audit_helpers import audit_events
from tests.earlyhelp.builders import decide_early_help, file_direct, stepped_down

pytestmark = pytest.mark.django_db

CONSENT = {"parents_aware": "yes", "consent_to_referral": "given", "consent_to_sharing": "given"}


def step_up(hub, request, actor=None, **overrides):
    with tenancy.tenant_context(hub.tenant):
        return services.step_up(
            request=request, actor=actor or hub.ehcoord,
            **{"concerns": "Leo had a bruise to his cheek; mother said her partner hit him.", **CONSENT, **overrides},
        )  # fmt: skip


def test_a_step_down_carries_the_contacts_children_referrer_and_family(hub):
    request = stepped_down(hub)
    with tenancy.tenant_context(hub.tenant):
        child = request.children.get()
        assert (child.first_name, child.last_name, str(child.date_of_birth)) == ("Leo", "Hart", "2025-04-02")
        assert child.person_id is not None  # the same register entry as the contact's child
    assert request.referrer_name == "Dr Priya Shah"
    assert request.family_contact == "Amy Hart" and request.family_phone == "07700 900123"
    assert "Needs parenting support." in request.needs and "midwife" in request.needs


def test_a_step_up_makes_a_linked_5d_contact_with_the_early_help_history(hub):
    request = stepped_down(hub)
    with tenancy.tenant_context(hub.tenant):
        services.give_outcome(request=request, actor=hub.ehcoord, outcome="lead_professional_support",
                              lead_professional="Ms Grant")  # fmt: skip
    contact = step_up(hub, request)
    with tenancy.tenant_context(hub.tenant):
        contact = Contact.objects.get(pk=contact.pk)
        stored = EarlyHelpRequest.objects.get(pk=request.pk)
        people = list(contact.people.all())
        assert contact.source == "5D"
        assert contact.status == "received" and contact.decision_due_at is not None  # on the MASH's decision clock
        assert "bruise" in contact.concerns and request.reference in contact.concerns
        assert request.reference in contact.support_provided
        assert "Support to the lead professional" in contact.support_provided and "Ms Grant" in contact.support_provided
        assert [(p.first_name, p.last_name) for p in people] == [("Leo", "Hart")]
        assert stored.stepped_up_to_id == contact.pk and stored.status == "stepped_up"
        # The early-help clocks stop: the MASH owns the case now.
        assert not Clock.objects.filter(
            subject_type__startswith="earlyhelp.", met_at__isnull=True, cancelled_at__isnull=True
        ).exists()
    assert audit_events(hub.tenant, action="early_help.stepped_up", object_id=str(request.pk))


def test_both_directions_show_one_history_from_either_side(hub):
    first = stepped_down(hub, key="first-contact")
    up = step_up(hub, first)
    # The MASH decides the stepped-up contact early help again: a second step down.
    second = decide_early_help(hub, up)
    with tenancy.tenant_context(hub.tenant):
        from_request = selectors.timeline_for_request(first)
        from_contact = selectors.timeline_for_contact(first.contact)
        from_new_contact = selectors.timeline_for_contact(up)
        from_second = selectors.timeline_for_request(second)
        assert [r.pk for r in selectors.requests_for_contact(up)] == [first.pk, second.pk]
        assert [r.pk for r in selectors.requests_for_contact(first.contact)] == [first.pk]
    assert from_request == from_contact == from_new_contact == from_second
    kinds = [e.kind for e in from_request]
    assert kinds.count("stepped_down") == 2 and "stepped_up" in kinds
    assert kinds.index("stepped_up") < max(i for i, k in enumerate(kinds) if k == "stepped_down")
    references = {e.reference for e in from_request}
    assert {first.reference, second.reference, first.contact.reference, up.reference} <= references


def test_the_request_page_shows_the_linked_history(hub, client):
    request = stepped_down(hub)
    contact = step_up(hub, request)
    client.force_login(hub.ehcoord)
    body = client.get(f"/early-help/{request.pk}/").content.decode()
    assert f"Stepped up to the MASH as contact {contact.reference}" in body
    assert f"stepped down from MASH contact {request.contact.reference}" in body
    assert f"/contacts/{contact.pk}/" in body


def test_the_referrer_who_asked_may_step_up_others_may_not(hub, api_as):
    own = file_direct(api_as(hub.referrer))
    with tenancy.tenant_context(hub.tenant):
        request = EarlyHelpRequest.objects.get(pk=own["id"])
    with pytest.raises(NotAllowed):
        step_up(hub, request, actor=hub.referrer2)
    with pytest.raises(NotAllowed):
        step_up(hub, request, actor=hub.manager)
    contact = step_up(hub, request, actor=hub.referrer)
    with tenancy.tenant_context(hub.tenant):
        contact = Contact.objects.get(pk=contact.pk)
    assert contact.submitted_by_id == hub.referrer.pk  # it is in their referrals too


def test_a_step_up_without_consent_needs_the_reason_and_nothing_is_made(hub):
    request = stepped_down(hub)
    with pytest.raises(PolicyViolation) as caught:
        step_up(hub, request, consent_to_referral="not_sought", consent_to_sharing="not_sought")
    assert caught.value.field == "consent_reason"
    with tenancy.tenant_context(hub.tenant):
        assert Contact.objects.filter(source="5D").count() == 0
        assert EarlyHelpRequest.objects.get(pk=request.pk).status == "received"
    contact = step_up(hub, request, consent_to_referral="not_sought", consent_to_sharing="not_sought",
                      consent_reason="risk_to_child", consent_decided_by="EH coordinator")  # fmt: skip
    assert contact.consent_reason == "risk_to_child"


def test_a_case_is_stepped_up_once(hub):
    request = stepped_down(hub)
    step_up(hub, request)
    with pytest.raises(Conflict):
        step_up(hub, request)


def test_the_step_up_page_is_for_those_who_may_and_shows_errors_in_a_summary(hub, client):
    request = stepped_down(hub)
    client.force_login(hub.manager)
    assert client.get(f"/early-help/{request.pk}/step-up/").status_code == 403
    client.force_login(hub.ehcoord)
    page = client.get(f"/early-help/{request.pk}/step-up/")
    assert page.status_code == 200 and "early-help history" in page.content.decode()
    response = client.post(f"/early-help/{request.pk}/step-up/", {"concerns": ""})
    assert response.status_code == 400
    assert "Enter the safeguarding concerns" in response.content.decode()
    response = client.post(f"/early-help/{request.pk}/step-up/", {"concerns": "Bruising seen.", **CONSENT})
    assert response.status_code == 302
    with tenancy.tenant_context(hub.tenant):
        assert EarlyHelpRequest.objects.get(pk=request.pk).stepped_up_at <= timezone.now()


def test_stepping_the_same_contact_down_twice_keeps_one_request(hub):
    request = stepped_down(hub)
    again = decide_early_help(hub, request.contact)
    assert again.pk == request.pk
    with tenancy.tenant_context(hub.tenant):
        assert EarlyHelpRequest.objects.filter(contact=request.contact).count() == 1


def test_the_contact_page_partial_links_both_directions_and_shows_the_history(hub, rf):
    from django.template.loader import render_to_string

    request = stepped_down(hub)
    up = step_up(hub, request)
    with tenancy.tenant_context(hub.tenant):
        down_side = render_to_string(
            "earlyhelp/partials/contact_links.html",
            {"contact": request.contact, **selectors.for_contact_page(request.contact)},
        )
        up_side = render_to_string(
            "earlyhelp/partials/contact_links.html", {"contact": up, **selectors.for_contact_page(up)}
        )
    assert f"/early-help/{request.pk}/" in down_side and "stepped down from this contact" in down_side
    assert f"/early-help/{request.pk}/" in up_side and "stepped up into this contact" in up_side
    for side in (down_side, up_side):
        assert f"Stepped up to the MASH as contact {up.reference}" in side
        assert "Case history across the MASH and the Early Help Hub" in side
