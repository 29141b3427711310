"""Every read the dashboards and the Annex A lists need: scoped to the caller's tenant, a fixed
number of queries whatever the number of records (aggregates over the indexed figures tables)."""

from __future__ import annotations

import hashlib
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.contrib.postgres.fields import ArrayField
from django.core.cache import cache
from django.db import connection
from django.db.models import (
    Aggregate,
    BinaryField,
    CharField,
    Count,
    DateField,
    F,
    FloatField,
    Q,
    Subquery,
    Sum,
    Value,
    Window,
)
from django.db.models.functions import Cast, TruncDay, TruncMonth, TruncWeek
from django.utils import timezone

from contacts.choices import Outcome, ReferralSource
from contacts.models import Contact
from deadlines.models import Clock
from earlyhelp.models import EarlyHelpOutcome
from mash import tenancy
from mash.models import Agency, Team, TeamMember, Tenant
from mash.roles import Role
from thresholds.models import ClockKind, Rating
from triage.handover_models import Consultation, OrganisationType

from . import tallies
from .models import ContactFact, EarlyHelpFact, FiguresMonth, FiguresVersion, ReturnFact

DASHBOARD_ROLES = frozenset({Role.MANAGER, Role.HEAD})
# A MASH decision that refers the child to children's social care (Annex A List 3).
REFERRAL_OUTCOMES = (Outcome.ASSESSMENT, Outcome.STRATEGY_DISCUSSION)


def _on_local_dates(trunc):
    """Django's ``trunc`` for a column of local dates (``received_on``). On PostgreSQL Django writes
    ``DATE_TRUNC('week', received_on)``, which casts each date to a timestamp *with* time zone first: at five
    years of information requests that conversion was 200 of the return figures' 520 ms. A date has no zone,
    so this truncates it as a plain timestamp and gives back a date (the same day, week or month)."""

    class OnLocalDates(trunc):
        output_field = DateField()

        def as_postgresql(self, compiler, connection, **extra_context):
            sql, params = compiler.compile(self.lhs)
            return f"DATE_TRUNC(%s, ({sql})::timestamp)::date", (self.kind, *params)

    OnLocalDates.__name__ = OnLocalDates.__qualname__ = f"{trunc.__name__}OnLocalDates"
    return OnLocalDates


INTERVALS = {"day": _on_local_dates(TruncDay), "week": _on_local_dates(TruncWeek), "month": _on_local_dates(TruncMonth)}
OPEN_BREACHES_SHOWN = 20


def teams(*, include_retired: bool = False, keep=None):
    """The hub's teams the filter offers: active ones, and ``keep`` (the team id a link already names)
    even when retired, so a retired team's figures still read. ``include_retired`` for validation."""
    queryset = Team.objects.order_by("name")
    if include_retired:
        return queryset
    offered = Q(active=True)
    if str(keep or "").isdigit():
        offered |= Q(pk=int(keep))
    return queryset.filter(offered)


@dataclass(frozen=True)
class Filters:
    """What a dashboard, drill-down or download covers: contacts received from ``start`` to ``end``
    (local dates, both included), optionally one team's work."""

    start: date
    end: date
    team: Team | None = None
    interval: str = "week"

    def query(self, **extra) -> str:
        from urllib.parse import urlencode

        params = {"from": self.start.isoformat(), "to": self.end.isoformat()}
        if self.team is not None:
            params["team"] = self.team.pk
        if self.interval != "week":
            params["interval"] = self.interval
        params.update({k: v for k, v in extra.items() if v not in (None, "")})
        return urlencode(params)


def _in_range(queryset, filters: Filters):
    queryset = queryset.filter(received_on__gte=filters.start, received_on__lte=filters.end)
    return _for_team(queryset, filters.team)


def _for_team(queryset, team):
    if team is None:
        return queryset
    return queryset.filter(worker_id__in=Subquery(TeamMember.objects.filter(team=team).values("user_id")))


def _pct(part: int, whole: int) -> float | None:
    return round(100 * part / whole, 1) if whole else None


class SortedDoubles(Aggregate):
    """The group's values in order, as one string of 8-byte doubles in network order (PostgreSQL's
    ``float8send``): a month of times crosses as bytes, not as a Python float each (:mod:`reporting.tallies`)."""

    function = "string_agg"
    template = "string_agg(float8send(%(expressions)s), ''::bytea ORDER BY %(expressions)s)"
    output_field = BinaryField()


class Percentiles(Aggregate):
    """PostgreSQL's continuous percentiles (interpolated, as a spreadsheet's PERCENTILE.INC): the median
    and the 90th percentile from one sort of the group."""

    function = "percentile_cont"
    template = "%(function)s(ARRAY[0.5, 0.9]) WITHIN GROUP (ORDER BY %(expressions)s)"
    output_field = ArrayField(FloatField())


def _interpolated(values: list[float], fraction: float) -> float | None:
    if not values:
        return None
    values = sorted(values)
    rank = fraction * (len(values) - 1)
    low = int(rank)
    high = min(low + 1, len(values) - 1)
    return values[low] + (values[high] - values[low]) * (rank - low)


