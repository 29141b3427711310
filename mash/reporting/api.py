"""``GET /api/v1/dashboard/timeliness/``: the managers' figures (API.md); ``/api/v1/teams/`` for its filter."""

from rest_framework import mixins, serializers
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response

from mash.api import TenantAPIView, TenantScopedViewSet, role_permission
from mash.roles import Role

from . import selectors
from .forms import FiltersForm
from .models import Team


class TimelinessView(TenantAPIView):
    """Figures for contacts received from ``from`` to ``to`` (dates, both included); optional ``team``
    (id) and ``interval`` (day, week or month) for the trend. Managers and heads of service only."""

    permission_classes = [role_permission(Role.MANAGER, Role.HEAD)]

    def get(self, request):
        form = FiltersForm(request.query_params)
        if not form.is_valid():
            raise ValidationError({field: list(errors) for field, errors in form.errors.items()})
        return Response(selectors.timeliness(form.filters()))


class TeamSerializer(serializers.ModelSerializer):
    members = serializers.SerializerMethodField()

    class Meta:
        model = Team
        fields = ["id", "name", "members"]

    def get_members(self, team) -> list[str]:
        return [m.user.get_username() for m in team.members.all()]


class TeamViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, TenantScopedViewSet):
    """The hub's teams (ids for the dashboard's ``team`` filter). Managers, heads and admins."""

    model = Team
    serializer_class = TeamSerializer
    permission_classes = [role_permission(Role.MANAGER, Role.HEAD, Role.ADMIN)]

    def scoped_queryset(self):
        return selectors.teams().prefetch_related("members__user")

    def http_method_not_allowed(self, request, *args, **kwargs):
        # Another tenant's team does not exist for the caller, whatever the method (API.md: 404).
        if self.lookup_field in kwargs or self.lookup_url_kwarg in kwargs:
            self.get_object()
        return super().http_method_not_allowed(request, *args, **kwargs)
