from django.core.management.base import BaseCommand
from django.db import transaction

from contacts.choices import ENQUIRY_CLOSED
from mash import tenancy
from mash.models import Tenant, User
from mash.roles import AGENCY_ROLES
from navigators import access
from navigators.models import InformationRequest


class Command(BaseCommand):
    help = (
        "Re-derive the navigators' object-level access (django-guardian) from the records: every navigator and "
        "agency lead in their own agency's group only; every request granted to its agency's group, read-only "
        "once its enquiry is decided or closed. Idempotent; run after restoring data or importing users."
    )

    @transaction.atomic
    def handle(self, *args, **options):
        for user in User.objects.filter(role__in=sorted(AGENCY_ROLES)):
            access.sync_membership(user)
        granted = narrowed = 0
        for tenant in Tenant.objects.all():
            with tenancy.tenant_context(tenant):
                requests = list(InformationRequest.objects.select_related("contact"))
                access.grant(requests)
                closed = [r for r in requests if r.contact.status in ENQUIRY_CLOSED or r.status == "closed"]
                access.narrow_to_read_only(closed)
                granted, narrowed = granted + len(requests), narrowed + len(closed)
        self.stdout.write(self.style.SUCCESS(f"{granted} requests granted to their agencies; {narrowed} read-only."))
