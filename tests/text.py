"""A page's markup as a reader takes it in: the words, tags dropped, spaces collapsed."""

import re


def read(html: str) -> str:
    """``<strong class="govuk-tag">Overdue</strong> <span>by 20 min</span>`` reads "Overdue by 20 min"."""
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())
