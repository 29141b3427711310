"""Template side of mash.timefmt: ``{% load timefmt %}``, then ``{{ instant|govuk_datetime }}``,
``{{ day|govuk_date }}``, ``{{ due_at|time_left }}`` (words only) or ``{% time_left_tag due_at warn_at %}``
(the words with an Overdue / Due soon tag, kept live by static/mash/countdown.js)."""

from datetime import UTC

from django import template
from django.utils.html import escape
from django.utils.safestring import SafeString

from mash import timefmt
from mash.markup import built

register = template.Library()


@register.filter
def govuk_datetime(instant, zone=None) -> str:
    return timefmt.govuk_datetime(instant, zone)


@register.filter
def govuk_day_datetime(instant, zone=None) -> str:
    return timefmt.govuk_day_datetime(instant, zone)


@register.filter
def govuk_date(value, zone=None) -> str:
    return timefmt.govuk_date(value, zone)


@register.filter
def govuk_time(instant, zone=None) -> str:
    return timefmt.govuk_time(instant, zone) if instant else ""


@register.filter
def epoch(instant) -> int | str:
    """Seconds since 1970 (UTC): a worklist cell's sort key, as ``date:'U'`` gives it without formatting a date
    in the reader's zone first (a tenth of the cost, twice a row); "" when there is no instant."""
    return int(instant.timestamp()) if instant else ""


@register.filter
def time_left(due_at, warn_at=None) -> str:
    return timefmt.time_left(due_at or None, warn_at=warn_at or None).words


@register.filter
def duration(value) -> str:
    """A timedelta in the same words as time left: ``1 h 5 min``."""
    return timefmt.span(value.total_seconds()) if value else ""


@register.filter
def age(date_of_birth) -> str:
    years = timefmt.age_in_years(date_of_birth)
    return "" if years is None else f"{years} year{'s' if years != 1 else ''}"


@register.simple_tag
def time_left_tag(due_at, warn_at=None, show_on_time=False):
    """Time left with its state as a tag (Overdue red, Due soon yellow; On time only when asked)."""
    due_at, warn_at = due_at or None, warn_at or None  # a template's missing variable is ""
    return time_left_html(timefmt.time_left(due_at, warn_at=warn_at), show_on_time=show_on_time)


@register.simple_tag
def time_left_shown(left: timefmt.TimeLeft):
    """:func:`time_left_tag` for a time left already worked out (a worklist row's, which sorts by it too)."""
    return time_left_html(left)


def time_left_html(left: timefmt.TimeLeft, *, show_on_time=False) -> SafeString:
    """The markup of :func:`time_left_tag`: built here rather than by a template of its own, since a worklist
    shows it twice a row (a sub-template per call cost about 150 us; three ``format_html`` calls about 60; one
    string, its values escaped, a tenth of that). ``data-countdown`` and ``data-warn`` (UTC, ISO 8601) let
    static/mash/countdown.js keep it live."""
    attributes = ""
    if left.due_at:
        warn = f' data-warn="{left.warn_at.astimezone(UTC).isoformat()}"' if left.warn_at else ""
        on_time = " data-show-on-time" if show_on_time else ""
        attributes = f' data-countdown="{left.due_at.astimezone(UTC).isoformat()}"{warn}{on_time}'
    tag = ""
    words = left.words
    if left.state in (timefmt.OVERDUE, timefmt.DUE_SOON) or show_on_time:
        tag = f'<strong class="govuk-tag govuk-tag--{left.tag} mash-time-left__tag">{escape(left.label)}</strong> '
        # The tag says "Overdue": the words go on from it ("Overdue by 20 min", read and seen once, not twice).
        words = words.removeprefix(f"{left.label} ")
    return built(
        f'<span class="mash-time-left"{attributes}>{tag}<span class="mash-time-left__words">{escape(words)}'
        "</span></span>"
    )


def _birth(person):
    """(date of birth, unborn, expected date) of a child as a page shows it. A contact's mention of an unborn
    child whose register entry (already loaded, never fetched here) has since been born shows the birth."""
    born, unborn, due = (getattr(person, name, None) for name in ("date_of_birth", "unborn", "expected_date"))
    entry = getattr(getattr(person, "_state", None), "fields_cache", {}).get("person")
    if unborn and entry is not None and not entry.unborn and entry.date_of_birth:
        return entry.date_of_birth, False, None
    return born, bool(unborn), due


@register.filter
def age_or_due(person) -> str:
    """``7 years``, or ``Unborn, due 3 March 2027`` for the child of a pre-birth referral; "" when not known."""
    born, unborn, due = _birth(person)
    if unborn:
        return f"Unborn, due {timefmt.govuk_date(due)}" if due else "Unborn"
    return age(born) if born else ""


@register.filter
def birth_or_due(person) -> str:
    """``27 March 2019 (7 years)``, or ``Unborn, due 3 March 2027``; "" when not known."""
    born, unborn, _due = _birth(person)
    if unborn:
        return age_or_due(person)
    return f"{timefmt.govuk_date(born)} ({age(born)})" if born else ""
