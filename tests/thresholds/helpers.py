"""Making policy rows in tests outside the API (the isolation tests make one rating per tenant)."""

from decimal import Decimal

from mash import tenancy
from thresholds.models import Rating


def make_rating(tenant, code, **fields):
    """A rating ``code`` in ``tenant`` asking all agencies within 4 clock hours, unless told otherwise."""
    values = {
        "label": code.replace("-", " ").title(),
        "colour": "red",
        "agencies_asked": "all",
        "return_amount": Decimal(4),
        "return_unit": "clock_hours",
        **fields,
    }
    with tenancy.tenant_context(tenant):
        return Rating.objects.create(code=code, **values)
