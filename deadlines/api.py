"""The caller's own notifications.

Plain API views, not router viewsets: a notification belongs to one person, not to the tenant,
so the tenant-wide isolation fixtures (which expect an admin to see the tenant's rows) do not
fit. Own-only and cross-tenant 404s are tested in tests/deadlines/test_notifications_api.py.
"""

from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema
from rest_framework.pagination import PageNumberPagination
from rest_framework.response import Response

from mash.drf import TenantAPIView

from . import selectors, services
from .serializers import NotificationSerializer, PaginatedNotificationListSerializer


class NotificationListView(TenantAPIView):
    """Any signed-in user: their own notifications, newest first, paginated."""

    @extend_schema(
        operation_id="notifications_list", tags=["notifications"], responses=PaginatedNotificationListSerializer
    )
    def get(self, request):
        paginator = PageNumberPagination()
        page = paginator.paginate_queryset(selectors.notifications_for(user=request.user), request, view=self)
        return paginator.get_paginated_response(NotificationSerializer(page, many=True).data)


class NotificationReadView(TenantAPIView):
    """Mark one of the caller's notifications as read. Anyone else's is 404."""

    @extend_schema(
        operation_id="notifications_read", tags=["notifications"], request=None, responses=NotificationSerializer
    )
    def post(self, request, pk: int):
        notification = get_object_or_404(selectors.notifications_for(user=request.user), pk=pk)
        notification = services.mark_notification_read(notification=notification, actor=request.user)
        return Response(NotificationSerializer(notification).data)
