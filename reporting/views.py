"""The managers' dashboard, the records behind each figure, and the downloads (all audited)."""

import json

from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from contacts.choices import Outcome, ReferralSource
from earlyhelp.models import EarlyHelpOutcome
from mash import audit, csvsafe
from mash.date_input import date_parts
from mash.decorators import role_required
from mash.models import Agency
from thresholds.models import Rating
from triage.handover_models import OrganisationType

from . import annex_a, charts, selectors, services
from .forms import AnnexAForm, DashboardFiltersForm, asked_for_dates, default_range

ALLOWED = selectors.DASHBOARD_ROLES
PAGE_SIZE = 50


def _filters_form(request):
    return DashboardFiltersForm(request.GET if asked_for_dates(request.GET) else default_range())


def _filters_context(request, form) -> dict:
    """What the dashboard's two forms need, whether the page shows figures or the filters' errors."""
    return {
        "form": form,
        "teams": selectors.teams(keep=request.GET.get("team")),
        "intervals": selectors.INTERVALS,
        "date_parts": {name: date_parts(form[name]) for name in ("from", "to")},
        **_annex_context(),
    }


def _annex_context(form=None) -> dict:
    """The Annex A form (its date today unless typed) and its date's boxes."""
    form = form if form is not None else AnnexAForm(initial={"on": timezone.localdate()})
    return {"annex_form": form, "annex_parts": date_parts(form["on"])}


def _labels():
    return {
        "outcomes": dict(Outcome.choices),
        "sources": dict(ReferralSource.choices),
        "early_help_outcomes": dict(EarlyHelpOutcome.choices),
        "ratings": {
            code: (label, colour) for code, label, colour in Rating.objects.values_list("code", "label", "colour")
        },
        "agencies": dict(Agency.objects.values_list("slug", "name")),
        "organisation_types": dict(OrganisationType.choices),
    }


@role_required(*ALLOWED)
def dashboard(request):
    form = _filters_form(request)
    context = _filters_context(request, form)
    if not form.is_valid():
        return render(request, "reporting/dashboard.html", context, status=400)
    filters = form.filters()
    figures = selectors.timeliness(filters, tenant=request.tenant)
    labels = _labels()
    context.update(
        filters=filters,
        query=filters.query(),
        figures=figures,
        labels=labels,
        outcome_rows=[(code, labels["outcomes"][code], n) for code, n in figures["outcomes"].items()],
        rating_rows=[
            (code, *labels["ratings"].get(code, (code, "grey")), n, figures["children_by_rating"].get(code, 0))
            for code, n in figures["ratings"].items()
        ],
        source_rows=[(code, labels["sources"].get(code, code), n) for code, n in figures["sources"].items()],
        agency_rows=[
            (
                slug,
                labels["agencies"].get(slug, slug),
                v["returns"],
                v["on_time"],
                figures["returns_on_time_pct_by_agency"][slug],
            )
            for slug, v in figures["returns_by_agency"].items()
        ],
        rating_return_rows=[
            (
                code,
                labels["ratings"].get(code, (code, ""))[0],
                v["returns"],
                v["on_time"],
                figures["returns_on_time_pct_by_rating"][code],
                figures["times"]["return_by_rating"].get(code),
            )
            for code, v in figures["returns_by_rating"].items()
        ],
        eh_outcome_rows=[
            (code, labels["early_help_outcomes"][code], n) for code, n in figures["early_help_outcomes"].items()
        ],
        consultation_rows=[
            (labels["organisation_types"].get(code, code), n)
            for code, n in figures["consultations_by_organisation_type"].items()
        ],
        chart_data=charts.chart_configs(figures, labels),
    )
    return render(request, "reporting/dashboard.html", context)


