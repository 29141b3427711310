"""A view cannot reach another tenant's rows by accident.

1. Statically: the only ways around the scoped manager (``all_tenants``, ``_base_manager``,
   raw SQL) appear only in allow-listed places.
2. At run time: every API view's queryset, built for a tenant-A user while tenant B has
   rows too, contains only tenant A's rows.
"""

import re
from pathlib import Path

import pytest
from django.urls import URLPattern, URLResolver, get_resolver
from rest_framework.generics import GenericAPIView
from rest_framework.test import APIRequestFactory, force_authenticate

from mash import tenancy
from mash.roles import Role
from tests.mash.test_tenant_isolation import RESOURCES

ROOT = Path(__file__).resolve().parents[2]
APPS = ["mash", "thresholds", "deadlines", "contacts", "navigators", "earlyhelp", "triage", "people", "reporting"]
BYPASSES = re.compile(r"\ball_tenants\b|\b_base_manager\b|\.raw\(|connection\.cursor\(|\.extra\(")
# file -> why it may bypass the scoped manager
ALLOWED = {
    "mash/tenancy.py": "defines the managers",
    "mash/admin.py": "platform superusers' admin crosses tenants",
    "mash/drf.py": "empty queryset for schema generation (no request, no tenant)",
    "mash/views_api.py": "health check runs SELECT 1",
    "deadlines/services.py": "the deadline sweep finds due clocks of every tenant, then re-enters each tenant",
    "deadlines/selectors.py": "clocks_overdue (operations) lists missed clocks of every tenant",
}


def test_unscoped_access_only_in_allow_listed_files():
    offenders = []
    for app in APPS:
        for path in (ROOT / app).rglob("*.py"):
            rel = path.relative_to(ROOT).as_posix()
            if "/migrations/" in rel or rel in ALLOWED:
                continue
            for number, line in enumerate(path.read_text().splitlines(), 1):
                if BYPASSES.search(line) and "scoping: allowed" not in line:
                    offenders.append(f"{rel}:{number}: {line.strip()}")
    assert not offenders, "Unscoped queries outside the allow-list:\n" + "\n".join(offenders)


def _api_views(patterns=None, prefix=""):
    patterns = get_resolver().url_patterns if patterns is None else patterns
    for entry in patterns:
        if isinstance(entry, URLResolver):
            yield from _api_views(entry.url_patterns, prefix + str(entry.pattern))
        elif isinstance(entry, URLPattern):
            view = getattr(entry.callback, "cls", None)
            if view and issubclass(view, GenericAPIView):
                yield prefix + str(entry.pattern), entry.callback


# Ids by name, never by address: parallel workers (pytest-xdist) must collect the same test ids.
@pytest.mark.parametrize(("route", "callback"), list(_api_views()), ids=lambda v: getattr(v, "__name__", str(v)))
def test_every_api_view_queryset_holds_only_the_callers_tenant(route, callback, tenant_a, tenant_b, make_user):
    for resource in RESOURCES.values():
        resource.make(tenant_a, "in-a")
        resource.make(tenant_b, "in-b")
    user = make_user(tenant_a, Role.ADMIN)
    request = APIRequestFactory().get("/")
    force_authenticate(request, user=user)
    view = callback.cls(**getattr(callback, "initkwargs", {}))
    view.action_map = getattr(callback, "actions", {})
    view.action = "list"
    view.request = view.initialize_request(request)
    view.kwargs = {}
    view.format_kwarg = None
    with tenancy.tenant_context(tenant_a):
        rows = list(view.get_queryset())
    assert rows, f"{route}: expected tenant A's rows"
    assert {row.tenant_id for row in rows} == {tenant_a.pk}


def test_a_view_queryset_outside_a_request_fails_closed(tenant_a):
    from mash.views_api import AgencyViewSet

    view = AgencyViewSet()
    with pytest.raises(tenancy.TenantNotSet):
        list(view.get_queryset())
