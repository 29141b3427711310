import io

import pytest
from django.core.management import call_command

from contacts.models import Contact
from mash import tenancy
from mash.models import Tenant

pytestmark = pytest.mark.django_db


def test_seed_demo_files_the_seed_documents_contacts_once():
    call_command("seed_demo", stdout=io.StringIO())
    call_command("seed_demo", stdout=io.StringIO())
    tenant = Tenant.objects.get(slug="cambridgeshire")
    with tenancy.tenant_context(tenant):
        contacts = list(Contact.objects.order_by("received_at"))
        assert len(contacts) == 4
        assert {c.channel for c in contacts} == {"marf", "police_notification"}
        assert any("700ml of whisky" in c.concerns for c in contacts)
        gp = next(c for c in contacts if c.source == "3A")
        assert gp.submitted_by.username == "cambridgeshire-referrer"
        assert gp.reference.startswith("CAM-")
