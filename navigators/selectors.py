"""Every read of requests and returns a page or the API needs: scoped to the caller's agency, prefetched.

Navigators and agency leads see only their own agency's requests (and, through the API base class,
only those their agency's group holds a django-guardian grant on). Triage workers, managers and the
head of service see every request of the tenant. Everyone else sees none.
"""

from __future__ import annotations

from datetime import timedelta

from django.db.models import (
    Case,
    Count,
    DateTimeField,
    DurationField,
    ExpressionWrapper,
    F,
    IntegerField,
    Prefetch,
    Q,
    Value,
    When,
)
from django.utils import timezone

from contacts.choices import PersonRole
from contacts.models import ContactPerson
from mash import documents
from mash.models import Agency
from mash.pagination import TopFirstSlices
from mash.roles import AGENCY_ROLES, Role
from mash.selectors import tenant_staff

from . import access
from .models import (
    OUTSTANDING,
    InformationRequest,
    InformationReturn,
    NavigatorSettings,
    QuestionTemplate,
    RequestStatus,
    ReturnAddendum,
)

# Who sees the whole enquiry: every agency's return side by side. The tenant admin too, as for contacts
# (contacts.selectors.SEE_ALL_CONTACTS): the hub's own staff, inside the fire-wall.
SEE_ALL_REQUESTS = frozenset({Role.TRIAGE, Role.MANAGER, Role.HEAD, Role.ADMIN})


def _people():
    return ContactPerson.objects.order_by("order", "id")


def requests_for(user, *, with_people: bool = False, with_return: bool = False):
    """The requests ``user`` may see, with what their rows show. Agency staff: their agency's only."""
    queryset = InformationRequest.objects.select_related("contact", "agency", "rating", "assigned_to")
    if with_people:
        queryset = queryset.prefetch_related(Prefetch("contact__people", queryset=_people()))
    if with_return:
        queryset = queryset.prefetch_related(
            Prefetch(
                "information_return__addenda",
                queryset=ReturnAddendum.objects.select_related("added_by").order_by("added_at", "id"),
            )
        ).select_related("information_return")
    if user.role in SEE_ALL_REQUESTS:
        return queryset
    if user.role in AGENCY_ROLES and user.agency_id:
        return queryset.filter(agency_id=user.agency_id)
    return queryset.none()


def granted_requests_for(user, **kwargs):
    """:func:`requests_for`, and for agency staff also only what their agency's group is granted (guardian)."""
    queryset = requests_for(user, **kwargs)
    if user.role in AGENCY_ROLES:
        queryset = access.granted_to_agency(user, queryset)
    return queryset


def search(queryset, text: str):
    """Requests whose contact reference or child's name matches ``text`` (within what the caller may see)."""
    text = (text or "").strip()[:100]
    if not text:
        return queryset
    people = ContactPerson.objects.filter(role=PersonRole.CHILD)
    for word in text.split()[:4]:
        people = people.filter(Q(first_name__icontains=word) | Q(last_name__icontains=word))
    return queryset.filter(Q(contact__reference__icontains=text) | Q(contact__in=people.values("contact_id")))


# The workspace shows a page of this many requests (GOV.UK pagination); filters, sort and the strip of
# counts run over every request the filters keep, in the database.
WORKSPACE_PAGE_SIZE = 50
# Server-side sorts: key -> (label, ordering). Overdue first in every sort (a late return is never lost).
WORKSPACE_SORTS = {
    "due": ("Time left", ("due_at", "id")),
    "requested": ("Newest request", ("-requested_at", "-id")),
    "reference": ("Contact reference", ("contact__reference", "id")),
    "rating": ("Rating", ("rating__order", "due_at", "id")),
}


