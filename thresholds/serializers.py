"""The policy API's shapes (../shared/API.md: ratings and calendar/due)."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from decimal import Decimal

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from .models import AgenciesAsked, DeadlineUnit, Rating

UNIT_MESSAGE = "Choose one of clock_hours, working_hours or working_days."


class ReturnDeadlineSerializer(serializers.Serializer):
    """How long navigators have to return information: ``{"amount": 4, "unit": "working_hours"}``."""

    amount = serializers.DecimalField(
        max_digits=6,
        decimal_places=2,
        coerce_to_string=False,
        error_messages={
            "required": "Enter the deadline's amount.",
            "invalid": "Enter the amount as a number, like 4 or 1.5.",
            "max_digits": "Enter an amount of at most 9999.99.",
            "max_whole_digits": "Enter an amount of at most 9999.99.",
            "max_decimal_places": "Enter the amount with at most 2 decimal places.",
        },
    )
    unit = serializers.ChoiceField(
        choices=DeadlineUnit.choices,
        error_messages={"invalid_choice": UNIT_MESSAGE, "required": "Enter the deadline's unit. " + UNIT_MESSAGE},
    )

    default_error_messages = {
        "invalid": 'Send the deadline as {{"amount": 4, "unit": "working_hours"}}, or null for none.',
    }

    def validate_amount(self, value: Decimal) -> Decimal:
        if value <= 0:
            raise serializers.ValidationError("The amount must be more than 0.")
        return value

    def validate(self, attrs):
        # A PATCH makes nested fields optional too; a deadline is always replaced whole.
        missing = {name: [self.fields[name].error_messages["required"]] for name in self.fields if name not in attrs}
        if missing:
            raise serializers.ValidationError(missing)
        return attrs


class RatingSerializer(serializers.ModelSerializer):
    """One rating of the tenant's scheme. ``code`` identifies it and cannot change."""

    return_deadline = ReturnDeadlineSerializer(
        allow_null=True,
        required=False,
        help_text="How long asked agencies have to return information; null when the rating asks no agencies.",
    )
    decision_deadline = ReturnDeadlineSerializer(
        allow_null=True,
        required=False,
        help_text="A shorter decision deadline for contacts given this rating, counted from receipt; null when "
        "the tenant's decision clock applies. Rating or re-rating only ever brings a decision forward.",
    )

    class Meta:
        model = Rating
        fields = [
            "id",
            "code",
            "label",
            "colour",
            "description",
            "examples",
            "order",
            "agencies_asked",
            "return_deadline",
            "decision_deadline",
            "immediate",
            "cpis_check_required",
            "can_route_to_early_help",
            "active",
        ]
        read_only_fields = ["id", "code"]

    def to_internal_value(self, data):
        try:
            return super().to_internal_value(data)
        except serializers.ValidationError as exc:
            # The contract's error shape is {"field": ["message"]}: flatten the nested deadline's errors.
            detail = exc.detail
            for name in ("return_deadline", "decision_deadline"):
                if isinstance(detail, dict) and isinstance(detail.get(name), dict):
                    nested = detail[name]
                    detail[name] = [str(m) for messages in nested.values() for m in messages]
            raise serializers.ValidationError(detail) from None

    def validate(self, attrs):
        """A rating that asks agencies has a deadline; one that asks none has none."""
        instance = self.instance
        if "decision_deadline" in attrs:
            decision = attrs.pop("decision_deadline")
            attrs["decision_amount"], attrs["decision_unit"] = (
                (decision["amount"], decision["unit"]) if decision is not None else (None, "")
            )
        asked = attrs.get("agencies_asked", instance.agencies_asked if instance else None)
        if "return_deadline" in attrs:
            deadline = attrs.pop("return_deadline")
            deadline_given = deadline is not None
        else:
            deadline = instance.return_deadline if instance else None
            deadline_given = False
        if asked == AgenciesAsked.NONE:
            if deadline_given:
                raise serializers.ValidationError(
                    {"return_deadline": ["A rating that asks no agencies has no return deadline: send null."]}
                )
            attrs["return_amount"], attrs["return_unit"] = None, ""
        else:
            if deadline is None:
                raise serializers.ValidationError(
                    {"return_deadline": ["A rating that asks agencies must have a return deadline."]}
                )
            attrs["return_amount"], attrs["return_unit"] = deadline["amount"], deadline["unit"]
        return attrs


# An offset's "+" arrives as a space when a client forgets to encode it in the query string.
_UNENCODED_PLUS = re.compile(r"^(.*\d) (\d{2}(:?\d{2})?)$")


@extend_schema_field(OpenApiTypes.DATETIME)
class AwareDateTimeField(serializers.Field):
    """An ISO 8601 instant that must carry its offset (``Z`` or ``+01:00``): no guessing the zone."""

    default_error_messages = {
        "invalid": "Enter the start as an ISO 8601 instant with an offset, like 2026-11-20T15:00:00Z.",
        "required": "Enter the start, an ISO 8601 instant with an offset.",
        "naive": "Give the start's offset from UTC, like 2026-11-20T15:00:00Z or 2026-11-20T15:00:00+00:00.",
    }

    def to_internal_value(self, data):
        if not isinstance(data, str):
            self.fail("invalid")
        text = data.strip()
        match = _UNENCODED_PLUS.match(text)
        if match:
            text = f"{match.group(1)}+{match.group(2)}"
        try:
            value = datetime.fromisoformat(text)
        except ValueError:
            self.fail("invalid")
        if value.tzinfo is None or value.utcoffset() is None:
            self.fail("naive")
        try:
            return value.astimezone(UTC)
        except (OverflowError, ValueError):
            self.fail("invalid")

    def to_representation(self, value):
        return value.isoformat()


class DueQuerySerializer(serializers.Serializer):
    """``GET /calendar/due/`` parameters."""

    start = AwareDateTimeField(help_text="The instant the clock starts, ISO 8601 with an offset.")
    amount = serializers.DecimalField(
        max_digits=12,
        decimal_places=6,
        min_value=Decimal(0),
        max_value=Decimal(100_000),
        help_text="How much time: a decimal, 0 or more.",
        error_messages={
            "required": "Enter the amount, a number of hours or working days.",
            "invalid": "Enter the amount as a number, like 4 or 1.5.",
            "min_value": "The amount must not be negative.",
            "max_value": "Enter an amount of at most 100000.",
            "max_digits": "Enter an amount of at most 100000 with at most 6 decimal places.",
            "max_whole_digits": "Enter an amount of at most 100000.",
            "max_decimal_places": "Enter the amount with at most 6 decimal places.",
        },
    )
    unit = serializers.ChoiceField(
        choices=DeadlineUnit.choices,
        error_messages={"invalid_choice": UNIT_MESSAGE, "required": "Enter the unit. " + UNIT_MESSAGE},
    )


class DueSerializer(serializers.Serializer):
    due_at = serializers.DateTimeField(default_timezone=UTC, help_text="The deadline, in UTC.")
