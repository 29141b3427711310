"""People API (API.md "Additions, round 2"): search the register; one person with their chronology."""

from __future__ import annotations

from datetime import UTC

from django.http import Http404
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.pagination import PageNumberPagination
from rest_framework.response import Response

from mash.drf import TenantAPIView

from . import search as person_search
from . import selectors, services
from .forms import chronology_filter


class PeoplePagination(PageNumberPagination):
    page_size = 20


def _person_fields(person, score=None, contact_ids=None) -> dict:
    data = {
        "id": person.pk,
        "first_name": person.first_name,
        "last_name": person.last_name,
        "date_of_birth": person.date_of_birth.isoformat() if person.date_of_birth else None,
        "postcode": person.postcode,
        "nhs_number": person.nhs_number or None,
        "contacts": contact_ids or [],
    }
    if score is not None:
        data["score"] = score
    return data


def _person_match(**kwargs):
    return inline_serializer(
        "PersonMatch",
        {
            "id": serializers.IntegerField(),
            "first_name": serializers.CharField(),
            "last_name": serializers.CharField(),
            "date_of_birth": serializers.DateField(allow_null=True),
            "postcode": serializers.CharField(),
            "nhs_number": serializers.CharField(allow_null=True),
            "score": serializers.FloatField(),
            "reasons": serializers.DictField(),
            "contacts": serializers.ListField(child=serializers.IntegerField()),
        },
        **kwargs,
    )


# What the search answers: a page of matches (PeoplePagination), not one match.
_PersonPage = inline_serializer(
    "PaginatedPersonMatchList",
    {
        "count": serializers.IntegerField(),
        "next": serializers.URLField(allow_null=True),
        "previous": serializers.URLField(allow_null=True),
        "results": _person_match(many=True),
    },
)


class PeopleSearchView(TenantAPIView):
    """Search the tenant's register by name (misspellings, nicknames, swapped names), date of birth,
    postcode, a contact or early-help reference, or an NHS number; best match first. Audited."""

    @extend_schema(
        parameters=[
            OpenApiParameter(
                "q", str, description="Name, and optionally a date of birth, postcode, reference or NHS number"
            ),
            OpenApiParameter("date_of_birth", str, description="YYYY-MM-DD or DD/MM/YYYY"),
            OpenApiParameter("postcode", str),
            OpenApiParameter("address", str, description="Address text, e.g. 12 Mill Lane (typed slips allowed)"),
            OpenApiParameter("page", int),
        ],
        responses={200: _PersonPage},
    )
    def get(self, request):
        user = request.user
        if not selectors.can_search(user):
            raise Http404
        params = request.query_params
        try:
            query = person_search.parse(
                params.get("q", ""),
                date_of_birth=params.get("date_of_birth", ""),
                postcode=params.get("postcode", ""),
                address=params.get("address", ""),
            )
        except person_search.SearchError as exc:
            return Response(exc.errors, status=400)
        results = selectors.search_people(user, query)
        services.record_search(actor=user, query=query, result_ids=[r.person.pk for r in results])
        paginator = PeoplePagination()
        page = paginator.paginate_queryset(results, request, view=self)
        return paginator.get_paginated_response(
            [{**_person_fields(r.person, r.score, r.contact_ids), "reasons": r.reasons} for r in page]
        )


class PersonDetailView(TenantAPIView):
    """One person with their chronology, newest first (filters ``kind``, ``from``, ``to``). Audited."""

    @extend_schema(
        parameters=[
            OpenApiParameter("kind", str, many=True, description=", ".join(selectors.KINDS)),
            OpenApiParameter("from", str, description="YYYY-MM-DD"),
            OpenApiParameter("to", str, description="YYYY-MM-DD"),
        ],
        responses={200: inline_serializer("PersonRecord", {"id": serializers.IntegerField()})},
    )
    def get(self, request, pk):
        user = request.user
        person = selectors.person_for(user, pk)
        if person is None:
            raise Http404
        filters, errors = chronology_filter(request.query_params)
        if errors:
            return Response(errors, status=400)
        record = selectors.person_record(user, person)
        services.record_view(actor=user, person=person)
        events = filters.apply(record.chronology)
        return Response(
            {
                **_person_fields(person, contact_ids=[c.pk for c in record.contacts]),
                "age": record.age,
                "address": record.address,
                "school": record.school,
                "gp": record.gp,
                "flags": {
                    "open_contacts": [c.reference for c in record.flags["open_contacts"]],
                    "open_early_help": [r.reference for r in record.flags["open_early_help"]],
                    "strategy_discussions": [c.reference for c in record.flags["strategy_discussions"]],
                    "recontacts_last_12_months": record.flags["recontacts_last_12_months"],
                },
                "chronology": [
                    {
                        "at": e.at.astimezone(UTC).isoformat(),
                        "kind": e.kind,
                        "summary": e.summary,
                        "contact": e.contact_id,
                    }
                    for e in events
                ],
            }
        )
