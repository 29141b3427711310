"""Triage API: the queue, take, rate and decide. Thin: parse, call one service, answer."""

from __future__ import annotations

from functools import partial

import django_filters
from django.http import Http404
from django.utils import timezone
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import mixins
from rest_framework import serializers as drf_serializers
from rest_framework.pagination import PageNumberPagination
from rest_framework.response import Response

from contacts import selectors as contact_selectors
from contacts.models import Contact
from contacts.selectors import SEE_ALL_CONTACTS
from mash.drf import IdFilter, TenantAPIView, TenantScopedViewSet
from mash.pagination import CountedPaginator
from mash.permissions import IsTenantMember, role_permission

from . import cpis, selectors, services, strategy
from .models import CaseNote
from .serializers import (
    CaseNoteInput,
    CaseNoteSerializer,
    CpisCheckInput,
    CpisCheckSerializer,
    DecisionInput,
    PaginatedQueueSerializer,
    QueueRowSerializer,
    RatingInput,
    ReporterIdentityInput,
    StrategyDiscussionInput,
    StrategyDiscussionSerializer,
    TakeInput,
    TriageStateSerializer,
)

CONFLICT = OpenApiResponse(description="Someone else changed the contact first (stale version, or already done).")


def _contact(request, pk) -> Contact:
    contact = selectors.contact_for(request.user, pk)
    if contact is None:
        raise Http404
    return contact


def _state(contact: Contact) -> dict:
    contact = (
        Contact.objects.select_related("rating", "assigned_to", "reporter_identity_verified_by")
        .prefetch_related("information_requests__agency")
        .get(pk=contact.pk)
    )
    return TriageStateSerializer(contact).data


def _body(request, serializer_class):
    data = request.data if isinstance(request.data, dict) else None
    if data is None:
        raise drf_serializers.ValidationError({"detail": ["Send a JSON object."]})
    serializer = serializer_class(data=data)
    serializer.is_valid(raise_exception=True)
    return serializer.validated_data


class RatingView(TenantAPIView):
    permission_classes = [IsTenantMember]

    @extend_schema(
        request=RatingInput,
        responses={200: TriageStateSerializer, 409: CONFLICT},
        description=(
            "Rate or re-rate a contact (triage, manager). The tenant's rating decides which agencies are asked "
            "(all, the selected ones, or none) and each request's deadline; the requests and their clocks are "
            "created in one transaction. Re-rating needs `reason`, is kept as history, and only ever brings an "
            "open request's deadline forward."
        ),
    )
    def post(self, request, pk):
        contact = _contact(request, pk)
        data = _body(request, RatingInput)
        services.rate_contact(
            contact=contact,
            actor=request.user,
            rating_code=data["rating"],
            rationale=data.get("rationale") or "",
            agencies=data.get("agencies") or [],
            reason=data.get("reason") or "",
            version=data.get("version", contact.version),
        )
        return Response(_state(contact))


class DecisionView(TenantAPIView):
    permission_classes = [IsTenantMember]

    @extend_schema(
        request=DecisionInput,
        responses={200: TriageStateSerializer, 409: CONFLICT},
        description=(
            "The MASH team manager's decision. `override_reason` is required while any information request "
            "is outstanding; those requests are then closed. Meets the decision clock, creates the Early Help "
            "request for `early_help`, and sends the referrer proportionate feedback."
        ),
    )
    def post(self, request, pk):
        contact = _contact(request, pk)
        data = _body(request, DecisionInput)
        services.decide_contact(
            contact=contact,
            actor=request.user,
            outcome=data["outcome"],
            reason=data.get("reason") or "",
            override_reason=data.get("override_reason") or "",
            primary_need=data.get("primary_need") or "",
            factors=data.get("factors") or [],
            feedback=data.get("feedback") or "",
            version=data.get("version", contact.version),
            team=data.get("team"),
            service_name=data.get("service_name") or "",
            service_contact=data.get("service_contact") or "",
        )
        return Response(_state(contact))


class ReporterIdentityView(TenantAPIView):
    permission_classes = [IsTenantMember]

    @extend_schema(
        request=ReporterIdentityInput,
        responses={200: TriageStateSerializer, 409: CONFLICT},
        description=(
            "Record that the hub has confirmed who the member of the public who made this report is (triage, "
            "manager; `check` says how). Until then they are emailed the reference and nothing else; from then on "
            "they are told the outcome, at once if it was already decided. 400 for a professional's referral, 409 "
            "when already verified."
        ),
    )
    def post(self, request, pk):
        contact = _contact(request, pk)
        data = _body(request, ReporterIdentityInput)
        services.verify_reporter_identity(
            contact=contact, actor=request.user, check=data["check"], version=data.get("version")
        )
        return Response(_state(contact))


