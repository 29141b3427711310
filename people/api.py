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
from .models import PersonMerge


class PeoplePagination(PageNumberPagination):
    page_size = 20


def _person_fields(person, score=None, contact_ids=None) -> dict:
    data = {
        "id": person.pk,
        "first_name": person.first_name,
        "last_name": person.last_name,
        "date_of_birth": person.date_of_birth.isoformat() if person.date_of_birth else None,
        # A pre-birth referral's child: no date of birth until staff record the birth, an expected date instead.
        "unborn": person.unborn,
        "expected_date": person.expected_date.isoformat() if person.expected_date else None,
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
            "unborn": serializers.BooleanField(),
            "expected_date": serializers.DateField(allow_null=True),
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


def _merge_fields(merge) -> dict:
    return {
        "id": merge.pk,
        "kept": merge.kept_id,
        "merged": merge.merged_id,
        "reason": merge.reason,
        "merged_by": merge.merged_by.get_username(),
        "merged_at": merge.merged_at.astimezone(UTC).isoformat(),
        "moved": {
            "contact_people": merge.moved_mentions,
            "contacts": merge.moved_contacts,
            "early_help_children": merge.moved_early_help_children,
            "early_help": merge.moved_early_help,
            "chronology_entries": merge.moved_chronology_entries,
            "links": merge.moved_links,
            "people": merge.repointed_people,
        },
        "unmerged_at": merge.unmerged_at.astimezone(UTC).isoformat() if merge.unmerged_at else None,
        "unmerged_by": merge.unmerged_by.get_username() if merge.unmerged_by else None,
        "unmerge_reason": merge.unmerge_reason,
    }


_PersonMergeOut = inline_serializer(
    "PersonMerge",
    {
        "id": serializers.IntegerField(),
        "kept": serializers.IntegerField(),
        "merged": serializers.IntegerField(),
        "reason": serializers.CharField(),
        "merged_by": serializers.CharField(),
        "merged_at": serializers.DateTimeField(),
        "moved": serializers.DictField(),
        "unmerged_at": serializers.DateTimeField(allow_null=True),
        "unmerged_by": serializers.CharField(allow_null=True),
        "unmerge_reason": serializers.CharField(),
    },
)


def _merger(user):
    if not selectors.can_search(user) or user.role not in services.MERGERS:
        raise Http404
    return user


class PersonMergeView(TenantAPIView):
    """Merge the duplicate ``other`` into this person, with a reason (required). What moved is recorded and
    answered; undone with ``POST /people/merges/<id>/unmerge/``. Audited. Another tenant's person is a 404."""

    @extend_schema(
        request=inline_serializer(
            "PersonMergeInput", {"other": serializers.IntegerField(), "reason": serializers.CharField()}
        ),
        responses={201: _PersonMergeOut},
    )
    def post(self, request, pk):
        user = _merger(request.user)
        kept = selectors.person_to_merge(user, pk)
        if kept is None:
            raise Http404
        other_id = request.data.get("other")
        if other_id in (None, ""):
            return Response({"other": ["Choose the duplicate record to merge into this one."]}, status=400)
        if not str(other_id).isdigit():
            return Response({"other": ["Give the duplicate's record number."]}, status=400)
        other = selectors.person_to_merge(user, other_id)
        if other is None:
            raise Http404
        merge = services.merge_people(actor=user, kept=kept, other=other, reason=request.data.get("reason", ""))
        return Response(_merge_fields(merge), status=201)


class PersonUnmergeView(TenantAPIView):
    """Undo a merge, with a reason (required): exactly what it moved goes back to the duplicate. Audited."""

    @extend_schema(
        request=inline_serializer("PersonUnmergeInput", {"reason": serializers.CharField()}),
        responses={200: _PersonMergeOut},
    )
    def post(self, request, pk):
        user = _merger(request.user)
        merge = PersonMerge.objects.filter(pk=pk).first()
        if merge is None:
            raise Http404
        merge = services.unmerge_people(actor=user, merge=merge, reason=request.data.get("reason", ""))
        return Response(_merge_fields(merge))
