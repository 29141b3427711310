"""Markup built in code, for the few hot spots where Django's template language costs more than the page can
afford: a worklist's rows (``triage/templatetags/triage_worklist.py``), a time left with its tag, a rating's tag.

The rule there: every value from the database or the request goes through :func:`django.utils.html.escape` (or
is a number or a fixed word); only markup the code itself writes is left as it is. :func:`built` marks such a
string safe for the template: the one place these modules say so, for a reviewer to find.
"""

from django.utils.safestring import SafeString, mark_safe


def built(html: str) -> SafeString:
    """``html``, made by code that escaped every value it put in, as markup the template shows as it is."""
    return mark_safe(html)  # noqa: S308  # nosec B308 B703 - callers escape every value (module docstring)
