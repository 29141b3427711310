from rest_framework import serializers

from .models import Notification


class NotificationSerializer(serializers.ModelSerializer):
    read = serializers.BooleanField(read_only=True)

    class Meta:
        model = Notification
        fields = ["id", "kind", "level", "subject", "message", "url", "created_at", "read", "read_at"]
        read_only_fields = fields


class PaginatedNotificationListSerializer(serializers.Serializer):
    """The page-number envelope of the list (for the OpenAPI document)."""

    count = serializers.IntegerField()
    next = serializers.URLField(allow_null=True)
    previous = serializers.URLField(allow_null=True)
    results = NotificationSerializer(many=True)
