"""API permission classes (kept apart from mash.drf: DRF imports these while it is still loading)."""

from django.http import Http404
from rest_framework import permissions

from .exceptions import Conflict


class IsTenantMember(permissions.BasePermission):
    """Signed in and belonging to a tenant (platform superusers have no tenant API)."""

    message = "Sign in with an account of a local authority."

    def has_permission(self, request, view):
        user = request.user
        if not (user and user.is_authenticated and user.is_active and user.tenant_id):
            return False
        if user.tenant.is_suspended:  # a token of a suspended council (sessions end in TenantMiddleware)
            from .platform import SUSPENDED_MESSAGE

            self.message = SUSPENDED_MESSAGE
            return False
        return True


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


class ObjectGrantPermission(IsTenantMember):
    """django-guardian object permissions for the roles a viewset names in ``object_grant_roles``.

    Opt-in: :class:`mash.drf.TenantScopedViewSet` adds this class (and narrows its queryset to the
    objects granted) only when the viewset sets ``object_grant_roles``. For those roles an object
    without a ``view`` grant does not exist (404); an action needing more (``object_grant_actions``
    maps the action to ``change`` or another codename prefix; unsafe methods default to ``change``)
    is 403, or 409 with the object's own ``read_only_reason()`` when it has become read-only.
    Other roles are governed by their role permissions and selectors alone. With ``object_grant_path``
    the grants checked are those of the related object at that path.
    """

    message = "Your access to this record does not allow that."

    def has_object_permission(self, request, view, obj):
        user = request.user
        if user.role not in getattr(view, "object_grant_roles", ()):
            return True
        path = getattr(view, "object_grant_path", "")
        if path:  # the grant is held on a related object (e.g. a return's request)
            obj = getattr(obj, path)
        app_label, model = obj._meta.app_label, obj._meta.model_name
        if not user.has_perm(f"{app_label}.view_{model}", obj):
            raise Http404
        default = "view" if request.method in permissions.SAFE_METHODS else "change"
        needed = getattr(view, "object_grant_actions", {}).get(getattr(view, "action", None), default)
        if needed == "view" or user.has_perm(f"{app_label}.{needed}_{model}", obj):
            return True
        reason = getattr(obj, "read_only_reason", None)
        reason = reason() if callable(reason) else ""
        if reason:
            raise Conflict(reason)
        return False