def _times(queryset, group: str, value: str) -> dict:
    """Median and 90th percentile of ``value`` per ``group`` (one query)."""
    queryset = queryset.exclude(**{f"{value}__isnull": True})
    if connection.vendor == "postgresql":
        rows = queryset.values(group).annotate(n=Count("pk"), percentiles=Percentiles(value))
        return {
            r[group]: {"count": r["n"], "median": _round(r["percentiles"][0]), "p90": _round(r["percentiles"][1])}
            for r in rows
        }
    grouped = defaultdict(list)
    for key, number in queryset.values_list(group, value):
        grouped[key].append(number)
    return {
        key: {
            "count": len(v),
            "median": _round(_interpolated(v, 0.5)),
            "p90": _round(_interpolated(v, 0.9)),
        }
        for key, v in grouped.items()
    }


def _round(value):
    return None if value is None else round(value, 2)


# --- one pass over a figures table (PostgreSQL) -------------------------------------------------------


def _one_pass(queryset, sets: list[tuple[str, ...]], aggregates: dict[str, tuple[str, ...]]):
    """Every count breakdown of one figures table from one scan: ``GROUP BY GROUPING SETS`` over ``queryset``
    (the tenant's rows in the range), returning the rows of each set in order. ``aggregates``: name -> (SQL,
    the columns it reads). Counts and sums only, so PostgreSQL hashes every set in the one pass; the medians
    and 90th percentiles are separate (:func:`_times`): an ordered-set aggregate here would make it sort the
    whole range once per set, measured slower than a second scan (bench/dashboard.py).
    """
    keys = list(dict.fromkeys(key for grouping in sets for key in grouping))
    columns = list(dict.fromkeys([*keys, *(c for _sql, cols in aggregates.values() for c in cols)]))
    inner, params = queryset.order_by().values(*columns).query.sql_with_params()
    mask = f"GROUPING({', '.join(keys)})" if keys else "0"
    select = [f"{mask} AS grouping_mask", *keys, *(f"{sql} AS {name}" for name, (sql, _cols) in aggregates.items())]
    grouping_sets = ", ".join("(" + ", ".join(grouping) + ")" for grouping in sets)
    # Every name in it is one of this module's constants; the values are parameters of the inner query.
    sql = f"SELECT {', '.join(select)} FROM ({inner}) AS facts GROUP BY GROUPING SETS ({grouping_sets})"  # noqa: S608 # nosec B608
    # The inner query is the tenant-scoped queryset (and row-level security applies).
    with connection.cursor() as cursor:  # scoping: allowed
        cursor.execute(sql, params)
        names = [column.name for column in cursor.description]
        rows = [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]
    masks = [sum(1 << (len(keys) - 1 - i) for i, key in enumerate(keys) if key not in grouping) for grouping in sets]
    return [[row for row in rows if row["grouping_mask"] == mask] for mask in masks]


CONTACT_AGGREGATES = {
    "contacts": ("COUNT(*)", ()),
    "children": ("SUM(children)", ("children",)),
    "unborn_children": ("SUM(unborn_children)", ("unborn_children",)),
    "decisions": ("COUNT(*) FILTER (WHERE decided_at IS NOT NULL)", ("decided_at",)),
    "in_time": ("COUNT(*) FILTER (WHERE decided_in_time)", ("decided_in_time",)),
    "re_contacts": ("COUNT(*) FILTER (WHERE re_contact_children > 0)", ("re_contact_children",)),
    "re_contact_children": ("SUM(re_contact_children)", ("re_contact_children",)),
    "step_ups": ("COUNT(*) FILTER (WHERE stepped_up)", ("stepped_up",)),
    "step_downs": ("COUNT(*) FILTER (WHERE stepped_down)", ("stepped_down",)),
    "bounced": ("COUNT(*) FILTER (WHERE bounced)", ("bounced",)),
}
RETURN_AGGREGATES = {
    "requests": ("COUNT(*)", ()),
    "returns": ("COUNT(*) FILTER (WHERE returned_at IS NOT NULL)", ("returned_at",)),
    "on_time": ("COUNT(*) FILTER (WHERE on_time)", ("on_time",)),
}
EARLY_HELP_AGGREGATES = {
    "requests": ("COUNT(*)", ()),
    "children": ("SUM(children)", ("children",)),
    "reviews": ("COUNT(*) FILTER (WHERE outcome_at IS NOT NULL)", ("outcome_at",)),
    "in_time": ("COUNT(*) FILTER (WHERE in_time)", ("in_time",)),
    "from_contacts": ("COUNT(*) FILTER (WHERE from_contact)", ("from_contact",)),
    "stepped_up": ("COUNT(*) FILTER (WHERE stepped_up)", ("stepped_up",)),
}


def _contact_tally(rows) -> dict:
    return tallies.contact_tally(rows, tuple(CONTACT_AGGREGATES), REFERRAL_OUTCOMES)


