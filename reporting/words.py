"""The dashboard's figures in words: a period of the trend ("30 Nov 2026", "Nov 2026") and a time taken in its
unit ("1.5 working days", "3 hours"), as the page, its charts and its tables say them."""

from __future__ import annotations

from datetime import date

MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")  # not the locale's
# A time's unit (thresholds.models.Unit) as words: (one, many).
UNIT_WORDS = {
    "working_days": ("working day", "working days"),
    "working_hours": ("working hour", "working hours"),
    "clock_hours": ("hour", "hours"),
}


def elapsed_words(value, unit: str) -> str:
    """``value`` of ``unit`` to one decimal place, a whole number without one: "0 working days", "1 hour"."""
    if value is None:
        return "not known"
    number = round(float(value), 1)
    one, many = UNIT_WORDS.get(unit, (unit.replace("_", " "), unit.replace("_", " ")))
    return f"{number:g} {one if number == 1 else many}".strip()


def period_words(period, interval: str) -> str:
    """A trend's period, given as its first day (ISO or a date): the day for a day or a week, the month for a
    month, with the month's short name (GOV.UK's style where a table or a chart's axis has little room)."""
    try:
        day = period if isinstance(period, date) else date.fromisoformat(str(period))
    except ValueError:
        return str(period)
    month = MONTHS[day.month - 1]
    return f"{month} {day.year}" if interval == "month" else f"{day.day} {month} {day.year}"
