"""References never collide, even when submissions race; the decision clock starts with the contact."""

import re
import threading
from zoneinfo import ZoneInfo

import pytest
from django.db import connections
from django.utils import timezone

from contacts import services
from contacts.models import Contact
from mash import tenancy, timefmt
from mash.roles import Role
from tests.contacts.builders import marf
from tests.factories import TenantFactory, UserFactory
from thresholds.services import ensure_default_policy


@pytest.mark.django_db(transaction=True)
def test_concurrent_submissions_get_distinct_consecutive_references():
    tenant = TenantFactory(slug="race", reference_prefix="RAC")
    with tenancy.tenant_context(tenant):
        ensure_default_policy(tenant=tenant)
    referrer = UserFactory(tenant=tenant, role=Role.REFERRER)
    from contacts.serializers import ContactInput

    start = threading.Barrier(6)
    references, errors = [], []

    def file_one():
        try:
            with tenancy.tenant_context(tenant):
                serializer = ContactInput(data=marf())
                serializer.is_valid(raise_exception=True)
                start.wait()
                contact = services.submit_contact(
                    tenant=tenant, actor=referrer, submission=serializer.to_submission(channel="marf")
                )
                references.append(contact.reference)
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=file_one) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    numbers = sorted(int(r.rsplit("-", 1)[1]) for r in references)
    assert numbers == [1, 2, 3, 4, 5, 6]
    with tenancy.tenant_context(tenant):
        assert Contact.objects.count() == 6


@pytest.mark.django_db
def test_the_decision_clock_starts_with_the_contact(hub, api_as):
    from deadlines.models import Clock

    response = api_as(hub["referrer"]).post("/api/v1/contacts/", marf(), format="json")
    with tenancy.tenant_context(hub["tenant"]):
        contact = Contact.objects.get(pk=response.data["id"])
        clock = Clock.objects.get(subject_type="contacts.contact", subject_id=str(contact.pk))
    assert clock.kind == "decision"
    assert clock.due_at == contact.decision_due_at
    assert clock.subject_label == contact.reference


@pytest.mark.django_db
def test_the_referrer_is_told_the_reference_and_when_a_decision_is_due(
    hub, api_as, mailoutbox, settings, django_capture_on_commit_callbacks
):
    from deadlines.models import Notification

    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    hub["referrer"].email = "dsl@school.example.org"
    hub["referrer"].save()
    with django_capture_on_commit_callbacks(execute=True):
        response = api_as(hub["referrer"]).post("/api/v1/contacts/", marf(), format="json")
    reference = response.data["reference"]
    with tenancy.tenant_context(hub["tenant"]):
        notice = Notification.objects.get(recipient=hub["referrer"], subject=reference)
    assert "We have received your referral" in notice.message
    assert "will decide on next steps by" in notice.message
    # The deadline told the GOV.UK way, in the council's zone: "by 9:15am on Wednesday 2 December 2026".
    with tenancy.tenant_context(hub["tenant"]):
        due = Contact.objects.get(reference=reference).decision_due_at
    local = timezone.localtime(due, ZoneInfo(hub["tenant"].time_zone))
    said = f"by {timefmt.govuk_time(due, local.tzinfo)} on {local:%A} {local.day} {local:%B %Y}."
    assert said in notice.message and re.search(r"by \d{1,2}(:\d\d)?(am|pm) on |by (midday|midnight) on ", said)
    assert [m.subject for m in mailoutbox] == [f"MASH: {reference}"]


@pytest.mark.django_db
def test_the_decision_clock_warns_the_triage_workers_in_post_when_it_falls_due(hub, api_as, make_user):
    """Who is warned is read when the warning is due, not when the contact arrived: a worker who started since is
    warned, one who has left is not (the list used to be copied onto the clock at receipt)."""
    from deadlines.models import Clock, Notification
    from deadlines.services import sweep

    response = api_as(hub["referrer"]).post("/api/v1/contacts/", marf(), format="json")
    with tenancy.tenant_context(hub["tenant"]):
        clock = Clock.objects.get(subject_id=str(response.data["id"]), kind="decision")
    assert clock.responsible_roles == ["triage"]
    make_user(hub["tenant"], Role.TRIAGE, username="a-triage-newcomer")
    hub["triage"].is_active = False
    hub["triage"].save(update_fields=["is_active"])
    sweep(now=clock.warn_at + timezone.timedelta(seconds=1))
    with tenancy.tenant_context(hub["tenant"]):
        warned = Notification.objects.filter(clock=clock, kind="warning").values_list("recipient__username", flat=True)
        assert sorted(warned) == ["a-triage-newcomer"]


@pytest.mark.django_db
def test_the_contact_page_shows_the_decision_clock_in_words(hub, api_as, client):
    response = api_as(hub["referrer"]).post("/api/v1/contacts/", marf(), format="json")
    client.force_login(hub["triage"])
    page = client.get(f"/contacts/{response.data['id']}/", follow=True).content.decode()
    assert "Deadlines" in page
    assert "Decision on next steps" in page
    assert "left" in page  # time left to the decision, in words
