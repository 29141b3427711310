"""Merge and unmerge duplicate people: staff choose the duplicate, give a reason, see what will move, merge; what
moved is recorded and shown; unmerge puts back exactly that. Both audited; tenant walls; clear errors."""

from datetime import date
from types import SimpleNamespace

import pytest

from contacts.models import ContactPerson, Person
from earlyhelp.models import EarlyHelpChild
from mash import tenancy
from people import search, selectors, services
from people.models import ChronologyEntry, ContactLink, PersonMerge
from tests.audit_helpers import audit_event, audit_events
from tests.earlyhelp.builders import decide_early_help
from tests.people.builders import child, contact_about, person_named

pytestmark = pytest.mark.django_db


def two_leos(hub):
    """Leo Hart (one contact) and a duplicate "Leo Harte": two contacts, an early-help request stepped down from
    the first, an event added by hand, and the second contact linked to Leo Hart's open one."""
    first = contact_about(hub, "k1", child("Leo", "Hart", "2015-04-02"))
    dup_first = contact_about(hub, "k2", child("Leo", "Harte", "2015-04-02"), address="3 Kings Road, Cambridge")
    request = decide_early_help(SimpleNamespace(tenant=hub["tenant"], manager=hub["manager"]), dup_first)
    dup_second = contact_about(hub, "k3", child("Leo", "Harte", "2015-04-02"))
    leo, dup = person_named(hub, "Leo", "Hart"), person_named(hub, "Leo", "Harte")
    with tenancy.tenant_context(hub["tenant"]):
        entry = services.add_chronology_entry(
            actor=hub["triage"], person=dup, occurred_on=date(2024, 3, 1), source="Police niche record",
            summary="Found wandering at night.",
        )  # fmt: skip
        dup_second = type(dup_second).objects.get(pk=dup_second.pk)
        link = services.link_contact(actor=hub["triage"], contact=dup_second, other_contact=first, reason="Same child")
    return SimpleNamespace(
        first=first, dup_contacts=[dup_first, dup_second], request=request, leo=leo, dup=dup, entry=entry, link=link
    )


def _owners(hub, world):
    """Whom each moved row names now: the mentions of the duplicate's contacts, its early-help child, its entry."""
    with tenancy.tenant_context(hub["tenant"]):
        mentions = set(ContactPerson.objects.filter(contact__in=world.dup_contacts).values_list("person_id", flat=True))
        children = set(EarlyHelpChild.objects.filter(request=world.request).values_list("person_id", flat=True))
        entry = ChronologyEntry.objects.get(pk=world.entry.pk).person_id
    return mentions, children, entry


