"""Recompute the dashboards' figures tables from the records (after a bulk import, or to repair)."""

import time

from django.core.management.base import BaseCommand, CommandError

from mash.models import Tenant
from reporting.services import rebuild


class Command(BaseCommand):
    help = (
        "Recompute the dashboard figures tables (one fact row per contact, information request and early-help "
        "request) for every tenant, or the tenants named with --tenant. Safe to run at any time: each tenant "
        "is rebuilt in one transaction."
    )

    def add_arguments(self, parser):
        parser.add_argument("--tenant", action="append", default=[], help="Tenant slug (repeatable); default all.")

    def handle(self, *args, tenant, **options):
        tenants = Tenant.objects.order_by("slug")
        if tenant:
            tenants = tenants.filter(slug__in=tenant)
            missing = set(tenant) - set(tenants.values_list("slug", flat=True))
            if missing:
                raise CommandError(f"No such tenant: {', '.join(sorted(missing))}")
        for t in tenants:
            started = time.monotonic()
            counts = rebuild(tenant=t)
            self.stdout.write(
                f"{t.slug}: {counts['contacts']} contacts, {counts['early_help']} early-help requests "
                f"in {time.monotonic() - started:.1f}s"
            )
