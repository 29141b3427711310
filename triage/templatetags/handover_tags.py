"""``{% load handover_tags %}``: the MASH summary's ISO instants and dates shown GOV.UK style, in the tenant's zone."""

from datetime import date, datetime

from django import template

from mash import timefmt

register = template.Library()


@register.filter
def iso_datetime(value) -> str:
    try:
        return timefmt.govuk_datetime(datetime.fromisoformat(value)) if value else ""
    except (TypeError, ValueError):
        return ""


@register.filter
def iso_date(value) -> str:
    try:
        return timefmt.govuk_date(date.fromisoformat(value)) if value else ""
    except (TypeError, ValueError):
        return ""
