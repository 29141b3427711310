from rest_framework import serializers

from .models import Agency


class AgencySerializer(serializers.ModelSerializer):
    class Meta:
        model = Agency
        fields = ["id", "slug", "name", "active"]


class HealthSerializer(serializers.Serializer):
    database = serializers.BooleanField()
    broker = serializers.BooleanField()
    broker_error = serializers.CharField(allow_blank=True)
    worker_last_seen = serializers.DateTimeField(allow_null=True)
    beat_last_seen = serializers.DateTimeField(allow_null=True)
    sweep_last_run = serializers.DateTimeField(allow_null=True)


class PingSerializer(serializers.Serializer):
    token = serializers.CharField()


class PingResultSerializer(serializers.Serializer):
    token = serializers.CharField()
    seen_at = serializers.DateTimeField(allow_null=True)