def _consultations_by_type(filters: Filters, tenant) -> dict[str, int]:
    """Calls to the advice line recorded on the range's local dates (the tenant's zone), per type of caller
    organisation; with a team, those its members recorded (one query)."""
    since, until = local_bounds(tenant, filters.start, filters.end)
    rows = Consultation.objects.filter(recorded_at__gte=since, recorded_at__lt=until)
    if filters.team is not None:
        rows = rows.filter(recorded_by_id__in=Subquery(TeamMember.objects.filter(team=filters.team).values("user_id")))
    counted = dict(rows.order_by().values_list("organisation_type").annotate(n=Count("pk")).values_list(
        "organisation_type", "n"))  # fmt: skip
    return {code: counted[code] for code in OrganisationType.values if counted.get(code)}


def _strategy_discussions(filters: Filters, now: datetime) -> dict[str, int]:
    """The strategy discussions due for contacts received in the range, and how many were held by their clock's
    due time (one query). Due: met (held), or still open past the due time (breached unrecorded, counted as not
    within the deadline); a clock not yet due, or stopped, is not counted either way."""
    subjects = _in_range(ContactFact.objects.all(), filters).annotate(subject=Cast("contact_id", CharField()))
    return Clock.objects.filter(
        kind=ClockKind.STRATEGY_DISCUSSION,
        subject_type=Contact._meta.label_lower,
        subject_id__in=Subquery(subjects.values("subject")),
        cancelled_at__isnull=True,
    ).aggregate(
        due=Count("pk", filter=Q(met_at__isnull=False) | Q(due_at__lte=now) | Q(breached_at__isnull=False)),
        within=Count("pk", filter=Q(met_at__lte=F("due_at"))),
    )


def timeliness(filters: Filters, *, now: datetime | None = None, tenant: Tenant | None = None) -> dict:
    """The dashboard's figures for contacts received in the range (API.md's fields first). ``tenant`` is the
    active one (the request's, already loaded; read here when not given) for its zone.

    On PostgreSQL each figures table's counts come from one scan (:func:`_one_pass`: every breakdown and the
    trend), and its times from a second; elsewhere (the embedded SQLite default) one query per breakdown."""
    return _timeliness(filters, now=now, tenant=tenant, one_pass=connection.vendor == "postgresql")


def _timeliness(filters: Filters, *, now, tenant, one_pass: bool, cached: bool = True) -> dict:
    now = now or timezone.now()
    tenant = tenant or Tenant.objects.get(pk=tenancy.require_tenant_id())
    ratings, rating_units = {}, {}
    for pk, code, label, unit in Rating.objects.values_list("pk", "code", "label", "return_unit"):
        ratings[pk], rating_units[pk] = (code, label), unit
    agencies = {pk: (slug, name) for pk, slug, name in Agency.objects.values_list("pk", "slug", "name")}
    if not cached:
        figures = _figures(filters, ratings, rating_units, agencies, _read_figures_tables(filters, one_pass))
        return {**figures, **_live_figures(filters, now, tenant)}
    versions = _versions(filters)
    key = _figures_key(filters, tenant, one_pass, versions, (ratings, rating_units, agencies))
    figures = cache.get(key)
    if figures is None:
        read = _read_by_month(filters, tenant, versions) if one_pass else _read_figures_tables(filters, one_pass)
        figures = _figures(filters, ratings, rating_units, agencies, read)
        cache.set(key, figures, FIGURES_CACHE_SECONDS)
    return {**figures, **_live_figures(filters, now, tenant)}


def _live_figures(filters: Filters, now, tenant) -> dict:
    """The figures read from the records on every call, never cached: calls to the advice line, strategy
    discussions (due depends on the time now), and the deadlines passed and still not met."""
    consultations = _consultations_by_type(filters, tenant)
    strategy = _strategy_discussions(filters, now)
    return {
        "consultations": sum(consultations.values()),
        "strategy_discussions_within_deadline_pct": _pct(strategy["within"], strategy["due"]),
        "consultations_by_organisation_type": consultations,
        "strategy_discussions_due": strategy["due"],
        "strategy_discussions_within_deadline": strategy["within"],
        "open_breaches": open_breaches(filters.team, now=now),
    }


# The figures worked out from the figures tables for a range are kept this long (an hour), and each month's part
# of what was read as long, under the tenant's figures versions (reporting.models.FiguresVersion, FiguresMonth):
# a change to the tables gives a new version, so nothing is ever served from before it; the hour only bounds the
# memory a range nobody asks for again holds. (Not the rows read: at five years, unpickling the returns' 7,000
# grouped rows and adding them up again on each call made a repeated call 136 ms, against 88 ms with the figures
# kept; bench/dashboard.py.)
FIGURES_CACHE_SECONDS = 3600


@dataclass(frozen=True)
class _Versions:
    """The tenant's figures version (all months) and the version of each month of the range that has one, with
    the team's members (a hash: they decide which facts count, and may change without the tables)."""

    tenant: str
    months: dict
    members: str

    def of_month(self, month: date) -> str:
        return f"{self.tenant}:{self.months.get(month, 'none')}:{self.members}"


