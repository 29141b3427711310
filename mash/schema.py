"""OpenAPI generation for tenant-scoped views."""

from drf_spectacular.openapi import AutoSchema

from . import tenancy


class TenantAwareAutoSchema(AutoSchema):
    """Introspects each operation as a tenant that owns nothing.

    drf-spectacular and django-filter build querysets while describing a view, with no request
    tenant; the scoped manager rightly fails closed there. Describing runs under a tenant id no
    row can have instead, whether from the schema URL or ``manage.py spectacular``.
    """

    def get_operation(self, *args, **kwargs):
        if tenancy.current_tenant_id() is not None:
            return super().get_operation(*args, **kwargs)
        with tenancy.tenant_context(tenancy.NO_TENANT):
            return super().get_operation(*args, **kwargs)
