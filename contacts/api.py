"""Contacts API: list and read (scoped to the caller), receive a MARF or a phone contact, police notifications,
public reports."""

from __future__ import annotations

import django_filters
from django.http import Http404
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import exceptions, mixins, status
from rest_framework.decorators import action
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from mash import audit, tenancy
from mash.drf import TenantScopedViewSet
from mash.exceptions import DomainError
from mash.models import Tenant
from mash.permissions import IsTenantMember
from mash.roles import AGENCY_ROLES, Role
from mash.serializers import DocumentSerializer, DocumentUploadSerializer
from mash.throttling import PublicReportThrottle

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
        """A MARF from a referrer, or a contact recorded by triage (which may have been received earlier).

        A referrer's MARF is answered once it is stored, with its reference and its decision deadline running:
        its people are matched against the register by a worker a moment later, and before any staff request of
        the council reads it. A contact recorded by staff is matched in the request: its reply shows the register
        entries (`person`) and `previous_contacts`."""
        user = request.user
        if user.role == Role.REFERRER:
            if isinstance(request.data, dict) and "received_at" in request.data:
                raise exceptions.ValidationError(
                    {"received_at": ["Only MASH staff may set when a contact was received."]}
                )
            serializer = ContactInput(data=request.data)
            serializer.is_valid(raise_exception=True)
            contact = services.submit_contact(
                tenant=request.tenant, actor=user, submission=serializer.to_submission(channel=Channel.MARF)
            )
        else:
            serializer = StaffContactInput(data=request.data)
            serializer.is_valid(raise_exception=True)
            contact = services.submit_contact(tenant=request.tenant, actor=user, submission=serializer.to_submission())
        if user.role == Role.REFERRER:
            # What they sent, as stored: the saved contact and people, not read back (a referrer is never shown
            # earlier contacts, the register or the rating, so nothing else is looked up).
            serializer = ReferrerContactSerializer(contact, context={"people": contact.received_people})
            return Response(serializer.data, status=status.HTTP_201_CREATED)
        contact = self.get_queryset().get(pk=contact.pk)
        selectors.attach_previous_contacts([contact])
        return Response(ContactSerializer(contact).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        methods=["GET"],
        responses={200: DocumentSerializer(many=True)},
        description="The contact's documents, newest first: staff see every one; the referrer who made the "
        "contact sees those they attached. Each `download` URL gives the file, through the same checks.",
    )
    @extend_schema(
        methods=["POST"],
        request={"multipart/form-data": DocumentUploadSerializer},
        responses={201: DocumentSerializer},
        description="Attach a document (triage, manager, or the referrer who made the contact): a PDF, an image "
        "(PNG, JPEG, GIF, WebP), a Word document or a text file, smaller than 20 MB, checked by its content "
        "whatever its name. A refused file is 400 with the reason on `file`.",
    )
    @action(detail=True, methods=["get", "post"], url_path="documents")
    def documents(self, request, pk=None):
        contact = self.get_object()
        if request.method == "GET":
            found = selectors.contact_documents(request.user, contact)
            audit.record(
                actor=request.user,
                action="contact.documents_listed",
                obj=contact,
                changes={"ids": [d.pk for d in found]},
            )
            return Response(DocumentSerializer(found, many=True).data)
        serializer = DocumentUploadSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        document = services.attach_document(
            contact=contact,
            actor=request.user,
            upload=serializer.validated_data.get("file"),
            kind=serializer.validated_data["kind"],
            description=serializer.validated_data.get("description", ""),
        )
        return Response(DocumentSerializer(document).data, status=status.HTTP_201_CREATED)

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
        # Each notification in a transaction of its own (submit_contact's): a batch of hundreds never holds the
        # council's reference counter, so referrers are not kept waiting while it is filed. A batch cut short
        # (a fault, a lost connection) keeps what it stored, and resending it files nothing twice.
        for index, item in enumerate(batch.validated_data["notifications"]):
            serializer = PoliceNotificationInput(data=item)
            if not serializer.is_valid():
                results.append({"index": index, "errors": serializer.errors})
                continue
            try:
                contact = services.submit_contact(
                    tenant=request.tenant,
                    actor=request.user,
                    submission=serializer.to_submission(channel=Channel.POLICE_NOTIFICATION),
                )
            except DomainError as exc:  # refused whole: its transaction leaves no trace
                results.append({"index": index, "errors": exc.as_errors()})
                continue
            accepted += 1
            results.append({"index": index, "reference": contact.reference})
        return Response({"results": results, "accepted": accepted, "rejected": len(results) - accepted})


def public_blocked_text(tenant, wait_minutes: int) -> str:
    """What a member of the public is told when the limit stops their report: when to try again, whom to call."""
    minutes = f"{wait_minutes} minute{'s' if wait_minutes != 1 else ''}"
    return (
        "Too many reports have been sent from here in a short time, so this one has not been sent. "
        f"You can try again later, in about {minutes}, or {public_call_us_text(tenant)}"
    )


def public_call_us_text(tenant) -> str:
    numbers = []
    if tenant.mash_phone:
        numbers.append(f"the {tenant.name} MASH on {tenant.mash_phone}")
    if tenant.out_of_hours_phone:
        numbers.append(f"out of hours on {tenant.out_of_hours_phone}")
    call = f"call {', or '.join(numbers)}." if numbers else f"call {tenant.name}'s children's services."
    return f"{call} If a child is in immediate danger, call 999."


class PublicServiceUnavailable(exceptions.APIException):
    status_code = status.HTTP_503_SERVICE_UNAVAILABLE
    default_code = "service_unavailable"


class PublicContactView(APIView):
    """A report from a member of the public: no account, answers only the reference. Limited per client per
    local authority (mash.throttling, shared with the page): only accepted reports use up the allowance."""

    authentication_classes = []
    permission_classes = [AllowAny]
    throttle_classes = [PublicReportThrottle]

    def initial(self, request, *args, **kwargs):
        # The local authority first: the limit counts per authority, and an unknown one is 404 before 405.
        self.public_tenant = Tenant.objects.filter(slug=kwargs.get("tenant_slug")).first()
        if self.public_tenant is None:
            raise Http404
        if self.public_tenant.is_suspended:  # suspended by the platform operator: say whom to call
            raise PublicServiceUnavailable(
                f"This service is unavailable at the moment, so your report has not been sent. Please "
                f"{public_call_us_text(self.public_tenant)}"
            )
        super().initial(request, *args, **kwargs)

    def throttled(self, request, wait):
        minutes = self.report_limit.wait_minutes
        raise exceptions.Throttled(wait=wait, detail=public_blocked_text(self.public_tenant, minutes))

    @extend_schema(
        request=PublicContactInput,
        responses={
            201: ReferenceSerializer,
            404: OpenApiResponse(description="No such local authority."),
            429: OpenApiResponse(description="Too many reports from this client; says when to retry and whom to call."),
        },
    )
    def post(self, request, tenant_slug):
        tenant = self.public_tenant
        accepted = False
        try:
            with tenancy.tenant_context(tenant):
                serializer = PublicContactInput(data=request.data)
                serializer.is_valid(raise_exception=True)
                contact = services.submit_contact(tenant=tenant, actor=None, submission=serializer.to_submission())
            accepted = True
        finally:
            if not accepted:  # a refused report does not use up the sender's allowance
                self.report_limit.release()
        return Response({"reference": contact.reference}, status=status.HTTP_201_CREATED)
