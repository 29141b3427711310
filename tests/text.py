"""A page's markup as a reader takes it in: the words, tags dropped, spaces collapsed."""

import re


def read(html: str) -> str:
    """``<strong class="govuk-tag">Overdue</strong> <span>by 20 min</span>`` reads "Overdue by 20 min"."""
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


def identity_bar(html: str) -> str:
    """The words of a page's identity bar (the child, then each fact and its value), up to the end of its facts."""
    start = html.index(">", html.index('id="identity"')) + 1
    return read(html[start : html.index("</dl>", start)])


def signed_in(user):
    """A page client signed in as ``user`` (with the second factor done: tests/conftest.py)."""
    from django.test import Client

    client = Client()
    client.force_login(user)
    return client
