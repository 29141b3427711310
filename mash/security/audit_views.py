"""The audit viewer: who saw or changed a child's records, and when (tenant administrators, heads)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from urllib.parse import urlsplit, urlunsplit
from zoneinfo import ZoneInfo

from django import forms
from django.apps import apps
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.shortcuts import render
from rest_framework.exceptions import NotFound
from rest_framework.pagination import CursorPagination
from rest_framework.request import Request

from mash.decorators import role_required
from mash.models import AuditEvent, Document
from mash.roles import Role

from ..date_input import GovukDateField, date_parts

PAGE_SIZE = 50


class AuditFilterForm(forms.Form):
    reference = forms.CharField(label="Contact reference", required=False, max_length=32)
    user = forms.CharField(label="User name", required=False, max_length=150)
    action = forms.CharField(label="What happened", required=False, max_length=100,
                             help_text="For example, contact opened")  # fmt: skip
    # GOV.UK date inputs, not a browser date picker. Bounded: the search adds a day to the end date and converts
    # both to UTC (year 1 and 9999 cannot be).
    date_from = GovukDateField(label="From", noun="the start date", required=False)
    date_to = GovukDateField(label="To", noun="the end date", required=False)

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("date_from"), cleaned.get("date_to")
        if start and end and end < start:
            self.add_error("date_to", "The end date must be the same as or after the start date")
        return cleaned


def _record_objects(reference: str) -> list[tuple[str, str]] | None:
    """(object_type, object_id) of every record about the contact with this reference: the contact,
    its people, information requests and returns, and early-help requests. None: no such contact."""
    Contact = apps.get_model("contacts", "Contact")
    contact = Contact.objects.filter(reference__iexact=reference.strip()).only("pk").first()
    if contact is None:
        return None
    objects = [("contacts.contact", str(contact.pk))]
    related = [
        ("contacts", "ContactPerson", "contact", "person_id", "contacts.person"),
        ("navigators", "InformationRequest", "contact", "pk", "navigators.informationrequest"),
        ("navigators", "InformationReturn", "request__contact", "pk", "navigators.informationreturn"),
        ("earlyhelp", "EarlyHelpRequest", "contact", "pk", "earlyhelp.earlyhelprequest"),
    ]
    for app_label, model_name, fk, column, object_type in related:
        try:
            model = apps.get_model(app_label, model_name)
        except LookupError:
            continue
        ids = model.objects.filter(**{fk: contact}).values_list(column, flat=True)
        objects += [(object_type, str(pk)) for pk in ids]
    # The documents attached to the contact and to its returns: who uploaded and who downloaded them.
    attached = Q(pk__in=[])
    for object_type, object_id in objects:
        if object_type in ("contacts.contact", "navigators.informationreturn"):
            attached |= Q(subject_type=object_type, subject_id=int(object_id))
    objects += [("mash.document", str(pk)) for pk in Document.objects.filter(attached).values_list("pk", flat=True)]
    return objects


def _action_pattern(typed: str) -> str:
    """What was typed, as words or as a code ("contact opened", "contact.viewed", "agency."): each word in
    turn, separated by a dot, underscore or space; "opened" also finds reads (stored as ``.viewed``)."""
    words = [re.escape(w) for w in re.split(r"[\s._]+", typed.strip().lower()) if w]
    words = ["(opened|viewed)" if w in ("opened", "viewed") else w for w in words]
    return "[._ ]?".join(words) if words else ""


# The log of a large council runs to tens of millions of events: its pages are read from a cursor (the last
# event shown; DRF's cursor pagination, over the (tenant, at) index), never by an offset, and the total is counted
# only up to this many (5,000,000 events cost an exact count 281 ms on every page, and page 50,000 2.6 s).
COUNT_UP_TO = 1000


class _Newest(CursorPagination):
    page_size = PAGE_SIZE
    ordering = ("-at", "-id")


@dataclass(frozen=True)
class AuditPage:
    object_list: list
    count: int  # exact up to COUNT_UP_TO; more than that when it is COUNT_UP_TO + 1
    newer: str | None  # links (path and query) to the pages of newer and older events
    older: str | None

    @property
    def count_capped(self) -> bool:
        return self.count > COUNT_UP_TO


def _relative(url: str | None) -> str | None:
    return None if url is None else urlunsplit(("", "", *urlsplit(url)[2:]))


def _page_of(events, request) -> AuditPage:
    """A page of ``events``, newest first, where the request's cursor points (the first page for none, or for a
    cursor that is not one of ours), with links to the next pages either way and the count up to COUNT_UP_TO."""
    count = events.order_by()[: COUNT_UP_TO + 1].count()
    paginator = _Newest()
    try:
        rows = paginator.paginate_queryset(events.select_related("actor"), Request(request))
    except (NotFound, ValidationError, ValueError, OverflowError):  # a cursor not ours: start at the newest
        query = request.GET.copy()
        query.pop(paginator.cursor_query_param, None)
        request.GET = query
        paginator = _Newest()
        rows = paginator.paginate_queryset(events.select_related("actor"), Request(request))
    return AuditPage(rows, count, _relative(paginator.get_previous_link()), _relative(paginator.get_next_link()))


@role_required(Role.ADMIN, Role.HEAD)
def audit_log(request):
    """Every audit event of the tenant, newest first, filtered; 50 a page, a fixed number of queries."""
    form = AuditFilterForm(request.GET or None)
    events = AuditEvent.objects.filter(tenant_id=request.user.tenant_id)
    not_found = False
    if form.is_valid():
        data = form.cleaned_data
        zone = ZoneInfo(request.user.tenant.time_zone)
        if data["reference"]:
            objects = _record_objects(data["reference"])
            if objects is None:
                not_found = True
                events = events.none()
            else:
                from django.db.models import Q

                query = Q()
                for object_type, object_id in objects:
                    query |= Q(object_type=object_type, object_id=object_id)
                events = events.filter(query)
        if data["user"]:
            events = events.filter(actor_label__icontains=data["user"].strip())
        if data["action"]:
            events = events.filter(action__iregex=_action_pattern(data["action"]))
        if data["date_from"]:
            events = events.filter(at__gte=datetime.combine(data["date_from"], time.min, tzinfo=zone))
        if data["date_to"]:
            events = events.filter(at__lt=datetime.combine(data["date_to"] + timedelta(days=1), time.min, tzinfo=zone))
    elif form.is_bound:
        events = events.none()
    page = _page_of(events, request)
    return render(
        request,
        "security/audit.html",
        {
            "form": form,
            "page": page,
            "count_up_to": f"{COUNT_UP_TO:,}",
            "not_found": not_found,
            "date_from_parts": date_parts(form["date_from"]),
            "date_to_parts": date_parts(form["date_to"]),
        },
        status=400 if form.is_bound and not form.is_valid() else 200,
    )
