"""Reads the core pages and API need, scoped to the active tenant by construction."""

from .models import Agency, Heartbeat


def agencies(*, include_inactive: bool = True):
    qs = Agency.objects.all()
    return qs if include_inactive else qs.filter(active=True)


def last_heartbeat(source: str):
    return Heartbeat.objects.filter(source=source).order_by("-at").first()


def heartbeat_with_token(token: str):
    return Heartbeat.objects.filter(token=token).first()
