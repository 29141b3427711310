import re
from functools import partial
from zoneinfo import ZoneInfo

from django.conf import settings
from django.contrib.auth import logout
from django.http import JsonResponse
from django.shortcuts import render
from django.utils import timezone
from whitenoise.middleware import WhiteNoiseMiddleware

from . import audit, freshness, tenancy
from .models import new_request_id
from .platform import SUSPENDED_MESSAGE


class GovukAssetsWhiteNoiseMiddleware(WhiteNoiseMiddleware):
    """WhiteNoise, also serving govuk-frontend's and MoJ Frontend's fonts and images at /assets/, where their CSS
    expects them (the two sets of file names do not overlap).

    The disk is read once per process and configuration, not once per instance. A server makes one instance, but
    Django's test client makes one per client, and reading the 1,600 files the static finders list (every
    environment but production) took 150 to 400 ms each time: a third of the unit tests' time."""

    _scans: dict[tuple, dict] = {}

    def __init__(self, get_response=None, settings_=None):
        super().__init__(get_response)
        for name in ("GOVUK_ASSETS_ROOT", "MOJ_ASSETS_ROOT"):
            root = getattr(settings, name, None)
            if root and root.exists():
                self.add_files(str(root), prefix="assets/")

    def update_files_dictionary(self, root, prefix):
        self._scanned(("directory", root, prefix), partial(super().update_files_dictionary, root, prefix))

    def add_files_from_finders(self):
        finding = (repr(settings.STATICFILES_DIRS), tuple(settings.STATICFILES_FINDERS), tuple(settings.INSTALLED_APPS))
        self._scanned(("finders", *finding), super().add_files_from_finders)

    def _scanned(self, what: tuple, scan) -> None:
        """Add the files ``scan`` adds to ``self.files``, scanning only the first time in this process."""
        how = (self.static_prefix, self.max_age, self.allow_all_origins, self.charset, self.index_file,
               self.add_headers_function, repr(settings.STORAGES.get("staticfiles")))  # fmt: skip
        key = (*what, *how)
        files = self._scans.get(key)
        if files is None:
            kept, self.files = self.files, {}
            try:
                scan()
                files = self.files
            finally:
                self.files = kept
            self._scans[key] = files
        self.files.update(files)


# A proxy's or partner's request id (a UUID, a hex or base64url token) is kept so logs can be joined up;
# anything else (too long, spaces, control characters, markup) is replaced, never truncated or stored.
WELL_FORMED_REQUEST_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}")


class RequestIdMiddleware:
    """Give every request an id, echoed in a header and stamped on its audit events."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        supplied = request.headers.get("X-Request-Id", "")
        request.request_id = supplied if WELL_FORMED_REQUEST_ID.fullmatch(supplied) else new_request_id()
        token = audit.set_request_id(request.request_id)
        try:
            response = self.get_response(request)
        finally:
            audit.reset_request_id(token)
        response["X-Request-Id"] = request.request_id
        return response


def _suspended(request):
    """A suspended council's session ends here, with a message saying why (mash.platform)."""
    logout(request)
    request.tenant = None
    if request.path.startswith("/api/"):
        return JsonResponse({"detail": SUSPENDED_MESSAGE}, status=403)
    return render(request, "mash/suspended.html", {"message": SUSPENDED_MESSAGE}, status=403)


class TenantMiddleware:
    """Activate the signed-in user's tenant for the whole request (pages).

    API views authenticate by token inside DRF, so :class:`mash.drf.TenantScopedMixin`
    activates the tenant again after authentication; this middleware also guarantees
    the context is reset when the request ends, whatever happened inside.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        tenant = getattr(user, "tenant", None) if user is not None and user.is_authenticated else None
        if tenant is not None and tenant.is_suspended:
            return _suspended(request)
        request.tenant = tenant
        token = tenancy.activate(tenant)
        if tenant is not None:
            # Instants are stored in UTC and shown in the tenant's own zone.
            timezone.activate(ZoneInfo(tenant.time_zone))
        try:
            freshness.settle_for(user, tenant)  # work left to a worker that staff must not read around
            return self.get_response(request)
        finally:
            tenancy.deactivate(token)
            timezone.deactivate()
