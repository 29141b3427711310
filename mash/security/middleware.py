"""Sign-in security for every request: second factor, idle timeout, response headers."""

from __future__ import annotations

import time
from urllib.parse import urlsplit

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.http import HttpResponse, JsonResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme, urlencode

from mash import audit

from . import mfa
from .authentication import token_user

LAST_SEEN = "mash_last_seen"
# Recording activity writes the session; once a minute is enough for a 30-minute timeout.
LAST_SEEN_RESOLUTION = 60
# Marks a request a page makes by itself (htmx polling a worklist), which is not the user's activity.
AUTO_REFRESH_HEADER = "X-Mash-Auto-Refresh"

# Paths an unverified staff user may still reach: signing in and out, setting up a factor,
# assets, the liveness probe, the public MARF and the OpenAPI document and its viewer (both served to
# anyone; the viewer calls the API with whatever credentials the caller has).
OPEN_PREFIXES = (
    "/sign-in/",
    "/sign-out/",
    "/security/two-factor/",
    "/security/session/",
    "/static/",
    "/assets/",
    "/health/",
    "/api/v1/schema/",
    "/api/v1/docs/",
    "/api/v1/public/",
    "/contacts/report/",
)


def _is_api(request) -> bool:
    return request.path.startswith("/api/")


class OTPSessionMiddleware:
    """django-otp's middleware, without a query per request: ``user.is_verified()`` answers from the
    server-side session, where only a successful code check (``django_otp.login``) writes the device
    id; ``user.otp_device`` loads the device only when something asks for it. (django-otp's own
    middleware loads the device on every request, which would add a query to every page.)
    A device removed by an administrator stops being trusted at the user's next sign-in; sign them
    out (or lock the account) to end current sessions at once.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        from django.utils.functional import SimpleLazyObject

        user = getattr(request, "user", None)
        if user is not None:
            request.user = SimpleLazyObject(lambda: self._verify_user(request, user))
        return self.get_response(request)

    @staticmethod
    def _verify_user(request, user):
        from django_otp import DEVICE_ID_SESSION_KEY
        from django_otp.models import Device

        user.is_verified = lambda: bool(user.is_authenticated and request.session.get(DEVICE_ID_SESSION_KEY))
        if user.is_authenticated and request.session.get(DEVICE_ID_SESSION_KEY):
            from django.utils.functional import SimpleLazyObject

            def load():
                device = Device.from_persistent_id(request.session[DEVICE_ID_SESSION_KEY], for_verify=False)
                return device if device is not None and device.user_id == user.pk else None

            user.otp_device = SimpleLazyObject(load)
        else:
            user.otp_device = None
        return user


class MultiFactorMiddleware:
    """A staff user signed in with a password alone reaches nothing but the second-factor pages.

    The rule (:func:`mfa.session_complete`) is the same one the API's authentication applies
    (:class:`~mash.security.authentication.VerifiedSessionAuthentication`); here it turns pages
    into the set-up or verify step and answers the API with a clear 403. An API call from such a
    browser passes on only when it carries a valid DRF token, which DRF then authenticates first:
    a token is a system credential an administrator issues (``drf_create_token``), held
    server-side and revocable. Any other ``Authorization`` header (``Bearer``, ``Basic``, a wrong
    token) changes nothing.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if (
            user is not None
            and user.is_authenticated
            and not request.path.startswith(OPEN_PREFIXES)
            and not mfa.session_complete(user)
        ):
            if _is_api(request):
                if token_user(request) is not None:
                    return self.get_response(request)  # token-authenticated; the session plays no part
                return JsonResponse(
                    {"detail": "Finish signing in with your security code before using the API."}, status=403
                )
            target = "security:verify" if mfa.has_device(user) else "security:enrol"
            return redirect(f"{reverse(target)}?{urlencode({'next': request.get_full_path()})}")
        return self.get_response(request)


