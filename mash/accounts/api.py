"""``/api/v1/users/``: a tenant administrator's own council's accounts (API.md, "Additions, round 2")."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, status
from rest_framework.response import Response

from mash.drf import TenantScopedViewSet, role_permission
from mash.models import User
from mash.roles import Role

from . import selectors, services

# Fields an administrator can never set, whatever they send: refused out loud rather than ignored.
FORBIDDEN = {
    "is_superuser": "Platform superusers are created by the platform, never through a council's account.",
    "is_staff": "Platform staff access is not given through a council's account.",
    "password": "Nobody sets another person's password: the new user is emailed a set-up link.",  # nosec B105 - a message, not a secret
    "groups": "Permissions follow the role.",
    "user_permissions": "Permissions follow the role.",
}


class UserSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    username = serializers.CharField(max_length=150)
    email = serializers.CharField(max_length=254)
    first_name = serializers.CharField(max_length=150, required=False, allow_blank=True)
    last_name = serializers.CharField(max_length=150, required=False, allow_blank=True)
    role = serializers.CharField(max_length=30)
    agency = serializers.CharField(allow_null=True, required=False, allow_blank=True)
    team = serializers.IntegerField(allow_null=True, required=False)
    is_active = serializers.BooleanField(required=False)
    tenant = serializers.CharField(required=False, write_only=True, help_text="Only your own council's slug.")

    def validate_role(self, value):
        if value not in Role.values:
            raise serializers.ValidationError(f"“{value}” is not a role. Choose one of: {', '.join(Role.values)}")
        return value

    def validate(self, attrs):
        errors = {name: [message] for name, message in FORBIDDEN.items() if name in self.initial_data}
        tenant = self.context["request"].user.tenant
        if "tenant" in attrs and attrs["tenant"] != tenant.slug:
            errors["tenant"] = ["Accounts belong to your own council: you cannot give anyone another council."]
        if errors:
            raise serializers.ValidationError(errors)
        attrs.pop("tenant", None)
        return attrs

    def to_representation(self, user):
        team = selectors.team_of(user)
        return {
            "id": user.pk,
            "username": user.username,
            "email": user.email,
            "first_name": user.first_name,
            "last_name": user.last_name,
            "role": user.role,
            "agency": user.agency.slug if user.agency_id else None,
            "team": team.pk if team else None,
            "is_active": user.is_active,
        }


def _user_input(attrs: dict, *, instance: User | None) -> services.UserInput:
    data = services.UserInput(given=set(attrs) - {"is_active"})
    for name in ("username", "first_name", "last_name", "email", "role"):
        if name in attrs:
            setattr(data, name, attrs[name])
    if attrs.get("agency"):
        data.agency = services.agency_by_slug(attrs["agency"], allow_retired=getattr(instance, "agency", None))
    if attrs.get("team") is not None:
        current = selectors.team_of(instance) if instance else None
        data.team = services.team_by_id(attrs["team"], allow_retired=current)
    return data


class UserViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    TenantScopedViewSet,
):
    """Staff accounts of the caller's council. Administrators only; another council's account is 404.
    A new account is emailed a single-use set-up link; ``is_active: false`` deactivates (sessions and
    API tokens end at once)."""

    model = User
    serializer_class = UserSerializer
    permission_classes = [role_permission(Role.ADMIN)]
    http_method_names = ["get", "post", "patch", "head", "options"]

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return User.objects.none()
        params = self.request.query_params
        return selectors.users(
            tenant=self.request.user.tenant,
            q=params.get("q", "")[:100],
            role=params.get("role", "") if params.get("role", "") in Role.values else "",
            status={"true": "active", "false": "deactivated"}.get(params.get("is_active", ""), ""),
        )

    def create(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        attrs = serializer.validated_data
        user = services.create_user(actor=request.user, data=_user_input(attrs, instance=None))
        if attrs.get("is_active") is False:
            services.deactivate_user(actor=request.user, user=user)
        user = selectors.user_or_none(tenant=request.user.tenant, pk=user.pk)
        return Response(self.get_serializer(user).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=UserSerializer, responses=UserSerializer)
    def partial_update(self, request, *args, **kwargs):
        user = self.get_object()
        serializer = self.get_serializer(user, data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        attrs = serializer.validated_data
        services.change_user(
            actor=request.user, user=user, data=_user_input(attrs, instance=user), is_active=attrs.get("is_active")
        )
        user = selectors.user_or_none(tenant=request.user.tenant, pk=user.pk)
        return Response(self.get_serializer(user).data)

    def update(self, request, *args, **kwargs):
        if not kwargs.get("partial"):
            return self.http_method_not_allowed(request, *args, **kwargs)
        return self.partial_update(request, *args, **kwargs)
