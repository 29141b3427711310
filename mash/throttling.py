"""The limit on public reports (the page and the API): per local authority, per client, in the shared cache.

Two fixed-window counters per tenant and client address, both in Django's default cache (Redis whenever
``REDIS_URL`` is set, so every gunicorn worker counts together):

- ``public_marf``: reports *accepted*. A post takes a place before it is validated and gives it back when it
  is refused, so a typo never uses up the allowance, and concurrent posts cannot overshoot it (the cache's
  atomic increment decides who gets the last place).
- ``public_marf_posts``: every POST, accepted or not; a higher ceiling against someone hammering the form.

GETs are never counted. The client is ``REMOTE_ADDR``, or with ``MASH_TRUSTED_PROXY_COUNT`` = N trusted
proxies in front, the Nth address from the right of ``X-Forwarded-For`` (the one the outermost trusted proxy
saw); entries to its left are whatever the client chose to send and are ignored. An IPv6 client is counted
by its /64, the block one household or phone is given, so rotating addresses within it does not help.
"""

from __future__ import annotations

import ipaddress
import math

from django.conf import settings
from rest_framework.throttling import BaseThrottle, SimpleRateThrottle

ACCEPTED_SCOPE = "public_marf"
POSTS_SCOPE = "public_marf_posts"
# Used when a settings override (tests) names only the accepted rate.
_FALLBACK_RATES = {ACCEPTED_SCOPE: "10/hour", POSTS_SCOPE: "30/hour"}
IPV6_PREFIX = 64


def client_address(request) -> str:
    """The address the limit counts: the client as the outermost trusted proxy saw it."""
    address = request.META.get("REMOTE_ADDR", "")
    proxies = settings.MASH_TRUSTED_PROXY_COUNT
    if proxies:
        hops = [hop.strip() for hop in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if hop.strip()]
        if hops:
            # As DRF's NUM_PROXIES: fewer hops than proxies means the nearest proxies added nothing.
            forwarded = hops[-min(proxies, len(hops))]
            if _parse(forwarded) is not None:
                address = forwarded
    parsed = _parse(address)
    if parsed is None:
        return address[:64]
    if parsed.version == 6:
        return str(ipaddress.ip_network(f"{parsed}/{IPV6_PREFIX}", strict=False))
    return str(parsed)


def _parse(address: str):
    try:
        return ipaddress.ip_address(address)
    except ValueError:
        return None


class _WindowCounter(SimpleRateThrottle):
    """One fixed-window counter of ``scope`` for one tenant and client. DRF parses the rate and names the cache
    (Django's default); the count itself is an atomic cache increment, not DRF's read-modify-write history list,
    so two workers posting at the same moment cannot both take the last place."""

    def __init__(self, scope: str, tenant_id: int, ident: str):
        self.scope = scope
        self.rate = self.get_rate()
        self.num_requests, self.duration = self.parse_rate(self.rate)
        now = self.timer()
        self.window_ends = (int(now) // self.duration + 1) * self.duration
        self.key = self.cache_format % {"scope": scope, "ident": f"{tenant_id}:{ident}:{self.window_ends}"}

    def get_rate(self):
        # Read when asked, not at import, so a changed setting applies at once.
        return settings.REST_FRAMEWORK.get("DEFAULT_THROTTLE_RATES", {}).get(self.scope) or _FALLBACK_RATES[self.scope]

    def count(self) -> int:
        return int(self.cache.get(self.key, 0))

    def take(self) -> bool:
        """Count one; False (and nothing counted) when the window is already full."""
        self.cache.add(self.key, 0, timeout=self.duration + 60)
        try:
            taken = self.cache.incr(self.key)
        except ValueError:  # expired between add and incr: a new window
            self.cache.add(self.key, 1, timeout=self.duration + 60)
            taken = 1
        if taken > self.num_requests:
            self.give_back()
            return False
        return True

    def give_back(self) -> None:
        try:
            self.cache.decr(self.key)
        except ValueError:  # the window has expired: nothing left to give back
            pass

    def wait(self) -> int:
        return max(1, math.ceil(self.window_ends - self.timer()))


class PublicReportLimit:
    """The allowance of one client at one local authority; the page and the API both use it.

    ``claim()`` before handling a POST; ``release()`` when the post was not accepted (invalid, refused).
    """

    def __init__(self, request, tenant):
        ident = client_address(request)
        self._posts = _WindowCounter(POSTS_SCOPE, tenant.pk, ident)
        self._accepted = _WindowCounter(ACCEPTED_SCOPE, tenant.pk, ident)
        self.wait: int | None = None
        self._claimed = False

    def claim(self) -> bool:
        if not self._posts.take():
            self.wait = self._posts.wait()
            return False
        if not self._accepted.take():
            self.wait = self._accepted.wait()
            return False
        self._claimed = True
        return True

    def release(self) -> None:
        if self._claimed:
            self._accepted.give_back()
            self._claimed = False

    @property
    def wait_minutes(self) -> int:
        return max(1, math.ceil((self.wait or 0) / 60))


class PublicReportThrottle(BaseThrottle):
    """DRF's throttle hook for the public API: the view names its tenant in ``public_tenant`` before the
    throttles run and keeps the claimed limit in ``report_limit`` to give the place back on a refusal."""

    def allow_request(self, request, view):
        if request.method != "POST":
            return True
        view.report_limit = PublicReportLimit(request, view.public_tenant)
        allowed = view.report_limit.claim()
        self._wait = view.report_limit.wait
        return allowed

    def wait(self):
        return getattr(self, "_wait", None)
