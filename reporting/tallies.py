"""The dashboard's figures added up in Python, from what its queries read: the counts of grouped rows reduced to
the totals and breakdowns the dashboard shows, months of them added together, and medians and 90th percentiles
found in months of sorted times without sorting them all again. No database here (``reporting.selectors`` reads).

Percentiles are PostgreSQL's ``percentile_cont`` exactly: the values at ranks ``floor(f * (n - 1))`` and the next,
interpolated as ``low + (high - low) * (rank - floor)`` in the same floating-point steps, so a figure added up from
months equals the figure one query over the whole range gives, to the last digit.
"""

from __future__ import annotations

import bisect
import sys
from array import array
from collections import defaultdict
from datetime import date, timedelta


def contact_tally(rows, names: tuple[str, ...], referral_outcomes) -> dict:
    """Rows grouped by (outcome, rating_id, source) with the contact aggregates ``names``, reduced to what the
    dashboard shows: their totals, referrals, and contacts per outcome, rating and source (ratings by id: names
    are applied later)."""
    totals = dict.fromkeys((*names, "referrals"), 0)
    outcomes, by_rating, children_by_rating, sources = (defaultdict(int) for _ in range(4))
    for row in rows:
        for key in names:
            totals[key] += row[key] or 0
        if row["outcome"]:
            outcomes[row["outcome"]] += row["contacts"]
        if row["rating_id"]:
            by_rating[row["rating_id"]] += row["contacts"]
            children_by_rating[row["rating_id"]] += row["children"] or 0
        sources[row["source"]] += row["contacts"]
        if row["outcome"] in referral_outcomes:
            totals["referrals"] += row["contacts"]
    return {"totals": totals, "outcomes": dict(outcomes), "by_rating": dict(by_rating),
            "children_by_rating": dict(children_by_rating), "sources": dict(sources)}  # fmt: skip


def return_tally(rows) -> dict:
    """Rows grouped by (agency_id, rating_id) (and perhaps a period, added over) with the return aggregates: the
    totals, and returns and returns on time per agency and per rating (by id)."""
    totals = {"requests": 0, "returns": 0, "on_time": 0}
    counted = {
        name: defaultdict(int) for name in ("agency_returns", "agency_on_time", "rating_returns", "rating_on_time")
    }
    for row in rows:
        for key in totals:
            totals[key] += row[key]
        counted["agency_returns"][row["agency_id"]] += row["returns"]
        counted["agency_on_time"][row["agency_id"]] += row["on_time"]
        counted["rating_returns"][row["rating_id"]] += row["returns"]
        counted["rating_on_time"][row["rating_id"]] += row["on_time"]
    return {"totals": totals, **{name: dict(numbers) for name, numbers in counted.items()}}


def add(total: dict, part: dict) -> None:
    """Add ``part`` into ``total``: numbers added, dicts of them key by key, recursively. (A month's part is dicts
    of plain numbers only: Python's garbage collector does not track such dicts, so adding up five years of months
    starts no collection of the whole process, which took 130 ms on a web worker.)"""
    for key, value in part.items():
        if isinstance(value, dict):
            add(total.setdefault(key, {}), value)
        else:
            total[key] = total.get(key, 0) + (value or 0)


def period_of(day: date, interval: str) -> date:
    """The period a local date falls in, as PostgreSQL's ``DATE_TRUNC`` names it: the day, the week's Monday, or
    the month's first day."""
    if interval == "week":
        return day - timedelta(days=day.weekday())
    if interval == "month":
        return day.replace(day=1)
    return day


# --- medians and 90th percentiles from sorted runs -----------------------------------------------------------


def from_network_order(data) -> bytes:
    """Sorted doubles as PostgreSQL sends them (``float8send``: 8 bytes each, big-endian), in this machine's order."""
    runs = array("d")
    runs.frombytes(bytes(data))
    if sys.byteorder == "little":
        runs.byteswap()
    return runs.tobytes()


def unpacked(data: bytes) -> array:
    runs = array("d")
    runs.frombytes(data)
    return runs


def percentiles(runs: list, fractions=(0.5, 0.9)) -> tuple[int, list[float | None]]:
    """How many values ``runs`` (sorted sequences) hold, and their continuous percentiles at ``fractions``."""
    runs = [run for run in runs if len(run)]
    n = sum(len(run) for run in runs)
    if not n:
        return 0, [None for _ in fractions]
    found = []
    for fraction in fractions:
        rank = fraction * (n - 1)
        low = int(rank)
        first = kth_smallest(runs, low)
        second = first if rank == low else _next_after(runs, first, low)
        found.append(first + (second - first) * (rank - low))
    return n, found


def _next_after(runs, value, k) -> float:
    """The (k + 1)-th smallest value (0-based), given that the k-th is ``value``."""
    upto = [bisect.bisect_right(run, value) for run in runs]
    if sum(upto) > k + 1:
        return value  # the value repeats past rank k
    return min(run[i] for run, i in zip(runs, upto, strict=True) if i < len(run))


def kth_smallest(runs, k: int) -> float:
    """The k-th smallest value (0-based) of sorted ``runs`` together, without merging them: each round takes the
    value at k's proportional place in every run's remaining window, uses their median (weighted by window) as
    the pivot, and counts by bisection which side of it the k-th lies on. Months of similar times converge in a
    few rounds; whatever is left (or, after 64 rounds, anything) is sorted directly."""
    lo = [0] * len(runs)
    hi = [len(run) for run in runs]
    for _round in range(64):
        remaining = sum(hi) - sum(lo)
        if remaining <= 256:
            break
        candidates = sorted(
            (run[a + min(b - a - 1, (b - a) * k // remaining)], b - a)
            for run, a, b in zip(runs, lo, hi, strict=True)
            if b > a
        )
        seen, pivot = 0, candidates[-1][0]
        for value, weight in candidates:
            seen += weight
            if 2 * seen >= remaining:
                pivot = value
                break
        below = [bisect.bisect_left(run, pivot, a, b) for run, a, b in zip(runs, lo, hi, strict=True)]
        n_below = sum(below) - sum(lo)
        if k < n_below:
            hi = below
            continue
        upto = [bisect.bisect_right(run, pivot, a, b) for run, a, b in zip(runs, lo, hi, strict=True)]
        n_upto = sum(upto) - sum(lo)
        if k < n_upto:
            return pivot
        k -= n_upto
        lo = upto
    rest = sorted(value for run, a, b in zip(runs, lo, hi, strict=True) for value in run[a:b])
    return rest[k]
