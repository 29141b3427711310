"""Retention: each tenant's policy decides how long records are kept; the command reports, then removes."""

import io
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone

from contacts.models import Contact, ContactPerson, MarfDraft, Person
from mash.models import AuditEvent
from mash.roles import Role
from mash.security.models import RetentionPolicy, RetentionRule
from mash.tenancy import tenant_context
from tests.contacts.builders import settle_matching, submit

pytestmark = pytest.mark.django_db


def _decided(tenant, contact_id, *, outcome, years_ago):
    with tenant_context(tenant):
        Contact.objects.filter(pk=contact_id).update(
            outcome=outcome, status="closed", decided_at=timezone.now() - timedelta(days=365 * years_ago + 1)
        )


def _run(*args):
    out = io.StringIO()
    call_command("retention", *args, stdout=out)
    return out.getvalue()


@pytest.fixture
def filed(tenant_a, tenant_b, make_user, api_as):
    referrer_a, referrer_b = make_user(tenant_a, Role.REFERRER), make_user(tenant_b, Role.REFERRER)
    old_nfa = submit(
        api_as(referrer_a),
        children=[{"first_name": "Maya", "last_name": "Okafor", "date_of_birth": "2016-02-11"}],
        household=[{"role": "parent", "relationship": "father", "first_name": "Tom", "last_name": "Okafor"}],
    )
    recent_nfa = submit(api_as(referrer_a))
    old_advice = submit(api_as(referrer_a))
    theirs = submit(api_as(referrer_b))
    settle_matching(tenant_a)  # the workers' matching of the referrers' contacts
    settle_matching(tenant_b)
    _decided(tenant_a, old_nfa["id"], outcome="nfa", years_ago=7)
    _decided(tenant_a, recent_nfa["id"], outcome="nfa", years_ago=2)
    _decided(tenant_a, old_advice["id"], outcome="advice", years_ago=4)
    _decided(tenant_b, theirs["id"], outcome="nfa", years_ago=7)
    return {"old_nfa": old_nfa, "recent_nfa": recent_nfa, "old_advice": old_advice, "theirs": theirs}


def test_the_report_lists_what_has_expired_and_removes_nothing(filed, tenant_a):
    out = _run("--tenant", "alpha")
    assert f"nfa_contacts {filed['old_nfa']['reference']}" in out
    assert filed["recent_nfa"]["reference"] not in out  # 2 years: within the default 6
    assert "Report only: nothing was removed" in out
    with tenant_context(tenant_a):
        assert Contact.objects.filter(pk=filed["old_nfa"]["id"]).exists()


def test_apply_removes_expired_contacts_with_their_people_tenant_by_tenant_and_audits_it(filed, tenant_a, tenant_b):
    with tenant_context(tenant_a):
        RetentionPolicy.objects.create(rule=RetentionRule.ADVICE_CONTACTS, amount=3, unit="years")
        mentions = ContactPerson.objects.filter(contact_id=filed["old_nfa"]["id"])
        people = list(mentions.values_list("person_id", flat=True))
    out = _run("--apply", "--tenant", "alpha")
    assert "alpha: 2 record(s) removed" in out

    with tenant_context(tenant_a):
        remaining = set(Contact.objects.values_list("pk", flat=True))
        assert remaining == {filed["recent_nfa"]["id"]}  # advice after 4 years: this tenant keeps 3
        assert not ContactPerson.objects.filter(contact_id=filed["old_nfa"]["id"]).exists()
        assert not Person.objects.filter(pk__in=[p for p in people if p]).exists()
    with tenant_context(tenant_b):
        assert Contact.objects.filter(pk=filed["theirs"]["id"]).exists()  # not asked: tenant b untouched
    with tenant_context(tenant_a):
        removed = list(AuditEvent.objects.filter(action="retention.removed", tenant=tenant_a))
    assert {e.object_label for e in removed} == {filed["old_nfa"]["reference"], filed["old_advice"]["reference"]}
    assert all(e.changes["rule"] in {"nfa_contacts", "advice_contacts"} for e in removed)


def test_a_person_still_named_on_a_kept_contact_stays_on_the_register(filed, tenant_a):
    with tenant_context(tenant_a):
        kept_link = ContactPerson.objects.filter(contact_id=filed["recent_nfa"]["id"]).exclude(person=None).first()
        old_link = ContactPerson.objects.filter(contact_id=filed["old_nfa"]["id"]).exclude(person=None).first()
        ContactPerson.objects.filter(pk=old_link.pk).update(person=kept_link.person)
    _run("--apply", "--tenant", "alpha")
    with tenant_context(tenant_a):
        assert Person.objects.filter(pk=kept_link.person_id).exists()


def test_old_unsent_drafts_expire_after_the_tenants_days(tenant_a, make_user):
    referrer = make_user(tenant_a, Role.REFERRER)
    with tenant_context(tenant_a):
        MarfDraft.objects.create(owner=referrer, step="concerns", data={"concerns": "x"})
        MarfDraft.objects.filter(owner=referrer).update(updated_at=timezone.now() - timedelta(days=31))
    assert "marf_drafts" in _run("--apply", "--tenant", "alpha")
    with tenant_context(tenant_a):
        assert not MarfDraft.objects.exists()


def test_an_unknown_tenant_is_a_clear_error():
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="No tenant with the slug"):
        _run("--tenant", "nowhere")


def test_a_removed_contact_takes_its_documents_and_their_files_with_it(
    filed, tenant_a, make_user, api_as, django_capture_on_commit_callbacks
):
    from django.core.files.storage import storages

    from mash.models import Document
    from tests.mash import document_builders as files

    triage = make_user(tenant_a, Role.TRIAGE)

    def attach(contact_id, name):
        response = api_as(triage).post(
            f"/api/v1/contacts/{contact_id}/documents/",
            {"file": files.upload(name, files.pdf()), "kind": "police_report"},
            format="multipart",
        )
        assert response.status_code == 201
        with tenant_context(tenant_a):
            return Document.objects.get(pk=response.data["id"]).storage_name

    expired = attach(filed["old_nfa"]["id"], "old.pdf")
    kept = attach(filed["recent_nfa"]["id"], "recent.pdf")
    storage = storages["documents"]
    assert storage.exists(expired) and storage.exists(kept)

    with django_capture_on_commit_callbacks(execute=True):
        _run("--apply", "--tenant", "alpha")

    assert not storage.exists(expired)
    assert storage.exists(kept)  # a contact still within its period keeps its documents
    with tenant_context(tenant_a):
        assert list(Document.objects.values_list("original_name", flat=True)) == ["recent.pdf"]
        removed = AuditEvent.objects.get(action="retention.removed", object_label=filed["old_nfa"]["reference"])
    assert removed.changes["documents_removed"] == 1
