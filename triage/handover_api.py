"""The handover export (the MASH summary as JSON), its acknowledgement, and the advice line's consultations."""

from __future__ import annotations

from django.http import Http404
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, inline_serializer
from rest_framework import serializers as drf_serializers
from rest_framework.pagination import PageNumberPagination
from rest_framework.response import Response

from mash.drf import TenantAPIView
from mash.permissions import IsTenantMember, role_permission
from mash.security.input import date_in_range

from . import consultations, handover
from .handover_models import Consultation, ConsultationOutcome, OrganisationType
from .handover_serializers import EmptyInput, HandoverInput, HandoverSummaryOut

CONFLICT = OpenApiResponse(description="Not in a state for this (not passed on, already acknowledged, ...).")


def _body(request, serializer_class):
    data = request.data if isinstance(request.data, dict) else None
    if data is None:
        raise drf_serializers.ValidationError({"detail": ["Send a JSON object."]})
    serializer = serializer_class(data=data)
    serializer.is_valid(raise_exception=True)
    return serializer.validated_data


def _summary(contact) -> dict:
    return HandoverSummaryOut(handover.compile_summary(contact)).data


class HandoverView(TenantAPIView):
    permission_classes = [IsTenantMember]

    @extend_schema(
        responses={200: HandoverSummaryOut},
        description=(
            "The MASH summary of a decided contact, compiled from the record (manager, triage, head; a member of "
            "the receiving team once handed over). Each agency's return appears only as its sharing allows: a "
            "return marked not for onward sharing names the agency and its lawful basis and leaves the content "
            "out (`shared` false). Audited as produced."
        ),
    )
    def get(self, request, pk):
        contact = handover.visible_contact(request.user, pk)
        if contact is None:
            raise Http404
        if not contact.outcome:
            raise Http404
        handover.record_produced(contact=contact, actor=request.user, form="exported")
        return Response(_summary(contact))

    @extend_schema(
        request=HandoverInput,
        responses={200: HandoverSummaryOut, 409: CONFLICT},
        description=(
            "Send the summary to the receiving team (manager): `team` is one of the tenant's teams; an "
            "`other_service` outcome may instead name `service_name` and `service_contact`. Starts the "
            "acknowledgement clock (the tenant's policy, default one working day). Idempotent: sending again to "
            "the same team changes nothing; a different team once sent is 409."
        ),
    )
    def post(self, request, pk):
        contact = handover.visible_contact(request.user, pk)
        if contact is None:
            raise Http404
        data = _body(request, HandoverInput)
        handover.send_handover(
            contact=contact,
            actor=request.user,
            team=data.get("team"),
            service_name=data.get("service_name") or "",
            service_contact=data.get("service_contact") or "",
        )
        return Response(_summary(contact))


class HandoverAcknowledgeView(TenantAPIView):
    permission_classes = [IsTenantMember]

    @extend_schema(
        request=EmptyInput,
        responses={200: HandoverSummaryOut, 409: CONFLICT},
        description=(
            "Record that the receiving team has the summary (a member of the team, or a MASH manager on its "
            "behalf). Meets the acknowledgement clock and closes the contact (`status` closed). 409 when not yet "
            "handed over or already acknowledged."
        ),
    )
    def post(self, request, pk):
        contact = handover.visible_contact(request.user, pk)
        if contact is None:
            raise Http404
        _body(request, EmptyInput)
        handover.acknowledge_handover(contact=contact, actor=request.user)
        return Response(_summary(contact))


class ConsultationSerializer(drf_serializers.ModelSerializer):
    contact = drf_serializers.PrimaryKeyRelatedField(read_only=True, allow_null=True)
    contact_reference = drf_serializers.CharField(
        source="contact.reference", read_only=True, default=None, allow_null=True
    )
    recorded_by = drf_serializers.SlugRelatedField(slug_field="username", read_only=True)

    class Meta:
        model = Consultation
        fields = [
            "id", "caller_name", "caller_organisation", "organisation_type", "caller_phone", "question", "advice",
            "child_named", "child_name", "child_date_of_birth", "outcome", "contact", "contact_reference",
            "recorded_by", "recorded_at",
        ]  # fmt: skip
        read_only_fields = fields


class ConsultationInput(drf_serializers.Serializer):
    caller_name = drf_serializers.CharField(max_length=200)
    caller_organisation = drf_serializers.CharField(max_length=200)
    organisation_type = drf_serializers.ChoiceField(
        choices=OrganisationType.choices, required=False, default=OrganisationType.OTHER
    )
    caller_phone = drf_serializers.CharField(max_length=30, required=False, allow_blank=True)
    question = drf_serializers.CharField(max_length=10_000)
    advice = drf_serializers.CharField(max_length=10_000)
    child_name = drf_serializers.CharField(
        max_length=200, required=False, allow_blank=True, help_text="A child named by the caller (no person is added)."
    )
    child_date_of_birth = drf_serializers.DateField(required=False, allow_null=True, validators=[date_in_range])
    outcome = drf_serializers.ChoiceField(choices=ConsultationOutcome.choices)
    contact = drf_serializers.IntegerField(
        required=False, allow_null=True, help_text="The contact opened from the call (required for contact_opened)."
    )


class ConsultationPagination(PageNumberPagination):
    page_size = 50


# What the list answers: a page of consultations (ConsultationPagination), not a bare list.
_ConsultationPage = inline_serializer(
    "PaginatedConsultationList",
    {
        "count": drf_serializers.IntegerField(),
        "next": drf_serializers.URLField(allow_null=True),
        "previous": drf_serializers.URLField(allow_null=True),
        "results": ConsultationSerializer(many=True),
    },
)


class ConsultationsView(TenantAPIView):
    permission_classes = [role_permission(*consultations.RECORDERS)]

    @extend_schema(
        responses={200: _ConsultationPage},
        parameters=[OpenApiParameter("q", str, description="Search caller, organisation, question, advice, child")],
        description="The advice line's consultations, newest first (triage, manager).",
    )
    def get(self, request):
        paginator = ConsultationPagination()
        rows = paginator.paginate_queryset(consultations.consultations(q=request.query_params.get("q", "")), request)
        return paginator.get_paginated_response(ConsultationSerializer(rows, many=True).data)

    @extend_schema(
        request=ConsultationInput,
        responses={201: ConsultationSerializer},
        description=(
            "Record a consultation (triage, manager). A child named is kept on the consultation; no person is "
            "added to the register. `contact_opened` needs `contact`, the contact opened from the call, which "
            "is then linked both ways."
        ),
    )
    def post(self, request):
        data = _body(request, ConsultationInput)
        contact = None
        if data.get("contact") is not None:
            from contacts.models import Contact

            contact = Contact.objects.filter(pk=data["contact"]).first()
            if contact is None:
                raise drf_serializers.ValidationError({"contact": ["No contact in your hub has that id."]})
        row = consultations.record_consultation(
            actor=request.user,
            caller_name=data["caller_name"],
            caller_organisation=data["caller_organisation"],
            organisation_type=data.get("organisation_type"),
            caller_phone=data.get("caller_phone") or "",
            question=data["question"],
            advice=data["advice"],
            outcome=data["outcome"],
            child_name=data.get("child_name") or "",
            child_date_of_birth=data.get("child_date_of_birth"),
            contact=contact,
        )
        return Response(ConsultationSerializer(row).data, status=201)
