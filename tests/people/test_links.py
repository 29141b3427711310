"""Contacts that belong together: the queue and the contact page say "also open", triage links and unlinks."""

import pytest

from mash import tenancy
from mash.models import AuditEvent
from people.models import ContactLink
from tests.earlyhelp.builders import decide_early_help
from tests.people.builders import child, contact_about
from tests.text import read

pytestmark = pytest.mark.django_db
LEO = child("Leo", "Hart", "2015-04-02")


def test_a_new_contact_about_an_open_child_says_also_open_and_triage_links_and_unlinks(cambs, client):
    first = contact_about(cambs, "k1", LEO)
    second = contact_about(cambs, "k2", child("Leo", "Hart", "2015-04-02"))
    other = contact_about(cambs, "k3", child("Mia", "Stone", "2019-01-09"))
    client.force_login(cambs["triage"])
    queue = client.get("/triage/").content.decode()
    # In the queue a short tag that fits its row; the reference is read out with it.
    tag = 'Also open<span class="govuk-visually-hidden">: {}</span>'
    assert tag.format(first.reference) in queue and tag.format(second.reference) in queue
    page = client.get(f"/triage/contacts/{second.pk}/").content.decode()
    assert f"Also open: {first.reference}" in read(page) and f"Link to {first.reference}" in read(page)
    assert "Also open" not in client.get(f"/triage/contacts/{other.pk}/").content.decode()

    # Only what the page offered can be linked.
    refused = client.post(f"/people/links/contacts/{second.pk}/", {"target": f"c{other.pk}"}, follow=True)
    assert "not an open contact or early-help request about the same child" in refused.content.decode()
    done = client.post(f"/people/links/contacts/{second.pk}/", {"target": f"c{first.pk}"}, follow=True)
    assert f"{second.reference} is linked to {first.reference}" in done.content.decode()
    assert "Undo the link" in done.content.decode()
    with tenancy.tenant_context(cambs["tenant"]):
        link = ContactLink.objects.get()
        assert (link.contact_id, link.linked_contact_id, link.linked_by) == (second.pk, first.pk, cambs["triage"])
        assert AuditEvent.objects.filter(action="contact.linked", object_id=str(second.pk)).count() == 1

    undone = client.post(f"/people/links/{link.pk}/undo/", follow=True)
    assert "is no longer linked" in undone.content.decode()
    with tenancy.tenant_context(cambs["tenant"]):
        link.refresh_from_db()
        assert link.unlinked_at is not None and link.unlinked_by == cambs["triage"]
        assert AuditEvent.objects.filter(action="contact.unlinked", object_id=str(second.pk)).count() == 1
    assert client.post(f"/people/links/{link.pk}/undo/", follow=True).status_code == 200  # a second undo: a message
    with tenancy.tenant_context(cambs["tenant"]):
        assert AuditEvent.objects.filter(action="contact.unlinked").count() == 1


def test_an_open_early_help_request_counts_as_also_open(cambs, client):
    stepped_down = contact_about(cambs, "k1", LEO)
    hub = type("Hub", (), {"tenant": cambs["tenant"], "manager": cambs["manager"]})
    request = decide_early_help(hub, stepped_down)
    new = contact_about(cambs, "k2", LEO)
    client.force_login(cambs["manager"])
    page = client.get(f"/triage/contacts/{new.pk}/").content.decode()
    assert f"Also open: {request.reference}" in read(page)
    client.post(f"/people/links/contacts/{new.pk}/", {"target": f"e{request.pk}"})
    with tenancy.tenant_context(cambs["tenant"]):
        assert ContactLink.objects.get().linked_early_help_id == request.pk


def test_a_head_of_service_sees_also_open_but_may_not_link(cambs, client):
    first = contact_about(cambs, "k1", LEO)
    second = contact_about(cambs, "k2", LEO)
    client.force_login(cambs["head"])
    page = client.get(f"/triage/contacts/{second.pk}/").content.decode()
    assert f"Also open: {first.reference}" in read(page) and "Link to" not in read(page)
    refused = client.post(f"/people/links/contacts/{second.pk}/", {"target": f"c{first.pk}"}, follow=True)
    assert "Only MASH triage staff and managers link contacts." in refused.content.decode()
    with tenancy.tenant_context(cambs["tenant"]):
        assert not ContactLink.objects.exists()