def workspace(
    user, *, status: str = "outstanding", rating: str = "", assigned: str = "", text: str = "", sort: str = "due"
):
    """The agency's requests, overdue first, then in the ``sort`` order (by default, by time left); children
    prefetched (constant query count).

    ``status``: outstanding (open or overdue), a request status, breached, or all.
    """
    queryset = granted_requests_for(user).prefetch_related(
        Prefetch("contact__people", queryset=_people().filter(role=PersonRole.CHILD), to_attr="children")
    )
    if status == "outstanding":
        queryset = queryset.filter(status__in=OUTSTANDING)
    elif status in RequestStatus.values:
        queryset = queryset.filter(status=status)
    elif status == "breached":
        queryset = queryset.filter(breached_at__isnull=False)
    if rating:
        queryset = queryset.filter(rating__code=rating)
    if assigned == "me":
        queryset = queryset.filter(assigned_to=user)
    elif assigned == "unassigned":
        queryset = queryset.filter(assigned_to__isnull=True)
    queryset = search(queryset, text)
    # Overdue first: breached (status overdue) or past due and not yet swept by the deadline worker.
    late = Q(status=RequestStatus.OVERDUE) | Q(status=RequestStatus.OPEN, due_at__lt=timezone.now())
    overdue_first = Case(When(late, then=Value(0)), default=Value(1), output_field=IntegerField())
    ordering = WORKSPACE_SORTS.get(sort, WORKSPACE_SORTS["due"])[1]
    return queryset.annotate(overdue_first=overdue_first).order_by("overdue_first", *ordering)


# How deep the soonest-due pick serves (the first four pages): deeper pages are read as NarrowSlices reads them.
SOONEST_PICK_UP_TO = 4 * WORKSPACE_PAGE_SIZE


class WorkspaceSlices(TopFirstSlices):
    """The workspace as its paginator reads it (:class:`mash.pagination.TopFirstSlices`).

    ``outstanding_by_due``: the requests are the outstanding ones (open or overdue), overdue first, then by time
    left (the navigator's default). The first ``stop`` rows are then among the requests marked overdue and the
    first ``stop`` outstanding requests by deadline alone (``request_outstanding_due_idx``, walked in order): an
    open request past its deadline comes before every request still in time in deadline order too, and only a
    request marked overdue whose deadline was later moved on can come earlier in the workspace than in deadline
    order. Without it, every outstanding request the navigator may see was sorted on the computed "overdue first"
    key for each page. Other filters and sorts read as NarrowSlices does."""

    def __init__(self, queryset, *, outstanding_by_due: bool = False):
        super().__init__(queryset)
        self.outstanding_by_due = outstanding_by_due

    def pick_up_to(self) -> int:
        return SOONEST_PICK_UP_TO

    def candidates(self, stop: int):
        if not self.outstanding_by_due:
            return None
        rows = self.queryset.order_by().values_list("pk")
        return rows.order_by(*WORKSPACE_SORTS["due"][1]), (rows.filter(status=RequestStatus.OVERDUE),)


def workspace_summary(queryset, *, now, warn_fraction) -> dict[str, int]:
    """How many requests ``queryset`` (the workspace, filtered) holds, and the strip of counts above the list
    over all of them, in one query: returns still awaited that are overdue, due soon (from the tenant's
    warning point for returns, as each row's tag), due today (in the tenant's time zone), and not assigned.
    Agrees with each row's time-left tag (``mash.timefmt.time_left``: overdue within its last second)."""
    awaited = Q(status__in=OUTSTANDING)
    overdue = Q(due_at__lt=now + timedelta(seconds=1))
    span = ExpressionWrapper(F("due_at") - F("requested_at"), output_field=DurationField())
    # No warning point: never due soon (warned at the deadline itself, which is overdue).
    fraction = Value(float(warn_fraction) if warn_fraction is not None else 1.0)
    warn_at = ExpressionWrapper(F("requested_at") + span * fraction, output_field=DateTimeField())
    midnight = timezone.localtime(now).replace(hour=0, minute=0, second=0, microsecond=0)
    today = Q(due_at__gte=midnight, due_at__lt=midnight + timedelta(days=1))
    return (
        queryset.order_by()
        .alias(soon_from=warn_at)
        .aggregate(
            total=Count("id"),
            overdue=Count("id", filter=awaited & overdue),
            due_soon=Count("id", filter=awaited & ~overdue & Q(soon_from__lte=now)),
            today=Count("id", filter=awaited & ~overdue & today),
            unassigned=Count("id", filter=awaited & Q(assigned_to__isnull=True)),
        )
    )


