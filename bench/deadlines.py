"""How fast is deadline arithmetic? Prints figures; asserts nothing about timing.

    python bench/deadlines.py [--n 20000] [--seed 1]

For each unit: deadlines per second from random starts (2025-2029, any time of day or
week) over random spans of up to 30 working days (720 clock hours for clock hours);
then elapsed-working-time computations per second over the same spans. Each figure is
for a warm calendar (caches filled by a first pass); the first pass is shown too, and
only the first unit's first pass starts from empty caches.
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # run as a script from anywhere

from thresholds.workcalendar import Unit, WorkingCalendar

MOST = {Unit.CLOCK_HOURS: 720, Unit.WORKING_HOURS: 240, Unit.WORKING_DAYS: 30}


def random_starts(rng: random.Random, n: int) -> list[datetime]:
    earliest = datetime(2025, 1, 1, tzinfo=UTC)
    span_s = int((datetime(2029, 12, 1, tzinfo=UTC) - earliest).total_seconds())
    return [earliest + timedelta(seconds=rng.randrange(span_s)) for _ in range(n)]


def random_amounts(rng: random.Random, n: int, unit: Unit) -> list[Decimal]:
    return [Decimal(rng.randrange(MOST[unit] * 100 + 1)).scaleb(-2) for _ in range(n)]


def rate(fn, items) -> float:
    began = time.perf_counter()
    for args in items:
        fn(*args)
    return len(items) / (time.perf_counter() - began)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--n", type=int, default=20_000, help="computations per figure (default 20000)")
    parser.add_argument("--seed", type=int, default=1, help="random seed (default 1)")
    args = parser.parse_args()
    rng = random.Random(args.seed)
    starts = random_starts(rng, args.n)

    print(f"{args.n} computations each; Europe/London, Mon-Fri 09:00-17:00, England and Wales holidays")
    calendar = WorkingCalendar()
    for unit in [Unit.WORKING_DAYS, Unit.WORKING_HOURS, Unit.CLOCK_HOURS]:
        items = [(start, amount, unit) for start, amount in zip(starts, random_amounts(rng, args.n, unit), strict=True)]
        cold = rate(calendar.add, items)  # the first pass fills the caches (holidays, periods)
        warm = rate(calendar.add, items)
        print(f"add {unit.value:<14} {warm:>10,.0f} /s warm   ({cold:,.0f} /s first pass)")

    spans = [(start, start + timedelta(seconds=rng.randrange(42 * 86_400))) for start in starts]
    rate(calendar.working_time_between, spans)
    print(f"working_time_between {rate(calendar.working_time_between, spans):>10,.0f} /s warm")
    items = [(a, b, Unit.WORKING_DAYS) for a, b in spans]
    print(f"elapsed working_days {rate(calendar.elapsed, items):>10,.0f} /s warm")


if __name__ == "__main__":
    main()
