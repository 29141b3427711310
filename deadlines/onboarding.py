"""A new council's escalation ladders: the defaults for every kind of clock (``create_tenant``)."""

from .services import ensure_default_ladders


def set_up(tenant, *, template: str) -> None:
    ensure_default_ladders(tenant=tenant)