def _versions(filters: Filters) -> _Versions:
    """The versions ``filters`` reads under (one query; two with a team)."""
    months = FiguresMonth.objects.filter(month__gte=filters.start.replace(day=1), month__lte=filters.end)
    everything = FiguresVersion.objects.annotate(month=Value(None, output_field=DateField()))
    read = dict(months.values_list("month", "token").union(everything.values_list("month", "token"), all=True))
    members = ""
    if filters.team is not None:
        ids = sorted(TeamMember.objects.filter(team=filters.team).values_list("user_id", flat=True))
        members = hashlib.sha256(",".join(map(str, ids)).encode()).hexdigest()[:16]
    return _Versions(tenant=read.pop(None, "none"), months=read, members=members)


def _figures_key(filters: Filters, tenant, one_pass: bool, versions: _Versions, names) -> str:
    """The cache key of the figures ``filters`` work out from the tenant's figures tables in their present
    versions, with the rating and agency names they are shown under (``names``, read already)."""
    months = hashlib.sha256(repr(sorted(versions.months.items())).encode()).hexdigest()[:16]
    named = hashlib.sha256(repr(names).encode()).hexdigest()[:16]
    return (f"reporting:figures:{tenant.pk}:{versions.tenant}:{months}:{filters.start}:{filters.end}:"
            f"{filters.interval}:{filters.team.pk if filters.team else ''}:{versions.members}:{named}:"
            f"{int(one_pass)}")  # fmt: skip


def _read_figures_tables(filters: Filters, one_pass: bool) -> dict:
    """Everything the dashboard reads from the figures tables for ``filters``, over the whole range at once (the
    reference the figures added up from months are tested against, and the SQLite default's way), as tallies."""
    trunc = INTERVALS[filters.interval]
    if one_pass:
        contact_rows, contact_points = _one_pass(
            _in_range(ContactFact.objects.all(), filters).annotate(period=trunc("received_on")),
            [("outcome", "rating_id", "source"), ("period",)],
            CONTACT_AGGREGATES,
        )
        (return_rows,) = _one_pass(
            _in_range(ReturnFact.objects.all(), filters).annotate(period=trunc("received_on")),
            [("period", "agency_id", "rating_id")],
            RETURN_AGGREGATES,
        )
        eh_totals, eh_outcome_rows = _one_pass(
            _in_range(EarlyHelpFact.objects.all(), filters), [(), ("outcome",)], EARLY_HELP_AGGREGATES
        )
        early_help = {key: eh_totals[0][key] if eh_totals else 0 for key in EARLY_HELP_AGGREGATES}
        eh_outcomes = {row["outcome"]: row["requests"] for row in eh_outcome_rows if row["outcome"]}
        decision_times, return_times, eh_times = _all_times(filters)
    else:
        contact_rows, return_rows, early_help, eh_outcomes, decision_times, return_times, eh_times = _by_query(filters)
        contact_rows, contact_points = list(contact_rows), None
    return_points = defaultdict(lambda: [0, 0])
    for row in return_rows:
        point = return_points[_as_date(row["period"])]
        point[0] += row["returns"]
        point[1] += row["on_time"]
    return {
        "contacts": _contact_tally(contact_rows),
        "contact_points": contact_points,
        "returns": tallies.return_tally(return_rows),
        "return_points": dict(return_points),
        "early_help": early_help,
        "eh_outcomes": eh_outcomes,
        "times": {"decision": decision_times, "return": return_times, "early_help": eh_times},
    }


# --- the same figures added up from months: what a change leaves standing is not read again ------------------


def _months_of(filters: Filters) -> list[tuple[date, date, date]]:
    """The range cut at the ends of months: (the month's first day, the first and last dates of the range in it)."""
    parts, start = [], filters.start
    while start <= filters.end:
        month = start.replace(day=1)
        end = min(_month_end(month), filters.end)
        parts.append((month, start, end))
        start = end + timedelta(days=1)
    return parts


# The layout of a month's part in the cache (:func:`_read_months`): a new number when it changes, so a deployment
# never adds up parts another version of this code kept.
MONTH_FORMAT = 1


def _read_by_month(filters: Filters, tenant, versions: _Versions) -> dict:
    """The tallies of :func:`_read_figures_tables` added up from each month's part of the range, each part kept in
    the cache under its month's version: after a change, only the months it touched are read from the tables
    (one query per table and one per table's times for all of them together), the rest come from the cache."""
    team = filters.team.pk if filters.team else ""
    parts = _months_of(filters)
    keys = {month: f"reporting:month:{MONTH_FORMAT}:{tenant.pk}:{versions.of_month(month)}:{start}:{end}:{team}"
            for month, start, end in parts}  # fmt: skip
    kept = cache.get_many(list(keys.values()))
    missing = [part for part in parts if keys[part[0]] not in kept]
    if missing:
        read = _read_months(filters.team, missing)
        fresh = {keys[month]: read.get(month, {}) for month, _start, _end in missing}
        cache.set_many(fresh, FIGURES_CACHE_SECONDS)
        kept.update(fresh)
    return _added_up([kept[keys[month]] for month, _start, _end in parts], filters.interval)