class TakeView(TenantAPIView):
    permission_classes = [IsTenantMember]

    @extend_schema(request=TakeInput, responses={200: TriageStateSerializer, 409: CONFLICT},
                   description="Take the contact: assign it to yourself (triage, manager).")  # fmt: skip
    def post(self, request, pk):
        contact = _contact(request, pk)
        data = _body(request, TakeInput)
        services.take_contact(contact=contact, actor=request.user, version=data.get("version"))
        return Response(_state(contact))


class QueuePagination(PageNumberPagination):
    page_size = selectors.QUEUE_PAGE_SIZE

    def __init__(self, *, total: int):
        self.django_paginator_class = partial(CountedPaginator, total=total)  # selectors.queue_total: a plain count


class QueueView(TenantAPIView):
    """The triage queue: open contacts, soonest decision deadline (most overdue) first."""

    permission_classes = [role_permission(*services.QUEUE_ROLES)]

    @extend_schema(
        responses=PaginatedQueueSerializer,
        parameters=[
            OpenApiParameter("status", str, description="received, in_triage or enquiry"),
            OpenApiParameter("rating", str, description="A rating code"),
            OpenApiParameter("mine", bool, description="Only contacts assigned to me"),
            OpenApiParameter("overdue", bool, description="Only contacts past their decision deadline"),
        ],
    )
    def get(self, request):
        filters = selectors.QueueFilters.from_query(request.query_params)
        now = timezone.now()
        paginator = QueuePagination(total=selectors.queue_total(request.user, filters, now=now))
        contacts = selectors.QueueSlices(selectors.queue(request.user, filters, now=now), filters=filters)
        rows = paginator.paginate_queryset(contacts, request, view=self)
        selectors.prepare_queue_rows(rows, tenant=request.tenant)
        return paginator.get_paginated_response(QueueRowSerializer(rows, many=True).data)


class CaseNoteFilter(django_filters.FilterSet):
    contact = IdFilter(field_name="contact_id")

    class Meta:
        model = CaseNote
        fields = ["contact"]


class CaseNoteViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, TenantScopedViewSet):
    """Case notes on contacts: MASH staff read them; triage social workers and managers add them."""

    model = CaseNote
    serializer_class = CaseNoteSerializer
    permission_classes = [IsTenantMember]
    filterset_class = CaseNoteFilter

    def scoped_queryset(self):
        user = self.request.user
        if user.role not in SEE_ALL_CONTACTS:
            return CaseNote.objects.none()
        visible = contact_selectors.contacts_for(user).values("pk")
        return CaseNote.objects.filter(contact_id__in=visible).select_related("contact", "author")

    @extend_schema(request=CaseNoteInput, responses={201: CaseNoteSerializer})
    def create(self, request):
        data = _body(request, CaseNoteInput)
        contact = _contact(request, data["contact"])
        note = services.add_case_note(contact=contact, actor=request.user, text=data["text"])
        return Response(CaseNoteSerializer(note).data, status=201)


class StrategyDiscussionView(TenantAPIView):
    permission_classes = [IsTenantMember]

    @extend_schema(
        request=StrategyDiscussionInput,
        responses={201: StrategyDiscussionSerializer, 409: CONFLICT},
        description=(
            "Record the strategy discussion (section 47) of a contact decided as `strategy_discussion` (manager, "
            "triage). Police and health must be among the attendees (400 on `attendees` otherwise). Meets the "
            "strategy-discussion clock started by the decision. 409 when already recorded or not so decided."
        ),
    )
    def post(self, request, pk):
        contact = _contact(request, pk)
        data = _body(request, StrategyDiscussionInput)
        discussion = strategy.record_strategy_discussion(
            contact=contact,
            actor=request.user,
            held_at=data["held_at"],
            chair=data["chair"],
            attendees=[dict(a) for a in data["attendees"]],
            decision=data["decision"],
            notes=data.get("notes") or "",
            shared=data.get("shared") or "",
            actions=[{**a, "due": a["due"].isoformat() if a.get("due") else ""} for a in data.get("actions") or []],
            conference=data.get("conference", False),
        )
        return Response(StrategyDiscussionSerializer(discussion).data, status=201)


class CpisCheckView(TenantAPIView):
    permission_classes = [IsTenantMember]

    @extend_schema(
        request=CpisCheckInput,
        responses={201: CpisCheckSerializer},
        description=(
            "Record the CP-IS (Child Protection Information Sharing) check triage made (triage, manager): when, "
            "the result, and the details. Checking again replaces the earlier check. Where the contact's rating "
            "requires a check, deciding without one needs an `override_reason`."
        ),
    )
    def post(self, request, pk):
        contact = _contact(request, pk)
        data = _body(request, CpisCheckInput)
        check = cpis.record_cpis_check(
            contact=contact,
            actor=request.user,
            checked_at=data["checked_at"],
            result=data["result"],
            details=data.get("details") or "",
        )
        return Response(CpisCheckSerializer(check).data, status=201)
