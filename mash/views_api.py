import uuid

from django.db import connection
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import mixins, status
from rest_framework.response import Response

from . import documents, selectors, services
from .drf import TenantAPIView, TenantScopedViewSet, role_permission
from .models import Agency
from .roles import STAFF_ROLES, Role
from .serializers import AgencySerializer, HealthSerializer, PingResultSerializer, PingSerializer


class AgencyViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    mixins.DestroyModelMixin,
    TenantScopedViewSet,
):
    """The tenant's partner agencies. Staff read; tenant administrators change."""

    model = Agency
    serializer_class = AgencySerializer
    lookup_field = "slug"
    permission_classes = [role_permission(Role.ADMIN, safe_roles=tuple(STAFF_ROLES))]
    filterset_fields = ["active"]

    def scoped_queryset(self):
        return selectors.agencies()

    def perform_create(self, serializer):
        serializer.instance = services.create_agency(actor=self.request.user, **serializer.validated_data)

    def perform_update(self, serializer):
        serializer.instance = services.update_agency(
            actor=self.request.user, agency=serializer.instance, **serializer.validated_data
        )

    def perform_destroy(self, instance):
        services.remove_agency(actor=self.request.user, agency=instance)


def _broker_status() -> tuple[bool, str]:
    from .celery import app

    try:
        with app.connection_for_write() as conn:
            conn.ensure_connection(max_retries=1, timeout=2)
        return True, ""
    except Exception as exc:  # noqa: BLE001 - any failure means "unreachable"; reported, not raised
        return False, exc.__class__.__name__


class HealthView(TenantAPIView):
    """Broker and worker reachability, for operations (tenant admins and heads of service)."""

    permission_classes = [role_permission(Role.ADMIN, Role.HEAD)]

    @extend_schema(responses=HealthSerializer)
    def get(self, request):
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        broker_ok, broker_error = _broker_status()
        worker = selectors.last_heartbeat("worker")
        beat = selectors.last_heartbeat("beat")
        sweep = selectors.last_heartbeat("sweep")
        return Response(
            HealthSerializer(
                {
                    "database": True,
                    "broker": broker_ok,
                    "broker_error": broker_error,
                    "worker_last_seen": worker.at if worker else None,
                    "beat_last_seen": beat.at if beat else None,
                    "sweep_last_run": sweep.at if sweep else None,
                }
            ).data
        )


class HealthPingView(TenantAPIView):
    """Send a heartbeat task through the broker; the worker records it with the returned token."""

    permission_classes = [role_permission(Role.ADMIN, Role.HEAD)]

    @extend_schema(responses=PingResultSerializer)
    def get(self, request):
        """Has the worker executed the heartbeat sent with ``?token=``?"""
        token = request.query_params.get("token", "")
        seen = selectors.heartbeat_with_token(token) if token else None
        return Response(PingResultSerializer({"token": token, "seen_at": seen.at if seen else None}).data)

    @extend_schema(request=None, responses={202: PingSerializer})
    def post(self, request):
        from .tasks import heartbeat

        token = uuid.uuid4().hex
        heartbeat.delay(source="worker", token=token)
        return Response({"token": token}, status=status.HTTP_202_ACCEPTED)


class DocumentDownloadView(TenantAPIView):
    """A document's file, through the firewall of the record it belongs to; audited."""

    @extend_schema(
        responses={
            (200, "application/octet-stream"): OpenApiResponse(
                OpenApiTypes.BINARY,
                description="The file as an attachment, with the content type found from its content "
                "(PDF, PNG, JPEG, GIF, WebP, Word, plain text) and `X-Content-Type-Options: nosniff`.",
            ),
            404: OpenApiResponse(description="No such document, or one of a record you may not read."),
        },
    )
    def perform_content_negotiation(self, request, force=False):
        # The answer is the file, whatever the client accepts (Accept: application/pdf is not a 406).
        return super().perform_content_negotiation(request, force=True)

    def get(self, request, pk):
        return documents.download(document=documents.document_for(request.user, pk), actor=request.user)
