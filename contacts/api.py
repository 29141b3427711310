"""Contacts API: list and read (scoped to the caller), receive a MARF or a phone contact, police notifications,
public reports."""

from __future__ import annotations

import django_filters
from django.conf import settings
from django.db import transaction
from django.http import Http404
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import exceptions, mixins, status
from rest_framework.decorators import action
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.throttling import ScopedRateThrottle
from rest_framework.views import APIView

from mash import audit, tenancy
from mash.api import TenantScopedViewSet
from mash.exceptions import DomainError
from mash.models import Tenant
from mash.permissions import IsTenantMember
from mash.roles import AGENCY_ROLES, Role

from . import selectors, services
from .choices import Channel, ContactStatus
from .models import Contact
from .serializers import (
    ContactDetailSerializer,
    ContactInput,
    ContactSerializer,
    PoliceBatchResultSerializer,
    PoliceNotificationBatch,
    PoliceNotificationInput,
    PublicContactInput,
    ReferenceSerializer,
    ReferrerContactSerializer,
    StaffContactInput,
)

POLICE_AGENCY = "police"


def may_send_police_notifications(user) -> bool:
    """Triage staff, or the police force's own navigator or lead (their systems post the overnight notifications)."""
    if user.role == Role.TRIAGE:
        return True
    return user.role in AGENCY_ROLES and user.agency is not None and user.agency.slug == POLICE_AGENCY


class ContactPermission(IsTenantMember):
    """Who may do what; which contacts they see is the selector's business (an unseen contact is 404)."""

    message = "Your role may not do that."

    def has_permission(self, request, view):
        if not super().has_permission(request, view):
            return False
        user = request.user
        if view.action == "list":
            return selectors.can_list_contacts(user)
        if view.action == "create":
            return user.role in (Role.REFERRER, Role.TRIAGE)
        if view.action == "police_notifications":
            return may_send_police_notifications(user)
        return True  # retrieve, and methods the resource does not have: answered by the queryset (404) or 405


