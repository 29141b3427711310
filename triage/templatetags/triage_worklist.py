"""The triage queue's rows, built in code: ``{% load triage_worklist %}{% queue_rows %}`` in the worklist's table.

A worker has the queue open all day and it refreshes every minute: fifty rows of eight cells, each with its sort
key for the MoJ sortable table. Django's template language paid for every lookup, filter, include and
``{% csrf_token %}`` on each row (about 1,900 variable lookups a page): 9.5-13.6 ms of the page on the bench's
10,000 open contacts, where building the same markup here takes about 3 ms. The same approach as
:func:`mash.templatetags.timefmt.time_left_html`.

Every value from the database or the request goes through :func:`~django.utils.html.escape` (``mash.markup``);
markup shared with other pages (a rating's tag, the immediate-action tag, the also-open tag) comes from the one
function or partial that makes it everywhere.

What each row holds besides its fields is prepared by ``triage.selectors.prepare_queue_rows`` and the view (the
first child, time left, re-contact flag, also-open entries, the row's links).
"""

from django import template
from django.template.loader import get_template
from django.utils.html import escape
from django.utils.safestring import SafeString

from mash import timefmt
from mash.markup import and_more, built, child_sort_key, surname_sort_key, worker_name
from mash.templatetags.timefmt import age_or_due, time_left_html
from thresholds.templatetags.rating_tags import rating_tag_html

from .triage_tags import status_colour

register = template.Library()

NOT_DUE = 99_999_999_999  # the sort key of "None awaited": after every real deadline
NOT_RATED = '<span class="mash-secondary">Not rated</span>'
NONE_AWAITED = '<span class="mash-secondary">None awaited</span>'
NONE_MATCH = '<tr class="govuk-table__row"><td class="govuk-table__cell" colspan="8">No open contacts match.</td></tr>'


@register.simple_tag
def immediate_tag(contact) -> SafeString:
    """The immediate-action marker (issue 19): a Red rating, or an urgent report nobody has rated yet."""
    return built(_immediate(contact))


def _immediate(contact) -> str:
    if not contact.needs_immediate_action:
        return ""
    urgent = "" if contact.rating_id else ": reported urgent"
    return f'<strong class="govuk-tag govuk-tag--red mash-immediate">Immediate action{urgent}</strong><br>'


@register.simple_tag(takes_context=True)
def queue_rows(context) -> SafeString:
    """Every row of the worklist (``rows`` in the context), or one saying none match."""
    rows = context.get("rows") or []
    if not rows:
        return built(NONE_MATCH)
    user = context.get("user")
    csrf_token = context.get("csrf_token")
    row = QueueRow(
        user_pk=getattr(user, "pk", None),
        can_take=bool(context.get("can_take")),
        query=escape(context.get("query") or ""),
        csrf_token=escape(str(csrf_token)) if csrf_token and str(csrf_token) != "NOTPROVIDED" else "",
    )
    return built("\n".join(row.html(contact) for contact in rows))


class QueueRow:
    """One worklist row's markup, for one reader (whose own contacts say "You", who may take the others)."""

    def __init__(self, *, user_pk, can_take: bool, query: str, csrf_token: str):
        self.user_pk, self.can_take, self.query, self.csrf_token = user_pk, can_take, query, csrf_token

    def html(self, c) -> str:
        rating = c.rating
        left = c.time_left
        due = c.next_return_due_at
        worker = c.assigned_to
        return (
            f'<tr class="govuk-table__row" id="queue-row-{c.pk}">'
            f'<td class="govuk-table__cell" data-sort-value="{child_sort_key(c.first_child)}">{self._child(c)}</td>'
            f'<td class="govuk-table__cell" data-sort-value="{int(c.received_at.timestamp())}">{self._contact(c)}</td>'
            f'<td class="govuk-table__cell" data-sort-value="{rating.order if rating else 99}">'
            f"{rating_tag_html(rating) if rating else NOT_RATED}</td>"
            f'<td class="govuk-table__cell" data-sort-value="{left.seconds}">{self._time_left(c, left)}</td>'
            f'<td class="govuk-table__cell govuk-table__cell--numeric" data-sort-value="{c.returns_awaited}">'
            f"{c.returns_awaited}</td>"
            f'<td class="govuk-table__cell" data-sort-value="{int(due.timestamp()) if due else NOT_DUE}">'
            f"{time_left_html(timefmt.time_left(due)) if due else NONE_AWAITED}"
            "</td>"
            f'<td class="govuk-table__cell" data-sort-value="{escape(c.status)}">'
            f'<strong class="govuk-tag govuk-tag--{status_colour(c.status)}">{escape(c.get_status_display())}'
            "</strong></td>"
            f'<td class="govuk-table__cell" data-sort-value="{surname_sort_key(worker)}">'
            f"{self._worker(c, worker)}</td>"
            "</tr>"
        )

    @staticmethod
    def _child(c) -> str:
        child = c.first_child
        if child is None:
            return f'<a class="govuk-link" href="{escape(c.contact_url)}">No child named</a>'
        return (
            f'<a class="govuk-link govuk-!-font-weight-bold" href="{escape(c.contact_url)}">'
            f"{escape(child.first_name)} {escape(child.last_name)}</a>, "
            f"{escape(age_or_due(child) or 'age not known')}{and_more(len(c.other_children))}"
        )

    def _contact(self, c) -> str:
        shown = f'<span class="mash-nowrap">{escape(c.reference)}</span>'
        if c.previous_contact_ids:
            shown += ' <strong class="govuk-tag govuk-tag--purple">Re-contact</strong>'
        if c.bounce:
            shown += (
                ' <strong class="govuk-tag govuk-tag--yellow mash-bounced-tag">Bounced'
                f'<span class="govuk-visually-hidden">: {escape(c.get_bounce_display().lower())}</span></strong>'
            )
        if getattr(c, "also_open", None):  # a few rows: the people app's partial (compiled once, by the loader)
            shown += get_template("people/partials/also_open.html").render({"contact": c, "compact": True})
        return shown

    @staticmethod
    def _time_left(c, left) -> str:
        edt = (
            '<strong class="govuk-tag govuk-tag--purple mash-edt-handover">EDT handover</strong><br>'
            if c.edt_handover_first == 0
            else ""
        )
        return f"{edt}{_immediate(c)}{time_left_html(left)}"

    def _worker(self, c, worker) -> str:
        if worker is not None:
            return worker_name(worker, self.user_pk)
        if not self.can_take:
            return '<span class="mash-secondary">Not taken</span>'
        return (
            f'<form method="post" action="{escape(c.take_url)}" class="mash-inline-form">'
            f'<input type="hidden" name="csrfmiddlewaretoken" value="{self.csrf_token}">'
            f'<input type="hidden" name="version" value="{c.version}">'
            f'<input type="hidden" name="query" value="{self.query}">'
            '<button type="submit" class="mash-link-button govuk-link">Take'
            f'<span class="govuk-visually-hidden"> contact {escape(c.reference)}</span></button></form>'
        )