class SessionIdleTimeoutMiddleware:
    """Sign out a session left unused for ``SESSION_IDLE_TIMEOUT`` seconds (GOV.UK: warn, then sign out).

    Every request the session authenticates counts, whatever headers it carries, except two: an API
    call with a valid DRF token (which DRF authenticates instead of the session), and a worklist
    refreshing itself (htmx polling marks its requests ``X-Mash-Auto-Refresh``): a queue left open on
    a screen is not someone working, so it must not keep the session alive. Both still end a session
    that has expired. Pages warn ``SESSION_IDLE_WARNING`` seconds before
    (templates/security/timeout_warning.html). Work in progress survives: MARF drafts autosave to the
    database, and after signing in again the draft is where it was.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        timeout = getattr(settings, "SESSION_IDLE_TIMEOUT", 0)
        user = getattr(request, "user", None)
        if timeout and user is not None and user.is_authenticated and not self._token_authenticated(request):
            now = time.time()
            last_seen = request.session.get(LAST_SEEN)
            if last_seen is not None and now - last_seen > timeout:
                audit.record(actor=user, action="user.session_expired", changes={"idle_seconds": int(now - last_seen)})
                logout(request)
                if _is_api(request):
                    return JsonResponse({"detail": "Your session expired. Sign in again."}, status=401)
                messages.info(request, "You were signed out because you were inactive. Sign in again to carry on.")
                if request.headers.get("HX-Request") == "true":
                    # An htmx request would swap the sign-in page into the worklist: send the whole page there.
                    page = request.headers.get("HX-Current-URL") or request.get_full_path()
                    page = page if url_has_allowed_host_and_scheme(page, allowed_hosts={request.get_host()}) else "/"
                    response = HttpResponse(status=204)
                    response["HX-Redirect"] = f"{reverse('login')}?{urlencode({'next': _path_of(page)})}"
                    return response
                return redirect(f"{reverse('login')}?{urlencode({'next': request.get_full_path()})}")
            auto_refresh = request.headers.get(AUTO_REFRESH_HEADER) == "true"
            if last_seen is None or (not auto_refresh and now - last_seen >= LAST_SEEN_RESOLUTION):
                request.session[LAST_SEEN] = now
        return self.get_response(request)

    @staticmethod
    def _token_authenticated(request) -> bool:
        return _is_api(request) and "Authorization" in request.headers and token_user(request) is not None


def _path_of(url: str) -> str:
    """The path and query of ``url`` (an htmx request's page), for the sign-in page's ``next``."""
    parts = urlsplit(url)
    return parts.path + (f"?{parts.query}" if parts.query else "") or "/"


class SecurityHeadersMiddleware:
    """Headers Django does not set itself: Permissions-Policy, and no caching of anything answered
    to a signed-in browser or to a request carrying credentials (an API token)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        policy = getattr(settings, "PERMISSIONS_POLICY", "")
        if policy:
            response.setdefault("Permissions-Policy", policy)
        signed_in = request.COOKIES.get(settings.SESSION_COOKIE_NAME) or response.cookies.get(
            settings.SESSION_COOKIE_NAME
        )
        credentials = signed_in or "Authorization" in request.headers
        if credentials and not request.path.startswith(("/static/", "/assets/")):
            # A child's record must not stay in a shared computer's browser cache, nor in any cache
            # between a partner system and us.
            response.setdefault("Cache-Control", "no-store")
        return response


class PlatformAdminMiddleware:
    """Platform superusers' admin site (/platform-admin/), one tenant at a time.

    The web process has no database role that sees across tenants (mash.security.rls), so the
    admin works inside the tenant the superuser chose: ``?platform_tenant=<slug>`` on any
    /platform-admin/ page remembers the choice in the session (audited) and comes back without the
    parameter; ``?platform_tenant=`` forgets it. With none chosen, tenant-owned tables (agencies,
    audit events) list nothing; tenants and users, which are platform tables, are listed as ever.
    Only for verified superusers, only under /platform-admin/.
    """

    PARAM = "platform_tenant"
    SESSION_KEY = "mash_platform_tenant"

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if not (
            request.path.startswith("/platform-admin/")
            and user is not None
            and user.is_authenticated
            and user.is_superuser
            and user.is_active
            and mfa.session_complete(user)
        ):
            return self.get_response(request)
        from django.http import Http404, HttpResponseRedirect

        from mash.models import Tenant
        from mash.tenancy import tenant_context

        if self.PARAM in request.GET:
            slug = request.GET[self.PARAM].strip()
            tenant = Tenant.objects.filter(slug=slug).first() if slug else None
            if slug and tenant is None:
                raise Http404("No such tenant.")
            if tenant is None:
                request.session.pop(self.SESSION_KEY, None)
                audit.record(actor=user, action="platform_admin.tenant_cleared", tenant=None)
            else:
                request.session[self.SESSION_KEY] = tenant.pk
                audit.record(actor=user, action="platform_admin.tenant_chosen", obj=tenant, tenant=tenant)
            query = request.GET.copy()
            del query[self.PARAM]
            return HttpResponseRedirect(request.path + (f"?{query.urlencode()}" if query else ""))
        tenant_id = request.session.get(self.SESSION_KEY)
        if not isinstance(tenant_id, int):
            return self.get_response(request)
        with tenant_context(tenant_id):
            return self.get_response(request)