def _read_months(team, parts) -> dict:
    """Each month's counts (reduced to tallies), counts per day, and sorted times, for the range's ``parts`` (six
    queries, whatever the number of months)."""
    spans = []  # the parts as contiguous date ranges
    for _month, start, end in parts:
        if spans and spans[-1][1] + timedelta(days=1) == start:
            spans[-1][1] = end
        else:
            spans.append([start, end])
    within = Q()
    for start, end in spans:
        within |= Q(received_on__gte=start, received_on__lte=end)

    def facts(model):
        return _for_team(model.objects.filter(within), team).annotate(month=INTERVALS["month"]("received_on"))

    months = defaultdict(lambda: defaultdict(list))  # month -> what -> rows
    contact_rows, contact_days = _one_pass(
        facts(ContactFact), [("month", "outcome", "rating_id", "source"), ("received_on",)], CONTACT_AGGREGATES
    )
    return_rows, return_days = _one_pass(
        facts(ReturnFact), [("month", "agency_id", "rating_id"), ("received_on",)], RETURN_AGGREGATES
    )
    eh_rows, eh_outcome_rows = _one_pass(
        facts(EarlyHelpFact), [("month",), ("month", "outcome")], EARLY_HELP_AGGREGATES
    )
    for what, rows in (("contacts", contact_rows), ("returns", return_rows), ("early_help", eh_rows),
                       ("eh_outcomes", eh_outcome_rows)):  # fmt: skip
        for row in rows:
            months[_as_date(row["month"])][what].append(row)
    for what, rows in (("contact_days", contact_days), ("return_days", return_days)):
        for row in rows:
            months[row["received_on"].replace(day=1)][what].append(row)
    times = {}
    for what, model, group, value in (("decision", ContactFact, "decision_unit", "decision_elapsed"),
                                      ("return", ReturnFact, "rating_id", "elapsed"),
                                      ("early_help", EarlyHelpFact, "unit", "elapsed")):  # fmt: skip
        rows = (facts(model).exclude(**{f"{value}__isnull": True}).order_by().values("month", group)
                .annotate(values=SortedDoubles(value)))  # fmt: skip
        for row in rows:
            groups = times.setdefault(_as_date(row["month"]), {}).setdefault(what, {})
            groups[row[group]] = tallies.from_network_order(row["values"])
    read = {}
    for month in set(months) | set(times):
        rows = months[month]
        days = {name: {} for name in ("contacts", "children", "decisions", "in_time", "returns", "returns_on_time")}
        for row in rows["contact_days"]:
            for name in ("contacts", "children", "decisions", "in_time"):
                days[name][row["received_on"]] = row[name] or 0
        for row in rows["return_days"]:
            days["returns"][row["received_on"]] = row["returns"]
            days["returns_on_time"][row["received_on"]] = row["on_time"]
        read[month] = {
            "contacts": _contact_tally(rows["contacts"]),
            "returns": tallies.return_tally(rows["returns"]),
            "days": days,
            "early_help": {key: row[key] or 0 for row in rows["early_help"] for key in EARLY_HELP_AGGREGATES},
            "eh_outcomes": {row["outcome"]: row["requests"] for row in rows["eh_outcomes"] if row["outcome"]},
            "times": times.get(month, {}),
        }
    return read


def _added_up(parts: list[dict], interval: str) -> dict:
    """Months' parts added into the tallies :func:`_read_figures_tables` gives for the whole range; the times'
    medians and 90th percentiles found in the months' sorted runs (:func:`tallies.percentiles`)."""
    total = {"contacts": _contact_tally([]), "returns": tallies.return_tally([]),
             "early_help": dict.fromkeys(EARLY_HELP_AGGREGATES, 0)}  # fmt: skip
    runs = defaultdict(lambda: defaultdict(list))
    for part in parts:
        tallies.add(total, {what: counted for what, counted in part.items() if what != "times"})
        for what, groups in part.get("times", {}).items():
            for group, data in groups.items():
                runs[what][group].append(tallies.unpacked(data))
    days = total.get("days", {})
    period = {day: tallies.period_of(day, interval) for day in days.get("contacts", {}) | days.get("returns", {})}
    points = defaultdict(lambda: defaultdict(int))
    for name, counted in days.items():
        for day, n in counted.items():
            points[period[day]][name] += n
    contact_points = [
        {"period": period, **{name: counted[name] for name in ("contacts", "children", "decisions", "in_time")}}
        for period, counted in points.items()
        if "contacts" in counted
    ]
    return_points = {
        period: [counted["returns"], counted["returns_on_time"]]
        for period, counted in points.items()
        if "returns" in counted
    }
    times = {}
    for what in ("decision", "return", "early_help"):
        times[what] = {}
        for group, sorted_runs in runs[what].items():
            n, (median, p90) = tallies.percentiles(sorted_runs)
            times[what][group] = {"count": n, "median": _round(median), "p90": _round(p90)}
    return {
        "contacts": total["contacts"],
        "contact_points": contact_points,
        "returns": total["returns"],
        "return_points": return_points,
        "early_help": total["early_help"],
        "eh_outcomes": total.get("eh_outcomes", {}),
        "times": times,
    }


