"""Information requests and returns: behind the agency fire-wall.

Navigators and agency leads see only their own agency's requests and returns: the selector filters
by agency, and the shared base class narrows to what the agency's group holds a django-guardian grant
on (``object_grant_roles``). Another agency's request or return is 404, whatever the URL or filter.
"""

from __future__ import annotations

import django_filters
from django.db.models import Q
from drf_spectacular.utils import extend_schema
from rest_framework import exceptions, mixins, status
from rest_framework.decorators import action
from rest_framework.response import Response

from mash import audit
from mash.drf import IdFilter, TenantScopedViewSet
from mash.models import User
from mash.pagination import NarrowSlices
from mash.permissions import role_permission
from mash.roles import AGENCY_ROLES, Role

from . import selectors, services
from .models import InformationRequest, InformationReturn, RequestStatus
from .serializers import (
    AddendumInput,
    AddendumSerializer,
    AssignInput,
    InformationRequestDetailSerializer,
    InformationRequestSerializer,
    InformationReturnSerializer,
    ReturnInput,
)

# The roles whose access is per object (django-guardian grants to the agency's group).
GRANTED_ROLES = frozenset(AGENCY_ROLES)


# Who may call the requests API at all; which requests they see is the selector's and the grants'
# business (404). Actions limited to some roles check the role after finding the object, so that an
# object the caller may not see is 404 before anything else is said about it.
RequestPermission = role_permission(*selectors.SEE_ALL_REQUESTS, *AGENCY_ROLES)


def _require_role(request, *roles):
    if request.user.role not in roles:
        raise exceptions.PermissionDenied("Your role may not do that.")


class RequestFilter(django_filters.FilterSet):
    contact = IdFilter(field_name="contact_id")
    agency = django_filters.CharFilter(field_name="agency__slug", help_text="An agency slug, e.g. police.")
    status = django_filters.ChoiceFilter(choices=RequestStatus.choices)
    search = django_filters.CharFilter(method="filter_search", help_text="Contact reference or a child's name.")

    class Meta:
        model = InformationRequest
        fields = ["contact", "agency", "status", "search"]

    def filter_search(self, queryset, name, value):
        return selectors.search(queryset, value)


class InformationRequestViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, TenantScopedViewSet):
    """Information requests: agency staff see their own agency's only; triage, managers and the head all."""

    model = InformationRequest
    permission_classes = [RequestPermission]
    filterset_class = RequestFilter
    object_grant_roles = GRANTED_ROLES
    object_grant_actions = {"submit_return": "change", "assign": "change"}

    def scoped_queryset(self):
        detail = self.action != "list"
        return selectors.requests_for(self.request.user, with_people=detail, with_return=detail).order_by(
            "due_at", "id"
        )

    def paginate_queryset(self, queryset):
        return super().paginate_queryset(NarrowSlices(queryset))  # a page's ids first, then its joined rows

    def get_serializer_class(self):
        return InformationRequestDetailSerializer if self.action == "retrieve" else InformationRequestSerializer

    def get_serializer_context(self):
        context = super().get_serializer_context()
        if self.action == "retrieve":
            context["share_concerns"] = selectors.navigator_settings().share_concerns_with_agencies
        return context

    def list(self, request, *args, **kwargs):
        response = super().list(request, *args, **kwargs)
        ids = [row["id"] for row in response.data.get("results", [])]
        audit.record(actor=request.user, action="information_request.listed", changes={"ids": ids})
        return response

    @extend_schema(responses=InformationRequestDetailSerializer)
    def retrieve(self, request, *args, **kwargs):
        obj = self.get_object()
        audit.record(actor=request.user, action="information_request.viewed", obj=obj)
        return Response(self.get_serializer(obj).data)

    @extend_schema(
        request=ReturnInput,
        responses={201: InformationReturnSerializer},
        description=(
            "Submit the agency's information return (that agency's navigator). It meets the request's deadline "
            "clock; after the deadline it is recorded as late. A submitted return never changes (409 on a second "
            "submission); a closed request cannot take one (409)."
        ),
    )
    @action(detail=True, methods=["post"], url_path="return")
    def submit_return(self, request, pk=None):
        obj = self.get_object()
        _require_role(request, Role.NAVIGATOR)
        serializer = ReturnInput(data=request.data)
        serializer.is_valid(raise_exception=True)
        ret = services.submit_return(request=obj, actor=request.user, values=serializer.validated_data)
        ret = InformationReturn.objects.select_related("request__agency", "submitted_by").get(pk=ret.pk)
        return Response(InformationReturnSerializer(ret).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=AssignInput, responses=InformationRequestSerializer)
    @action(detail=True, methods=["post"])
    def assign(self, request, pk=None):
        """An agency lead gives the request to one of the agency's navigators (``version``: 409 if stale)."""
        obj = self.get_object()
        _require_role(request, Role.AGENCY_LEAD)
        serializer = AssignInput(data=request.data)
        serializer.is_valid(raise_exception=True)
        assignee = None
        if serializer.validated_data["assigned_to"] is not None:
            assignee = User.objects.filter(
                pk=serializer.validated_data["assigned_to"], tenant=request.user.tenant
            ).first()
            if assignee is None:
                return Response({"assigned_to": ["Choose a navigator of your own agency."]}, status=400)
        updated = services.assign(
            request=obj, assignee=assignee, actor=request.user, version=serializer.validated_data["version"]
        )
        return Response(InformationRequestSerializer(updated).data)