def breaches_for(user, *, limit: int = 50):
    """The agency's breached or escalated requests, most recent breach first (agency leads)."""
    return (
        granted_requests_for(user)
        .filter(Q(breached_at__isnull=False) | Q(escalation_level__gt=0))
        .order_by("-breached_at", "-id")[:limit]
    )


def agency_navigators(agency_id: int, *, tenant):
    return tenant_staff(tenant=tenant, roles=[Role.NAVIGATOR], agencies=[agency_id]).order_by("first_name", "username")


def enquiry_requests(contact):
    """Every agency's request on one contact with its return and addenda: the fullest picture."""
    return (
        InformationRequest.objects.filter(contact=contact)
        .select_related("agency", "rating", "information_return", "information_return__submitted_by")
        .prefetch_related(
            Prefetch(
                "information_return__addenda",
                queryset=ReturnAddendum.objects.select_related("added_by").order_by("added_at", "id"),
            )
        )
        .order_by("agency__name")
    )


def returns_for(user):
    """Submitted returns ``user`` may see: through the requests they may see."""
    queryset = InformationReturn.objects.filter(status="submitted").select_related(
        "request", "request__agency", "request__contact"
    )
    if user.role in SEE_ALL_REQUESTS:
        return queryset
    if user.role in AGENCY_ROLES and user.agency_id:
        return queryset.filter(request__agency_id=user.agency_id)
    return queryset.none()


def document_reader(user) -> Q:
    """Which returns' documents ``user`` reads (mash.documents): the hub's staff those of submitted returns; an
    agency's navigators and lead those of their own agency's granted requests, drafts too; nobody else any."""
    if user.role in SEE_ALL_REQUESTS:
        return Q(subject_id__in=InformationReturn.objects.filter(status="submitted").values("pk"))
    if user.role in AGENCY_ROLES and user.agency_id:
        granted = granted_requests_for(user).values("pk")
        return Q(subject_id__in=InformationReturn.objects.filter(request__in=granted).values("pk"))
    return Q(pk__in=[])


def return_documents(user, information_return) -> list:
    """The documents of a return ``user`` can see (the caller has shown they see the request): one query."""
    if information_return is None:
        return []
    if user.role in SEE_ALL_REQUESTS and not information_return.is_submitted:
        return []
    return list(documents.documents_of(information_return))


def navigator_settings() -> NavigatorSettings:
    """The tenant's settings, or the defaults when the admin has not saved any."""
    return NavigatorSettings.objects.first() or NavigatorSettings()


def question_templates():
    return QuestionTemplate.objects.select_related("agency").order_by("agency__name")


def agencies_with_staff(*, tenant):
    """The tenant's agencies for its administrator, active first: each with its active navigators and
    leads (``staff``), its question template (``templates``) and how many requests it was ever sent and
    still has open (three queries, whatever the number of agencies)."""
    staff = tenant_staff(tenant=tenant, roles=AGENCY_ROLES).order_by("role", "last_name", "first_name", "username")
    return (
        Agency.objects.order_by("-active", "name")
        .annotate(
            requests_sent=Count("information_requests"),
            requests_open=Count("information_requests", filter=Q(information_requests__status__in=OUTSTANDING)),
        )
        .prefetch_related(
            Prefetch("members", queryset=staff, to_attr="staff"),
            Prefetch("question_templates", queryset=QuestionTemplate.objects.all(), to_attr="templates"),
        )
    )
