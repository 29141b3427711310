"""The policy API: the tenant's rating scheme and deadline arithmetic by its working calendar."""

import django_filters
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import exceptions, mixins
from rest_framework.response import Response

from mash.drf import TenantAPIView, TenantScopedViewSet, role_permission
from mash.roles import STAFF_ROLES, Role

from . import selectors, services
from .calendars import calendar_for
from .models import AgenciesAsked, Rating
from .serializers import DueQuerySerializer, DueSerializer, RatingSerializer

FIELD_ERRORS = OpenApiResponse(description='Field errors: {"field": ["message", ...]}.')


class RatingFilter(django_filters.FilterSet):
    # Declared filters only: auto-generated ones query the model's scoped manager while
    # the schema is generated, when no tenant is active.
    active = django_filters.BooleanFilter()
    agencies_asked = django_filters.ChoiceFilter(choices=AgenciesAsked.choices)

    class Meta:
        model = Rating
        fields = []


@extend_schema_view(
    list=extend_schema(summary="The tenant's rating scheme, most urgent first"),
    retrieve=extend_schema(summary="One rating"),
    partial_update=extend_schema(
        summary="Change a rating (tenant administrators)",
        description="Applies to ratings given from now on; deadlines already running keep the policy they "
        "started with. Audited.",
        responses={200: RatingSerializer, 400: FIELD_ERRORS},
    ),
    update=extend_schema(
        summary="Replace a rating's settings (tenant administrators)",
        responses={200: RatingSerializer, 400: FIELD_ERRORS},
    ),
    destroy=extend_schema(
        summary="Ratings cannot be deleted",
        description="Always refused (405): set `active` to false to stop using a rating.",
        responses={405: OpenApiResponse(description="Ratings cannot be deleted.")},
    ),
)
class RatingViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.UpdateModelMixin, TenantScopedViewSet):
    """The tenant's rating scheme. Hub staff read it; tenant administrators change it."""

    model = Rating
    serializer_class = RatingSerializer
    lookup_field = "code"
    lookup_value_regex = r"[-a-zA-Z0-9_]+"
    permission_classes = [role_permission(Role.ADMIN, safe_roles=tuple(STAFF_ROLES))]
    filterset_class = RatingFilter

    def scoped_queryset(self):
        return selectors.ratings()

    def perform_update(self, serializer):
        serializer.instance = services.change_rating(
            actor=self.request.user, rating=serializer.instance, **serializer.validated_data
        )

    def destroy(self, request, *args, **kwargs):
        self.get_object()  # another tenant's rating is 404, as everywhere
        raise exceptions.MethodNotAllowed(
            request.method, detail="Ratings cannot be deleted. Set active to false to stop using one."
        )


class DueView(TenantAPIView):
    """When a deadline falls by the caller's tenant's working calendar."""

    permission_classes = [role_permission(*STAFF_ROLES)]

    @extend_schema(
        summary="Deadline by the tenant's working calendar",
        description="`amount` of `unit` after `start`: clock hours are real elapsed time; working hours and "
        "working days count only the tenant's working time (working weekdays and hours, minus bank "
        "holidays of its nation and its closure days).",
        parameters=[DueQuerySerializer],
        responses={200: DueSerializer, 400: FIELD_ERRORS},
    )
    def get(self, request):
        query = DueQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        start, amount, unit = (query.validated_data[k] for k in ("start", "amount", "unit"))
        try:
            due_at = calendar_for(request.tenant).add(start, amount, unit)
        except (OverflowError, ValueError):
            raise exceptions.ValidationError(
                {"amount": ["The deadline would fall outside the dates this service can record."]}
            ) from None
        return Response(DueSerializer({"due_at": due_at}).data)