def _by_query(filters: Filters):
    """The breakdowns one query each (the SQLite default; the reference the one-pass figures are tested against)."""
    contact_rows = (
        _in_range(ContactFact.objects.all(), filters)
        .values("outcome", "rating_id", "source")
        .annotate(
            contacts=Count("pk"),
            children=Sum("children"),
            unborn_children=Sum("unborn_children"),
            decisions=Count("pk", filter=Q(decided_at__isnull=False)),
            in_time=Count("pk", filter=Q(decided_in_time=True)),
            re_contacts=Count("pk", filter=Q(re_contact_children__gt=0)),
            re_contact_children=Sum("re_contact_children"),
            step_ups=Count("pk", filter=Q(stepped_up=True)),
            step_downs=Count("pk", filter=Q(stepped_down=True)),
            bounced=Count("pk", filter=Q(bounced=True)),
        )
    )
    return_rows = list(
        _in_range(ReturnFact.objects.all(), filters)
        .annotate(period=INTERVALS[filters.interval]("received_on"))
        .values("period", "agency_id", "rating_id")
        .annotate(
            requests=Count("pk"),
            returns=Count("pk", filter=Q(returned_at__isnull=False)),
            on_time=Count("pk", filter=Q(on_time=True)),
        )
    )
    early_help = _in_range(EarlyHelpFact.objects.all(), filters).aggregate(
        requests=Count("pk"),
        children=Sum("children"),
        reviews=Count("pk", filter=Q(outcome_at__isnull=False)),
        in_time=Count("pk", filter=Q(in_time=True)),
        from_contacts=Count("pk", filter=Q(from_contact=True)),
        stepped_up=Count("pk", filter=Q(stepped_up=True)),
    )
    eh_outcomes = dict(
        _in_range(EarlyHelpFact.objects.exclude(outcome=""), filters)
        .values_list("outcome")
        .annotate(n=Count("pk"))
        .values_list("outcome", "n")
    )
    return contact_rows, return_rows, early_help, eh_outcomes, *_all_times(filters)


def _all_times(filters: Filters):
    """Medians and 90th percentiles: decisions per unit, returns per rating, early-help reviews per unit."""
    return (
        _times(_in_range(ContactFact.objects.all(), filters), "decision_unit", "decision_elapsed"),
        _times(_in_range(ReturnFact.objects.all(), filters), "rating_id", "elapsed"),
        _times(_in_range(EarlyHelpFact.objects.all(), filters), "unit", "elapsed"),
    )


