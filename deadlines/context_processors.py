from functools import cache

from mash import tenancy

from . import selectors


def notifications(request):
    """``unread_notifications``: the signed-in user's unread count, counted only if a template asks.

    A callable (templates call it), cached, so a page that shows the count runs one COUNT and a
    page that does not runs none.
    """
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated or not user.tenant_id:
        return {"unread_notifications": 0}

    @cache
    def unread_notifications() -> int:
        # The user's own tenant: DRF renders some HTML (the API docs' error pages) after authenticating a
        # token, when TenantMiddleware has already run for an anonymous request.
        with tenancy.tenant_context(user.tenant_id):
            return selectors.unread_notification_count(user=user)

    return {"unread_notifications": unread_notifications}
