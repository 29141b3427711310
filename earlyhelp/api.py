"""Early-help API: direct requests, the scoped list and record, and the coordinator's outcome."""

from __future__ import annotations

import django_filters
from drf_spectacular.utils import extend_schema
from rest_framework import exceptions, mixins, status
from rest_framework.decorators import action
from rest_framework.response import Response

from mash import audit
from mash.drf import IdFilter, TenantScopedViewSet
from mash.permissions import IsTenantMember
from mash.roles import Role

from . import selectors, services
from .models import EarlyHelpRequest, EarlyHelpStatus
from .serializers import (
    EarlyHelpRequestInput,
    EarlyHelpRequestSerializer,
    OutcomeInput,
    ReferrerEarlyHelpSerializer,
)


class EarlyHelpPermission(IsTenantMember):
    """Who may call what; which requests they see is the selector's business (an unseen request is 404)."""

    message = "Your role may not do that."

    def has_permission(self, request, view):
        if not super().has_permission(request, view):
            return False
        if view.action == "list":
            return selectors.can_list_requests(request.user)
        if view.action == "create":
            return request.user.role in services.REQUESTERS
        return True  # retrieve and outcome: 404 from the queryset first, then the action checks the role (403)


class EarlyHelpFilter(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(choices=EarlyHelpStatus.choices)
    contact = IdFilter(field_name="contact_id", help_text="The MASH contact it stepped down from.")

    class Meta:
        model = EarlyHelpRequest
        fields = ["status", "contact"]


class EarlyHelpRequestViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, TenantScopedViewSet):
    """Early-help requests: coordinators, managers and heads see all of the tenant; a referrer only their own."""

    model = EarlyHelpRequest
    permission_classes = [EarlyHelpPermission]
    filterset_class = EarlyHelpFilter

    def scoped_queryset(self):
        return selectors.requests_for(self.request.user)

    def get_serializer_class(self):
        user = getattr(self.request, "user", None)
        if user is not None and user.is_authenticated and selectors.is_referrer_view(user):
            return ReferrerEarlyHelpSerializer
        return EarlyHelpRequestSerializer

    def retrieve(self, request, *args, **kwargs):
        obj = self.get_object()
        audit.record(actor=request.user, action="early_help.viewed", obj=obj)
        return Response(self.get_serializer(obj).data)

    @extend_schema(request=EarlyHelpRequestInput, responses={201: EarlyHelpRequestSerializer})
    def create(self, request, *args, **kwargs):
        """A direct early-help request (an Early Help Assessment) from a referrer, MASH triage or a coordinator."""
        user = request.user
        data = request.data if isinstance(request.data, dict) else {}
        if not any(data.get(f) for f in ("referrer_name", "referrer_email")):
            data = {**data, "referrer_name": user.get_full_name() or user.get_username(), "referrer_email": user.email}
        serializer = EarlyHelpRequestInput(data=data, context={"actor": user})
        serializer.is_valid(raise_exception=True)
        created = services.request_early_help(tenant=request.tenant, actor=user, data=serializer.validated_data)
        created = EarlyHelpRequest.objects.prefetch_related("children", "feedback_tasks").get(pk=created.pk)
        output = ReferrerEarlyHelpSerializer if user.role == Role.REFERRER else EarlyHelpRequestSerializer
        return Response(output(created).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=OutcomeInput, responses={200: EarlyHelpRequestSerializer})
    @action(detail=True, methods=["post"])
    def outcome(self, request, pk=None):
        """The coordinator's outcome: district_service, lead_professional_support, signpost or advice."""
        obj = self.get_object()
        if request.user.role != Role.EHCOORD:
            raise exceptions.PermissionDenied("Only Early Help coordinators may give the outcome.")
        serializer = OutcomeInput(data=request.data)
        serializer.is_valid(raise_exception=True)
        services.give_outcome(request=obj, actor=request.user, **serializer.validated_data)
        obj = self.get_queryset().get(pk=obj.pk)
        return Response(EarlyHelpRequestSerializer(obj).data)
