"""The navigators' workspace rows, built in code: ``{% load navigator_worklist %}{% workspace_rows %}``.

As the triage queue's rows (``triage/templatetags/triage_worklist.py``): a navigator keeps the workspace open and it
refreshes every minute, fifty rows a page. Django's template language spent 19 ms of a 79 ms page on the bench's
5,000 requests laying them out; building the same markup here costs a fraction of that. Every value from the
database goes through :func:`~django.utils.html.escape` (``mash.markup``); a rating's tag and a request's time left
come from the one function that makes them on every page.

What each row holds besides its fields (time left, warning point, first child) is prepared by the view.
"""

from datetime import UTC

from django import template
from django.utils.html import escape
from django.utils.safestring import SafeString

from mash import timefmt
from mash.markup import and_more, built, child_sort_key, surname_sort_key, worker_name
from mash.routing import pk_url
from mash.templatetags.timefmt import age, time_left_html
from thresholds.templatetags.rating_tags import rating_tag_html

register = template.Library()

NO_TIME_LEFT = 999_999_999  # the time-left sort key of a request returned or closed: after every open one
NONE_MATCH = '<tr class="govuk-table__row"><td class="govuk-table__cell" colspan="6">No requests match.</td></tr>'


@register.simple_tag
def request_time_left(row) -> SafeString:
    """How long is left on a request, in the one wording of ``mash.timefmt``; a returned or closed one says so."""
    return built(_time_left(row))


def _time_left(row) -> str:
    if row.status == "returned":
        returned = escape(timefmt.govuk_datetime(row.returned_at))
        return f'<strong class="govuk-tag govuk-tag--green">Returned</strong> {returned}'
    if row.status == "closed":
        return '<strong class="govuk-tag govuk-tag--grey">Closed</strong>'
    left = getattr(row, "time_left", None) or timefmt.time_left(row.due_at, warn_at=getattr(row, "warn_at", None))
    return time_left_html(left)


@register.simple_tag(takes_context=True)
def workspace_rows(context) -> SafeString:
    """Every row of the workspace (``rows`` in the context), or one saying none match."""
    rows = context.get("rows") or []
    if not rows:
        return built(NONE_MATCH)
    user = context.get("user")
    row = WorkspaceRow(user_pk=getattr(user, "pk", None), is_lead=bool(context.get("is_lead")))
    return built("\n".join(row.html(request) for request in rows))


class WorkspaceRow:
    """One workspace row's markup, for one reader (whose own requests say "You"; a lead may reassign)."""

    def __init__(self, *, user_pk, is_lead: bool):
        self.user_pk, self.is_lead = user_pk, is_lead
        self.request_url, self.assign_url = pk_url("navigators:request"), pk_url("navigators:assign")

    def html(self, row) -> str:
        reference = escape(row.contact.reference)
        rating = row.rating
        left_key = NO_TIME_LEFT if row.status in ("returned", "closed") else row.time_left.seconds
        escalated = (
            f' <strong class="govuk-tag govuk-tag--orange">Escalated</strong> level {row.escalation_level}'
            if row.escalation_level
            else ""
        )
        due = row.due_at
        worker = row.assigned_to
        return (
            f'<tr class="govuk-table__row" id="request-{row.pk}">'
            f'<td class="govuk-table__cell" data-sort-value="{child_sort_key(row.first_child)}">'
            f"{self._child(row)}</td>"
            f'<td class="govuk-table__cell" data-sort-value="{reference}">'
            f'<a class="govuk-link mash-nowrap" href="{self.request_url(row.pk)}">{reference}'
            f'<span class="govuk-visually-hidden"> ({escape(row.agency.name)} request)</span></a></td>'
            f'<td class="govuk-table__cell" data-sort-value="{rating.order}">{rating_tag_html(rating)}</td>'
            f'<td class="govuk-table__cell" data-sort-value="{left_key}">{_time_left(row)}{escalated}</td>'
            f'<td class="govuk-table__cell" data-sort-value="{int(due.timestamp())}">'
            f'<time datetime="{due.astimezone(UTC).isoformat()}">{escape(timefmt.govuk_datetime(due))}</time></td>'
            f'<td class="govuk-table__cell" data-sort-value="{surname_sort_key(worker)}">'
            f"{self._worker(row, worker, reference)}</td>"
            "</tr>"
        )

    @staticmethod
    def _child(row) -> str:
        child = row.first_child
        if child is None:
            return "Not named"
        shown_age = age(child.date_of_birth) if child.date_of_birth else "age not known"
        return (
            f'<span class="govuk-!-font-weight-bold">{escape(child.first_name)} {escape(child.last_name)}</span>, '
            f"{escape(shown_age)}{and_more(len(row.other_children))}"
        )

    def _worker(self, row, worker, reference: str) -> str:
        if worker is None:
            shown = '<span class="mash-secondary">Any navigator</span>'
        else:
            shown = worker_name(worker, self.user_pk)
        if self.is_lead and row.is_outstanding:
            shown += (
                f' <a class="govuk-link" href="{self.assign_url(row.pk)}">Reassign'
                f'<span class="govuk-visually-hidden"> {reference}</span></a>'
            )
        return shown
