"""References never collide, even when submissions race; the decision clock starts with the contact."""

import threading

import pytest
from django.db import connections

from contacts import services
from contacts.models import Contact
from mash import tenancy
from mash.roles import Role
from tests.contacts.conftest import marf
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
                    tenant=tenant, actor=referrer, channel="marf", data=serializer.validated_data
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
    integration = services.clock_integration()
    if not integration.available:
        pytest.skip(integration.reason)
    from mash.deadlines.models import Clock

    response = api_as(hub["referrer"]).post("/api/v1/contacts/", marf(), format="json")
    with tenancy.tenant_context(hub["tenant"]):
        contact = Contact.objects.get(pk=response.data["id"])
        clock = Clock.objects.get(subject_type="contacts.contact", subject_id=str(contact.pk))
    assert clock.kind == "decision"
    assert clock.due_at == contact.decision_due_at
    assert clock.subject_label == contact.reference