def test_staff_choose_the_duplicate_see_what_moves_and_merge_and_the_record_shows_it(cambs, client):
    world = two_leos(cambs)
    leo, dup = world.leo, world.dup
    client.force_login(cambs["triage"])
    record = client.get(f"/people/{leo.pk}/").content.decode()
    assert "Merge a duplicate record into this one" in record and "No other record has been merged" in record

    chooser = client.get(f"/people/{leo.pk}/merge/", {"q": "Leo Harte 2/4/2015"}).content.decode()
    assert f'value="{dup.pk}"' in chooser and f'value="{leo.pk}"' not in chooser  # never itself

    missing = client.post(f"/people/{leo.pk}/merge/", {"other": dup.pk, "reason": "  ", "q": "Leo Harte"})
    assert missing.status_code == 400
    assert "Enter why these are the same person." in missing.content.decode()
    assert f'value="{dup.pk}" checked' in missing.content.decode()  # the choice is kept

    reason = "Same child: surname misspelt by the school; confirmed with mother."
    check = client.post(f"/people/{leo.pk}/merge/", {"other": dup.pk, "reason": reason}).content.decode()
    assert "Merge Leo Harte" in check
    for contact in world.dup_contacts:
        assert contact.reference in check
    assert world.request.reference in check
    with tenancy.tenant_context(cambs["tenant"]):
        assert PersonMerge.objects.count() == 0  # nothing moved before confirming

    done = client.post(f"/people/{leo.pk}/merge/", {"other": dup.pk, "reason": reason, "confirm": "yes"}, follow=True)
    html = done.content.decode()
    assert "was merged into this record" in html
    assert "Merged from <strong>Leo Harte</strong>" in html and reason in html
    assert world.dup_contacts[0].reference in html and world.request.reference in html
    assert _owners(cambs, world) == ({leo.pk}, {leo.pk}, leo.pk)
    with tenancy.tenant_context(cambs["tenant"]):
        merge = PersonMerge.objects.get()
        assert Person.objects.get(pk=dup.pk).merged_into_id == leo.pk
        assert sorted(merge.moved_contacts) == sorted(c.reference for c in world.dup_contacts)
        assert merge.moved_links == [world.link.pk] and merge.moved_chronology_entries == [world.entry.pk]
        # The kept record's chronology now tells both stories; search finds only the kept record.
        chronology = selectors.person_record(cambs["triage"], Person.objects.get(pk=leo.pk)).chronology
        assert {c.reference for c in world.dup_contacts} <= {e.contact.reference for e in chronology if e.contact}
        hits = search.search(search.parse("Leo Harte 2/4/2015"))
        assert dup.pk not in [h.person_id for h in hits] and hits[0].person_id == leo.pk
    event = audit_event(cambs["tenant"], action="person.merged")
    assert event.actor == cambs["triage"] and event.object_id == str(leo.pk)
    assert event.changes["merged"] == dup.pk and event.changes["reason"] == reason
    # The duplicate's old address now leads to the kept record.
    assert client.get(f"/people/{dup.pk}/").url == f"/people/{leo.pk}/"


def test_unmerge_puts_back_exactly_what_the_merge_moved_and_is_audited(cambs, api_as):
    world = two_leos(cambs)
    leo, dup = world.leo, world.dup
    api = api_as(cambs["manager"])
    response = api.post(f"/api/v1/people/{leo.pk}/merge/", {"other": dup.pk, "reason": "Same child."}, format="json")
    assert response.status_code == 201, response.content
    moved = response.json()["moved"]
    assert sorted(moved["contacts"]) == sorted(c.reference for c in world.dup_contacts)
    assert moved["early_help"] == [world.request.reference] and moved["chronology_entries"] == [world.entry.pk]
    # A contact about Leo Hart after the merge is the kept record's own: the unmerge leaves it there.
    later = contact_about(cambs, "k4", child("Leo", "Hart", "2015-04-02"))
    merge_id = response.json()["id"]

    assert api.post(f"/api/v1/people/merges/{merge_id}/unmerge/", {"reason": ""}, format="json").status_code == 400
    undone = api.post(f"/api/v1/people/merges/{merge_id}/unmerge/", {"reason": "Twins, not one child."}, format="json")
    assert undone.status_code == 200, undone.content
    assert undone.json()["unmerge_reason"] == "Twins, not one child." and undone.json()["unmerged_by"]
    assert _owners(cambs, world) == ({dup.pk}, {dup.pk}, dup.pk)
    with tenancy.tenant_context(cambs["tenant"]):
        assert Person.objects.get(pk=dup.pk).merged_into_id is None
        assert ContactPerson.objects.get(contact=later).person_id == leo.pk
        assert ContactPerson.objects.get(contact=world.first).person_id == leo.pk
        assert ContactLink.objects.get(pk=world.link.pk).unlinked_at is None  # links were never touched
        assert dup.pk in [h.person_id for h in search.search(search.parse("Leo Harte 2/4/2015"))]
    event = audit_event(cambs["tenant"], action="person.unmerged")
    assert event.actor == cambs["manager"] and event.changes["reason"] == "Twins, not one child."
    again = api.post(f"/api/v1/people/merges/{merge_id}/unmerge/", {"reason": "Again."}, format="json")
    assert again.status_code == 409
    record = api.get(f"/api/v1/people/{leo.pk}/")
    assert record.status_code == 200