@role_required(*ALLOWED)
def records(request, figure):
    if figure not in selectors.FIGURES:
        raise Http404
    form = _filters_form(request)
    if not form.is_valid():
        return render(request, "reporting/records.html", {"form": form, "figure": figure}, status=400)
    filters = form.filters()
    breakdown = {k: request.GET.get(k, "")[:40] for k in ("outcome", "rating", "source", "agency", "period")}
    try:
        kind, queryset = selectors.records(filters, figure, **breakdown)
        page = Paginator(queryset, PAGE_SIZE).get_page(request.GET.get("page"))
        rows = list(page.object_list)
    except ValueError:  # a malformed period
        raise Http404 from None
    audit.record(
        actor=request.user,
        action="reporting.records_viewed",
        changes={"figure": figure, "from": filters.start.isoformat(), "to": filters.end.isoformat(),
                 "team": filters.team.pk if filters.team else None, **{k: v for k, v in breakdown.items() if v},
                 "page": page.number, "shown": [_ref(kind, r) for r in rows]},
        label=figure,
    )  # fmt: skip
    return render(
        request,
        "reporting/records.html",
        {
            "form": form,
            "figure": figure,
            "kind": kind,
            "page": page,
            "rows": rows,
            "breakdown": {k: v for k, v in breakdown.items() if v},
            "query": filters.query(figure=None, **breakdown),
            "back": filters.query(),
        },
    )


def _ref(kind, fact):
    return fact.request.reference if kind == "early_help" else fact.contact.reference


@role_required(*ALLOWED)
def figures_csv(request):
    form = _filters_form(request)
    if not form.is_valid():
        return render(request, "reporting/dashboard.html", _filters_context(request, form), status=400)
    filters = form.filters()
    figures = selectors.timeliness(filters, tenant=request.tenant)
    services.record_download(
        actor=request.user,
        what="figures",
        changes={"from": filters.start.isoformat(), "to": filters.end.isoformat(),
                 "team": filters.team.pk if filters.team else None},
    )  # fmt: skip
    response = _csv_response(f"timeliness-{filters.start}-to-{filters.end}.csv")
    writer = csvsafe.writer(response)
    writer.writerow(["Figure", "Breakdown", "Value"])
    for key, value in figures.items():
        if key in ("trend", "open_breaches", "times"):
            continue
        if isinstance(value, dict):
            for sub, v in value.items():
                writer.writerow([key, sub, json.dumps(v) if isinstance(v, dict) else _blank(v)])
        else:
            writer.writerow([key, "", _blank(value)])
    for kind, rows in (("decision_time", figures["times"]["decision"]),
                       ("early_help_review_time", figures["times"]["early_help_review"])):  # fmt: skip
        for row in rows:
            writer.writerow([f"{kind}_median", row["unit"], row["median"]])
            writer.writerow([f"{kind}_p90", row["unit"], row["p90"]])
    for code, row in figures["times"]["return_by_rating"].items():
        writer.writerow(["return_time_median", f"{code} ({row['unit']})", row["median"]])
        writer.writerow(["return_time_p90", f"{code} ({row['unit']})", row["p90"]])
    writer.writerow(["open_breaches", "", figures["open_breaches"]["count"]])
    for point in figures["trend"]["points"]:
        for k, v in point.items():
            if k != "period":
                writer.writerow([f"trend_{filters.interval}_{k}", point["period"], _blank(v)])
    return response


def _blank(value):
    return "" if value is None else value


def _csv_response(filename):
    """A CSV download: written only through ``csvsafe.writer`` (no cell can become a formula)."""
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "no-store"
    return response


@role_required(*ALLOWED)
def annex_a_download(request):
    form = AnnexAForm(request.GET)
    number = request.GET.get("list", "")
    number = int(number) if number in ("1", "2", "3") else None
    if not form.is_valid() or number is None:
        errors = dict(form.errors) if not form.is_valid() else {}
        if number is None:
            errors["list"] = ["Choose List 1, 2 or 3."]
        return render(request, "reporting/annex_a.html", {**_annex_context(form), "errors": errors}, status=400)
    chosen = form.cleaned_data["on"]
    tenant = request.user.tenant
    rows = annex_a.BUILDERS[number](tenant, chosen)
    start, end = annex_a.period(chosen)
    services.record_download(
        actor=request.user,
        what=f"annex_a_list_{number}",
        changes={"list": number, "from": start.isoformat(), "to": end.isoformat(), "rows": len(rows)},
    )
    response = _csv_response(f"annex-a-list-{number}-{tenant.slug}-{end:%Y-%m-%d}.csv")
    writer = csvsafe.writer(response)
    writer.writerow(annex_a.HEADERS[number])
    writer.writerows(rows)
    return response


@role_required(*ALLOWED)
def annex_a_page(request):
    return render(request, "reporting/annex_a.html", {**_annex_context(), "errors": {}})
