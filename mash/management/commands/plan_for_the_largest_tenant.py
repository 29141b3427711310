from django.core.management.base import BaseCommand

from mash.tenant_statistics import plan_for_the_largest_tenant


class Command(BaseCommand):
    help = (
        "Have PostgreSQL's planner expect the largest council's share of each tenant-owned table, not the average "
        "council's (mash/tenant_statistics.py). Runs after every migrate; run it by hand after a bulk import or "
        "when councils join. Needs the tables' owner (the login that runs migrate)."
    )

    def handle(self, *args, **options):
        planned = plan_for_the_largest_tenant()
        for table, tenants in sorted(planned.items()):
            self.stdout.write(f"{table}: planned as one tenant in {tenants}")
        self.stdout.write(f"{len(planned)} table(s) planned for their largest tenant.")