class ReturnFilter(django_filters.FilterSet):
    request = IdFilter(field_name="request_id")
    contact = IdFilter(field_name="request__contact_id")
    agency = django_filters.CharFilter(field_name="request__agency__slug")
    search = django_filters.CharFilter(method="filter_search", help_text="Contact reference or a child's name.")

    class Meta:
        model = InformationReturn
        fields = ["request", "contact", "agency", "search"]

    def filter_search(self, queryset, name, value):
        requests = selectors.search(InformationRequest.objects.all(), value)
        return queryset.filter(Q(request__in=requests.values("pk")))


class InformationReturnViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, TenantScopedViewSet):
    """Submitted returns, read-only (they never change); addenda add to them."""

    model = InformationReturn
    permission_classes = [RequestPermission]
    filterset_class = ReturnFilter
    object_grant_roles = GRANTED_ROLES
    object_grant_path = "request"
    object_grant_actions = {"addenda": "change"}

    def scoped_queryset(self):
        return (
            selectors.returns_for(self.request.user)
            .select_related("submitted_by")
            .prefetch_related("addenda__added_by")
            .order_by("submitted_at", "id")
        )

    serializer_class = InformationReturnSerializer

    def list(self, request, *args, **kwargs):
        response = super().list(request, *args, **kwargs)
        ids = [row["id"] for row in response.data.get("results", [])]
        audit.record(actor=request.user, action="information_return.listed", changes={"ids": ids})
        return response

    def retrieve(self, request, *args, **kwargs):
        obj = self.get_object()
        audit.record(actor=request.user, action="information_return.viewed", obj=obj)
        return Response(self.get_serializer(obj).data)

    @extend_schema(request=AddendumInput, responses={201: AddendumSerializer})
    @action(detail=True, methods=["post"])
    def addenda(self, request, pk=None):
        """Add to a submitted return (the agency's navigator or lead, while the enquiry is open)."""
        obj = self.get_object()
        _require_role(request, *AGENCY_ROLES)
        serializer = AddendumInput(data=request.data)
        serializer.is_valid(raise_exception=True)
        text = serializer.validated_data["text"]
        addendum = services.add_addendum(information_return=obj, actor=request.user, text=text)
        return Response(AddendumSerializer(addendum).data, status=status.HTTP_201_CREATED)