class ContactFilter(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(choices=ContactStatus.choices)
    rating = django_filters.CharFilter(field_name="rating__code", help_text="A rating code of the tenant's scheme.")

    class Meta:
        model = Contact
        fields = ["status", "rating"]


class ContactViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, TenantScopedViewSet):
    """Contacts: staff see all of the tenant, a referrer only their own (limited fields), navigators none."""

    model = Contact
    permission_classes = [ContactPermission]
    filterset_class = ContactFilter

    def scoped_queryset(self):
        return selectors.contacts_for(self.request.user, with_candidates=self.action == "retrieve")

    def get_serializer_class(self):
        user = getattr(self.request, "user", None)
        if user is not None and user.is_authenticated and selectors.is_referrer_view(user):
            return ReferrerContactSerializer
        return ContactDetailSerializer if self.action == "retrieve" else ContactSerializer

    def paginate_queryset(self, queryset):
        page = super().paginate_queryset(queryset)
        if page is not None:
            selectors.attach_previous_contacts(page)
        return page

    def get_object(self):
        contact = super().get_object()
        selectors.attach_previous_contacts([contact])
        return contact

    @extend_schema(responses=ContactDetailSerializer)
    def retrieve(self, request, *args, **kwargs):
        contact = self.get_object()
        audit.record(actor=request.user, action="contact.viewed", obj=contact)
        return Response(self.get_serializer(contact).data)

    @extend_schema(request=StaffContactInput, responses={201: ContactSerializer})
    def create(self, request, *args, **kwargs):
        """A MARF from a referrer, or a contact recorded by triage (which may have been received earlier)."""
        user = request.user
        if user.role == Role.REFERRER:
            if isinstance(request.data, dict) and "received_at" in request.data:
                raise exceptions.ValidationError(
                    {"received_at": ["Only MASH staff may set when a contact was received."]}
                )
            serializer = ContactInput(data=request.data)
            serializer.is_valid(raise_exception=True)
            contact = services.submit_contact(
                tenant=request.tenant, actor=user, channel=Channel.MARF, data=serializer.validated_data
            )
        else:
            serializer = StaffContactInput(data=request.data)
            serializer.is_valid(raise_exception=True)
            data = dict(serializer.validated_data)
            contact = services.submit_contact(tenant=request.tenant, actor=user, channel=data.pop("channel"), data=data)
        contact = self.get_queryset().get(pk=contact.pk)
        selectors.attach_previous_contacts([contact])
        output = ReferrerContactSerializer if user.role == Role.REFERRER else ContactSerializer
        return Response(output(contact).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        request=PoliceNotificationBatch,
        responses={200: PoliceBatchResultSerializer},
        description=(
            "Up to 500 police notifications (for example domestic-abuse notifications), each a contact. "
            "Each is accepted (its reference) or rejected (its field errors) on its own; a rejected one "
            "leaves nothing behind. `external_reference` (the occurrence number) is required, and a "
            "notification already received is rejected, so a resent batch files nothing twice. "
            "Triage staff, or the police agency's navigator or lead."
        ),
    )
    @action(detail=False, methods=["post"], url_path="police-notifications")
    def police_notifications(self, request):
        batch = PoliceNotificationBatch(data=request.data)
        batch.is_valid(raise_exception=True)
        results = []
        accepted = 0
        with transaction.atomic():
            for index, item in enumerate(batch.validated_data["notifications"]):
                serializer = PoliceNotificationInput(data=item)
                if not serializer.is_valid():
                    results.append({"index": index, "errors": serializer.errors})
                    continue
                try:
                    with transaction.atomic():  # a savepoint: a rejected notification leaves no trace
                        contact = services.submit_contact(
                            tenant=request.tenant,
                            actor=request.user,
                            channel=Channel.POLICE_NOTIFICATION,
                            data=serializer.validated_data,
                        )
                except DomainError as exc:
                    results.append({"index": index, "errors": exc.as_errors()})
                    continue
                accepted += 1
                results.append({"index": index, "reference": contact.reference})
        return Response({"results": results, "accepted": accepted, "rejected": len(results) - accepted})


class PublicMarfThrottle(ScopedRateThrottle):
    """Per client IP. The rate is read when asked (settings may change in tests); the cache is Django's default.

    ``X-Forwarded-For`` is only trusted when ``NUM_PROXIES`` says a proxy sets it, so a sender cannot
    dodge the limit by inventing that header.
    """

    scope_attr = "throttle_scope"

    def get_rate(self):
        return settings.REST_FRAMEWORK.get("DEFAULT_THROTTLE_RATES", {}).get(self.scope)

    def get_ident(self, request):
        if settings.REST_FRAMEWORK.get("NUM_PROXIES") is None:
            return request.META.get("REMOTE_ADDR", "")
        return super().get_ident(request)


class PublicContactView(APIView):
    """A report from a member of the public: no account, rate-limited per client, answers only the reference."""

    authentication_classes = []
    permission_classes = [AllowAny]
    throttle_classes = [PublicMarfThrottle]
    throttle_scope = "public_marf"

    @extend_schema(
        request=PublicContactInput,
        responses={201: ReferenceSerializer, 404: OpenApiResponse(description="No such local authority.")},
    )
    def post(self, request, tenant_slug):
        tenant = Tenant.objects.filter(slug=tenant_slug).first()
        if tenant is None:
            raise Http404
        with tenancy.tenant_context(tenant):
            serializer = PublicContactInput(data=request.data)
            serializer.is_valid(raise_exception=True)
            contact = services.submit_contact(
                tenant=tenant, actor=None, channel=Channel.PUBLIC, data=serializer.to_contact_data()
            )
        return Response({"reference": contact.reference}, status=status.HTTP_201_CREATED)