def test_merging_into_itself_or_an_already_merged_record_is_a_clear_error(cambs, api_as, client):
    world = two_leos(cambs)
    leo, dup = world.leo, world.dup
    api = api_as(cambs["triage"])
    itself = api.post(f"/api/v1/people/{leo.pk}/merge/", {"other": leo.pk, "reason": "x"}, format="json")
    assert itself.status_code == 400 and "cannot be merged into itself" in itself.json()["other"][0]
    assert api.post(f"/api/v1/people/{leo.pk}/merge/", {"reason": "x"}, format="json").json()["other"]
    assert api.post(f"/api/v1/people/{leo.pk}/merge/", {"other": dup.pk, "reason": ""}, format="json").json()[
        "reason"
    ] == ["Enter why these are the same person."]
    assert (
        api.post(f"/api/v1/people/{leo.pk}/merge/", {"other": dup.pk, "reason": "Same."}, format="json").status_code
        == 201
    )
    twice = api.post(f"/api/v1/people/{leo.pk}/merge/", {"other": dup.pk, "reason": "Same."}, format="json")
    assert twice.status_code == 400 and "already merged into record" in twice.json()["other"][0]
    client.force_login(cambs["triage"])
    page = client.post(f"/people/{leo.pk}/merge/", {"other": dup.pk, "reason": "Same."})
    assert page.status_code == 400 and "already merged into record" in page.content.decode()
    # Into the duplicate (merged away) is refused too: the kept record is the one to merge into.
    mia = contact_about(cambs, "k9", child("Mia", "Stone", "2019-01-09"))
    assert mia
    into_dup = api.post(
        f"/api/v1/people/{dup.pk}/merge/",
        {"other": person_named(cambs, "Mia", "Stone").pk, "reason": "x"},
        format="json",
    )
    assert into_dup.status_code == 409
    assert len(audit_events(cambs["tenant"], action="person.merged")) == 1


def test_unmerge_is_refused_while_the_kept_record_is_merged_into_another(cambs, api_as):
    world = two_leos(cambs)
    api = api_as(cambs["head"])
    first = api.post(f"/api/v1/people/{world.leo.pk}/merge/", {"other": world.dup.pk, "reason": "Same."}, format="json")
    contact_about(cambs, "k5", child("Leon", "Hartt", "2015-04-02"))
    leon = person_named(cambs, "Leon", "Hartt")
    assert (
        api.post(
            f"/api/v1/people/{leon.pk}/merge/", {"other": world.leo.pk, "reason": "Same."}, format="json"
        ).status_code
        == 201
    )
    refused = api.post(f"/api/v1/people/merges/{first.json()['id']}/unmerge/", {"reason": "No."}, format="json")
    assert refused.status_code == 409 and "undo that merge first" in refused.json()["detail"]


def _merge(api, kept, other, reason="Same child."):
    return api.post(f"/api/v1/people/{kept}/merge/", {"other": other, "reason": reason}, format="json")


def _unmerge(api, merge_id, reason="Not the same child."):
    return api.post(f"/api/v1/people/merges/{merge_id}/unmerge/", {"reason": reason}, format="json")


def test_another_tenants_person_or_merge_is_a_404_and_only_front_door_staff_merge(cambs, durham, api_as, client):
    world = two_leos(cambs)
    leo, dup = world.leo.pk, world.dup.pk
    contact_about(durham, "d1", child("Leo", "Hart", "2015-04-02"))
    theirs = person_named(durham, "Leo", "Hart").pk
    api = api_as(cambs["manager"])
    assert _merge(api, leo, theirs).status_code == 404
    assert _merge(api, theirs, dup).status_code == 404
    client.force_login(cambs["manager"])
    assert client.post(f"/people/{leo}/merge/", {"other": theirs, "reason": "x"}).status_code == 404
    merge_id = _merge(api, leo, dup).json()["id"]
    assert _unmerge(api_as(durham["manager"]), merge_id).status_code == 404
    for role in ("ehcoord", "nav_police", "referrer"):
        assert _merge(api_as(cambs[role]), leo, dup).status_code == 404
        client.force_login(cambs[role])
        assert client.get(f"/people/{leo}/merge/").status_code == 404
        assert client.get(f"/people/merges/{merge_id}/unmerge/").status_code == 404
    with tenancy.tenant_context(durham["tenant"]):
        assert Person.objects.get(pk=theirs).merged_into_id is None
