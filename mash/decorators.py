from functools import wraps

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied


def role_required(*roles: str):
    """A page only the given roles may open; others get a 403 page, anonymous users the sign-in page."""

    def decorator(view):
        @wraps(view)
        def wrapped(request, *args, **kwargs):
            user = request.user
            if not user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            if not user.tenant_id or user.role not in roles:
                raise PermissionDenied("Your role may not open this page.")
            return view(request, *args, **kwargs)

        wrapped.allowed_roles = frozenset(roles)
        return wrapped

    return decorator


def tenant_member_required(view):
    """A page for anyone signed in with an account of a local authority (not platform superusers)."""

    @wraps(view)
    def wrapped(request, *args, **kwargs):
        user = request.user
        if not user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        if not user.tenant_id:
            raise PermissionDenied("Sign in with an account of a local authority.")
        return view(request, *args, **kwargs)

    return wrapped
