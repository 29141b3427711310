"""Shared DRF base classes: every API view is tenant-scoped and role-checked without per-view code."""

from __future__ import annotations

import logging

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import ProtectedError
from django.http import Http404
from rest_framework import exceptions, status, viewsets
from rest_framework.response import Response
from rest_framework.views import APIView
from rest_framework.views import exception_handler as drf_exception_handler

from . import tenancy
from .exceptions import DomainError
from .permissions import IsTenantMember, role_permission  # noqa: F401 - re-exported for views

log = logging.getLogger(__name__)


class TenantScopedMixin:
    """Activates the caller's tenant after DRF authentication (token or session).

    Querysets come from ``Model.objects`` (scoped by construction) or a selector;
    another tenant's object therefore answers 404 without any code in the view.
    """

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        user = request.user
        tenant = getattr(user, "tenant", None) if user and user.is_authenticated else None
        request.tenant = tenant
        self._tenant_token = tenancy.activate(tenant)

    def finalize_response(self, request, response, *args, **kwargs):
        token = getattr(self, "_tenant_token", None)
        if token is not None:
            tenancy.deactivate(token)
            self._tenant_token = None
        return super().finalize_response(request, response, *args, **kwargs)


class TenantAPIView(TenantScopedMixin, APIView):
    pass


class TenantScopedViewSet(TenantScopedMixin, viewsets.GenericViewSet):
    """Base viewset. Subclasses set ``model`` or override :meth:`scoped_queryset` with a selector call."""

    model = None

    def scoped_queryset(self):
        return self.model.objects.all()

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # schema generation: no request, no tenant
            return self.model.all_tenants.none()
        return self.scoped_queryset()


def exception_handler(exc, context):
    """One place turning domain and model errors into the API's error shapes (never a 500)."""
    if isinstance(exc, DomainError):
        return Response(exc.as_errors(), status=exc.status_code)
    if isinstance(exc, DjangoValidationError):
        if hasattr(exc, "error_dict"):
            data = {field: [str(m) for e in errors for m in e.messages] for field, errors in exc.error_dict.items()}
        else:
            data = {"detail": exc.messages}
        return Response(data, status=status.HTTP_400_BAD_REQUEST)
    if isinstance(exc, ProtectedError):
        return Response(
            {"detail": "This record is still in use by other records and cannot be removed."},
            status=status.HTTP_409_CONFLICT,
        )
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    return drf_exception_handler(exc, context)
