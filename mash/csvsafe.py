"""The one CSV writer of the product: every cell is safe to open in a spreadsheet (OWASP "CSV Injection").

A cell that a spreadsheet would read as a formula (it begins with ``=``, ``+``, ``-``, ``@``, a tab or a
carriage return) is written with a leading apostrophe, so Excel, LibreOffice and Google Sheets show it as
text and never run it. ``defusedcsv`` (maintained) does this for ``= + - @ | %`` and leaves numbers alone
(``-3``, ``12.5``, ``1,200`` stay numbers). It does not look at a leading tab, carriage return or line feed,
at a formula behind leading spaces, or at the full-width equals, plus, minus and at signs that some input
methods turn into formulas; :func:`neutralise` covers those before the row reaches it. Dates are written as
text that begins with a digit (``31/03/2026``, ``2026-03-31``) and are untouched.
"""

from __future__ import annotations

from numbers import Number

from defusedcsv import csv as defused

# Reading CSV (an administrator's user import) needs no neutralising: it goes through the same module so
# that one file is the product's only use of the csv library, and a test can tell.
DictReader = defused.DictReader

# What defusedcsv leaves alone but a spreadsheet may still read as (the start of) a formula.
CONTROL = frozenset("\t\r\n")
FULL_WIDTH = frozenset("\uff1d\uff0b\uff0d\uff20")  # full-width = + - @
# Every first character that makes a formula (defusedcsv's set and the above).
TRIGGERS = frozenset("=+-@|%") | CONTROL | FULL_WIDTH
# Spaces a spreadsheet may skip before it looks for a formula.
SPACES = " \u00a0\u3000"


def neutralise(value):
    """The cell with the cases defusedcsv misses behind an apostrophe; numbers and None ("") pass."""
    if value is None:
        return ""
    if isinstance(value, Number):  # bool too: written as True or False
        return value
    text = str(value)
    first = text[:1]
    if first in CONTROL or first in FULL_WIDTH or (first in SPACES and text.lstrip(SPACES)[:1] in TRIGGERS):
        return "'" + text
    return text


class _Writer:
    """``csv.writer``'s interface over defusedcsv's writer, each cell first through :func:`neutralise`."""

    def __init__(self, stream):
        self._writer = defused.writer(stream)

    def writerow(self, row):
        return self._writer.writerow([neutralise(cell) for cell in row])

    def writerows(self, rows):
        for row in rows:
            self.writerow(row)


def writer(stream) -> _Writer:
    """A CSV writer on ``stream`` (a file, or a Django ``HttpResponse``) that cannot plant a formula."""
    return _Writer(stream)
