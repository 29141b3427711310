"""Markup built in code, for the few hot spots where Django's template language costs more than the page can
afford: the two worklists' rows (``triage/templatetags/triage_worklist.py``,
``navigators/templatetags/navigator_worklist.py``), a time left with its tag, a rating's tag.

The rule there: every value from the database or the request goes through :func:`django.utils.html.escape` (or
is a number or a fixed word); only markup the code itself writes is left as it is. :func:`built` marks such a
string safe for the template: the one place these modules say so, for a reviewer to find.
"""

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe


def built(html: str) -> SafeString:
    """``html``, made by code that escaped every value it put in, as markup the template shows as it is."""
    return mark_safe(html)  # noqa: S308  # nosec B308 B703 - callers escape every value (module docstring)


# --- what both worklists' rows show alike (triage's queue, the navigators' workspace) ------------------------


def child_sort_key(child) -> str:
    """A row's sort key for its child: surname then first name, escaped; ``~`` (after every letter) for none."""
    if child is None:
        return "~ "
    return f"{escape(child.last_name or '~')} {escape(child.first_name)}"


def surname_sort_key(person) -> str:
    """A row's sort key for a worker: their surname, escaped; ``~`` when nobody (or no surname)."""
    return escape(person.last_name or "~") if person is not None else "~"


def worker_name(worker, reader_pk) -> str:
    """Who has a row, escaped: "You" to themselves, else their full name (their username if they have none)."""
    if worker.pk == reader_pk:
        return "You"
    return escape(worker.get_full_name() or worker.get_username())


def and_more(count: int) -> str:
    """`` and 2 more`` after a row's first child, or nothing."""
    return f' <span class="mash-secondary">and {count} more</span>' if count else ""
