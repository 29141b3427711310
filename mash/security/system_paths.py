"""The named cross-tenant code paths of other capabilities, run in ``tenancy.system_context``.

Row-level security hides every row when no tenant is active. The deadline engine's sweep
reads across tenants on purpose (then re-enters each clock's tenant), so its entry points run
as the named system work "deadline-sweep". They live in ``mash/deadlines``; wrapping them here,
in one reviewed list, keeps the bypass in one place. Each wrapper is idempotent.
"""

from __future__ import annotations

import functools
from importlib import import_module

from mash.tenancy import system_context

# (module, function, reason). Only functions that return fully evaluated results belong here.
SYSTEM_PATHS = [
    ("mash.deadlines.services", "sweep", "deadline-sweep"),
    ("mash.deadlines.services", "process_due", "deadline-sweep"),
    # The clocks_overdue operations command lists missed clocks of every tenant.
    ("mash.management.commands.clocks_overdue", "Command.handle", "deadline-report"),
]


def _wrap(function, reason):
    if getattr(function, "_mash_system_reason", None) == reason:
        return function

    @functools.wraps(function)
    def wrapper(*args, **kwargs):
        with system_context(reason):
            return function(*args, **kwargs)

    wrapper._mash_system_reason = reason
    return wrapper


def install() -> None:
    for module_name, dotted, reason in SYSTEM_PATHS:
        owner = import_module(module_name)
        *parents, name = dotted.split(".")
        for parent in parents:
            owner = getattr(owner, parent)
        setattr(owner, name, _wrap(getattr(owner, name), reason))
