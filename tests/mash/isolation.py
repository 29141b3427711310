"""The shape of an isolation-registry entry. Capabilities list theirs in ``tests/<capability>/isolation.py``."""

from collections.abc import Callable
from typing import NamedTuple

from mash.roles import Role


class Resource(NamedTuple):
    make: Callable  # (tenant, natural key) -> a row of that tenant
    lookup: Callable  # row -> the value in its detail URL
    patch: dict | None  # a valid PATCH body, or None for a resource not changed through the API
    field: str | None = None  # the field the PATCH changes, checked to be untouched on the other tenant's row
    role: str = Role.ADMIN  # the tenant-A role that lists, reads and changes it
