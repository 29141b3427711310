from datetime import timedelta

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from deadlines.selectors import overdue_unprocessed_clocks


class Command(BaseCommand):
    help = (
        "List open clocks, across every tenant, that are past their due time but not yet recorded as "
        "breached, or past their next escalation time but not yet escalated. The deadline engine "
        "(wake-ups plus the minute sweep) should keep this list empty; anything listed means workers "
        "or beat are down. With --fail the command exits non-zero when the list is not empty, for "
        "monitoring."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--grace",
            type=int,
            default=120,
            help="Seconds a stage may be overdue before it counts (one sweep interval plus processing; default 120).",
        )
        parser.add_argument("--fail", action="store_true", help="Exit with status 1 if any clock is listed.")

    def handle(self, *args, grace, fail, **options):
        now = timezone.now()
        clocks = list(overdue_unprocessed_clocks(now=now, grace=timedelta(seconds=grace)))
        for clock in clocks:
            stage = "breach" if clock.breached_at is None else f"escalation to level {clock.escalation_level + 1}"
            since = clock.due_at if clock.breached_at is None else clock.next_escalation_at
            self.stdout.write(
                f"{clock.tenant.slug}\tclock {clock.pk}\t{clock.kind}\t{clock.subject_label}\t"
                f"missed {stage} due {since.isoformat()} ({int((now - since).total_seconds())} s ago)"
            )
        if not clocks:
            self.stdout.write(self.style.SUCCESS("No overdue clocks are waiting for the engine."))
        elif fail:
            raise CommandError(f"{len(clocks)} clock(s) overdue and not processed by the deadline engine.")
        else:
            self.stdout.write(self.style.WARNING(f"{len(clocks)} clock(s) overdue and not processed."))