def _figures(filters, ratings, rating_units, agencies, read: dict) -> dict:
    """The dashboard's figures from the tallies read (:func:`_read_figures_tables` or :func:`_read_by_month`), the
    ratings and agencies shown by their codes."""
    counted = read["contacts"]
    totals = counted["totals"]
    by_rating, children_by_rating = defaultdict(int), defaultdict(int)
    for rating_id, n in counted["by_rating"].items():
        by_rating[ratings.get(rating_id, ("?", "?"))[0]] += n
    for rating_id, n in counted["children_by_rating"].items():
        children_by_rating[ratings.get(rating_id, ("?", "?"))[0]] += n
    outcomes, sources = counted["outcomes"], counted["sources"]
    returned = read["returns"]
    requests, returns, on_time = (returned["totals"][key] for key in ("requests", "returns", "on_time"))
    by_agency = defaultdict(lambda: [0, 0])
    for agency_id, n in returned["agency_returns"].items():
        counted_for = by_agency[agencies.get(agency_id, ("?", "?"))[0]]
        counted_for[0] += n
        counted_for[1] += returned["agency_on_time"][agency_id]
    by_rating_returns = defaultdict(lambda: [0, 0])
    for rating_id, n in returned["rating_returns"].items():
        counted_for = by_rating_returns[ratings.get(rating_id, ("?", "?"))[0]]
        counted_for[0] += n
        counted_for[1] += returned["rating_on_time"][rating_id]
    early_help, eh_outcomes = read["early_help"], read["eh_outcomes"]
    decision_times, return_times, eh_times = (read["times"][what] for what in ("decision", "return", "early_help"))

    return {
        "from": filters.start.isoformat(),
        "to": filters.end.isoformat(),
        "team": filters.team.pk if filters.team else None,
        # API.md's fixed fields
        "contacts": totals["contacts"],
        "decisions": totals["decisions"],
        "decided_within_deadline_pct": _pct(totals["in_time"], totals["decisions"]),
        "returns": returns,
        "returns_on_time_pct": _pct(on_time, returns),
        "returns_on_time_pct_by_agency": {slug: _pct(v[1], v[0]) for slug, v in sorted(by_agency.items())},
        "early_help_reviews_within_deadline_pct": _pct(early_help["in_time"], early_help["reviews"]),
        "outcomes": {o: outcomes.get(o, 0) for o in Outcome.values},
        "ratings": {code: by_rating.get(code, 0) for code, _label in ratings.values()},
        "re_contacts_within_12_months": totals["re_contacts"],
        "consultations": None,
        "strategy_discussions_within_deadline_pct": None,
        "bounced_contacts": totals["bounced"],
        # the rest of the dashboard
        "children": totals["children"],
        # Unborn children (pre-birth referrals) are children in every count above, as Annex A lists them; this
        # says how many of them were unborn when the contact came in.
        "unborn_children": totals["unborn_children"],
        "decided_within_deadline": totals["in_time"],
        "referrals": totals["referrals"],
        "re_contacts_within_12_months_children": totals["re_contact_children"],
        "children_by_rating": {code: children_by_rating.get(code, 0) for code, _label in ratings.values()},
        "information_requests": requests,
        "returns_on_time": on_time,
        "returns_by_agency": {slug: {"returns": v[0], "on_time": v[1]} for slug, v in sorted(by_agency.items())},
        "returns_on_time_pct_by_rating": {code: _pct(v[1], v[0]) for code, v in sorted(by_rating_returns.items())},
        "returns_by_rating": {
            code: {"returns": v[0], "on_time": v[1]} for code, v in sorted(by_rating_returns.items())
        },
        "sources": {code: sources[code] for code in ReferralSource.values if sources.get(code)},
        "step_ups": totals["step_ups"],
        "step_downs": totals["step_downs"],
        "early_help_requests": early_help["requests"],
        "early_help_children": early_help["children"] or 0,
        "early_help_reviews": early_help["reviews"],
        "early_help_reviews_within_deadline": early_help["in_time"],
        "early_help_outcomes": {o: eh_outcomes.get(o, 0) for o in EarlyHelpOutcome.values},
        "early_help_stepped_up": early_help["stepped_up"],
        # consultations, strategy discussions and open breaches: here only their places in the answer's order,
        # read on every call (_live_figures), never cached.
        "consultations_by_organisation_type": None,
        "strategy_discussions_due": None,
        "strategy_discussions_within_deadline": None,
        "times": {
            "decision": [dict(unit=unit, **v) for unit, v in sorted(decision_times.items())],
            "return_by_rating": {
                ratings.get(pk, ("?", "?"))[0]: dict(unit=rating_units.get(pk, ""), **v)
                for pk, v in return_times.items()
            },
            "early_help_review": [dict(unit=unit, **v) for unit, v in sorted(eh_times.items())],
        },
        "open_breaches": None,
        "trend": trend(filters, return_points=read["return_points"], contact_points=read["contact_points"]),
    }


def trend(filters: Filters, *, return_points=None, contact_points=None) -> dict:
    """Contacts, decisions and returns per day, week or month (two queries; none when the returns per
    period are given as ``{period: [returns, on time]}`` and the contacts' as rows of :func:`_one_pass`)."""
    trunc = INTERVALS[filters.interval]
    points = defaultdict(lambda: defaultdict(int))
    if contact_points is None:
        contact_points = (
            _in_range(ContactFact.objects.all(), filters)
            .annotate(period=trunc("received_on"))
            .values("period")
            .annotate(
                contacts=Count("pk"),
                children=Sum("children"),
                decisions=Count("pk", filter=Q(decided_at__isnull=False)),
                in_time=Count("pk", filter=Q(decided_in_time=True)),
            )
        )
    for row in contact_points:
        points[_as_date(row["period"])].update(
            {"contacts": row["contacts"] or 0, "children": row["children"] or 0, "decisions": row["decisions"] or 0,
             "decided_in_time": row["in_time"] or 0}
        )  # fmt: skip
    if return_points is None:
        return_points = {
            _as_date(row["period"]): [row["returns"], row["on_time"]]
            for row in _in_range(ReturnFact.objects.all(), filters)
            .annotate(period=trunc("received_on"))
            .values("period")
            .annotate(
                returns=Count("pk", filter=Q(returned_at__isnull=False)), on_time=Count("pk", filter=Q(on_time=True))
            )
        }
    for period, (returned, in_time) in return_points.items():
        points[period].update({"returns": returned, "returns_on_time": in_time})
    keys = ("contacts", "children", "decisions", "decided_in_time", "returns", "returns_on_time")
    return {
        "interval": filters.interval,
        "points": [
            {"period": period.isoformat(), **{k: points[period].get(k, 0) for k in keys},
             "decided_within_deadline_pct": _pct(points[period].get("decided_in_time", 0),
                                                 points[period].get("decisions", 0)),
             "returns_on_time_pct": _pct(points[period].get("returns_on_time", 0), points[period].get("returns", 0))}
            for period in sorted(points)
        ],
    }  # fmt: skip


def _as_date(value) -> date:
    return value.date() if isinstance(value, datetime) else value


