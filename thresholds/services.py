"""State changes of the tenant's policy. Each is validated, transactional and audited."""

from __future__ import annotations

from django.db import transaction

from mash import audit

from . import defaults
from .models import (
    CalendarSettings,
    ClockPolicy,
    Rating,
    ThresholdIndicator,
    ThresholdLevel,
)


@transaction.atomic
def ensure_default_policy(*, tenant) -> None:
    """Give a tenant its seeded calendar, rating scheme, clocks and threshold document where missing.

    Never overwrites what a tenant administrator has changed. Must run inside the tenant's context.
    """
    CalendarSettings.objects.get_or_create(defaults={"working_weekdays": [0, 1, 2, 3, 4]})
    for spec in defaults.SCHEMES.get(tenant.slug, defaults.DEFAULT_BRAG):
        Rating.objects.get_or_create(code=spec["code"], defaults={k: v for k, v in spec.items() if k != "code"})
    for kind, (amount, unit) in defaults.DEFAULT_CLOCKS.items():
        ClockPolicy.objects.get_or_create(kind=kind, defaults={"amount": amount, "unit": unit})
    if not ThresholdLevel.objects.exists():
        for number, name, description, by_domain in defaults.THRESHOLD_LEVELS:
            level = ThresholdLevel.objects.create(number=number, name=name, description=description)
            ThresholdIndicator.objects.bulk_create(
                ThresholdIndicator(tenant_id=tenant.pk, level=level, domain=domain, text=text, order=i)
                for domain, texts in by_domain.items()
                for i, text in enumerate(texts)
            )


def _save_audited(*, actor, instance, fields, action):
    before = {}
    if instance.pk:
        stored = type(instance).objects.get(pk=instance.pk)
        before = {f: getattr(stored, f) for f in fields}
    instance.full_clean()
    instance.save()
    changes = audit.diff(instance, before, fields)
    if changes:
        audit.record(actor=actor, action=action, obj=instance, changes=changes)
    return instance


RATING_FIELDS = (
    "label", "colour", "description", "examples", "order", "agencies_asked",
    "return_amount", "return_unit", "can_route_to_early_help", "active",
)  # fmt: skip


@transaction.atomic
def change_rating(*, actor, rating: Rating, **fields) -> Rating:
    """Change the tenant's rating. Deadlines already running keep the policy they started with."""
    rating = Rating.objects.select_for_update().get(pk=rating.pk)
    for name, value in fields.items():
        if name in RATING_FIELDS:
            setattr(rating, name, value)
    if rating.agencies_asked == "none":
        rating.return_amount, rating.return_unit = None, ""
    return _save_audited(actor=actor, instance=rating, fields=RATING_FIELDS, action="rating.changed")
