"""Reads the core pages and API need, scoped to the active tenant by construction."""

from .models import Agency, Heartbeat, User


def agencies(*, include_inactive: bool = True):
    qs = Agency.objects.all()
    return qs if include_inactive else qs.filter(active=True)


def tenant_staff(*, tenant, roles=None, agencies=None):
    """The tenant's active users, only those of ``roles`` (and ``agencies``) when given.

    Users are not a TenantOwned table (sign-in must find them before any tenant is active), so the
    tenant is explicit here: the one place that says who counts as a tenant's staff.
    """
    users = User.objects.filter(tenant=tenant, is_active=True)
    if roles is not None:
        users = users.filter(role__in=sorted(roles))
    if agencies is not None:
        users = users.filter(agency__in=agencies)
    return users


def last_heartbeat(source: str):
    return Heartbeat.objects.filter(source=source).order_by("-at").first()


def heartbeat_with_token(token: str):
    return Heartbeat.objects.filter(token=token).first()
