"""API permission classes (kept apart from mash.api: DRF imports these while it is still loading)."""

from rest_framework import permissions


class IsTenantMember(permissions.BasePermission):
    """Signed in and belonging to a tenant (platform superusers have no tenant API)."""

    message = "Sign in with an account of a local authority."

    def has_permission(self, request, view):
        user = request.user
        return bool(user and user.is_authenticated and user.is_active and user.tenant_id)


def role_permission(*roles: str, safe_roles: tuple[str, ...] | None = None):
    """A permission class allowing ``roles``; ``safe_roles`` (if given) may also read."""

    class _HasRole(IsTenantMember):
        message = "Your role may not do that."

        def has_permission(self, request, view):
            if not super().has_permission(request, view):
                return False
            allowed = set(roles)
            if safe_roles is not None and request.method in permissions.SAFE_METHODS:
                allowed |= set(safe_roles)
            return request.user.role in allowed

    _HasRole.__name__ = "HasRole_" + "_".join(roles)
    return _HasRole