def open_breaches(team=None, *, now: datetime) -> dict:
    """Deadlines passed and still not met, now, oldest first, with how long overdue (three queries)."""
    contacts = _for_team(
        ContactFact.objects.filter(breached_at__isnull=False, decided_at__isnull=True).exclude(status="closed"), team
    )
    returns = _for_team(ReturnFact.objects.filter(breached_at__isnull=False, outstanding=True), team)
    early_help = _for_team(EarlyHelpFact.objects.filter(breached_at__isnull=False, open=True), team)

    def oldest(queryset, due: str) -> tuple[list, int]:
        # The oldest few, each row carrying how many there are in all (counted before the limit): one query.
        rows = list(queryset.annotate(total=Window(Count("pk"))).order_by(due)[:OPEN_BREACHES_SHOWN])
        return rows, rows[0].total if rows else 0

    contacts, n_contacts = oldest(contacts.select_related("contact"), "decision_due_at")
    returns, n_returns = oldest(returns.select_related("contact", "agency"), "due_at")
    early_help, n_early_help = oldest(early_help.select_related("request"), "review_due_at")
    items = []
    for fact in contacts:
        items.append(_breach("Decision", fact.contact.reference, fact.decision_due_at, now, contact_id=fact.contact_id))
    for fact in returns:
        items.append(
            _breach(f"Information return: {fact.agency.name}", fact.contact.reference, fact.due_at, now,
                    contact_id=fact.contact_id)
        )  # fmt: skip
    for fact in early_help:
        items.append(_breach("Early help review", fact.request.reference, fact.review_due_at, now))
    items.sort(key=lambda item: item["due_at"])
    counts = {"decisions": n_contacts, "returns": n_returns, "early_help_reviews": n_early_help}
    return {"count": sum(counts.values()), **counts, "oldest": items[:OPEN_BREACHES_SHOWN]}


def _breach(what, reference, due_at, now, contact_id=None) -> dict:
    age = now - due_at if due_at else timedelta(0)
    return {
        "what": what,
        "reference": reference,
        "contact": contact_id,
        "due_at": due_at.isoformat() if due_at else None,
        "overdue_hours": round(age.total_seconds() / 3600, 1),
    }


# --- the records behind a figure ---------------------------------------------------------------------

# figure -> (table, extra filter). Every dashboard figure links to one of these lists.
CONTACT_FIGURES = {
    "contacts": Q(),
    "decisions": Q(decided_at__isnull=False),
    "decided_in_time": Q(decided_in_time=True),
    "decided_late": Q(decided_in_time=False),
    "re_contacts": Q(re_contact_children__gt=0),
    "step_ups": Q(stepped_up=True),
    "step_downs": Q(stepped_down=True),
    "bounced": Q(bounced=True),
    "referrals": Q(outcome__in=REFERRAL_OUTCOMES),
}
RETURN_FIGURES = {
    "requests": Q(),
    "returns": Q(returned_at__isnull=False),
    "returns_on_time": Q(on_time=True),
    "returns_late": Q(on_time=False),
}
EARLY_HELP_FIGURES = {
    "early_help": Q(),
    "early_help_reviews": Q(outcome_at__isnull=False),
    "early_help_in_time": Q(in_time=True),
    "early_help_late": Q(in_time=False),
}
FIGURES = {**{k: "contact" for k in CONTACT_FIGURES}, **{k: "return" for k in RETURN_FIGURES},
           **{k: "early_help" for k in EARLY_HELP_FIGURES}}  # fmt: skip


def records(filters: Filters, figure: str, *, outcome="", rating="", source="", agency="", period=""):
    """The records counted in ``figure`` (and an optional breakdown value), oldest first, prefetched."""
    kind = FIGURES[figure]
    if kind == "contact":
        queryset = _in_range(ContactFact.objects.filter(CONTACT_FIGURES[figure]), filters)
        if outcome:
            queryset = queryset.filter(outcome=outcome)
        if source:
            queryset = queryset.filter(source=source)
        if rating:
            queryset = queryset.filter(rating__code=rating)
        queryset = queryset.select_related("contact", "rating")
    elif kind == "return":
        queryset = _in_range(ReturnFact.objects.filter(RETURN_FIGURES[figure]), filters)
        if agency:
            queryset = queryset.filter(agency__slug=agency)
        if rating:
            queryset = queryset.filter(rating__code=rating)
        queryset = queryset.select_related("contact", "agency", "rating")
    else:
        queryset = _in_range(EarlyHelpFact.objects.filter(EARLY_HELP_FIGURES[figure]), filters)
        if outcome:
            queryset = queryset.filter(outcome=outcome)
        queryset = queryset.select_related("request")
    if period:
        start = date.fromisoformat(period)
        end = {"day": start, "week": start + timedelta(days=6), "month": _month_end(start)}[filters.interval]
        queryset = queryset.filter(received_on__gte=start, received_on__lte=end)
    return kind, queryset.order_by("received_on", "pk")


def _month_end(start: date) -> date:
    following = date(start.year + (start.month == 12), start.month % 12 + 1, 1)
    return following - timedelta(days=1)


def local_bounds(tenant, start: date, end: date) -> tuple[datetime, datetime]:
    """The instants bounding local dates [start, end] in the tenant's zone."""
    zone = ZoneInfo(tenant.time_zone)
    return datetime.combine(start, time(0), zone), datetime.combine(end + timedelta(days=1), time(0), zone)
