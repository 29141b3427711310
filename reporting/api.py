"""``GET /api/v1/dashboard/timeliness/``: the managers' figures (API.md); ``/api/v1/teams/`` for its filter."""

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, serializers
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response

from mash.drf import TenantAPIView, TenantScopedViewSet, role_permission
from mash.models import Team
from mash.roles import Role

from . import selectors
from .forms import FiltersForm


class TimelinessSerializer(serializers.Serializer):
    """API.md's timeliness figures (fixed names) and the rest of the dashboard. A percentage is null when
    there is nothing to divide by (no decisions, no returns in the range)."""

    team = serializers.IntegerField(allow_null=True)
    contacts = serializers.IntegerField(help_text="Contacts received in the range")
    children = serializers.IntegerField(help_text="Children named on those contacts")
    decisions = serializers.IntegerField()
    decided_within_deadline_pct = serializers.FloatField(allow_null=True)
    returns = serializers.IntegerField()
    returns_on_time_pct = serializers.FloatField(allow_null=True)
    returns_on_time_pct_by_agency = serializers.DictField(child=serializers.FloatField(allow_null=True))
    early_help_reviews_within_deadline_pct = serializers.FloatField(allow_null=True)
    outcomes = serializers.DictField(child=serializers.IntegerField())
    ratings = serializers.DictField(child=serializers.IntegerField())
    re_contacts_within_12_months = serializers.IntegerField()
    consultations = serializers.IntegerField(
        help_text="Calls to the advice line recorded on the range's dates (the tenant's zone)"
    )
    consultations_by_organisation_type = serializers.DictField(
        child=serializers.IntegerField(), help_text="Those calls by the caller's type of organisation"
    )
    strategy_discussions_within_deadline_pct = serializers.FloatField(
        allow_null=True,
        help_text="Of the strategy discussions due for contacts received in the range (held, or unrecorded past "
        "their due time), the percentage held by their clock's due time; null when none were due",
    )
    bounced_contacts = serializers.IntegerField(
        help_text="Contacts received in the range flagged as bouncing between tiers (stepped down and back up, up "
        "and down again, or referred again after no further action, within the tenant's window)"
    )
    step_ups = serializers.IntegerField()
    step_downs = serializers.IntegerField()
    sources = serializers.DictField(child=serializers.IntegerField())
    times = serializers.JSONField(help_text="Median and 90th percentile, in each clock's unit")
    open_breaches = serializers.JSONField(help_text="Deadlines passed and not met, now, with their age")
    trend = serializers.JSONField(help_text="Figures per day, week or month")


# "from" is a Python keyword: declared here under its API name.
TimelinessSerializer._declared_fields["from"] = serializers.DateField()
TimelinessSerializer._declared_fields["to"] = serializers.DateField()


class TimelinessView(TenantAPIView):
    """Figures for contacts received from ``from`` to ``to`` (dates, both included); optional ``team``
    (id) and ``interval`` (day, week or month) for the trend. Managers and heads of service only."""

    permission_classes = [role_permission(*selectors.DASHBOARD_ROLES)]

    @extend_schema(
        responses=TimelinessSerializer,
        parameters=[
            OpenApiParameter("from", str, required=True, description="First day received, YYYY-MM-DD"),
            OpenApiParameter("to", str, required=True, description="Last day received, YYYY-MM-DD"),
            OpenApiParameter("team", int, description="A team's id (GET /teams/)"),
            OpenApiParameter("interval", str, enum=["day", "week", "month"], description="The trend's step"),
        ],
    )
    def get(self, request):
        form = FiltersForm(request.query_params)
        if not form.is_valid():
            raise ValidationError({field: list(errors) for field, errors in form.errors.items()})
        return Response(selectors.timeliness(form.filters(), tenant=request.tenant))


class TeamSerializer(serializers.ModelSerializer):
    members = serializers.SerializerMethodField()

    class Meta:
        model = Team
        fields = ["id", "name", "active", "members"]

    def get_members(self, team) -> list[str]:
        return [m.user.get_username() for m in team.members.all()]


class TeamViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, TenantScopedViewSet):
    """The hub's teams (ids for the dashboard's ``team`` filter). Managers, heads and admins."""

    model = Team
    serializer_class = TeamSerializer
    permission_classes = [role_permission(Role.MANAGER, Role.HEAD, Role.ADMIN)]

    def scoped_queryset(self):
        return selectors.teams(include_retired=True).prefetch_related("members__user")
