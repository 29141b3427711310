from zoneinfo import ZoneInfo

from django.conf import settings
from django.utils import timezone
from whitenoise.middleware import WhiteNoiseMiddleware

from . import audit, tenancy
from .models import new_request_id


class GovukAssetsWhiteNoiseMiddleware(WhiteNoiseMiddleware):
    """WhiteNoise, also serving govuk-frontend's fonts and images at /assets/ where its CSS expects them."""

    def __init__(self, get_response=None, settings_=None):
        super().__init__(get_response)
        root = getattr(settings, "GOVUK_ASSETS_ROOT", None)
        if root and root.exists():
            self.add_files(str(root), prefix="assets/")


class RequestIdMiddleware:
    """Give every request an id, echoed in a header and stamped on its audit events."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.request_id = request.headers.get("X-Request-Id", "")[:64] or new_request_id()
        token = audit.set_request_id(request.request_id)
        try:
            response = self.get_response(request)
        finally:
            audit.reset_request_id(token)
        response["X-Request-Id"] = request.request_id
        return response


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
        request.tenant = tenant
        token = tenancy.activate(tenant)
        if tenant is not None:
            # Instants are stored in UTC and shown in the tenant's own zone.
            timezone.activate(ZoneInfo(tenant.time_zone))
        try:
            return self.get_response(request)
        finally:
            tenancy.deactivate(token)
            timezone.deactivate()
