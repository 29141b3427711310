"""The figures follow the records as they change (receivers refresh the facts after each commit)."""

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine

from contacts.models import Contact, ContactPerson
from deadlines.signals import clock_stage_changed
from mash import tenancy
from navigators.models import InformationRequest
from reporting.models import ContactFact, EarlyHelpFact, ReturnFact
from reporting.services import rebuild
from tests.contacts.builders import make_contact, submit
from tests.reporting.builders import RANGE

pytestmark = pytest.mark.django_db
LONDON = ZoneInfo("Europe/London")


def test_a_new_contact_counts_once_committed(hub, api_as, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        contact = make_contact(hub["tenant"], "k-1", received_at="2026-09-10T10:00:00+01:00")
    data = api_as(hub["manager"]).get("/api/v1/dashboard/timeliness/", RANGE).data
    assert (data["contacts"], data["children"], data["decisions"]) == (1, 1, 0)
    with tenancy.tenant_context(hub["tenant"]):
        assert ContactFact.objects.get(contact=contact).decision_unit == ""


def test_a_decision_and_a_return_update_the_figures(history, api_as, django_capture_on_commit_callbacks):
    tenant = history["tenant"]
    with tenancy.tenant_context(tenant), django_capture_on_commit_callbacks(execute=True):
        contact = Contact.objects.get(pk=history["c3"].pk)
        contact.outcome, contact.status = "strategy_discussion", "decided"
        contact.decided_at = datetime(2026, 9, 9, 16, 0, tzinfo=LONDON)  # due 17:00 that day
        contact.save()
        request = InformationRequest.objects.get(contact=history["c4"])
        request.returned_at, request.status = datetime(2026, 9, 16, 11, 0, tzinfo=LONDON), "returned"  # exactly due
        request.save()
    data = api_as(history["manager"]).get("/api/v1/dashboard/timeliness/", RANGE).data
    assert (data["decisions"], data["decided_within_deadline"], data["referrals"]) == (5, 4, 2)
    assert data["outcomes"]["strategy_discussion"] == 1
    assert (data["returns"], data["returns_on_time_pct_by_rating"]["green"]) == (4, 100.0)
    assert data["open_breaches"]["decisions"] == 0 and data["open_breaches"]["returns"] == 0


def test_a_backdated_contact_makes_a_later_one_a_re_contact(history, api_as, django_capture_on_commit_callbacks):
    tenant = history["tenant"]
    with tenancy.tenant_context(tenant), django_capture_on_commit_callbacks(execute=True):
        # A phone contact recorded late: Dan (c2, 7 Sep 2026) was the subject of a call in March 2026.
        earlier = Contact.objects.get(pk=history["c0"].pk)
        earlier.pk, earlier.reference = None, "ALP-2026-000050"
        earlier.received_at = datetime(2026, 3, 2, 10, tzinfo=LONDON)
        earlier.save()
        dan = ContactPerson.objects.get(contact=history["c2"], role="child")
        ContactPerson.objects.create(contact=earlier, person=dan.person, role="child", first_name="Dan",
                                     last_name="Hart")  # fmt: skip
    data = api_as(history["manager"]).get("/api/v1/dashboard/timeliness/", RANGE).data
    assert data["re_contacts_within_12_months"] == 3  # c3, c5 and now c2


def test_a_breach_recorded_by_the_deadline_engine_shows_as_open(history, django_capture_on_commit_callbacks):
    from deadlines.models import Clock

    tenant = history["tenant"]
    with tenancy.tenant_context(tenant):
        contact = history["c2"]
        Contact.objects.filter(pk=contact.pk).update(decided_at=None, outcome=None, status="in_triage")
        rebuild(tenant=tenant)
        clock = Clock(tenant=tenant, kind="decision", subject_type="contacts.contact", subject_id=str(contact.pk))
        with django_capture_on_commit_callbacks(execute=True):
            # What the engine does: the contacts receiver mirrors the breach with update(), then ours refreshes.
            clock_stage_changed.send(sender=Clock, clock=clock, changes={"breached_at": contact.decision_due_at})
        assert ContactFact.objects.get(contact=contact).breached_at == contact.decision_due_at


def test_a_rebuild_reproduces_the_same_facts(history):
    tenant = history["tenant"]
    with tenancy.tenant_context(tenant):
        before = sorted(ContactFact.objects.values_list("contact_id", "children", "re_contact_children",
                                                        "decided_in_time", "decision_elapsed"))  # fmt: skip
        counts = (ReturnFact.objects.count(), EarlyHelpFact.objects.count())
        rebuild(tenant=tenant)
        after = sorted(ContactFact.objects.values_list("contact_id", "children", "re_contact_children",
                                                       "decided_in_time", "decision_elapsed"))  # fmt: skip
        assert before == after
        assert (ReturnFact.objects.count(), EarlyHelpFact.objects.count()) == counts == (4, 3)


def _child(first, last, dob, postcode):
    return [{"first_name": first, "last_name": last, "date_of_birth": dob, "postcode": postcode, "sex": "F",
             "ethnicity": "WBRI"}]  # fmt: skip


def test_confirming_a_match_makes_every_moved_contact_a_re_contact_not_only_the_matched_one(
    hub, django_capture_on_commit_callbacks
):
    from contacts.models import PersonMatchCandidate
    from contacts.services import confirm_match

    tenant = hub["tenant"]
    # Records different enough that the matcher links nothing by itself (a new surname, a new address).
    before = _child("Ada", "Okafor", "2019-05-01", "PE1 1AA")
    after = _child("Zara", "Mensah", "2018-01-09", "CB4 3ZZ")
    with django_capture_on_commit_callbacks(execute=True):
        march = make_contact(tenant, "m-1", received_at="2026-03-02T10:00:00+00:00", children=before)
        june = make_contact(tenant, "m-2", received_at="2026-06-01T10:00:00+01:00", children=after)
        sept = make_contact(tenant, "m-3", received_at="2026-09-01T10:00:00+01:00", children=after)
    with tenancy.tenant_context(tenant), django_capture_on_commit_callbacks(execute=True):
        first = ContactPerson.objects.get(contact=march, role="child")
        june_child = ContactPerson.objects.get(contact=june, role="child")
        sept_child = ContactPerson.objects.get(contact=sept, role="child")
        # June and September name one register entry, March another: the same girl under two names.
        ContactPerson.objects.filter(pk=june_child.pk).update(person=sept_child.person)
        assert first.person_id != sept_child.person_id
        rebuild(tenant=tenant)
        assert ContactFact.objects.get(contact=june).re_contact_children == 0
        assert ContactFact.objects.get(contact=sept).re_contact_children == 1  # June's
        candidate = PersonMatchCandidate.objects.create(contact_person=sept_child, person=first.person, score="0.900")
    with tenancy.tenant_context(tenant), django_capture_on_commit_callbacks(execute=True):
        confirm_match(actor=hub["triage"], candidate=candidate)
    with tenancy.tenant_context(tenant):
        # June was not the matched mention and is earlier than it; it moved with the merge all the same.
        assert ContactFact.objects.get(contact=june).re_contact_children == 1
        assert ContactFact.objects.get(contact=sept).re_contact_children == 1
        assert ContactFact.objects.get(contact=march).re_contact_children == 0


def test_the_nightly_rebuild_repairs_figures_a_bulk_update_left_stale(history, api_as):
    from mash.celery import app
    from reporting import tasks

    tenant = history["tenant"]
    before = api_as(history["manager"]).get("/api/v1/dashboard/timeliness/", RANGE).data["outcomes"]
    with tenancy.tenant_context(tenant):
        # A bulk update sends no save signal: the figures do not see it...
        Contact.objects.filter(pk=history["c3"].pk).update(
            outcome="strategy_discussion", status="decided", decided_at=datetime(2026, 9, 9, 16, tzinfo=LONDON)
        )
    stale = api_as(history["manager"]).get("/api/v1/dashboard/timeliness/", RANGE).data["outcomes"]
    assert stale == before
    # ...until the night's rebuild, which beat schedules for every tenant (the worker runs it eagerly here).
    assert tenant.pk in tasks.rebuild_all_figures()
    after = api_as(history["manager"]).get("/api/v1/dashboard/timeliness/", RANGE).data["outcomes"]
    assert after.get("strategy_discussion", 0) == before.get("strategy_discussion", 0) + 1
    assert app.conf.beat_schedule["reporting-rebuild"]["task"] == tasks.rebuild_all_figures.name


def _decide_c3(history):
    contact = Contact.objects.get(pk=history["c3"].pk)
    contact.outcome, contact.status = "strategy_discussion", "decided"
    contact.decided_at = datetime(2026, 9, 9, 16, 0, tzinfo=LONDON)
    contact.save()
    return contact


def test_a_change_queues_one_refresh_for_a_worker_after_commit(
    history, monkeypatch, django_capture_on_commit_callbacks
):
    """The request that decides a contact does not refresh the figures itself: one task per transaction is
    queued once it commits, and a worker running it (twice, as a redelivery would) brings them up to date."""
    from reporting import tasks

    queued = []
    monkeypatch.setattr(tasks.refresh_figures, "delay", lambda *args, **kwargs: queued.append((args, kwargs)))
    tenant = history["tenant"]
    with tenancy.tenant_context(tenant):
        with django_capture_on_commit_callbacks(execute=False) as callbacks:
            contact = _decide_c3(history)
            request = InformationRequest.objects.get(contact=history["c4"])
            request.returned_at, request.status = datetime(2026, 9, 16, 11, 0, tzinfo=LONDON), "returned"
            request.save()
        assert queued == []  # nothing before the commit
        for callback in callbacks:
            callback()
        assert queued == [((tenant.pk,), {"contacts": sorted([contact.pk, history["c4"].pk]), "cascade": [],
                                          "early_help": []})]  # fmt: skip
        assert ContactFact.objects.get(contact=contact).decided_at is None  # the request waited for nothing
        for _ in range(2):
            tasks.refresh_figures(*queued[0][0], **queued[0][1])
            fact = ContactFact.objects.get(contact=contact)
            assert (fact.outcome, fact.decided_in_time) == ("strategy_discussion", True)
            assert ReturnFact.objects.get(request=request).on_time is True


def test_a_refresh_run_late_writes_the_records_as_they_are_now(history):
    """Tasks may arrive out of order: an old refresh run after a later change recomputes from the records."""
    from reporting import tasks

    tenant = history["tenant"]
    with tenancy.tenant_context(tenant):
        contact = _decide_c3(history)
        Contact.objects.filter(pk=contact.pk).update(outcome="nfa")
        tasks.refresh_figures(tenant.pk, contacts=[contact.pk])
        assert ContactFact.objects.get(contact=contact).outcome == "nfa"


def test_a_broker_that_refuses_the_task_does_not_lose_the_figures(
    history, monkeypatch, django_capture_on_commit_callbacks
):
    from reporting import tasks

    def refuse(*args, **kwargs):
        raise ConnectionError("broker down")

    monkeypatch.setattr(tasks.refresh_figures, "delay", refuse)
    with tenancy.tenant_context(history["tenant"]):
        with django_capture_on_commit_callbacks(execute=True):
            contact = _decide_c3(history)
        assert ContactFact.objects.get(contact=contact).outcome == "strategy_discussion"


def test_a_referrers_contact_counts_as_a_re_contact_once_a_worker_has_matched_it(
    hub, api_as, django_capture_on_commit_callbacks
):
    """A referrer's MARF is matched after the request (issue 22): the figures follow that matching too."""
    referrer = api_as(hub["referrer"])
    child = [{"first_name": "Elsie", "last_name": "Marsh", "date_of_birth": "2016-05-11"}]
    for hour in (10, 11):
        with (
            time_machine.travel(datetime(2026, 9, 15, hour, tzinfo=LONDON), tick=False),
            django_capture_on_commit_callbacks(execute=True),  # the refresh and the matching, by eager workers
        ):
            submit(referrer, children=child)
    with tenancy.tenant_context(hub["tenant"]):
        assert not ContactPerson.objects.filter(matching_pending=True).exists()
        assert sorted(ContactFact.objects.values_list("re_contact_children", flat=True)) == [0, 1]
    data = api_as(hub["manager"]).get("/api/v1/dashboard/timeliness/", RANGE).data
    assert (data["contacts"], data["re_contacts_within_12_months"]) == (2, 1)


def test_a_referrers_marf_queues_its_figures_with_its_matching_not_twice(
    hub, api_as, monkeypatch, django_capture_on_commit_callbacks
):
    """The request queues one piece of work (matching its people); the figures follow when a worker has matched
    them: the contact is counted once, and a refresh run before its people were linked is not paid for."""
    from contacts import tasks as contact_tasks
    from reporting import tasks

    refreshes, matchings = [], []
    monkeypatch.setattr(tasks.refresh_figures, "delay", lambda *args, **kwargs: refreshes.append((args, kwargs)))
    monkeypatch.setattr(contact_tasks.match_pending_people, "delay", lambda *args: matchings.append(args))
    with django_capture_on_commit_callbacks(execute=True):
        filed = submit(api_as(hub["referrer"]))["id"]
    tenant = hub["tenant"]
    assert matchings == [(filed, tenant.pk)]
    assert refreshes == []
    with tenancy.tenant_context(tenant), django_capture_on_commit_callbacks(execute=True):
        contact_tasks.match_pending_people(*matchings[0])
    assert [kwargs["cascade"] for _, kwargs in refreshes] == [[filed]]
    tasks.refresh_figures(*refreshes[0][0], **refreshes[0][1])
    with tenancy.tenant_context(tenant):
        assert ContactFact.objects.get(contact_id=filed).children == 1
