from rest_framework import serializers

from .models import Agency, DocumentKind


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


class DocumentSerializer(serializers.Serializer):
    """A document attached to a record (mash.documents). ``download`` is the only way to its content."""

    id = serializers.IntegerField()
    name = serializers.CharField(source="original_name", help_text="The file's name as uploaded, made safe.")
    kind = serializers.CharField(help_text="police_report, body_map, early_help_assessment, agency_record, ...")
    description = serializers.CharField()
    content_type = serializers.CharField(help_text="Found from the file's content, not its name.")
    size = serializers.IntegerField(help_text="In bytes.")
    uploaded_by = serializers.SerializerMethodField()
    uploaded_at = serializers.DateTimeField()
    download = serializers.SerializerMethodField(help_text="GET it for the file (an attachment).")

    def get_uploaded_by(self, document) -> str | None:
        return document.uploaded_by.get_username() if document.uploaded_by_id else None

    def get_download(self, document) -> str:
        return f"/api/v1/documents/{document.pk}/"


class DocumentUploadSerializer(serializers.Serializer):
    """multipart/form-data: the file, what it is, a description. The file is checked by its content."""

    file = serializers.FileField(required=False, allow_empty_file=True, use_url=False)
    kind = serializers.ChoiceField(choices=DocumentKind.choices)
    description = serializers.CharField(required=False, allow_blank=True, default="", max_length=500)
