"""The platform superusers' Django admin. Tenant staff use the service's own pages."""

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin

from .models import Agency, AuditEvent, Tenant, User


@admin.register(Tenant)
class TenantAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "time_zone", "reference_prefix"]


@admin.register(Agency)
class AgencyAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "tenant", "active"]
    list_filter = ["tenant"]

    def get_queryset(self, request):
        # Platform admin crosses tenants deliberately (allow-listed).
        return Agency.all_tenants.select_related("tenant")


@admin.register(User)
class MashUserAdmin(UserAdmin):
    list_display = ["username", "tenant", "role", "agency", "is_active"]
    list_filter = ["tenant", "role"]
    fieldsets = (*UserAdmin.fieldsets, ("Local authority", {"fields": ("tenant", "role", "agency", "job_title")}))


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin):
    list_display = ["at", "tenant", "actor_label", "action", "object_type", "object_id"]
    list_filter = ["tenant", "action"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
