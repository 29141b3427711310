from django.core.management.base import BaseCommand

from mash import platform


class Command(BaseCommand):
    help = (
        "Count each council's contacts received this calendar year (UK time) for the platform operators' "
        "councils page (/platform/councils/). Beat runs this every 10 minutes in a worker; run it by hand "
        "after onboarding a council to see its size at once. Cross-tenant system work (council-sizes): "
        "needs the system database role, which management commands have and web processes do not."
    )

    def handle(self, *args, **options):
        counted = platform.count_council_sizes()
        self.stdout.write(f"Counted {counted} council(s).")
