"""Reads for the staff-accounts pages and API: always the one tenant's users (users are not a
``TenantOwned`` table, since sign-in must find them, so every read here names the tenant)."""

from django.db.models import Prefetch, Q

from mash.models import Team, TeamMember, User

from .signals import OpenWork, open_work_requested


def users(*, tenant, q: str = "", role: str = "", status: str = ""):
    queryset = (
        User.objects.filter(tenant=tenant)
        .select_related("agency")
        .prefetch_related(Prefetch("team_membership", queryset=TeamMember.objects.select_related("team")))
        .order_by("last_name", "first_name", "username")
    )
    if q := q.strip():
        for word in q.split()[:5]:
            queryset = queryset.filter(
                Q(username__icontains=word)
                | Q(first_name__icontains=word)
                | Q(last_name__icontains=word)
                | Q(email__icontains=word)
            )
    if role:
        queryset = queryset.filter(role=role)
    if status == "active":
        queryset = queryset.filter(is_active=True)
    elif status == "deactivated":
        queryset = queryset.filter(is_active=False)
    return queryset


def user_or_none(*, tenant, pk) -> User | None:
    if not str(pk).isdigit():
        return None
    return users(tenant=tenant).filter(pk=pk).first()


def team_of(user: User) -> Team | None:
    try:
        return user.team_membership.team
    except TeamMember.DoesNotExist:
        return None


def teams(*, include_retired: bool = False):
    queryset = Team.objects.order_by("name")
    return queryset if include_retired else queryset.filter(active=True)


def open_work(user: User) -> list[OpenWork]:
    """Everything still open that is assigned to ``user``, from every app that holds work."""
    items: list[OpenWork] = []
    for _receiver, found in open_work_requested.send(sender=User, user=user):
        items += found or []
    return items
