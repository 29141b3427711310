"""Object-level access with django-guardian: each agency's requests are granted to that agency's group.

A request is granted (view + change) to its agency's group when it is opened; the grant narrows to
view only when the enquiry closes. Navigators and leads are kept in their agency's group by a
``post_save`` receiver on User (navigators/receivers.py), so moving someone to another agency moves
their access with them. The selectors filter by agency as well: two independent locks on one door.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.contrib.auth.models import Group, Permission
from django.contrib.contenttypes.models import ContentType
from django.db.models import CharField, Exists, OuterRef, Subquery
from django.db.models.functions import Cast
from guardian.models import GroupObjectPermission

from mash.roles import AGENCY_ROLES

from .models import InformationRequest

VIEW = "navigators.view_informationrequest"
CHANGE = "navigators.change_informationrequest"
GROUP_PREFIX = "agency:"


def group_name(agency_id: int) -> str:
    # Agency ids are unique across tenants, so one group per agency never mixes tenants.
    return f"{GROUP_PREFIX}{agency_id}"


def agency_group(agency_id: int) -> Group:
    return Group.objects.get_or_create(name=group_name(agency_id))[0]


def _agency_groups(agency_ids: set[int]) -> dict[int, Group]:
    """Each agency's group, read in one query; one an agency has never had is made as agency_group makes it."""
    names = {group_name(agency_id): agency_id for agency_id in agency_ids}
    found = {names[group.name]: group for group in Group.objects.filter(name__in=names)}
    return {agency_id: found.get(agency_id) or agency_group(agency_id) for agency_id in agency_ids}


def _permissions(*codenames: str) -> list[Permission]:
    ctype = ContentType.objects.get_for_model(InformationRequest)
    return list(Permission.objects.filter(content_type=ctype, codename__in=codenames))


def grant(requests: Iterable[InformationRequest]) -> None:
    """Give each request's agency group view and change on it (one bulk insert)."""
    requests = list(requests)
    if not requests:
        return
    ctype = ContentType.objects.get_for_model(InformationRequest)
    perms = _permissions("view_informationrequest", "change_informationrequest")
    groups = _agency_groups({r.agency_id for r in requests})
    GroupObjectPermission.objects.bulk_create(
        [
            GroupObjectPermission(group=groups[r.agency_id], permission=p, content_type=ctype, object_pk=str(r.pk))
            for r in requests
            for p in perms
        ],
        ignore_conflicts=True,
    )


def narrow_to_read_only(requests: Iterable[InformationRequest]) -> int:
    """Take ``change`` away from every group on these requests; ``view`` stays (the record is kept)."""
    ids = [str(r.pk) for r in requests]
    if not ids:
        return 0
    ctype = ContentType.objects.get_for_model(InformationRequest)
    deleted, _ = GroupObjectPermission.objects.filter(
        content_type=ctype, object_pk__in=ids, permission__codename="change_informationrequest"
    ).delete()
    return deleted


def sync_membership(user, *, created: bool = False) -> None:
    """Keep ``user`` in exactly their own agency's group (navigators and leads), and in none otherwise.
    ``created``: the user was just created, so is in no group yet (nothing to read)."""
    wanted = set()
    if user.is_active and user.role in AGENCY_ROLES and user.agency_id:
        wanted = {group_name(user.agency_id)}
    current = (
        set() if created else set(user.groups.filter(name__startswith=GROUP_PREFIX).values_list("name", flat=True))
    )
    if wanted == current:
        return
    stale = current - wanted
    if stale:
        user.groups.remove(*Group.objects.filter(name__in=stale))
    for name in wanted - current:
        user.groups.add(Group.objects.get_or_create(name=name)[0])


def granted(user, queryset, action: str = "view"):
    """``queryset`` narrowed to the requests ``user`` holds the ``action`` grant on (one SQL query)."""
    from mash.drf import granted_objects

    return granted_objects(user, queryset, action)


def granted_to_agency(user, queryset, action: str = "view"):
    """``queryset`` narrowed to the requests ``user``'s agency's group holds the ``action`` grant on, while
    ``user`` is in that group (as :func:`sync_membership` keeps every navigator and lead). A correlated EXISTS
    in the same SQL query, over the grants of that one group and permission only: for each request, one look-up
    in guardian's unique index (group, permission, object), the group and the permission each found by its own
    index; or, for a count over all of an agency's requests, one hash of the group's grants as they are stored.
    (Reading every grant of every agency, then the user's groups, cost a navigator's workspace a full scan of
    the grants table on every refresh. As ``pk IN`` the grants' text ids cast to numbers, every grant of the
    group was cast and de-duplicated before the first row, three times a page: 10 ms each at 5,000 grants.)"""
    if not user.agency_id:
        return queryset.none()
    ctype = ContentType.objects.get_for_model(InformationRequest)
    group = Group.objects.filter(name=group_name(user.agency_id), user=user).values("pk")[:1]
    permission = Permission.objects.filter(
        content_type=ctype, codename=f"{action}_{InformationRequest._meta.model_name}"
    ).values("pk")[:1]
    grant = GroupObjectPermission.objects.filter(
        group_id=Subquery(group),
        permission_id=Subquery(permission),
        content_type=ctype,
        object_pk=Cast(OuterRef("pk"), CharField()),
    )
    return queryset.filter(Exists(grant))


def may_change(user, request: InformationRequest) -> bool:
    return user.has_perm(CHANGE, request)
