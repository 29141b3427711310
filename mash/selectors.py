"""Reads the core pages and API need, scoped to the active tenant by construction."""

from .models import Agency, Heartbeat, User


def agencies(*, include_inactive: bool = True):
    qs = Agency.objects.all()
    return qs if include_inactive else qs.filter(active=True)


def tenant_users(*, tenant):
    """Users are not a TenantOwned table (sign-in must find them), so scope them explicitly."""
    return User.objects.filter(tenant=tenant).select_related("agency")


def last_heartbeat(source: str):
    return Heartbeat.objects.filter(source=source).order_by("-at").first()


def heartbeat_with_token(token: str):
    return Heartbeat.objects.filter(token=token).first()
