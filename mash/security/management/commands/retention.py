from django.core.management.base import BaseCommand, CommandError

from mash.models import Tenant
from mash.security import retention


class Command(BaseCommand):
    help = (
        "Report the records each tenant has kept longer than its retention policy (contacts decided "
        "with no further action or advice, early-help requests, unsent referral drafts). With --apply, "
        "remove them, tenant by tenant, in dependency order, each removal audited as retention.removed; "
        "a record something else still needs is kept and listed with the reason. Without --apply "
        "nothing changes."
    )

    def add_arguments(self, parser):
        parser.add_argument("--apply", action="store_true", help="Remove what has expired (default: report only).")
        parser.add_argument("--tenant", action="append", default=[], help="Only this tenant's slug (repeatable).")

    def handle(self, *args, apply=False, tenant=(), **options):
        tenants = Tenant.objects.order_by("slug")
        if tenant:
            tenants = tenants.filter(slug__in=tenant)
            unknown = set(tenant) - set(tenants.values_list("slug", flat=True))
            if unknown:
                raise CommandError(f"No tenant with the slug(s): {', '.join(sorted(unknown))}")
        for report in retention.review_all(apply=apply, tenants=list(tenants)):
            verb = "removed" if apply else "past retention"
            count = report.removed if apply else len(report.findings)
            self.stdout.write(f"{report.tenant.slug}: {count} record(s) {verb}")
            for finding in report.findings:
                state = "removed" if finding.removed else (f"kept: {finding.kept_because}" if apply else "expired")
                self.stdout.write(
                    f"  {finding.rule} {finding.label} (expired {finding.expired_since:%Y-%m-%d}) {state}"
                )
        if not apply:
            self.stdout.write("Report only: nothing was removed. Run with --apply to remove.")
